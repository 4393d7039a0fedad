"""CSV export of search results, streamed row by row so 100,000 rows never sit in memory.

No export carries a PIN: it is a live secret, shown only on the allocation page to someone
who presses "Show PIN" (one allocation at a time, audited)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from calls.models import UNMATCHED_STATES

from .call_outcomes import call_failure_reason
from .call_parties import call_parties, side_label, who_called_whom
from .masking import mask_phone
from .selectors import LookupRow


def allocation_csv_header() -> list[str]:
    """The parties' columns are named by the deployment's labels (`delivery_agent_numbers`)."""
    return [
        "greenpin_id",
        "order_id",
        "status",
        "virtual_number",
        f"{_column(settings.A_PARTY_LABEL, 'a_party')}_numbers",
        f"{_column(settings.B_PARTY_LABEL, 'b_party')}_numbers",
        "created_at",
        "expires_at",
        "call_count",
        "last_synced_at",
    ]


def _column(label: str, fallback: str) -> str:
    words = re.findall(r"\w+", label.lower())
    return "_".join(words) or fallback


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def allocation_csv_rows(
    queryset: QuerySet, *, full_numbers: bool, chunk_size: int = 2000
) -> Iterator[str]:
    writer = csv.writer(_Echo())
    show_number = (lambda n: n) if full_numbers else mask_phone
    yield writer.writerow(allocation_csv_header())
    rows: Iterable = queryset.prefetch_related("parties").iterator(chunk_size=chunk_size)
    for allocation in rows:
        yield writer.writerow(csv_cells(*_allocation_cells(allocation, show_number)))


def _allocation_cells(allocation, show_number) -> list[object]:
    """An allocation's cells, in the order of `allocation_csv_header()`."""
    return [
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
    ]


def lookup_csv_rows(rows: Iterable[LookupRow], *, full_numbers: bool) -> Iterator[str]:
    """The bulk lookup as CSV: a row per line with what it found, and the allocation's
    columns (as in `allocation_csv_rows`) where it found one."""
    writer = csv.writer(_Echo())
    show_number = (lambda n: n) if full_numbers else mask_phone
    yield writer.writerow(["line", "outcome", *allocation_csv_header()])
    for row in rows:
        found = row.allocation
        columns = [] if found is None else _allocation_cells(found, show_number)
        yield writer.writerow(csv_cells(row.line, row.outcome, *columns))


CALL_HEADER = [
    "sid",
    "order_id",
    "greenpin_id",
    "started_at",
    "ended_at",
    "status",
    "direction",
    "who_called_whom",
    "caller",
    "caller_party",
    "callee",
    "callee_party",
    "virtual_number",
    "failure_reason",
    "ring_seconds",
    "talk_seconds",
    "total_seconds",
    "price",
    "recording",
    "link_state",
]


def call_csv_rows(
    queryset: QuerySet, *, full_numbers: bool, chunk_size: int = 2000
) -> Iterator[str]:
    """One row per call, read `chunk_size` at a time with their allocations and parties."""
    writer = csv.writer(_Echo())
    show_number = (lambda n: n) if full_numbers else mask_phone
    yield writer.writerow(CALL_HEADER)
    for call in queryset.iterator(chunk_size=chunk_size):
        allocation = call.allocation
        parties = call_parties(call)
        yield writer.writerow(
            csv_cells(
                call.sid,
                call.order_id or (allocation.order_id if allocation else ""),
                allocation.greenpin_id if allocation else call.greenpin_id,
                _iso(call.start_time),
                _iso(call.end_time),
                call.status,
                call.direction,
                who_called_whom(parties),
                show_number(parties.caller),
                side_label(parties.caller_side),
                show_number(parties.callee),
                side_label(parties.callee_side),
                show_number(parties.virtual_number),
                call_failure_reason(call, parties),
                _blank_if_none(call.ring_duration),
                _blank_if_none(call.talk_duration),
                _blank_if_none(call.duration),
                call.price,
                "yes" if call.recording_url else "no",
                "unmatched" if call.link_state in UNMATCHED_STATES else call.link_state,
            )
        )


def _blank_if_none(value: object) -> object:
    return "" if value is None else value


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
