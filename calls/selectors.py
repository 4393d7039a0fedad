"""Reads of calls and events for pages, the linking rule and the sync pass."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from allocations.models import Allocation

from .models import MAX_APPLY_ATTEMPTS, UNMATCHED_STATES, Call, CallEvent, LinkState

BACKFILL_SETTLE = timedelta(hours=1)


def allocation_candidates_for_call(*, call: Call) -> QuerySet[Allocation]:
    """Allocations a call without a GreenPin ID may belong to.

    Its virtual number is the call's To (or From), its lifetime contains the call's start, and
    its custom_field equals the call's CustomField; where both are empty, the caller must be
    one of its parties.
    """
    numbers = [number for number in (call.to_number, call.from_number) if number]
    started = call.start_time or call.first_seen_at
    if not numbers:
        return Allocation.objects.none()
    if call.custom_field:
        # The call carries the custom_field of the allocation it went through.
        fits = Q(custom_field=call.custom_field)
    else:
        fits = Q(custom_field="", parties__number=call.from_number)
    return (
        Allocation.objects.filter(virtual_number__in=numbers, created_at__lte=started)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gte=started))
        .filter(Q(deleted_at__isnull=True) | Q(deleted_at__gte=started))
        .filter(fits)
        .distinct()
    )


def call_list_to_relink(*, limit: int = 500) -> QuerySet[Call]:
    """Unmatched calls on a virtual number whose allocations were synced since the rule last
    ran for them: one of those allocations may fit now."""
    synced_since = Allocation.objects.filter(
        virtual_number=OuterRef("to_number"), last_synced_at__gt=OuterRef("link_checked_at")
    )
    return (
        Call.objects.filter(link_state__in=[*UNMATCHED_STATES, LinkState.PENDING])
        .filter(Q(link_checked_at__isnull=True) | Exists(synced_since))
        .order_by("id")[:limit]
    )


def call_list_due(*, now: datetime | None = None, limit: int = 1000) -> QuerySet[Call]:
    """Calls whose next pull from the Call API is due, most overdue first (an index scan)."""
    now = now or timezone.now()
    return Call.objects.filter(next_pull_at__lte=now).order_by("next_pull_at", "id")[:limit]


def call_event_list_unapplied(*, limit: int = 1000) -> QuerySet[CallEvent]:
    return CallEvent.objects.filter(
        applied_at__isnull=True, apply_attempts__lt=MAX_APPLY_ATTEMPTS
    ).order_by("received_at", "id")[:limit]


def allocation_list_needing_backfill(*, now: datetime | None = None, limit: int = 100):
    """Allocations that counted more calls than are mirrored, not searched again recently."""
    now = now or timezone.now()
    recently = now - timedelta(seconds=settings.CALL_BACKFILL_INTERVAL)
    # Calls reach the Call API minutes after they end: an ended allocation is searched until
    # a search has run comfortably after its end, then never again.
    settled = Q(status__in=["expired", "deleted", "missing"]) & Q(
        calls_checked_at__gt=F("expires_at") + BACKFILL_SETTLE
    )
    return (
        Allocation.objects.exclude(virtual_number="")
        .filter(call_count__gt=0, created_at__isnull=False)
        .filter(Q(calls_checked_at__isnull=True) | Q(calls_checked_at__lte=recently))
        .exclude(settled)
        .annotate(mirrored_calls=Count("calls"))
        .filter(call_count__gt=F("mirrored_calls"))
        .order_by(F("calls_checked_at").asc(nulls_first=True), "id")[:limit]
    )


def call_list_for_allocation(*, allocation: Allocation) -> QuerySet[Call]:
    return Call.objects.filter(allocation=allocation).order_by("-start_time", "-id")


def call_get_for_page(*, sid: str) -> Call | None:
    """One call with its allocation; None when it is not mirrored."""
    return Call.objects.select_related("allocation").filter(sid=sid).first()


def call_event_list_for_call(*, call: Call) -> QuerySet[CallEvent]:
    return CallEvent.objects.filter(call_sid=call.sid).order_by("received_at", "id")


def call_list_with_events(*, allocation: Allocation, latest: int) -> list[Call]:
    """The allocation's `latest` calls with their events, oldest first, in two queries."""
    calls = list(
        Call.objects.filter(allocation=allocation)
        .order_by("-start_time", "-id")
        .prefetch_related("events")[:latest]
    )
    return calls[::-1]


def call_list_unmatched_candidates(
    *, allocation: Allocation, now: datetime | None = None
) -> QuerySet[Call]:
    """Unmatched calls that may belong to this allocation: on its virtual number, started
    within its lifetime (up to now while it lasts). Oldest first."""
    if not allocation.virtual_number or allocation.created_at is None:
        return Call.objects.none()
    number = allocation.virtual_number
    return (
        Call.objects.filter(link_state__in=UNMATCHED_STATES)
        .filter(Q(to_number=number) | Q(from_number=number))
        .filter(
            start_time__gte=allocation.created_at,
            start_time__lte=allocation.ended_at or now or timezone.now(),
        )
        .order_by("start_time", "id")
    )
