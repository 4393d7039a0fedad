"""What the health page shows (how fresh the mirror is and what is failing), and how often
the periodic pass runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import TruncHour
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from allocations.models import Allocation, AllocationStatus
from calls.models import UNMATCHED_STATES, Call, CallEvent
from calls.selectors import RefusedRecordings, call_recording_refusals
from calls.services import auto_track_counts
from exotel.coordination import hour_counter_read
from exotel.models import ProviderError, ProviderState

from .models import SyncRun

# The periodic pass's interval when no interval schedule says otherwise.
DEFAULT_PASS_INTERVAL = 30.0


def sync_pass_interval() -> float:
    """Seconds between periodic passes, as their schedule says (admins may change it under
    Periodic tasks); DEFAULT_PASS_INTERVAL when the pass has no enabled interval schedule."""
    task = (
        PeriodicTask.objects.filter(task="sync.tasks.run_sync_pass", enabled=True)
        .exclude(interval=None)
        .select_related("interval")
        .first()
    )
    if task is None or task.interval is None:
        return DEFAULT_PASS_INTERVAL
    try:
        seconds = task.interval.schedule.run_every.total_seconds()
    except (OverflowError, TypeError):  # a period or length no timedelta holds
        return DEFAULT_PASS_INTERVAL
    return seconds if seconds > 0 else DEFAULT_PASS_INTERVAL


@dataclass
class Health:
    last_completed_run: SyncRun | None
    last_run: SyncRun | None
    due_allocations: int
    due_calls: int
    unapplied_events: int
    unmatched_calls: int
    oldest_active: Allocation | None
    errors_last_hour: list[dict]
    providers: list[ProviderState]
    checked_at: datetime
    # GreenPin IDs first seen in call events this minute: tracked, held back, the cap
    auto_tracked: int = 0
    auto_track_held_back: int = 0
    auto_track_cap: int = 0
    # Recordings the settings refuse to fetch, by folder, with the setting that would allow them
    refused_recordings: list[RefusedRecordings] = field(default_factory=list)

    @property
    def has_alert(self) -> bool:
        return any(p.auth_failed_at or p.circuit_is_open for p in self.providers)


def health_snapshot() -> Health:
    now = timezone.now()
    tracked, held_back, cap = auto_track_counts()
    return Health(
        auto_tracked=tracked,
        auto_track_held_back=held_back,
        auto_track_cap=cap,
        last_completed_run=SyncRun.objects.filter(outcome=SyncRun.Outcome.COMPLETED).first(),
        last_run=SyncRun.objects.exclude(outcome=SyncRun.Outcome.SKIPPED).first(),
        due_allocations=Allocation.objects.filter(next_sync_at__lte=now).count(),
        due_calls=Call.objects.filter(next_pull_at__lte=now).count(),
        unapplied_events=CallEvent.objects.filter(applied_at__isnull=True).count(),
        unmatched_calls=Call.objects.filter(link_state__in=UNMATCHED_STATES).count(),
        oldest_active=Allocation.objects.filter(status=AllocationStatus.ACTIVE)
        .order_by("last_synced_at")
        .first(),
        errors_last_hour=[
            dict(row)
            for row in ProviderError.objects.filter(at__gte=now - timedelta(hours=1))
            .values("api", "kind")
            .annotate(count=Count("id"))
            .order_by("-count")
        ],
        providers=list(ProviderState.objects.order_by("api")),
        checked_at=now,
        refused_recordings=call_recording_refusals(),
    )


@dataclass
class Backlog:
    """The figures /metrics reads from the database at each scrape."""

    due_allocations: int
    due_calls: int
    unapplied_events: int
    stalest_active_age: float | None
    last_completed_pass_age: float | None
    providers: list[ProviderState]


def sync_backlog() -> Backlog:
    now = timezone.now()
    stalest = (
        Allocation.objects.filter(status=AllocationStatus.ACTIVE, last_synced_at__isnull=False)
        .order_by("last_synced_at")
        .values_list("last_synced_at", flat=True)
        .first()
    )
    last_pass = (
        SyncRun.objects.filter(outcome=SyncRun.Outcome.COMPLETED)
        .values_list("finished_at", flat=True)
        .first()
    )
    return Backlog(
        due_allocations=Allocation.objects.filter(next_sync_at__lte=now).count(),
        due_calls=Call.objects.filter(next_pull_at__lte=now).count(),
        unapplied_events=CallEvent.objects.filter(applied_at__isnull=True).count(),
        stalest_active_age=(now - stalest).total_seconds() if stalest else None,
        last_completed_pass_age=(now - last_pass).total_seconds() if last_pass else None,
        providers=list(ProviderState.objects.order_by("api")),
    )


@dataclass
class HourOfDay:
    start: datetime
    events_received: int
    calls_pulled: int
    requests: int
    errors: dict[str, int]

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


@dataclass
class LastDay:
    """The last 24 hours, hour by hour, oldest first; `budget_per_hour` is what the request
    budget allows in an hour."""

    hours: list[HourOfDay]
    budget_per_hour: int
    error_kinds: list[str]


def health_last_day(*, now: datetime | None = None) -> LastDay:
    """Events received, calls pulled, Exotel requests and errors by kind, per hour: two
    grouped queries and the deployment's hour counters."""
    now = now or timezone.now()
    current = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    starts = [current - timedelta(hours=n) for n in range(23, -1, -1)]
    since = starts[0]
    events = dict(
        CallEvent.objects.filter(received_at__gte=since)
        .annotate(hour=TruncHour("received_at", tzinfo=UTC))
        .values("hour")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("hour", "n")
    )
    errors: dict[datetime, dict[str, int]] = {}
    kinds: set[str] = set()
    for hour, kind, n in (
        ProviderError.objects.filter(at__gte=since)
        .annotate(hour=TruncHour("at", tzinfo=UTC))
        .values("hour", "kind")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("hour", "kind", "n")
    ):
        errors.setdefault(hour, {})[kind] = n
        kinds.add(kind)
    pulled = hour_counter_read("calls_pulled", starts)
    requests = hour_counter_read("exotel_requests", starts)
    return LastDay(
        hours=[
            HourOfDay(
                start=start,
                events_received=events.get(start, 0),
                calls_pulled=pulled[index],
                requests=requests[index],
                errors=errors.get(start, {}),
            )
            for index, start in enumerate(starts)
        ],
        budget_per_hour=settings.EXOTEL_RATE_LIMIT_PER_MINUTE * 60,
        error_kinds=sorted(kinds),
    )
