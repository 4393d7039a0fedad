from __future__ import annotations

from celery import shared_task

from .retention import purge_expired
from .services import sync_dispatch


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300, ignore_result=True)
def run_sync_pass() -> str:
    """The periodic pass (django-celery-beat): hand whatever is due to the workers."""
    report = sync_dispatch()
    return report.summary() if report else "skipped: another pass is running"


@shared_task(acks_late=True, soft_time_limit=3000, time_limit=3300, ignore_result=True)
def purge_expired_data() -> str:
    """Delete what is past its retention (daily), in batches."""
    return ", ".join(f"{count} {name}" for name, count in purge_expired().items())
