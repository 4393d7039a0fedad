"""What gunicorn.conf.py names: a thread worker with a timeout on each client socket, and an
access log that hides the webhook's secret."""

from __future__ import annotations

import re

from gunicorn.glogging import Logger
from gunicorn.workers.gthread import ThreadWorker

# Seconds a client may stay silent while sending its request or reading the answer.
CLIENT_TIMEOUT = 10

# The webhook authenticates by a secret path segment; a log line must never carry it (nor
# a near miss, which is usually a typo of it).
_WEBHOOK_SECRET = re.compile(r"(/webhooks/exotel/)[^/?#\s]*")


def redact(text: str) -> str:
    return _WEBHOOK_SECRET.sub(r"\1[secret]", text)


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            name: redact(value) if isinstance(value, str) else value
            for name, value in atoms.items()
        }


class ClientTimeoutThreadWorker(ThreadWorker):
    """gthread, except that a client that stops sending (or reading) loses its thread after
    CLIENT_TIMEOUT seconds instead of holding it for ever."""

    def handle(self, conn):
        # enqueue_req has made the socket blocking (with no timeout) just before this.
        conn.sock.settimeout(CLIENT_TIMEOUT)
        return super().handle(conn)
