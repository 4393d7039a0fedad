"""Counters for what happens in one process (Exotel requests, webhook deliveries, sync passes),
exported at /metrics together with what is read from the database at scrape time
(`sync/metrics_export.py`).

With PROMETHEUS_MULTIPROC_DIR set (gunicorn workers, Celery's prefork children), prometheus-client
keeps these in files there and /metrics adds up every process's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

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
WEBHOOK_DELIVERIES = Counter(
    "greenpin_webhook_deliveries",
    "Call events Exotel posted to the webhook, by outcome",
    ["outcome"],
)
SYNC_PASSES = Counter("greenpin_sync_passes", "Sync passes, by outcome", ["outcome"])
SYNC_PASS_SECONDS = Histogram(
    "greenpin_sync_pass_duration_seconds",
    "How long a sync pass took (skipped passes not included)",
    buckets=(1, 5, 15, 30, 60, 120, 180, 240, 300, 600),
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


def webhook_delivery_observed(outcome: str) -> None:
    WEBHOOK_DELIVERIES.labels(outcome=outcome).inc()


def sync_pass_observed(outcome: str, seconds: float | None) -> None:
    SYNC_PASSES.labels(outcome=outcome).inc()
    if seconds is not None:
        SYNC_PASS_SECONDS.observe(seconds)


@contextmanager
def budget_wait_observed() -> Iterator[None]:
    BUDGET_WAITS.inc()
    BUDGET_WAITING.inc()
    try:
        yield
    finally:
        BUDGET_WAITING.dec()
