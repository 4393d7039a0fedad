"""Reads of calls and events for pages, the linking rule and the sync pass."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from allocations.models import Allocation

from .models import Call, CallEvent


def allocation_candidates_for_call(*, call: Call) -> QuerySet[Allocation]:
    """Allocations a call without a GreenPin ID may belong to (the design's linking rule).

    Its virtual number is the call's To (or From), its lifetime contains the call's start, and
    its custom_field equals the call's CustomField; where its custom_field is empty, the caller
    must be one of its parties.
    """
    numbers = [number for number in (call.to_number, call.from_number) if number]
    started = call.start_time or call.first_seen_at
    if not numbers:
        return Allocation.objects.none()
    same_field = Q(custom_field=call.custom_field) & ~Q(custom_field="")
    caller_is_party = Q(custom_field="", parties__number=call.from_number)
    return (
        Allocation.objects.filter(virtual_number__in=numbers, created_at__lte=started)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gte=started))
        .filter(same_field | caller_is_party)
        .distinct()
    )


def call_list_due(*, now: datetime | None = None, limit: int = 1000) -> QuerySet[Call]:
    """Calls whose next pull from the Call API is due, most overdue first (an index scan)."""
    now = now or timezone.now()
    return Call.objects.filter(next_pull_at__lte=now).order_by("next_pull_at", "id")[:limit]


def call_event_list_unapplied(*, limit: int = 1000) -> QuerySet[CallEvent]:
    return CallEvent.objects.filter(applied_at__isnull=True).order_by("received_at", "id")[:limit]


def allocation_list_needing_backfill(*, now: datetime | None = None, limit: int = 100):
    """Allocations that counted more calls than are mirrored, not searched again recently."""
    now = now or timezone.now()
    recently = now - timedelta(seconds=settings.CALL_BACKFILL_INTERVAL)
    return (
        Allocation.objects.exclude(virtual_number="")
        .filter(call_count__gt=0, created_at__isnull=False)
        .filter(Q(calls_checked_at__isnull=True) | Q(calls_checked_at__lte=recently))
        .annotate(mirrored_calls=Count("calls"))
        .filter(call_count__gt=F("mirrored_calls"))
        .order_by("calls_checked_at", "id")[:limit]
    )


def call_list_for_allocation(*, allocation: Allocation) -> QuerySet[Call]:
    return Call.objects.filter(allocation=allocation).order_by("-start_time", "-id")


def call_get_for_page(*, sid: str) -> Call:
    queryset = Call.objects.select_related("allocation").prefetch_related("allocation__parties")
    return get_object_or_404(queryset, sid=sid)


def call_event_list_for_call(*, call: Call) -> QuerySet[CallEvent]:
    return CallEvent.objects.filter(call_sid=call.sid).order_by("received_at", "id")
