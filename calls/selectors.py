"""Reads of calls and events for pages, the linking rule and the sync pass."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    Aggregate,
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from allocations.models import Allocation, Party
from exotel import recordings
from exotel.call_statuses import chart_outcome
from exotel.ids import is_exotel_id
from exotel.phones import normalize_phone

from .models import (
    MAX_APPLY_ATTEMPTS,
    UNMATCHED_STATES,
    Call,
    CallEvent,
    LinkState,
    RecordingProblem,
)

BACKFILL_SETTLE = timedelta(hours=1)


@dataclass(frozen=True)
class _LinkingRule:
    """The rule that links a call without a GreenPin ID to its allocation, in parts, so the
    rule itself and the explanation of each candidate are read from the same conditions."""

    numbers: list[str]
    in_lifetime: Q
    same_custom_field: Q
    caller_is_party: Exists
    fits: Q


def _linking_rule(call: Call) -> _LinkingRule | None:
    numbers = [number for number in (call.to_number, call.from_number) if number]
    if not numbers:
        return None
    started = call.start_time or call.first_seen_at
    caller_is_party = Exists(
        Party.objects.filter(allocation=OuterRef("pk"), number=call.from_number or None)
    )
    same_custom_field = Q(custom_field=call.custom_field)
    return _LinkingRule(
        numbers=numbers,
        in_lifetime=(
            Q(created_at__lte=started)
            & (Q(expires_at__isnull=True) | Q(expires_at__gte=started))
            & (Q(deleted_at__isnull=True) | Q(deleted_at__gte=started))
        ),
        same_custom_field=same_custom_field,
        caller_is_party=caller_is_party,
        # The call carries the custom_field of the allocation it went through; where neither
        # has one, the caller must be one of the allocation's parties.
        fits=same_custom_field if call.custom_field else Q(custom_field="") & Q(caller_is_party),
    )


def allocation_list_possible_for_call(*, call: Call) -> QuerySet[Allocation]:
    """Allocations a call may have gone through: its virtual number is the call's To (or From)
    and its lifetime (created to expiry or deletion) contains the call's start. Those a person
    may link the call to."""
    rule = _linking_rule(call)
    if rule is None:
        return Allocation.objects.none()
    return Allocation.objects.filter(virtual_number__in=rule.numbers).filter(rule.in_lifetime)


def allocation_candidates_for_call(*, call: Call) -> QuerySet[Allocation]:
    """The possible allocations the linking rule accepts for a call without a GreenPin ID:
    its custom_field equals the call's CustomField; where both are empty, the caller must be
    one of its parties. The call is linked only when exactly one fits."""
    rule = _linking_rule(call)
    if rule is None:
        return Allocation.objects.none()
    return allocation_list_possible_for_call(call=call).filter(rule.fits)


class LinkReason:
    """Why an allocation did or did not take a call, one code each; the page says it in words."""

    FITS = "fits"  # the rule accepts it, and it alone
    SEVERAL_FIT = "several_fit"  # the rule accepts it and others: it never guesses
    OUTSIDE_LIFETIME = "outside_lifetime"
    CUSTOM_FIELD_DIFFERS = "custom_field_differs"
    CALLER_NOT_A_PARTY = "caller_not_a_party"


@dataclass(frozen=True)
class LinkCandidate:
    """An allocation on the call's virtual number near its start, and why it did or did not
    take the call. `possible`: its lifetime contains the call's start (a person may link the
    call to it)."""

    allocation: Allocation
    possible: bool
    reasons: tuple[str, ...]
    # Whatever the rule needed: a person deciding by hand wants to know.
    caller_is_party: bool = False


# Allocations on the number that ended before, or began after, the call's start are listed too,
# a few of the nearest, so "outside its lifetime" can be seen, not guessed.
NEARBY = timedelta(hours=12)
NEARBY_LIMIT = 5
POSSIBLE_LIMIT = 50


def call_link_candidates(*, call: Call) -> list[LinkCandidate]:
    """The allocations an unlinked call may belong to, each with why the linking rule did or
    did not link it: those whose lifetime contains the call's start first (up to
    POSSIBLE_LIMIT), then the nearest others on its number. Two queries and the parties."""
    rule = _linking_rule(call)
    if rule is None:
        return []
    started = call.start_time or call.first_seen_at
    judged = (
        Allocation.objects.filter(virtual_number__in=rule.numbers)
        .annotate(
            in_lifetime=ExpressionWrapper(rule.in_lifetime, output_field=BooleanField()),
            same_custom_field=ExpressionWrapper(
                rule.same_custom_field, output_field=BooleanField()
            ),
            caller_is_party=rule.caller_is_party,
            fits=ExpressionWrapper(rule.fits, output_field=BooleanField()),
        )
        .prefetch_related("parties")
    )
    possible = list(judged.filter(rule.in_lifetime).order_by("-created_at", "id")[:POSSIBLE_LIMIT])
    nearby = list(
        judged.exclude(pk__in=[allocation.pk for allocation in possible])
        .filter(created_at__gte=started - NEARBY, created_at__lte=started + NEARBY)
        # Implied by the creation time, and what the (virtual number, expiry) index can use:
        # a busy number holds a great many allocations.
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gte=started - NEARBY))
        .order_by("-created_at", "id")[:NEARBY_LIMIT]
    )
    fitting = sum(1 for allocation in possible if getattr(allocation, "fits", False))
    return [
        LinkCandidate(
            allocation=allocation,
            possible=bool(getattr(allocation, "in_lifetime", False)),
            reasons=_reasons(call, allocation, fitting),
            caller_is_party=bool(getattr(allocation, "caller_is_party", False)),
        )
        for allocation in possible + nearby
    ]


def _reasons(call: Call, allocation: Allocation, fitting: int) -> tuple[str, ...]:
    # Read from the annotations of the rule's own conditions, never worked out a second time.
    judged = {
        name: bool(getattr(allocation, name))
        for name in ("in_lifetime", "fits", "same_custom_field", "caller_is_party")
    }
    if judged["in_lifetime"] and judged["fits"]:
        return (LinkReason.SEVERAL_FIT if fitting > 1 else LinkReason.FITS,)
    reasons = []
    if not judged["in_lifetime"]:
        reasons.append(LinkReason.OUTSIDE_LIFETIME)
    if call.custom_field or allocation.custom_field:
        if not judged["same_custom_field"]:
            reasons.append(LinkReason.CUSTOM_FIELD_DIFFERS)
    elif not judged["caller_is_party"]:
        reasons.append(LinkReason.CALLER_NOT_A_PARTY)
    return tuple(reasons)


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


def call_list_page_for_allocation(*, allocation: Allocation, limit: int) -> list[Call]:
    """The allocation's newest `limit` calls, newest first, each holding `allocation` itself
    (with its prefetched parties): one query, whatever the allocation's call count."""
    # Not the Call API payload: a page never shows it, and parsing it is most of a row's cost.
    calls = list(call_list_for_allocation(allocation=allocation).defer("raw_payload")[:limit])
    for call in calls:
        call.allocation = allocation
    return calls


# What the story of an allocation needs of each call (never its payload or recording URL's
# neighbours).
SUMMARY_FIELDS = (
    "id",
    "from_number",
    "status",
    "start_time",
    "duration",
    "talk_duration",
    "recording_url",
    "leg1_status",
    "leg2_status",
)


@dataclass
class CallCounts:
    """An allocation's calls counted by `place` in its lifetime (before, during, after),
    calling `side`, status and leg statuses (`groups`: dicts with `n` and `first`, the
    earliest start of that place, side and outcome), and the calls the story tells one by one
    (`newest`, oldest first): every call of a place and side that made at most `newest` of
    them, and the newest call of each other place and side."""

    groups: list[dict]
    # Each with its `place` and `side` as attributes.
    newest: list[Any]


def call_counts_for_allocation(
    *, allocation: Allocation, sides: dict[str, str], newest: int
) -> CallCounts:
    """Two queries, whatever the number of calls, neither of them sorting: a grouped count
    (a hash), then the few calls the story names, picked by what the count found. `sides`
    maps party numbers to `A` or `B`; a call from any other number has side ``. A call
    without a start counts as during the lifetime, and as the newest."""
    column = {name: _column(name) for name in SUMMARY_FIELDS}
    fields = ", ".join(column[name] for name in SUMMARY_FIELDS)
    start, number = column["start_time"], column["from_number"]
    params: list[Any] = []
    # Places and sides as small integers: cheaper to group and compare than text.
    side_cases = ""
    for code, side in enumerate(SIDES[:2]):
        numbers = sorted(n for n, s in sides.items() if s == side)
        if numbers:
            side_cases += f" WHEN {number} IN ({', '.join(['%s'] * len(numbers))}) THEN {code}"
            params += numbers
    side_sql = f"CASE{side_cases} ELSE 2 END" if side_cases else "2"
    place_cases = f"WHEN {start} IS NULL THEN 1"
    convert = connection.ops.adapt_datetimefield_value
    if allocation.created_at is not None:
        place_cases += f" WHEN {start} < %s THEN 0"
        params.append(convert(allocation.created_at))
        if (ended := allocation.ended_at) is not None:
            place_cases += f" WHEN {start} > %s THEN 2"
            params.append(convert(ended))
    params.append(allocation.pk)
    calls = f"""
        SELECT {fields}, {side_sql} AS side_code, CASE {place_cases} ELSE 1 END AS place_code
        FROM {Call._meta.db_table} WHERE {_column("allocation")} = %s
    """  # noqa: S608  (identifiers from the model; every value is a parameter)
    kind = ", ".join(column[name] for name in ("status", "leg1_status", "leg2_status"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT place_code, side_code, {kind}, COUNT(*), MIN({start}), MAX({start}), "  # noqa: S608
            f"MAX(CASE WHEN {start} IS NULL THEN id END) FROM ({calls}) AS calls "
            f"GROUP BY place_code, side_code, {kind}",
            params,
        )
        counted = cursor.fetchall()
    # What each place and side needs told one by one: all its calls when they are few,
    # else its newest (an undated call if it has one, else those at its latest start).
    totals: dict[tuple[int, int], int] = {}
    # The latest start as the database wrote it (compared again in SQL) and as a time.
    latest: dict[tuple[int, int], tuple[Any, datetime]] = {}
    undated: dict[tuple[int, int], int] = {}
    for place_code, side_code, *_, count, _, last, last_undated in counted:
        key = (place_code, side_code)
        totals[key] = totals.get(key, 0) + count
        if (at := _as_time(last)) is not None and (key not in latest or at > latest[key][1]):
            latest[key] = (last, at)
        if last_undated is not None:
            undated[key] = max(last_undated, undated.get(key, last_undated))
    wanted, wanted_params = [], []
    for (place_code, side_code), total in totals.items():
        if total <= newest:
            wanted.append("(place_code = %s AND side_code = %s)")
            wanted_params += [place_code, side_code]
        elif (place_code, side_code) in undated:
            wanted.append("id = %s")
            wanted_params.append(undated[place_code, side_code])
        else:
            wanted.append(f"(place_code = %s AND side_code = %s AND {start} = %s)")
            wanted_params += [place_code, side_code, latest[place_code, side_code][0]]
    rows: list[Any] = []
    if wanted:
        rows = list(
            Call.objects.raw(
                f"SELECT * FROM ({calls}) AS calls WHERE {' OR '.join(wanted)}",  # noqa: S608
                [*params, *wanted_params],
            )
        )
    for row in rows:
        row.place, row.side = PLACES[row.place_code], SIDES[row.side_code]
    rows.sort(key=lambda c: (c.start_time is None, c.start_time or _EARLIEST, c.id))
    latest_rows: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        latest_rows.setdefault((row.place, row.side), []).append(row)
    groups = [
        {
            "place": PLACES[place_code],
            "side": SIDES[side_code],
            "status": status,
            "leg1_status": leg1,
            "leg2_status": leg2,
            "n": count,
            "first": _as_time(first),
        }
        for place_code, side_code, status, leg1, leg2, count, first, _, _ in counted
    ]
    chosen = [call for found in latest_rows.values() for call in found[-newest:]]
    chosen.sort(key=lambda c: (c.start_time is None, c.start_time or _EARLIEST, c.id))
    return CallCounts(groups=groups, newest=chosen)


def _as_time(value: Any) -> datetime | None:
    """A start time as the database's aggregate gives it (SQLite: text in UTC)."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = parse_datetime(str(value))
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


PLACES = ("before", "during", "after")
SIDES = ("A", "B", "")
_EARLIEST = datetime.min.replace(tzinfo=UTC)


def _column(name: str) -> str:
    return str(getattr(Call._meta.get_field(name), "column", name))


def call_get_for_page(*, sid: str) -> Call | None:
    """One call with its allocation; None when it is not mirrored."""
    if "\x00" in sid:
        return None  # no stored SID holds one, and PostgreSQL text refuses it
    return Call.objects.select_related("allocation", "linked_by").filter(sid=sid).first()


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


def call_list_for_console() -> QuerySet[Call]:
    """Every call, newest first, with its allocation and that allocation's parties: a page
    of any length costs the same two queries."""
    parties = Party.objects.only("id", "allocation_id", "side", "number")
    return (
        Call.objects.select_related("allocation")
        .prefetch_related(Prefetch("allocation__parties", queryset=parties))
        .order_by("-start_time", "-id")
    )


def call_matching(*, query: str) -> QuerySet[Call]:
    """Calls matching `query` exactly: a call SID, an order ID (the call's or its
    allocation's), or a phone number in any format on either side (a party or the virtual
    number). A UNION of index lookups, never a scan."""
    text = query.strip()
    if not text:
        return Call.objects.none()
    branches = [
        Call.objects.filter(order_id=text).values("pk"),
        Call.objects.filter(allocation__order_id=text).values("pk"),
    ]
    if is_exotel_id(text):
        branches.append(Call.objects.filter(sid=text).values("pk"))
    if phone := normalize_phone(text):
        branches += [
            Call.objects.filter(from_number=phone).values("pk"),
            Call.objects.filter(to_number=phone).values("pk"),
        ]
    branches = [branch.order_by() for branch in branches]  # SQLite refuses ordered branches
    return Call.objects.filter(pk__in=branches[0].union(*branches[1:]))


# "1,000+" instead of counting a million rows for a number nobody reads exactly.
COUNT_CAP = 1000


def call_count_capped(queryset: QuerySet[Call], *, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many calls, counted up to `cap`; and whether there are more."""
    counted = queryset.order_by()[: cap + 1].count()
    return min(counted, cap), counted > cap


# A picture with more bars than this is unreadable at 400 px and costs a long scan.
MAX_CHART_DAYS = 92


@dataclass
class Bucket:
    start: datetime
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class CallPicture:
    """Calls per day (or per hour over one day), stacked by outcome, with their rates."""

    first_day: date
    last_day: date
    hourly: bool
    buckets: list[Bucket]
    total: int
    answered: int
    median_ring: int | None
    median_talk: int | None
    clipped: bool = False

    @property
    def finished(self) -> int:
        return self.total - sum(b.counts.get("in-progress", 0) for b in self.buckets)

    @property
    def answer_rate(self) -> float | None:
        """Answered calls among those that ended (calls in progress are not counted yet)."""
        return self.answered / self.finished if self.finished else None

    @property
    def answer_rate_text(self) -> str:
        rate = self.answer_rate
        if rate is None:
            return "—"
        return f"{rate:.0%} ({self.answered:,} of {self.finished:,} ended calls)"


def call_picture(
    queryset: QuerySet[Call], *, first_day: date, last_day: date, zone: tzinfo
) -> CallPicture:
    """The calls of `queryset` from `first_day` to `last_day` (inclusive, in `zone`): counts
    per bucket and outcome in one grouped query, the medians in three more."""
    clipped = (last_day - first_day).days >= MAX_CHART_DAYS
    if clipped:
        first_day = last_day - timedelta(days=MAX_CHART_DAYS - 1)
    start = datetime.combine(first_day, time.min, tzinfo=zone)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)
    hourly = first_day == last_day
    within = queryset.order_by().filter(start_time__gte=start, start_time__lt=end)
    trunc = TruncHour if hourly else TruncDay
    rows = (
        within.annotate(bucket=trunc("start_time", tzinfo=zone))
        .values("bucket", "status")
        # COUNT(*), not of a column: the covering index on start_time answers it alone.
        .annotate(n=Count("*"))
        .order_by()
    )
    buckets = _empty_buckets(first_day, last_day, hourly=hourly)
    by_start = {bucket.start: bucket for bucket in buckets}
    for row in rows:
        moment = row["bucket"]
        if moment is None:
            continue
        bucket = by_start.get(moment.astimezone(zone).replace(tzinfo=None))
        if bucket is not None:
            outcome = chart_outcome(row["status"])
            bucket.counts[outcome] = bucket.counts.get(outcome, 0) + row["n"]
    total = sum(b.total for b in buckets)
    answered = sum(b.counts.get("completed", 0) for b in buckets)
    median_ring, median_talk = _medians(within)
    return CallPicture(
        first_day=first_day,
        last_day=last_day,
        hourly=hourly,
        buckets=buckets,
        total=total,
        answered=answered,
        median_ring=median_ring,
        median_talk=median_talk,
        clipped=clipped,
    )


def _empty_buckets(first_day: date, last_day: date, *, hourly: bool) -> list[Bucket]:
    # Keys are naive local wall times: a day is 23 or 25 hours long where clocks change.
    if hourly:
        return [Bucket(start=datetime.combine(first_day, time(hour))) for hour in range(24)]
    days = (last_day - first_day).days + 1
    return [
        Bucket(start=datetime.combine(first_day + timedelta(days=n), time.min)) for n in range(days)
    ]


class _LowerMedian(Aggregate):
    """PostgreSQL's lower middle value of a column, in the same pass as the other."""

    function = "percentile_disc"
    template = "percentile_disc(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = IntegerField()


def _medians(calls: QuerySet[Call]) -> tuple[int | None, int | None]:
    """Median ring time (every timed call) and talk time (answered calls)."""
    timed = calls.filter(duration__isnull=False, talk_duration__isnull=False)
    ring = F("duration") - F("talk_duration")
    if connection.vendor == "postgresql":
        found = timed.aggregate(
            ring=_LowerMedian(ring),
            talk=_LowerMedian("talk_duration", filter=Q(status="completed")),
        )
        return (
            None if found["ring"] is None else max(0, found["ring"]),
            found["talk"],
        )
    rings = timed.annotate(ring=ring).values_list("ring", flat=True).order_by("ring")
    talks = timed.filter(status="completed").values_list("talk_duration", flat=True)
    return _median(rings), _median(talks.order_by("talk_duration"))


def _median(values: QuerySet) -> int | None:
    """The middle value (the lower of the two middles), in two queries: a count, one row."""
    count = values.count()
    if not count:
        return None
    middle = values[(count - 1) // 2]
    return max(0, int(middle))


# --- recordings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordingState:
    """What the page says about a call's recording, and whether to offer a player.

    `kind`: `playable`; `refused` (the settings refuse its URL; `refusal` says why, nothing is
    fetched); `not_found` or `exotel_error` (the last fetch failed, at `checked_at`, `detail`
    says how; a player is still offered, to try again); `pending` (an answered call whose
    recording Exotel has not sent yet, looked for `until`); `none_sent` (none came by
    `until`); `unanswered`; `in_progress`.
    """

    kind: str
    offer_player: bool
    checked_at: datetime | None = None
    detail: str = ""
    until: datetime | None = None
    refusal: str = ""


def call_recording_state(*, call: Call, now: datetime | None = None) -> RecordingState:
    """The state of `call`'s recording as the page shows it. A refusal is judged against the
    settings as they are now, so allowing a folder takes effect at once."""
    if call.recording_url:
        refusal = recordings.recording_refusal(call.recording_url)
        if refusal:
            return RecordingState(
                "refused", offer_player=False, checked_at=call.recording_checked_at, refusal=refusal
            )
        if call.recording_error in (RecordingProblem.NOT_FOUND, RecordingProblem.EXOTEL_ERROR):
            return RecordingState(
                call.recording_error,
                offer_player=True,
                checked_at=call.recording_checked_at,
                detail=call.recording_error_detail,
            )
        return RecordingState("playable", offer_player=True)
    if not call.is_terminal:
        return RecordingState("in_progress", offer_player=False)
    if call.status != "completed":
        return RecordingState("unanswered", offer_player=False)
    deadline = call.recording_deadline
    kind = "pending" if (now or timezone.now()) < deadline else "none_sent"
    return RecordingState(kind, offer_player=False, until=deadline)


@dataclass(frozen=True)
class RefusedRecordings:
    """Calls whose recording URL the settings refuse, in one folder; `setting` is the one to
    change to allow them ("" when the URL is not one to allow at all)."""

    folder: str
    calls: int
    last_checked_at: datetime | None
    example_sid: str
    setting: str


def call_recording_refusals(*, limit: int = 10) -> list[RefusedRecordings]:
    """The folders of refused recordings, most calls first, as the settings stand now: a
    folder allowed since the calls were marked is left out (each call is cleared when it is
    next pulled or played). One grouped query on a partial index."""
    rows = (
        Call.objects.filter(recording_error=RecordingProblem.REFUSED)
        .values("recording_error_detail")
        .annotate(calls=Count("*"), last=Max("recording_checked_at"), example=Max("sid"))
        .order_by("-calls", "recording_error_detail")[:limit]
    )
    settings_for = {
        recordings.REFUSED_ORIGIN: "RECORDING_ALLOWED_ORIGINS",
        recordings.REFUSED_FOLDER: "RECORDING_ALLOWED_PATH_PREFIXES",
        recordings.REFUSED_URL: "",
    }
    refused = []
    for row in rows:
        folder = row["recording_error_detail"]
        # The folder with a file name in it stands for every recording stored there.
        refusal = recordings.recording_refusal(folder + "recording")
        if refusal:
            refused.append(
                RefusedRecordings(
                    folder=folder,
                    calls=row["calls"],
                    last_checked_at=row["last"],
                    example_sid=row["example"],
                    setting=settings_for[refusal],
                )
            )
    return refused
