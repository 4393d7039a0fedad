from __future__ import annotations

from celery import shared_task

from .services import sync_pass


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300, ignore_result=True)
def run_sync_pass() -> str:
    """The periodic pass (django-celery-beat): refresh whatever is due."""
    return sync_pass().summary()
