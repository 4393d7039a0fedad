"""The allocation page's story of an order: created, each call, expiry or deletion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from allocations.models import Allocation
from calls.models import Call


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # "created", "call", "expires", "expired", "deleted"
    at: datetime | None
    call: Call | None = None


def allocation_timeline(*, allocation: Allocation, calls: list[Call]) -> list[TimelineEntry]:
    entries = [TimelineEntry("call", call.start_time or call.first_seen_at, call) for call in calls]
    if allocation.created_at:
        entries.append(TimelineEntry("created", allocation.created_at))
    if allocation.deleted_at:
        entries.append(TimelineEntry("deleted", allocation.deleted_at))
    if allocation.expires_at and not allocation.deleted_at:
        passed = allocation.expires_at <= timezone.now()
        entries.append(TimelineEntry("expired" if passed else "expires", allocation.expires_at))
    order = {"created": 0, "call": 1, "expires": 2, "expired": 2, "deleted": 2}
    return sorted(entries, key=lambda e: (e.at or timezone.now(), order[e.kind]))
