"""/health/: the last 24 hours hour by hour: events received, calls pulled, Exotel requests
against the budget, errors by kind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import CallEvent
from calls.services import calls_pull
from exotel import call_api
from exotel.coordination import coordinator
from exotel.models import ProviderError
from sync.selectors import health_last_day
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean_coordination():
    shared = coordinator()
    if hasattr(shared, "clear"):
        shared.clear()


def test_events_and_errors_are_counted_in_their_hour():
    now = timezone.now()
    for _ in range(3):
        CallEvent.objects.create(
            call_sid="c1", fingerprint=str(_), shape="voice", payload={}, received_at=now
        )
    CallEvent.objects.create(
        call_sid="c2",
        fingerprint="old",
        shape="voice",
        payload={},
        received_at=now - timedelta(hours=2),
    )
    CallEvent.objects.create(
        call_sid="c3",
        fingerprint="too-old",
        shape="voice",
        payload={},
        received_at=now - timedelta(hours=30),
    )
    ProviderError.objects.create(api="calls", kind="timeout", at=now)
    ProviderError.objects.create(api="calls", kind="timeout", at=now)
    ProviderError.objects.create(api="greenpin", kind="server_error", at=now - timedelta(hours=2))

    day = health_last_day(now=now)

    assert len(day.hours) == 24
    assert day.hours[-1].events_received == 3
    assert day.hours[-3].events_received == 1
    assert sum(h.events_received for h in day.hours) == 4
    assert day.hours[-1].errors == {"timeout": 2}
    assert day.hours[-3].errors == {"server_error": 1}
    assert day.error_kinds == ["server_error", "timeout"]


def test_requests_and_pulled_calls_are_counted_as_they_happen(
    standin, settings, django_capture_on_commit_callbacks
):
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 200
    standin.add_call(sid="c_pulled", duration=30)
    record = call_api.get_call("c_pulled")  # not through the guard: not counted
    assert record.sid == "c_pulled"
    call = CallFactory(allocation=None, sid="c_pulled", status="ringing", recording_url="")
    with django_capture_on_commit_callbacks(execute=True):
        calls_pull(calls=[call])

    last = health_last_day().hours[-1]

    assert last.calls_pulled == 1
    assert last.requests == 1
    assert health_last_day().budget_per_hour == 12_000


def test_the_health_page_shows_the_last_day(supervisor_client, settings):
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 200
    CallEvent.objects.create(call_sid="c1", fingerprint="f", shape="voice", payload={})
    ProviderError.objects.create(api="calls", kind="timeout")
    page = supervisor_client.get("/health/").content.decode()
    assert "The last 24 hours" in page
    assert "timeout: 1" in page
    assert "of 12,000 an hour" in page


def test_a_days_counters_are_read_in_one_round_trip(django_assert_num_queries):
    from exotel.coordination import DatabaseCoordinator, hour_counter_add, hour_counter_read

    hour_counter_add("exotel_requests")
    hour_counter_add("exotel_requests")
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    hours = [start - timedelta(hours=n) for n in range(23, -1, -1)]
    queries = 1 if isinstance(coordinator(), DatabaseCoordinator) else 0
    with django_assert_num_queries(queries):
        counts = hour_counter_read("exotel_requests", hours)
    assert counts == [0] * 23 + [2]
