"""Sync passes over everything that is due.

`sync_pass` does the work in this process (`manage.py sync`); `sync_dispatch` is the periodic
task's pass: it hands the due work to the workers in small batches, so any number of workers
share it (and the one request budget), never more than the budget can serve before the next
pass. Both take the same lease, so passes never overlap.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from allocations.models import Allocation
from allocations.selectors import allocation_count_due, allocation_list_due
from allocations.services import RefreshOutcome, allocation_refresh
from calls.selectors import (
    allocation_list_needing_backfill,
    call_event_list_unapplied,
    call_list_due,
)
from calls.services import (
    allocation_backfill_calls,
    call_event_apply,
    call_event_record_failure,
    calls_pull,
    calls_relink_unmatched,
)
from exotel.call_api import BULK_LIMIT
from exotel.coordination import lease, request_spacing, requests_available
from exotel.errors import ExotelError
from exotel.request_guard import DEPLOYMENT_WIDE

from .metrics import sync_pass_observed
from .models import SyncRun
from .selectors import sync_pass_interval

logger = logging.getLogger(__name__)

SYNC_LEASE_NAME = "sync-pass"
# Work handed to a worker is not due again for this long (unless the worker reschedules it,
# as it does when it meets a spent request budget): long enough never to hand a row out twice
# while its task waits in the queue, and the bound on how long a lost task delays its rows.
DISPATCH_HOLD = timedelta(minutes=10)
ALLOCATIONS_PER_TASK = 10
# Calls handed out by one pass (one task; 100 a request).
CALLS_PER_PASS = 1000


@dataclass
class PassReport:
    refreshed: int = 0
    failed: int = 0
    events_applied: int = 0
    calls_pulled: int = 0
    calls_failed: int = 0
    allocations_backfilled: int = 0
    dispatched: int = 0
    # part of the pass -> why it stopped (an API refused: credentials, circuit, budget)
    stopped_parts: dict[str, str] = field(default_factory=dict)
    outcomes: list[RefreshOutcome] = field(default_factory=list)

    @property
    def stopped(self) -> str:
        return "; ".join(f"{part}: {reason}" for part, reason in self.stopped_parts.items())

    def summary(self) -> str:
        text = (
            f"{self.refreshed} allocations refreshed, {self.failed} failed; "
            f"{self.events_applied} events applied; "
            f"{self.calls_pulled} calls pulled, {self.calls_failed} failed; "
            f"{self.allocations_backfilled} allocations backfilled"
        )
        if self.dispatched:
            text += f"; {self.dispatched} allocations handed to workers"
        return f"{text}; STOPPED {self.stopped}" if self.stopped_parts else text


def _run_part(report: PassReport, part: str, work: Callable[[], object]) -> None:
    """Run one part of a pass. An API refusing every request (credentials alert, open circuit,
    spent budget) stops this part only: the other parts may need the other API, or none."""
    try:
        work()
    except DEPLOYMENT_WIDE as error:
        report.stopped_parts[part] = str(error)
        logger.error("sync pass: %s stopped: %s", part, error)


def sync_pass(
    *,
    on_start: Callable[[int], None] | None = None,
    on_outcome: Callable[[RefreshOutcome], None] | None = None,
) -> PassReport | None:
    """One whole pass in this process: apply stored events, refresh due allocations (GreenPin
    API), pull due calls, relink, backfill (Call API). None when another pass holds the lease.

    Each part runs on its own: one whose API refuses every request (a 401, an open circuit, a
    spent budget) is named in `stopped_parts` and the others go on.
    """
    with _recorded_run() as run:
        if run is None:
            return None
        report = PassReport()
        _run_part(report, "events applied", partial(_apply_stored_events, report))
        _run_part(
            report,
            "allocations refreshed",
            partial(_refresh_allocations, report, on_start, on_outcome),
        )
        _run_part(report, "calls pulled", partial(_pull_calls, report))
        _run_part(report, "relinking", calls_relink_unmatched)
        _run_part(report, "backfill", partial(_backfill, report))
        run.report = report
        return report


def sync_dispatch(*, interval: float | None = None) -> PassReport | None:
    """The periodic pass: apply stored events here, hand due calls and allocations to the
    workers, relink and backfill, each part on its own. None when another pass holds the
    lease.

    It hands out no more than the request budget can serve before the next pass, `interval`
    seconds away (the schedule's by default): work handed out beyond that would only meet a
    spent budget in the workers. Due calls go first (a hundred to a request); the rest stays
    due for the next pass, most overdue first."""
    with _recorded_run() as run:
        if run is None:
            return None
        report = PassReport()
        _run_part(report, "events applied", partial(_apply_stored_events, report))
        interval = sync_pass_interval() if interval is None else interval
        allowance = _Allowance(requests_available(within=interval))
        _run_part(report, "calls handed out", partial(_dispatch_calls, allowance))
        _run_part(
            report, "allocations handed out", partial(_dispatch_allocations, report, allowance)
        )
        _run_part(report, "relinking", calls_relink_unmatched)
        _run_part(report, "backfill", partial(_backfill, report))
        run.report = report
        return report


@dataclass
class _Allowance:
    """Requests the budget can serve before the next pass, not yet spoken for."""

    left: int

    def take(self, requests: int) -> None:
        self.left = max(0, self.left - requests)


def _dispatch_allocations(report: PassReport, allowance: _Allowance) -> None:
    from allocations.tasks import refresh_allocations

    # Each batch starts when the budget's rate reaches it, so a pass's requests are spread
    # over the time to the next pass. Sent in one burst, they would free their slots in one
    # burst a window later, and the budget would go in bursts with idle time between.
    spacing = ALLOCATIONS_PER_TASK * request_spacing()
    for position, batch in enumerate(_claim_due_allocations(limit=allowance.left)):
        countdown = round(position * spacing, 1) or None
        send = partial(refresh_allocations.apply_async, (batch,), countdown=countdown)
        transaction.on_commit(send, robust=True)
        report.dispatched += len(batch)
        allowance.take(len(batch))  # one request each


def _dispatch_calls(allowance: _Allowance) -> None:
    from calls.tasks import pull_calls

    if allowance.left <= 0:
        return
    limit = min(CALLS_PER_PASS, allowance.left * BULK_LIMIT)
    due_calls = [call.pk for call in call_list_due(limit=limit)]
    if due_calls:
        transaction.on_commit(lambda: pull_calls.delay(due_calls), robust=True)
        allowance.take(math.ceil(len(due_calls) / BULK_LIMIT))


class _RunHandle:
    report: PassReport | None = None


@contextmanager
def _recorded_run() -> Iterator[_RunHandle | None]:
    """Hold the pass lease and write a SyncRun row for the health page."""
    with lease(SYNC_LEASE_NAME) as held:
        if not held:
            SyncRun.objects.create(outcome=SyncRun.Outcome.SKIPPED, finished_at=timezone.now())
            sync_pass_observed(SyncRun.Outcome.SKIPPED, None)
            yield None
            return
        run = SyncRun.objects.create()
        started = time.monotonic()
        handle = _RunHandle()
        outcome, summary = SyncRun.Outcome.STOPPED, "crashed"
        try:
            yield handle
            if handle.report is not None:
                summary = handle.report.summary()
                outcome = (
                    SyncRun.Outcome.STOPPED if handle.report.stopped else SyncRun.Outcome.COMPLETED
                )
        finally:
            SyncRun.objects.filter(pk=run.pk).update(
                outcome=outcome, summary=summary[:4000], finished_at=timezone.now()
            )
            sync_pass_observed(outcome, time.monotonic() - started)


def _claim_due_allocations(*, limit: int) -> list[list[int]]:
    """Take at most `limit` due allocations, most overdue first, off the schedule for
    DISPATCH_HOLD and batch them."""
    if limit <= 0:
        return []
    now = timezone.now()
    ids = list(allocation_list_due(now=now, limit=limit).values_list("pk", flat=True))
    Allocation.objects.filter(pk__in=ids).update(next_sync_at=now + DISPATCH_HOLD)
    return [ids[i : i + ALLOCATIONS_PER_TASK] for i in range(0, len(ids), ALLOCATIONS_PER_TASK)]


def _apply_stored_events(report: PassReport) -> None:
    # Events whose task was lost (a broker outage) are applied here, so nothing is lost.
    for event in call_event_list_unapplied():
        try:
            applied = call_event_apply(event=event)
        except Exception as error:  # one bad event must not stop the pass
            logger.exception("event %s could not be applied", event.pk)
            call_event_record_failure(event=event, error=error)
            continue
        report.events_applied += applied is not None


def _refresh_allocations(report, on_start, on_outcome) -> None:
    if on_start:
        on_start(allocation_count_due())
    deadline = time.monotonic() + settings.SYNC_PASS_BUDGET
    seen: set[int] = set()
    while batch := [a for a in allocation_list_due() if a.pk not in seen]:
        for allocation in batch:
            if time.monotonic() > deadline:
                return  # the next pass goes on where this one stopped
            seen.add(allocation.pk)
            outcome = allocation_refresh(allocation=allocation)
            report.outcomes.append(outcome)
            if outcome.ok:
                report.refreshed += 1
            else:
                report.failed += 1
            if on_outcome:
                on_outcome(outcome)


def _pull_calls(report: PassReport) -> None:
    due = list(call_list_due())
    if due:
        pulled = calls_pull(calls=due)
        report.calls_pulled += pulled.pulled
        report.calls_failed += pulled.failed


def _backfill(report: PassReport) -> None:
    for allocation in allocation_list_needing_backfill():
        try:
            allocation_backfill_calls(allocation=allocation)
        except DEPLOYMENT_WIDE:
            raise
        except ExotelError as error:  # recorded on the allocation
            logger.warning("backfill of %s failed: %s", allocation.greenpin_id, error)
            continue
        report.allocations_backfilled += 1
