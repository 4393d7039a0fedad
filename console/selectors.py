"""The one search box: an order ID, a phone number, a GreenPin ID, a call SID or a virtual
number."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from allocations.models import Allocation, Party
from calls.models import Call
from exotel.phones import normalize_phone


def allocation_search(*, query: str) -> QuerySet[Allocation]:
    """Allocations matching `query` exactly on any indexed identifier.

    Every branch is an index lookup: order ID, GreenPin ID, call SID, virtual number and party
    number (numbers compared in E.164, so any common way of typing one finds it).
    """
    text = query.strip()
    if not text:
        return Allocation.objects.none()
    calls = Call.objects.filter(sid=text).values("allocation_id")
    condition = Q(order_id=text) | Q(greenpin_id=text) | Q(pk__in=calls)
    phone = normalize_phone(text)
    if phone:
        party_of = Party.objects.filter(number=phone).values("allocation_id")
        condition |= Q(virtual_number=phone) | Q(pk__in=party_of)
    return Allocation.objects.filter(condition).prefetch_related("parties")


def allocation_list_recent() -> QuerySet[Allocation]:
    return Allocation.objects.prefetch_related("parties")


def call_find_unlinked(*, query: str) -> Call | None:
    """A call with this SID that belongs to no allocation (its own page is the answer)."""
    return Call.objects.filter(sid=query.strip(), allocation__isnull=True).first()
