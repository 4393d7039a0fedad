"""The allocation page's one list of what happened, newest first: its calls, each told in
the deployment's labels, and its expiry or deletion and creation where they fall among them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import timezone

from allocations.models import Allocation
from calls.models import Call

from .call_outcomes import call_failure_reason, call_talk_text
from .call_parties import CallParties, call_parties, party_sides, who_called_whom


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # "created", "call", "expires", "expired", "deleted"
    at: datetime | None
    call: Call | None = None
    parties: CallParties | None = None
    # "Customer called Delivery agent"
    who: str = ""
    # Why it did not connect, when Exotel said.
    reason: str = ""
    # "talked 2 min 7 s", or what is known of its length.
    talk: str = ""


def allocation_timeline(
    *, allocation: Allocation, calls: list[Call], complete: bool
) -> list[TimelineEntry]:
    """`calls` (the newest ones, parties prefetched on `allocation`) with the allocation's
    lifecycle, newest first. The creation is shown only when `complete` (no older call is
    left out), so it never sits above calls that are not listed."""
    sides = party_sides(allocation)
    entries = []
    for call in calls:
        parties = call_parties(call, sides)
        entries.append(
            TimelineEntry(
                "call",
                call.start_time or call.first_seen_at,
                call,
                parties=parties,
                who=who_called_whom(parties),
                reason=call_failure_reason(call, parties),
                talk=call_talk_text(call),
            )
        )
    oldest = min((e.at for e in entries if e.at), default=None)
    if allocation.created_at and (complete or oldest is None or allocation.created_at > oldest):
        entries.append(TimelineEntry("created", allocation.created_at))
    if allocation.deleted_at:
        entries.append(TimelineEntry("deleted", allocation.deleted_at))
    if allocation.expires_at and not allocation.deleted_at:
        passed = allocation.expires_at <= timezone.now()
        entries.append(TimelineEntry("expired" if passed else "expires", allocation.expires_at))
    # Newest first; at one moment the end comes after the calls, the creation before them.
    order = {"created": 0, "call": 1, "expires": 2, "expired": 2, "deleted": 2}
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(entries, key=lambda e: (e.at or far, order[e.kind]), reverse=True)
