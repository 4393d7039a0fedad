"""The answer at a glance: what happened on one order, in a few sentences a support agent can
read aloud or paste into a ticket.

`case_summary` is a pure function of plain values (the allocation's lifetime, the facts of its
calls, the viewer's zone, the clock), so every combination can be tested without a database;
`case_summary_for_allocation` turns model rows into those values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from django.conf import settings
from django.utils import timezone

from calls.selectors import CallCounts, call_counts_for_allocation
from exotel.call_statuses import TERMINAL_STATUSES
from exotel.phones import format_phone

from .call_outcomes import failure_reason
from .call_parties import party_sides, side_label
from .masking import mask_phone
from .templatetags.console import duration, relative_to

# Beyond this many calls from one side, a sentence gives the breakdown instead of each call.
MAX_LISTED = 5

A, B = "A", "B"
SIDE_ORDER = {A: 0, B: 1, "": 2}


@dataclass(frozen=True)
class Lifetime:
    """When the allocation's number was live: created, and expired or deleted if it has."""

    created_at: datetime | None
    expires_at: datetime | None = None
    deleted_at: datetime | None = None

    @property
    def ended_at(self) -> datetime | None:
        ends = [t for t in (self.expires_at, self.deleted_at) if t]
        return min(ends) if ends else None

    @property
    def end_word(self) -> str:
        """How it ends: `deleted` when deletion came first, else `expired`."""
        if self.deleted_at and (self.expires_at is None or self.deleted_at <= self.expires_at):
            return "deleted"
        return "expired"

    def place(self, start: datetime | None) -> str:
        """`before`, `during` or `after` the lifetime; a call with no start time, or an
        allocation not fetched yet, cannot be placed and counts as during."""
        if start is None or self.created_at is None:
            return "during"
        if start < self.created_at:
            return "before"
        ended = self.ended_at
        if ended is not None and start > ended:
            return "after"
        return "during"


@dataclass(frozen=True)
class CallFact:
    """One call as the summary needs it. `side` is who called: `A`, `B` or `` (neither)."""

    side: str
    start: datetime | None
    status: str
    talk_seconds: int | None = None
    # Why it did not connect, from how Exotel says each leg ended (`call_outcomes`).
    reason: str = ""
    has_recording: bool = False
    # The whole call, ringing included: said when Exotel did not report the talk time.
    total_seconds: int | None = None


@dataclass(frozen=True)
class CallGroup:
    """The calls one side made at one place in the lifetime (`before`, `during`, `after`):
    what the story needs of them without holding every call. `newest` are the latest
    MAX_LISTED calls (all of them when there are no more), oldest first."""

    place: str
    side: str
    count: int
    # The earliest start (None when no call has one).
    first: datetime | None
    # How many calls came to each kind of outcome (`_kind`).
    kinds: Counter[str]
    # Every call ended without a conversation.
    all_missed: bool
    newest: tuple[CallFact, ...]

    @property
    def last(self) -> CallFact:
        return self.newest[-1]


def call_groups(facts: Iterable[CallFact], lifetime: Lifetime) -> list[CallGroup]:
    """`CallGroup`s of individual calls (a page that has every call at hand)."""
    buckets: dict[tuple[str, str], list[CallFact]] = {}
    for fact in sorted(facts, key=_order):
        side = fact.side if fact.side in (A, B) else ""
        buckets.setdefault((lifetime.place(fact.start), side), []).append(fact)
    return _in_order(
        [
            CallGroup(
                place=place,
                side=side,
                count=len(group),
                first=group[0].start,
                kinds=Counter(_kind(f) for f in group),
                all_missed=all(_missed(f.status) for f in group),
                newest=tuple(group[-MAX_LISTED:]),
            )
            for (place, side), group in buckets.items()
        ]
    )


def _in_order(groups: list[CallGroup]) -> list[CallGroup]:
    """Groups by their first call, and by side (A, B, neither) when those start together,
    so a story reads the same however its groups were found."""
    return sorted(groups, key=_first_call)


def _missed(status: str) -> bool:
    return status in TERMINAL_STATUSES and status != "completed"


@dataclass(frozen=True)
class TicketHeader:
    """The identifiers a ticket needs, numbers already masked (or full, when revealed)."""

    order_id: str = ""
    greenpin_id: str = ""
    virtual_number: str = ""
    a_numbers: Sequence[str] = ()
    b_numbers: Sequence[str] = ()


@dataclass(frozen=True)
class CaseSummary:
    sentences: tuple[str, ...]
    # Calls on the same virtual number in the lifetime that no allocation could claim.
    unmatched: int
    unmatched_sentence: str
    # Empty when the data is fresh; otherwise when it dates from and that it is refreshing.
    freshness: str
    # Short, for a table cell: "3 calls, last: no answer".
    outcome: str
    ticket: str = field(repr=False)
    # How many calls the story tells of.
    calls: int = 0


def case_summary(
    *,
    lifetime: Lifetime,
    calls: Iterable[CallFact] = (),
    now: datetime,
    zone: tzinfo,
    a_label: str,
    b_label: str,
    groups: Iterable[CallGroup] | None = None,
    unmatched: int = 0,
    last_synced_at: datetime | None = None,
    stale_after: int | None = None,
    final: bool = False,
    header: TicketHeader | None = None,
) -> CaseSummary:
    """The case summary of one allocation.

    The calls come as `calls`, one fact each, or already grouped as `groups` (`call_groups`,
    or the same counted by the database for an allocation with thousands of calls).
    Times are in `zone`, as a clock when on `now`'s day there and with the date otherwise.
    Data is called stale when it is not `final` and `last_synced_at` is older than
    `stale_after` seconds (or missing); `stale_after=None` never calls it stale.
    """
    grouped = list(groups) if groups is not None else call_groups(calls, lifetime)
    labels = {A: a_label, B: b_label}

    def story(with_zone: bool) -> list[str]:
        clock = _Clock(now=now, zone=zone, with_zone=with_zone)
        return _story(grouped, lifetime, labels, clock, now)

    stale = False
    if not final and stale_after is not None:
        age = None if last_synced_at is None else (now - last_synced_at).total_seconds()
        stale = age is None or age > stale_after
    freshness = ""
    ticket_freshness = ""
    if stale:
        if last_synced_at is None:
            freshness = ticket_freshness = "Not fetched from Exotel yet; refreshing."
        else:
            freshness = f"As of {_Clock(now=now, zone=zone).at(last_synced_at)}; refreshing."
            ticket_freshness = (
                f"Data as of {_Clock(now=now, zone=zone, with_zone=True).at(last_synced_at)}"
                "; a refresh was under way."
            )
    unmatched_sentence = ""
    if unmatched:
        unmatched_sentence = (
            f"{_calls(unmatched)} could not be matched to this order "
            "(same virtual number, same time)"
        )
    sentences = tuple(story(with_zone=False))
    ticket = _ticket(
        header or TicketHeader(),
        lifetime,
        labels,
        story(with_zone=True),
        unmatched_sentence,
        ticket_freshness,
        now,
        zone,
    )
    return CaseSummary(
        sentences=sentences,
        unmatched=unmatched,
        unmatched_sentence=unmatched_sentence,
        freshness=freshness,
        outcome=_outcome(grouped),
        ticket=ticket,
        calls=sum(group.count for group in grouped),
    )


# --- the story ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Clock:
    now: datetime
    zone: tzinfo
    with_zone: bool = False

    def at(self, moment: datetime | None) -> str:
        if moment is None:
            return "at an unknown time"
        local = moment.astimezone(self.zone)
        text = local.strftime("%H:%M")
        if local.date() != self.now.astimezone(self.zone).date():
            text = f"{local.day} {local.strftime('%b')} {text}"
        return f"{text} {local.tzname()}" if self.with_zone else text


def _order(fact: CallFact) -> tuple[bool, datetime]:
    # A call with no start time yet is the newest one: Exotel has not described it.
    return (fact.start is None, fact.start or datetime.min.replace(tzinfo=UTC))


def _story(
    groups: list[CallGroup],
    lifetime: Lifetime,
    labels: dict[str, str],
    clock: _Clock,
    now: datetime,
) -> list[str]:
    places: dict[str, list[CallGroup]] = {"before": [], "during": [], "after": []}
    for group in groups:
        places[group.place].append(group)
    sentences = []
    during = places["during"]
    if not during:
        sentences.append(_nothing_attempted(lifetime, clock, now))
    else:
        # The side that called first speaks first; the other one "called back".
        spoken: set[str] = set()
        for group in sorted(during, key=_first_call):
            sentences.append(_side_sentence(group, labels, spoken, clock))
            spoken.add(group.side)
    if places["before"]:
        sentences.append(
            _outside_sentence(places["before"], "before the allocation was created", labels, clock)
        )
    if places["after"]:
        sentences.append(
            _outside_sentence(places["after"], f"after it {lifetime.end_word}", labels, clock)
        )
    return sentences


def _first_call(group: CallGroup) -> tuple[bool, datetime, int]:
    first = group.first or group.last.start
    return (first is None, first or datetime.min.replace(tzinfo=UTC), SIDE_ORDER[group.side])


def _nothing_attempted(lifetime: Lifetime, clock: _Clock, now: datetime) -> str:
    if lifetime.created_at is None:
        return "No call is known: the allocation has not been fetched from Exotel yet."
    ended = lifetime.ended_at
    if ended is not None and ended <= now:
        return (
            "No call was attempted while the number was active ("
            f"{clock.at(lifetime.created_at)} to {clock.at(ended)}, "
            f"{lifetime.end_word} {_relative(ended, now)})."
        )
    until = f"expires {_relative(ended, now)}" if ended else "no expiry known"
    return (
        f"No call has been attempted yet (active since {clock.at(lifetime.created_at)}, {until})."
    )


def _side_sentence(
    group: CallGroup,
    labels: dict[str, str],
    spoken: set[str],
    clock: _Clock,
) -> str:
    side = group.side
    if side:
        other = B if side == A else A
        subject = labels[side]
        target = "" if other in spoken else f" {labels[other]}"
        verb = "called back" if other in spoken else "called"
        missed = f"never reached {labels[other]}"
    else:
        subject, verb, target = (
            f"A number that is neither {labels[A]} nor {labels[B]}",
            "called",
            "",
        )
        missed = "never got through"
    count = group.count
    times = "once" if count == 1 else f"{count} times"
    if count == 1:
        fact = group.last
        return f"{subject} {verb}{target} once, {clock.at(fact.start)}, {_what(fact)}."
    if group.all_missed or count > MAX_LISTED:
        span = f"between {clock.at(group.first)} and {clock.at(group.last.start)}"
        breakdown = _breakdown(group.kinds)
        if group.all_missed:
            return f"{subject} {verb} {times} {span} and {missed} ({breakdown})."
        last = group.last
        return (
            f"{subject} {verb}{target} {times} {span} ({breakdown}); "
            f"last {clock.at(last.start)}, {_what(last)}."
        )
    listed = ", ".join(f"{clock.at(f.start)} {_what(f)}" for f in group.newest)
    return f"{subject} {verb}{target} {times}: {listed}."


def _outside_sentence(
    groups: list[CallGroup], when: str, labels: dict[str, str], clock: _Clock
) -> str:
    count = sum(group.count for group in groups)
    if count > MAX_LISTED:
        kinds: Counter[str] = Counter()
        for group in groups:
            kinds.update(group.kinds)
        return f"{_calls(count)} {when} ({_breakdown(kinds)})."
    # At most MAX_LISTED calls in all: each group holds every one of its calls.
    facts = sorted((f for group in groups for f in group.newest), key=_order)
    listed = ", ".join(
        f"{clock.at(f.start)} from {labels.get(f.side, 'another number')}, {_what(f)}"
        for f in facts
    )
    return f"{_calls(count)} {when}: {listed}."


def _relative(moment: datetime, now: datetime) -> str:
    # Plain spaces: the ticket is pasted into tools that show a no-break space oddly.
    return relative_to(moment, now).replace("\xa0", " ")


def _calls(count: int) -> str:
    return f"{count} call" if count == 1 else f"{count} calls"


def _what(fact: CallFact) -> str:
    """What came of one call: `talked 2 min 7 s`, `no answer`, `failed: wrong PIN`."""
    if fact.status == "completed":
        if fact.talk_seconds:
            word = f"talked {duration(fact.talk_seconds)}"
        elif fact.talk_seconds is None and fact.total_seconds:
            word = f"answered, {duration(fact.total_seconds)} in all, talk time not reported"
        else:
            word = "answered"
        return f"{word} (recorded)" if fact.has_recording else word
    return _kind(fact)


def _kind(fact: CallFact) -> str:
    """The outcome as a category, for breakdowns: reasons kept, durations not."""
    status = fact.status
    if status == "completed":
        return "answered"
    if status == "failed":
        reason = " ".join(fact.reason.split())
        return f"failed: {reason}" if reason else "failed"
    if status in ("no-answer", "busy"):
        return {"no-answer": "no answer", "busy": "busy"}[status]
    if status == "canceled":
        return "hung up before an answer"
    if status:
        return "in progress"
    return "outcome not known yet"


def _breakdown(kinds: Counter[str]) -> str:
    ordered = sorted(kinds.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{count} {kind}" for kind, count in ordered)


def _outcome(groups: list[CallGroup]) -> str:
    count = sum(group.count for group in groups)
    if not count:
        return "no calls"
    newest = max((group.last for group in groups), key=_order)
    last = _what(newest).removesuffix(" (recorded)")
    if count == 1:
        return f"1 call: {last}"
    return f"{count} calls, last: {last}"


# --- the ticket -----------------------------------------------------------------------------


def _one_line(value: str) -> str:
    # Values from Exotel end up in a pasted ticket: a newline in one must not forge a line.
    return " ".join(str(value).split())


def _ticket(
    header: TicketHeader,
    lifetime: Lifetime,
    labels: dict[str, str],
    story: list[str],
    unmatched_sentence: str,
    freshness: str,
    now: datetime,
    zone: tzinfo,
) -> str:
    lines = []
    ids = [f"Order {_one_line(header.order_id)}"] if header.order_id else []
    if header.greenpin_id:
        ids.append(f"GreenPin ID {_one_line(header.greenpin_id)}")
    if ids:
        lines.append(", ".join(ids))
    numbers = []
    if header.virtual_number:
        numbers.append(f"virtual number {header.virtual_number}")
    for side, found in ((A, header.a_numbers), (B, header.b_numbers)):
        numbers.append(f"{labels[side]} {', '.join(found) if found else 'none'}")
    lines.append("Numbers: " + "; ".join(numbers))
    if lifetime.created_at is not None:
        span = f"Active from {_full(lifetime.created_at, zone)}"
        ended = lifetime.ended_at
        if ended is not None:
            verb = lifetime.end_word if ended <= now else "expires"
            span += f"; {verb} {_full(ended, zone)}"
        lines.append(span + ".")
    lines.extend(story)
    if unmatched_sentence:
        lines.append(unmatched_sentence + ".")
    if freshness:
        lines.append(freshness)
    return "\n".join(lines)


def _full(moment: datetime, zone: tzinfo) -> str:
    local = moment.astimezone(zone)
    offset = local.strftime("%z")
    return (
        f"{local.day} {local.strftime('%b %Y %H:%M')} {local.tzname()} "
        f"(UTC{offset[:3]}:{offset[3:]})"
    )


# --- from model rows ------------------------------------------------------------------------


def case_summary_for_allocation(
    *,
    allocation,
    calls: Iterable,
    unmatched: int = 0,
    numbers_revealed: bool = False,
    now: datetime | None = None,
    stale_after: int | None = None,
) -> CaseSummary:
    """The summary of an allocation whose parties are prefetched and whose calls are given:
    no query of its own. Numbers in the ticket are masked unless `numbers_revealed`."""
    sides = party_sides(allocation)
    facts = [_fact(call, sides.get(call.from_number, "")) for call in calls]
    return _summary_of(allocation, numbers_revealed, now, stale_after, unmatched, calls=facts)


def case_summary_for_allocation_page(
    *,
    allocation,
    unmatched: int = 0,
    numbers_revealed: bool = False,
    now: datetime | None = None,
    stale_after: int | None = None,
) -> CaseSummary:
    """The summary of an allocation (parties prefetched) from its calls as the database counts
    them: the same two queries for one call or ten thousand."""
    counts = call_counts_for_allocation(
        allocation=allocation, sides=party_sides(allocation), newest=MAX_LISTED
    )
    return _summary_of(
        allocation, numbers_revealed, now, stale_after, unmatched, groups=_groups(counts)
    )


def _groups(counts: CallCounts) -> list[CallGroup]:
    totals: dict[tuple[str, str], list] = {}
    for row in counts.groups:
        key = (row["place"], row["side"])
        count, kinds, all_missed = totals.get(key) or [0, Counter(), True]
        fact = CallFact(
            side=row["side"],
            start=None,
            status=row["status"],
            reason=_reason(row["status"], row["leg1_status"], row["leg2_status"], row["side"]),
        )
        kinds[_kind(fact)] += row["n"]
        totals[key] = [count + row["n"], kinds, all_missed and _missed(row["status"])]
    firsts: dict[tuple[str, str], list[datetime]] = {}
    for row in counts.groups:
        starts = firsts.setdefault((row["place"], row["side"]), [])
        if row["first"] is not None:
            starts.append(row["first"])
    newest: dict[tuple[str, str], list[CallFact]] = {}
    for call in counts.newest:
        newest.setdefault((call.place, call.side), []).append(_fact(call, call.side))
    return _in_order(
        [
            CallGroup(
                place=place,
                side=side,
                count=totals[place, side][0],
                first=min(firsts[place, side], default=None),
                kinds=totals[place, side][1],
                all_missed=totals[place, side][2],
                newest=tuple(newest[place, side]),
            )
            for place, side in totals
        ]
    )


_EARLIEST = datetime.min.replace(tzinfo=UTC)


def _fact(call, side: str) -> CallFact:
    return CallFact(
        side=side,
        start=call.start_time,
        status=call.status,
        talk_seconds=call.talk_duration,
        reason=_reason(call.status, call.leg1_status, call.leg2_status, side),
        has_recording=bool(call.recording_url),
        total_seconds=call.duration,
    )


def _reason(status: str, leg1: str, leg2: str, side: str) -> str:
    # GreenPin bridges one side to the other: whom a party called is the other side.
    callee = side_label({A: B, B: A}.get(side, "")) or "the other party"
    return failure_reason(status=status, leg1=leg1, leg2=leg2, callee=callee)


def _summary_of(
    allocation,
    numbers_revealed: bool,
    now: datetime | None,
    stale_after: int | None,
    unmatched: int,
    *,
    calls: Iterable[CallFact] = (),
    groups: list[CallGroup] | None = None,
) -> CaseSummary:
    parties = list(allocation.parties.all())
    show = format_phone if numbers_revealed else mask_phone
    return case_summary(
        lifetime=Lifetime(
            created_at=allocation.created_at,
            expires_at=allocation.expires_at,
            deleted_at=allocation.deleted_at,
        ),
        calls=calls,
        groups=groups,
        now=now or timezone.now(),
        zone=timezone.get_current_timezone(),
        a_label=settings.A_PARTY_LABEL,
        b_label=settings.B_PARTY_LABEL,
        unmatched=unmatched,
        last_synced_at=allocation.last_synced_at,
        stale_after=stale_after,
        final=allocation.is_final,
        header=TicketHeader(
            order_id=allocation.order_id,
            greenpin_id=allocation.greenpin_id,
            virtual_number=show(allocation.virtual_number) if allocation.virtual_number else "",
            a_numbers=[show(p.number) for p in parties if p.side == A],
            b_numbers=[show(p.number) for p in parties if p.side == B],
        ),
    )
