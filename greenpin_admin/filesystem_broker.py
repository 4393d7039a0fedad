"""Celery's filesystem broker (the embedded default), tolerant of its folders going missing.

kombu's transport lists its folder on every poll; a folder removed for a moment (a cleanup,
`rm -rf var/…`) raised FileNotFoundError, which Celery treats as an unrecoverable error, and
the worker exited. Here a missing folder is created again and the poll finds nothing; the
messages it held are lost to the broker, but every call event is stored in the database
first and the next sync pass applies it.
"""

from __future__ import annotations

import os

from kombu.transport import TRANSPORT_ALIASES, filesystem


class Channel(filesystem.Channel):
    def _folders(self) -> None:
        for folder in (self.data_folder_in, self.data_folder_out, self.control_folder):
            os.makedirs(folder, exist_ok=True)
        if self.store_processed:
            os.makedirs(self.processed_folder, exist_ok=True)

    def _get(self, queue):
        if not os.path.isdir(self.data_folder_in):
            self._folders()
        return super()._get(queue)

    def _put(self, queue, payload, **kwargs):
        if not os.path.isdir(self.data_folder_out):
            self._folders()
        return super()._put(queue, payload, **kwargs)

    def _size(self, queue):
        if not os.path.isdir(self.data_folder_in):
            self._folders()
        return super()._size(queue)

    def _purge(self, queue):
        if not os.path.isdir(self.data_folder_in):
            self._folders()
        return super()._purge(queue)


class Transport(filesystem.Transport):
    Channel = Channel


def install() -> None:
    """Make `filesystem://` mean this transport, in every process that loads the Celery app."""
    TRANSPORT_ALIASES["filesystem"] = f"{__name__}:Transport"
