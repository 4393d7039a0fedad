"""Celery entry points for allocations: thin, idempotent, keyed by ID."""

from __future__ import annotations

from celery import shared_task

from exotel.errors import AuthenticationFailed

from .models import Allocation
from .services import allocation_refresh


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150, ignore_result=True)
def refresh_allocation(allocation_id: int) -> str:
    """Refresh one allocation now (admin action, on-demand). Running it twice is harmless."""
    allocation = Allocation.objects.filter(pk=allocation_id).first()
    if allocation is None:
        return "gone"
    try:
        return allocation_refresh(allocation=allocation).describe()
    except AuthenticationFailed as error:
        return f"stopped: {error}"
