"""Pool processes killed by hand (kill -9): the worker heals itself, and /healthz fails while
workers take nothing from a queue that holds messages."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from calls.models import CallEvent
from calls.services import call_event_ingest
from tests.workers import running_workers, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def pool_children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(child) for child in found.stdout.split()]


def unapplied() -> int:
    return CallEvent.objects.filter(applied_at__isnull=True).count()


def ingest_events(count: int) -> None:
    for n in range(count):
        call_event_ingest(
            payload={"CallSid": f"sidkill{n:04d}", "Status": "ringing", "EventType": "ringing"}
        )


def test_killing_both_pool_processes_mid_burst_loses_no_event(standin, settings):
    with running_workers(standin, settings, WORKER_STALL_TIMEOUT="5") as workers:
        worker = workers.start(pool="prefork", concurrency=2, name="events")
        assert wait_until(lambda: len(pool_children(worker.pid)) == 2, timeout=30)
        ingest_events(100)
        assert wait_until(lambda: unapplied() < 100, timeout=30), "the burst never started"
        for child in pool_children(worker.pid):
            os.kill(child, signal.SIGKILL)
        started = time.monotonic()
        applied = wait_until(lambda: unapplied() == 0, timeout=60)
        took = time.monotonic() - started

    assert applied, f"{unapplied()} of 100 events still unapplied 60 s after the kill"
    assert worker.returncode in (None, 0, -15), "the worker died instead of recovering"
    print(f"all applied {took:.1f} s after the kill")


def test_healthz_fails_while_workers_take_nothing_and_recovers(standin, settings, client):
    settings.WORKER_STALL_TIMEOUT = 3
    # The worker's own watchdog is kept out of the way: this is about what /healthz sees.
    with running_workers(standin, settings, WORKER_STALL_TIMEOUT="600") as workers:
        worker = workers.start(pool="prefork", concurrency=2, name="wedged")
        assert wait_until(lambda: len(pool_children(worker.pid)) == 2, timeout=30)
        assert client.get("/healthz").status_code == 200
        children = pool_children(worker.pid)
        for child in children:
            os.kill(child, signal.SIGSTOP)  # alive, but taking nothing: wedged
        try:
            ingest_events(20)
            wedged = wait_until(lambda: client.get("/healthz").status_code == 503, timeout=30)
            body = client.get("/healthz").content
        finally:
            for child in children:
                os.kill(child, signal.SIGCONT)
        drained = wait_until(lambda: unapplied() == 0, timeout=60)
        healthy = wait_until(lambda: client.get("/healthz").status_code == 200, timeout=30)

    assert wedged, "/healthz stayed 200 while no worker took a message"
    assert body == b"workers not taking work\n"
    assert drained
    assert healthy
