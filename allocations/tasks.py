"""Celery entry points for allocations: thin, idempotent, keyed by ID."""

from __future__ import annotations

import logging

from celery import shared_task

from exotel.errors import ExotelError

from .models import Allocation
from .services import allocation_refresh

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
    """Refresh a batch the periodic pass handed out; stops at a 401 or an open circuit (the
    rows keep their schedule and come round again)."""
    done = 0
    for allocation in Allocation.objects.filter(pk__in=allocation_ids).order_by("pk"):
        try:
            allocation_refresh(allocation=allocation, owner=self.request.id)
        except ExotelError as error:  # the credentials alert or an open circuit
            logger.warning("batch stopped after %d: %s", done, error, exc_info=True)
            return f"stopped after {done}: {error}"
        done += 1
    return f"{done} refreshed"
