"""CSV export of search results, streamed row by row so 100,000 rows never sit in memory."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.utils import timezone

from .masking import mask_phone, mask_pin

HEADER = [
    "greenpin_id",
    "order_id",
    "status",
    "virtual_number",
    "pin",
    "a_parties",
    "b_parties",
    "created_at",
    "expires_at",
    "call_count",
    "last_synced_at",
]


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def allocation_csv_rows(
    queryset: QuerySet, *, full_numbers: bool, pins: bool, chunk_size: int = 2000
) -> Iterator[str]:
    writer = csv.writer(_Echo())
    show_number = (lambda n: n) if full_numbers else mask_phone
    show_pin = (lambda p: p) if pins else mask_pin
    yield writer.writerow(HEADER)
    rows: Iterable = queryset.prefetch_related("parties").iterator(chunk_size=chunk_size)
    for allocation in rows:
        yield writer.writerow(
            [
                allocation.greenpin_id,
                allocation.order_id,
                allocation.status,
                show_number(allocation.virtual_number),
                show_pin(allocation.pin),
                " ".join(show_number(p.number) for p in allocation.a_parties),
                " ".join(show_number(p.number) for p in allocation.b_parties),
                _iso(allocation.created_at),
                _iso(allocation.expires_at),
                allocation.call_count,
                _iso(allocation.last_synced_at),
            ]
        )


def _iso(value) -> str:
    return timezone.localtime(value).isoformat() if value else ""
