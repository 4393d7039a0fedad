"""Reads of the API: each lookup one index, whatever the size of the mirror."""

from __future__ import annotations

from django.db.models import QuerySet

from allocations.models import Allocation, Party
from exotel.phones import normalize_phone


def allocation_list_for_api(
    *, order_id: str | None = None, greenpin_id: str | None = None, phone: str | None = None
) -> QuerySet[Allocation]:
    """Allocations with this order ID, GreenPin ID or phone number (a party's or the virtual
    number, in any common format), with their parties. Exactly one of the three is given.

    Each is an exact match on an indexed column, so the cost does not grow with the table;
    the caller orders and limits (a page), and nothing is counted.
    """
    if order_id is not None:
        matching = Allocation.objects.filter(order_id=order_id)
    elif greenpin_id is not None:
        matching = Allocation.objects.filter(greenpin_id=greenpin_id)
    else:
        number = normalize_phone(phone or "")
        if not number:
            return Allocation.objects.none()
        # A UNION of two index lookups; an OR across the tables would scan.
        by_party = Party.objects.filter(number=number).values("allocation_id").order_by()
        by_virtual = Allocation.objects.filter(virtual_number=number).values("pk").order_by()
        matching = Allocation.objects.filter(pk__in=by_virtual.union(by_party))
    return matching.prefetch_related("parties")
