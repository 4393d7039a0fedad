"""One sync pass over everything that is due, shared by `manage.py sync` and the beat task."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

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
from exotel.errors import AuthenticationFailed, ExotelError

logger = logging.getLogger(__name__)


@dataclass
class PassReport:
    refreshed: int = 0
    failed: int = 0
    events_applied: int = 0
    calls_pulled: int = 0
    calls_failed: int = 0
    allocations_backfilled: int = 0
    stopped: str = ""
    outcomes: list[RefreshOutcome] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{self.refreshed} allocations refreshed, {self.failed} failed; "
            f"{self.events_applied} events applied; "
            f"{self.calls_pulled} calls pulled, {self.calls_failed} failed; "
            f"{self.allocations_backfilled} allocations backfilled"
        )
        return f"{text}; STOPPED: {self.stopped}" if self.stopped else text


def sync_pass(
    *,
    on_start: Callable[[int], None] | None = None,
    on_outcome: Callable[[RefreshOutcome], None] | None = None,
) -> PassReport:
    """Apply stored events, refresh due allocations, pull due calls, backfill missed calls.

    Each allocation is refreshed at most once per pass, most overdue first. A 401 stops the
    pass at once: the credentials are wrong for every request after it.
    """
    report = PassReport()
    try:
        _apply_stored_events(report)
        _refresh_allocations(report, on_start, on_outcome)
        _pull_calls(report)
        calls_relink_unmatched()
        _backfill(report)
    except AuthenticationFailed as error:
        report.stopped = str(error)
        logger.error("sync pass stopped: %s", error)
    return report


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
    seen: set[int] = set()
    while batch := [a for a in allocation_list_due() if a.pk not in seen]:
        for allocation in batch:
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
        except AuthenticationFailed:
            raise
        except ExotelError as error:
            logger.warning("backfill of %s failed: %s", allocation.greenpin_id, error)
            continue
        report.allocations_backfilled += 1
