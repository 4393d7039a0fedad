"""Real Celery workers in their own processes, sharing the test database and the broker.

They need PostgreSQL and Redis (CI's first pass): a worker is another process, so an
in-memory SQLite test database or a filesystem broker cannot be shared with it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import ACCOUNT_SID, API_KEY, API_TOKEN, EXOBRIDGE_TOKEN
from tests.logscan import append_worker_output

QUEUES = ("events", "interactive", "sync", "celery")


def require_shared_services() -> None:
    shared = connection.vendor == "postgresql" and settings.CELERY_BROKER_URL.startswith(
        ("redis://", "amqp://")
    )
    if not shared:
        message = "needs DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://… or amqp://…"
        if os.environ.get("REQUIRE_WORKER_TESTS"):
            pytest.fail(message)
        pytest.skip(message)


class Workers:
    """Start worker processes consuming this test's own queues (a unique prefix)."""

    def __init__(self, standin, extra_env: dict[str, str]) -> None:
        self.prefix = f"t{uuid.uuid4().hex[:8]}-"
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_QUEUE_PREFIX": self.prefix,
            "EXOTEL_ACCOUNT_SID": ACCOUNT_SID,
            "EXOTEL_EXOBRIDGE_TOKEN": EXOBRIDGE_TOKEN,
            "EXOTEL_API_KEY": API_KEY,
            "EXOTEL_API_TOKEN": API_TOKEN,
            "EXOTEL_GREENPIN_URL": standin.url,
            "EXOTEL_CALLS_URL": standin.url,
            "EXOTEL_BACKOFF_BASE": "0.05",
            "COORDINATION_KEY_PREFIX": settings.COORDINATION_KEY_PREFIX,
            "EXOTEL_RATE_LIMIT_PER_MINUTE": str(settings.EXOTEL_RATE_LIMIT_PER_MINUTE),
            "COORDINATION_URL": settings.COORDINATION_URL,
            "LOG_FORMAT": "json",
            **extra_env,
        }
        self.processes: list[subprocess.Popen] = []
        # Output goes to files, not pipes: a pipe nobody reads fills up (64 KiB of JSON log
        # lines is a few hundred tasks) and then blocks every process writing to it.
        self.outputs: list[IO[str]] = []

    def start(
        self, *, concurrency: int = 1, pool: str = "solo", name: str = ""
    ) -> subprocess.Popen:
        queues = ",".join(self.prefix + queue for queue in QUEUES)
        output = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed in stop())
        self.outputs.append(output)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "greenpin_admin",
                "worker",
                "--pool",
                pool,
                "--concurrency",
                str(concurrency),
                "--queues",
                queues,
                "--hostname",
                f"{name or len(self.processes)}.{self.prefix}@%h",
                "--loglevel",
                "INFO",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
            ],
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def stop(self) -> str:
        output = []
        for process, file in zip(self.processes, self.outputs, strict=True):
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            file.seek(0)
            out = file.read()
            file.close()
            output.append(out)
            append_worker_output(out)
        return "\n".join(output)


@contextmanager
def running_workers(standin, settings_fixture, **extra_env: str) -> Iterator[Workers]:
    require_shared_services()
    workers = Workers(standin, extra_env)
    settings_fixture.CELERY_QUEUE_PREFIX = workers.prefix
    try:
        yield workers
    finally:
        print(workers.stop()[-6000:])  # shown by pytest when the test fails


def wait_until(condition, *, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(interval)
    return condition()
