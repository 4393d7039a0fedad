"""Counters for what happens in one process (webhook deliveries, sync passes; Exotel requests
are counted in `exotel/metrics.py`), exported at /metrics together with what is read from the
database at scrape time.

With PROMETHEUS_MULTIPROC_DIR set (gunicorn workers, Celery's prefork children), prometheus-client
keeps these in files there and /metrics adds up every process's.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram, disable_created_metrics

# The *_created series only say when a process started; they double the exposition.
disable_created_metrics()

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


def webhook_delivery_observed(outcome: str) -> None:
    WEBHOOK_DELIVERIES.labels(outcome=outcome).inc()


def sync_pass_observed(outcome: str, seconds: float | None) -> None:
    SYNC_PASSES.labels(outcome=outcome).inc()
    if seconds is not None:
        SYNC_PASS_SECONDS.observe(seconds)
