"""The one search box: an order ID, a phone number, a GreenPin ID, a call SID or a virtual
number."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from allocations.models import Allocation, Party
from calls.models import Call
from calls.selectors import SUMMARY_FIELDS
from exotel.phones import normalize_phone


def allocation_search(*, query: str) -> QuerySet[Allocation]:
    """Allocations matching `query` exactly on any indexed identifier.

    Every branch is an index lookup: order ID, GreenPin ID, call SID, virtual number and party
    number (numbers compared in E.164, so any common way of typing one finds it).
    """
    text = query.strip()
    if not text:
        return Allocation.objects.none()
    # A UNION of one index lookup per identifier: an OR across columns and subqueries would
    # let the planner fall back to scanning every allocation.
    branches = [
        Allocation.objects.filter(order_id=text).values("pk"),
        Allocation.objects.filter(greenpin_id=text).values("pk"),
        Call.objects.filter(sid=text, allocation__isnull=False).values("allocation_id"),
    ]
    phone = normalize_phone(text)
    if phone:
        branches += [
            Allocation.objects.filter(virtual_number=phone).values("pk"),
            Party.objects.filter(number=phone).values("allocation_id"),
        ]
    branches = [branch.order_by() for branch in branches]  # SQLite refuses ordered branches
    matching = branches[0].union(*branches[1:])
    return Allocation.objects.filter(pk__in=matching).prefetch_related("parties")


def allocation_list_recent() -> QuerySet[Allocation]:
    return Allocation.objects.prefetch_related("parties")


def allocation_list_with_calls(queryset: QuerySet[Allocation]) -> QuerySet[Allocation]:
    """The same allocations with the calls each one's outcome is told from: one query for a
    whole page of rows, however many rows and calls."""
    calls = Call.objects.only("allocation_id", *SUMMARY_FIELDS)
    return queryset.prefetch_related(Prefetch("calls", queryset=calls))


def call_find_unlinked(*, query: str) -> Call | None:
    """A call with this SID that belongs to no allocation (its own page is the answer)."""
    return Call.objects.filter(sid=query.strip(), allocation__isnull=True).first()
