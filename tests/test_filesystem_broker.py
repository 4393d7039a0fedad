"""The embedded broker (filesystem) keeps to var/ and survives its folder going missing."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings
from kombu import Connection, Exchange, Queue

import greenpin_admin.celery  # noqa: F401 (installs the project's filesystem transport)


def test_the_broker_writes_nothing_outside_var():
    var = Path(settings.VAR_DIR).resolve()
    for option in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
        assert var in Path(settings.FILESYSTEM_BROKER_OPTIONS[option]).resolve().parents


def test_a_broker_folder_removed_for_a_moment_is_recreated_and_work_goes_on(tmp_path):
    folders = {
        "data_folder_in": str(tmp_path / "broker"),
        "data_folder_out": str(tmp_path / "broker"),
        "control_folder": str(tmp_path / "control"),
        "processed_folder": str(tmp_path / "processed"),
        "store_processed": False,
    }
    for name in ("broker", "control"):
        (tmp_path / name).mkdir()
    queue = Queue("events", Exchange("events", type="direct"), routing_key="events")
    with Connection("filesystem://", transport_options=folders) as connection:
        consumer_side = connection.SimpleQueue(queue)
        shutil.rmtree(tmp_path / "broker")  # a cleanup removes it under a running worker

        assert consumer_side.qsize() == 0
        try:
            consumer_side.get(block=False)
            raise AssertionError("nothing was put, nothing may come")
        except consumer_side.Empty:
            pass
        consumer_side.put({"event": 1})
        message = consumer_side.get(block=False)

        assert message.payload == {"event": 1}
        message.ack()
        consumer_side.close()
