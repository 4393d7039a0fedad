"""The allocation page's one list of what happened, newest first: its calls, each told in
the deployment's labels, and its expiry or deletion and creation where they fall among them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.urls import reverse
from django.utils import timezone

from allocations.models import Allocation
from calls.models import Call

from .call_outcomes import call_failure_reason, call_talk_text
from .call_parties import CallParties, call_parties, party_sides, who_called_whom
from .templatetags.console import duration, local_time, phone, status_badge


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the list: a call, or the allocation's creation, expiry or deletion."""

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
    # What the row says, worked out here: a page lists up to 25 calls, and each variable a
    # template resolves per row costs more than building the string once.
    url: str = ""
    badge: str = ""
    # "+91 99XXX XX345 → +91 88XXX XX321" (full when the viewer revealed the numbers).
    numbers: str = ""
    # "rang 20 s · talked 2 min 7 s"
    facts: str = ""

    @property
    def when(self) -> str:
        return local_time(self.at, "seconds")

    @property
    def iso(self) -> str:
        return self.at.isoformat() if self.at else ""


def allocation_timeline(
    *, allocation: Allocation, calls: list[Call], complete: bool, reveal: bool = False
) -> list[TimelineEntry]:
    """`calls` (the newest ones, parties prefetched on `allocation`) with the allocation's
    lifecycle, newest first. The creation is shown only when `complete` (no older call is
    left out), so it never sits above calls that are not listed. Numbers are masked unless
    `reveal`."""
    sides = party_sides(allocation)
    # One reverse for the page, not one per call.
    url = reverse("calls:detail", kwargs={"sid": "-"})
    entries = []
    for call in calls:
        parties = call_parties(call, sides)
        at = call.start_time or call.first_seen_at
        talk = call_talk_text(call)
        ring = call.ring_duration
        callee = parties.callee or parties.virtual_number
        entries.append(
            TimelineEntry(
                "call",
                at,
                call,
                parties=parties,
                who=who_called_whom(parties),
                reason=call_failure_reason(call, parties),
                talk=talk,
                url=url.replace("/-/", f"/{call.sid}/"),
                badge=status_badge(call.status),
                numbers=f"{phone(parties.caller, reveal) or 'unknown number'} → "
                f"{phone(callee, reveal) or '—'}",
                facts=" · ".join(
                    part
                    for part in (f"rang {duration(ring)}" if ring is not None else "", talk)
                    if part
                ),
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
