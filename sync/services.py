"""One sync pass over everything that is due, shared by `manage.py sync` and the beat task."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from allocations.selectors import allocation_count_due, allocation_list_due
from allocations.services import RefreshOutcome, allocation_refresh
from exotel.errors import AuthenticationFailed

logger = logging.getLogger(__name__)


@dataclass
class PassReport:
    refreshed: int = 0
    failed: int = 0
    stopped: str = ""
    outcomes: list[RefreshOutcome] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{self.refreshed} allocations refreshed, {self.failed} failed"
        return f"{text}; STOPPED: {self.stopped}" if self.stopped else text


def sync_pass(
    *,
    on_start: Callable[[int], None] | None = None,
    on_outcome: Callable[[RefreshOutcome], None] | None = None,
) -> PassReport:
    """Refresh every allocation that is due, each at most once, most overdue first.

    A 401 stops the pass at once: the credentials are wrong for every request after it.
    """
    report = PassReport()
    if on_start:
        on_start(allocation_count_due())
    seen: set[int] = set()
    while True:
        batch = [a for a in allocation_list_due() if a.pk not in seen]
        if not batch:
            break
        for allocation in batch:
            seen.add(allocation.pk)
            try:
                outcome = allocation_refresh(allocation=allocation)
            except AuthenticationFailed as error:
                report.stopped = str(error)
                logger.error("sync pass stopped: %s", error)
                return report
            report.outcomes.append(outcome)
            if outcome.ok:
                report.refreshed += 1
            else:
                report.failed += 1
            if on_outcome:
                on_outcome(outcome)
    return report
