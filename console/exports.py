"""CSV export of search results, streamed row by row so 100,000 rows never sit in memory.

No export carries a PIN: it is a live secret, shown only on the allocation page to someone
who presses "Show PIN" (one allocation at a time, audited)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.utils import timezone

from .masking import mask_phone

HEADER = [
    "greenpin_id",
    "order_id",
    "status",
    "virtual_number",
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
    queryset: QuerySet, *, full_numbers: bool, chunk_size: int = 2000
) -> Iterator[str]:
    writer = csv.writer(_Echo())
    show_number = (lambda n: n) if full_numbers else mask_phone
    yield writer.writerow(HEADER)
    rows: Iterable = queryset.prefetch_related("parties").iterator(chunk_size=chunk_size)
    for allocation in rows:
        yield writer.writerow(
            csv_cells(
                allocation.greenpin_id,
                allocation.order_id,
                allocation.status,
                show_number(allocation.virtual_number),
                " ".join(show_number(p.number) for p in allocation.a_parties),
                " ".join(show_number(p.number) for p in allocation.b_parties),
                _iso(allocation.created_at),
                _iso(allocation.expires_at),
                allocation.call_count,
                _iso(allocation.last_synced_at),
            )
        )


# What a spreadsheet reads as the start of a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cells(*values: object) -> list[object]:
    """Cells as a spreadsheet will show them and never run them: text that would start a
    formula gets a leading `'`. Every export writes its rows through here."""
    return [
        f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value
        for value in values
    ]


def _iso(value) -> str:
    return timezone.localtime(value).isoformat() if value else ""
