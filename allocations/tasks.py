"""Celery entry points for allocations: thin, idempotent, keyed by ID."""

from __future__ import annotations

import logging

from celery import shared_task

from exotel.errors import ExotelError

from .models import Allocation
from .services import allocation_refresh, allocations_refresh

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, soft_time_limit=60, time_limit=90, ignore_result=True)
def refresh_allocation(self, allocation_id: int) -> str:
    """Refresh one allocation now (a page someone is looking at, the admin action)."""
    allocation = Allocation.objects.filter(pk=allocation_id).first()
    if allocation is None:
        return "gone"
    try:
        return allocation_refresh(allocation=allocation, owner=self.request.id).describe()
    except ExotelError as error:  # the credentials alert or an open circuit
        logger.warning("allocation %s not refreshed: %s", allocation_id, error, exc_info=True)
        return f"not refreshed: {error}"


@shared_task(bind=True, acks_late=True, soft_time_limit=240, time_limit=300, ignore_result=True)
def refresh_allocations(self, allocation_ids: list[int]) -> str:
    """Refresh a batch the periodic pass handed out; stops at a 401, an open circuit or a
    spent request budget (the rows left come round again; see `allocations_refresh`)."""
    batch = allocations_refresh(allocation_ids=allocation_ids, owner=self.request.id)
    if batch.stopped_by is not None:
        error = batch.stopped_by
        logger.warning(
            "batch stopped after %d, %d left: %s",
            batch.refreshed,
            batch.left,
            error,
            exc_info=error,
        )
        return f"stopped after {batch.refreshed}, {batch.left} left: {error}"
    return f"{batch.refreshed} refreshed"
