"""Counters for the Exotel requests of one process and its waits for the shared request budget,
exported at /metrics (every process's, in multiprocess mode)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Gauge, disable_created_metrics

logger = logging.getLogger(__name__)
# The *_created series only say when a process started; they double the exposition.
disable_created_metrics()

EXOTEL_REQUESTS = Counter(
    "greenpin_exotel_requests",
    "Requests sent to Exotel, by API and outcome (ok or the error kind)",
    ["api", "outcome"],
)
BUDGET_WAITS = Counter(
    "greenpin_exotel_budget_waits",
    "Times a process had to wait for a slot in the shared Exotel request budget",
)
BUDGET_WAITING = Gauge(
    "greenpin_exotel_budget_waiting",
    "Processes waiting for a slot in the shared Exotel request budget right now",
    multiprocess_mode="livesum",
)


def exotel_request_observed(api: str, outcome: str) -> None:
    """Count one answered (or failed) Exotel request and log it with its API and outcome."""
    EXOTEL_REQUESTS.labels(api=api, outcome=outcome).inc()
    logger.log(
        logging.DEBUG if outcome == "ok" else logging.WARNING,
        "Exotel %s API request: %s",
        api,
        outcome,
        extra={"exotel_api": api, "exotel_outcome": outcome},
    )


@contextmanager
def budget_wait_observed() -> Iterator[None]:
    BUDGET_WAITS.inc()
    BUDGET_WAITING.inc()
    try:
        yield
    finally:
        BUDGET_WAITING.dec()
