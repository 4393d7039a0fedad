"""Workers that stop taking work: a heartbeat per queue for `/healthz`, and a watchdog that
restarts a worker whose pool has wedged.

A prefork worker whose pool processes are killed (`kill -9`, the OOM killer) can end up
holding messages it never hands to the new processes: it looks alive, takes nothing, and
its queue grows. The watchdog notices a message that waits for a free pool process longer
than `WORKER_STALL_TIMEOUT` and restarts the worker in place (a warm shutdown gives the
messages back to the broker, then the same command starts again). Whatever the cause,
`/healthz` fails while a queue holds messages and no worker anywhere has taken one from it
for that long, so an orchestrator restarts what the watchdog could not.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
import time

from django.conf import settings

from exotel.coordination import coordinator

logger = logging.getLogger(__name__)

WATCHDOG_INTERVAL = 2.0  # seconds between the watchdog's looks at the worker's state


def heartbeat_key(queue: str) -> str:
    return f"queue-taken:{queue}"


def waiting_key(queue: str) -> str:
    return f"queue-waiting:{queue}"


def worker_took_task(queue: str) -> None:
    """A worker took a message from `queue` (any machine's worker: the mark is shared)."""
    coordinator().mark(heartbeat_key(queue))


def queue_lengths(connection, queues: list[str]) -> dict[str, int]:
    """Messages waiting in each queue (not those a worker already holds)."""
    from kombu.exceptions import ChannelError

    lengths = {}
    channel = connection.channel()
    try:
        for queue in queues:
            try:
                lengths[queue] = channel.queue_declare(queue=queue, passive=True).message_count
            except ChannelError:  # never declared, or emptied and removed: nothing waits
                lengths[queue] = 0
    finally:
        channel.close()
    return lengths


def queues_stalled(lengths: dict[str, int]) -> list[str]:
    """The queues (name -> messages waiting) that held messages for longer than
    WORKER_STALL_TIMEOUT while no worker took one. Called by every `/healthz`, so the time a
    queue was first seen waiting is shared by all web processes."""
    limit = settings.WORKER_STALL_TIMEOUT
    backend = coordinator()
    stalled = []
    for queue, length in lengths.items():
        if not length:
            backend.forget(waiting_key(queue))
            continue
        backend.mark(waiting_key(queue), only_if_absent=True)
        waiting_for = backend.age(waiting_key(queue)) or 0.0
        since_taken = backend.age(heartbeat_key(queue))
        idle = waiting_for if since_taken is None else min(waiting_for, since_taken)
        if idle > limit:
            stalled.append(queue)
    return stalled


class Watchdog:
    """Runs in a prefork worker's main process; restarts the worker when its pool wedges."""

    def __init__(self, *, concurrency: int, stall_timeout: float) -> None:
        self.concurrency = concurrency
        self.stall_timeout = stall_timeout
        self.last_accepted = 0
        self.last_progress = time.monotonic()
        self.restarting = False

    def check(self) -> bool:
        """True when a message has waited for a free pool process past the limit."""
        from celery.worker import state

        accepted = state.all_total_count[0]
        active = len(state.active_requests)
        waiting = len(state.reserved_requests) - active
        now = time.monotonic()
        if accepted != self.last_accepted or waiting <= 0 or active >= self.concurrency:
            self.last_accepted, self.last_progress = accepted, now
            return False
        return now - self.last_progress > self.stall_timeout

    def restart(self) -> None:
        """Celery's own restart (as on SIGHUP): a warm shutdown, which gives unacknowledged
        messages back to the broker, then the same command line again."""
        from celery.worker import state

        self.restarting = True
        logger.error(
            "no pool process took a waiting task for %.0f s: restarting this worker",
            self.stall_timeout,
        )
        atexit.register(_exec_again)
        state.should_stop = 0

    def run(self) -> None:
        while not self.restarting:
            time.sleep(WATCHDOG_INTERVAL)
            try:
                if self.check():
                    self.restart()
            except Exception:  # the watchdog must never take the worker down itself
                logger.exception("worker watchdog")


def _exec_again() -> None:
    argv = sys.argv[1:]
    # `python -m celery` leaves celery/__main__.py in argv[0], which cannot run as a script.
    program = ["-m", "celery"] if sys.argv[0].endswith("__main__.py") else [sys.argv[0]]
    os.execv(sys.executable, [sys.executable, *program, *argv])  # noqa: S606 (our own argv)


def start_watchdog(*, concurrency: int) -> Watchdog:
    watchdog = Watchdog(concurrency=concurrency, stall_timeout=settings.WORKER_STALL_TIMEOUT)
    threading.Thread(target=watchdog.run, name="worker-watchdog", daemon=True).start()
    return watchdog
