"""/metrics: the process counters of `sync/metrics.py` (every process's, in multiprocess mode)
and gauges read at scrape time from the database, the coordination state and the broker, so
they are right whichever process answers the scrape."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import amqp.exceptions
from celery import current_app as app
from django.conf import settings
from kombu.exceptions import ChannelError
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from exotel.coordination import _limit, coordinator

from .queues import QUEUES
from .selectors import sync_backlog

logger = logging.getLogger(__name__)


class StateCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        backlog = sync_backlog()
        yield _gauge(
            "greenpin_allocations_due", "Allocations due for a refresh", backlog.due_allocations
        )
        yield _gauge(
            "greenpin_calls_due", "Calls due for a pull from the Call API", backlog.due_calls
        )
        yield _gauge(
            "greenpin_call_events_unapplied",
            "Stored webhook events not yet applied to their call",
            backlog.unapplied_events,
        )
        if backlog.stalest_active_age is not None:
            yield _gauge(
                "greenpin_stalest_active_allocation_age_seconds",
                "Seconds since the least recently synced active allocation was synced",
                backlog.stalest_active_age,
            )
        if backlog.last_completed_pass_age is not None:
            yield _gauge(
                "greenpin_sync_last_completed_pass_age_seconds",
                "Seconds since the last sync pass completed",
                backlog.last_completed_pass_age,
            )
        circuit = GaugeMetricFamily(
            "greenpin_exotel_circuit_open",
            "1 while the API's circuit breaker is open",
            labels=["api"],
        )
        alert = GaugeMetricFamily(
            "greenpin_exotel_credentials_alert",
            "1 while Exotel refuses the API's credentials (a 401)",
            labels=["api"],
        )
        states = {state.api: state for state in backlog.providers}
        for api in ("greenpin", "calls"):
            state = states.get(api)
            circuit.add_metric([api], 1 if state and state.circuit_is_open else 0)
            alert.add_metric([api], 1 if state and state.auth_failed_at else 0)
        yield circuit
        yield alert
        yield _gauge(
            "greenpin_exotel_budget_used",
            "Requests to Exotel in the current window of the shared budget",
            coordinator().requests_in_window(),
        )
        yield _gauge(
            "greenpin_exotel_budget_limit", "Requests the shared budget allows per window", _limit()
        )
        lengths = GaugeMetricFamily(
            "greenpin_queue_length", "Messages waiting in each Celery queue", labels=["queue"]
        )
        for queue, length in _queue_lengths():
            lengths.add_metric([queue], length)
        yield lengths


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _queue_lengths() -> Iterator[tuple[str, int]]:
    names = sorted({*QUEUES.values(), "celery"})
    try:
        with app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
            for name in names:
                length = _queue_length(connection, settings.CELERY_QUEUE_PREFIX + name)
                if length is not None:
                    yield name, length
    except Exception:
        # The broker is down: the scrape still answers, without queue lengths (/healthz and
        # the missing series say the rest).
        logger.warning("queue lengths unavailable", exc_info=True)


def _queue_length(connection, queue: str) -> int | None:
    channel = connection.channel()
    try:
        return channel.queue_declare(queue=queue, passive=True).message_count
    except (ChannelError, amqp.exceptions.NotFound):
        return 0  # nothing was ever sent to it: nothing waits there
    except Exception:
        logger.warning("length of queue %s unavailable", queue, exc_info=True)
        return None
    finally:
        channel.close()


def process_counters() -> CollectorRegistry:
    """The counters of `sync/metrics.py`: this process's, or every process's in multiprocess
    mode."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)  # type: ignore[arg-type]
    return registry


def metrics_page() -> bytes:
    """The whole exposition, in Prometheus text format."""
    registry = process_counters()
    registry.register(StateCollector())
    return generate_latest(registry)
