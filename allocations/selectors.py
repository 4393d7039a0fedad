"""Reads of allocations for pages, commands and tasks."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from .models import Allocation


def allocation_list_due(*, now: datetime | None = None, limit: int | None = None) -> QuerySet:
    """Allocations whose next refresh time has come, most overdue first (an index scan)."""
    now = now or timezone.now()
    queryset = Allocation.objects.filter(next_sync_at__lte=now).order_by("next_sync_at", "id")
    return queryset[: limit or settings.SYNC_BATCH_SIZE]


def allocation_count_due(*, now: datetime | None = None) -> int:
    return Allocation.objects.filter(next_sync_at__lte=now or timezone.now()).count()


def allocation_get_for_page(*, greenpin_id: str) -> Allocation | None:
    """One allocation with its parties, in two queries; None when it is not mirrored."""
    return Allocation.objects.prefetch_related("parties").filter(greenpin_id=greenpin_id).first()


def allocation_get_freshness(*, greenpin_id: str) -> dict | None:
    """When it was last synced and last tried (one indexed lookup); None when unknown."""
    freshness = (
        Allocation.objects.filter(greenpin_id=greenpin_id)
        .values("last_synced_at", "last_sync_attempt_at")
        .first()
    )
    return None if freshness is None else dict(freshness)


def allocation_list_sync_states(*, greenpin_ids: list[str]) -> dict[str, dict]:
    """How far each of these allocations has been fetched (status, last sync, last error),
    by GreenPin ID, in one query; IDs not mirrored are left out."""
    rows = Allocation.objects.filter(greenpin_id__in=greenpin_ids).values(
        "greenpin_id",
        "status",
        "order_id",
        "last_synced_at",
        "last_sync_error",
        "last_sync_error_kind",
        "next_sync_at",
    )
    return {row["greenpin_id"]: dict(row) for row in rows}
