"""Which queue each task goes to, and the queues this deployment's workers consume.

Webhook events and what a person is waiting for never queue behind a rate-limited sync."""

from __future__ import annotations

from django.conf import settings

QUEUES = {
    "calls.tasks.apply_call_event": "events",
    "allocations.tasks.refresh_allocation": "interactive",
    "allocations.tasks.refresh_allocations": "sync",
    "calls.tasks.pull_calls": "sync",
    "sync.tasks.run_sync_pass": "sync",
    "sync.tasks.purge_expired_data": "sync",
}


def queue_for(task_name: str) -> str | None:
    """The prefixed queue of a task, or None for Celery's default queue."""
    queue = QUEUES.get(task_name)
    return settings.CELERY_QUEUE_PREFIX + queue if queue else None


def consumed_queues() -> list[str]:
    return [settings.CELERY_QUEUE_PREFIX + queue for queue in sorted({*QUEUES.values(), "celery"})]
