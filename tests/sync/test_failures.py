"""How the sync engine meets a failing Exotel: 401, 5xx bursts, timeouts, 429."""

from __future__ import annotations

import contextlib
import time
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from allocations.models import Allocation
from allocations.services import allocation_refresh, allocation_track
from exotel.models import ProviderError, ProviderState
from sync.services import sync_pass

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced(standin):
    """Five allocations mirrored with good data, all due again."""
    for n in range(5):
        standin.add_allocation(greenpin_id=f"gp_{n}", pin=f"0{n}{n}{n}", from_=["+919900012345"])
    for allocation in allocation_track(greenpin_ids=[f"gp_{n}" for n in range(5)]):
        assert allocation_refresh(allocation=allocation).ok
    Allocation.objects.update(next_sync_at=timezone.now() - timedelta(seconds=1))
    return standin


def snapshot():
    return list(
        Allocation.objects.order_by("pk").values_list(
            "pin", "status", "last_synced_at", "last_sync_error", "sync_failures"
        )
    )


def test_a_401_stops_the_pass_after_one_request_and_alerts_every_page(
    synced, staff_client, admin_client, settings
):
    before, requests_before = snapshot(), synced.counts()["total"]
    synced.script("*", [{"status": 401}], repeat=True)

    report = sync_pass()

    assert report.stopped
    assert synced.counts()["total"] == requests_before + 1
    assert snapshot() == before
    for url in [reverse("console:search"), reverse("allocations:detail", args=["gp_0"])]:
        # Agents read what it means for them; admins read which settings to fix.
        assert "Exotel is unreachable" in staff_client.get(url).content.decode()
        assert "Exotel refused our credentials" in admin_client.get(url).content.decode()

    # Later passes do not knock again until the retry interval has passed ...
    sync_pass()
    assert synced.counts()["total"] == requests_before + 1

    # ... then one trial goes out, and once the credentials work the alert clears.
    synced.script("*", [])
    ProviderState.objects.filter(api="greenpin").update(
        circuit_open_until=timezone.now() - timedelta(seconds=1)
    )
    report = sync_pass()
    assert not report.stopped
    assert report.refreshed == 5
    assert (
        "Exotel is unreachable" not in staff_client.get(reverse("console:search")).content.decode()
    )


def test_a_burst_of_500s_is_retried_a_bounded_number_of_times_then_the_circuit_opens(
    synced, settings, staff_client
):
    settings.EXOTEL_MAX_ATTEMPTS = 3
    settings.EXOTEL_CIRCUIT_THRESHOLD = 3
    settings.EXOTEL_CIRCUIT_COOLDOWN = 60
    before, requests_before = snapshot(), synced.counts()["total"]
    synced.script("*", [{"status": 500}, {"status": 502}, {"status": 503}], repeat=True)

    report = sync_pass()

    # One allocation's three attempts open the circuit; the pass stops instead of hammering.
    assert synced.counts()["total"] == requests_before + 3
    assert report.stopped
    assert [row[0:3] for row in snapshot()] == [row[0:3] for row in before]
    state = ProviderState.objects.get(api="greenpin")
    assert state.circuit_is_open
    assert "Exotel is unreachable" in staff_client.get(reverse("console:search")).content.decode()

    sync_pass()  # fails fast while open: nothing sent
    assert synced.counts()["total"] == requests_before + 3

    synced.script("*", [])
    ProviderState.objects.filter(api="greenpin").update(
        circuit_open_until=timezone.now() - timedelta(seconds=1)
    )
    Allocation.objects.update(next_sync_at=timezone.now())
    report = sync_pass()  # one trial, then everything
    assert report.refreshed == 5
    assert not ProviderState.objects.get(api="greenpin").circuit_is_open


def test_timeouts_count_as_failures_and_keep_the_last_good_data(synced, settings):
    settings.EXOTEL_READ_TIMEOUT = 0.2
    settings.EXOTEL_MAX_ATTEMPTS = 2
    settings.EXOTEL_CIRCUIT_THRESHOLD = 100
    synced.script("gp_0", [{"delay": 0.6}], repeat=True)

    sync_pass()

    allocation = Allocation.objects.get(greenpin_id="gp_0")
    assert allocation.pin == "0000"
    assert allocation.last_sync_error_kind == "timeout"
    assert ProviderError.objects.filter(api="greenpin", kind="timeout").count() == 2


def test_retry_after_is_honoured_by_the_whole_deployment(synced):
    synced.script("*", [{"status": 429, "retry_after": 1}])

    report = sync_pass()

    assert report.refreshed == 5
    log = sorted(
        (r for r in synced.requests() if r["endpoint"] == "greenpin.get"), key=lambda r: r["t"]
    )
    refused = next(i for i, r in enumerate(log) if r["status"] == 429)
    assert all(r["t"] - log[refused]["t"] >= 1.0 for r in log[refused + 1 :])
    assert len(log[refused + 1 :]) == 5


def test_a_failure_is_visible_on_the_health_page(synced, admin_client, settings):
    settings.EXOTEL_MAX_ATTEMPTS = 1
    synced.script("gp_0", [{"status": 500}])
    sync_pass()

    page = admin_client.get(reverse("health")).content.decode()

    assert "server_error" in page
    assert "Last completed pass" in page


def test_only_staff_see_the_health_page(staff_client):
    assert staff_client.get(reverse("health")).status_code == 403
    assert Client().get(reverse("health")).status_code == 302


def test_healthz_needs_no_login_and_shows_no_data(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_a_spent_request_budget_stops_the_pass_without_marking_rows(synced, settings):
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 2
    settings.EXOTEL_MAX_RETRY_AFTER = 0.5
    requests_before = synced.counts()["total"]

    report = sync_pass()

    assert "budget" in report.stopped
    assert synced.counts()["total"] <= requests_before + 2
    assert not Allocation.objects.exclude(last_sync_error="").exists()


@pytest.fixture
def own_queues(settings):
    """Queues of this test alone, emptied afterwards (no worker consumes them)."""
    from greenpin_admin.celery import app, consumed_queues

    settings.CELERY_QUEUE_PREFIX = f"hz{uuid.uuid4().hex[:8]}-"
    yield
    with app.connection_for_write() as connection:
        channel = connection.channel()
        for queue in consumed_queues():
            with contextlib.suppress(Exception):  # never declared: nothing to purge
                channel.queue_purge(queue)
        channel.close()


def test_healthz_fails_when_a_queue_holds_work_no_worker_takes(client, settings, own_queues):
    from calls.tasks import apply_call_event

    settings.WORKER_STALL_TIMEOUT = 0.2
    assert client.get("/healthz").status_code == 200  # an empty queue is no sign of trouble

    apply_call_event.apply_async(args=[1])  # no worker runs in this test
    first = client.get("/healthz")
    time.sleep(0.4)
    later = client.get("/healthz")

    assert first.status_code == 200  # just arrived: give the workers their time
    assert (later.status_code, later.content) == (503, b"workers not taking work\n")


def test_healthz_counts_from_the_last_task_a_worker_took(client, settings, own_queues):
    from calls.tasks import apply_call_event
    from sync.worker_health import worker_took_task

    settings.WORKER_STALL_TIMEOUT = 0.5
    apply_call_event.apply_async(args=[1])
    client.get("/healthz")
    time.sleep(0.3)
    worker_took_task(f"{settings.CELERY_QUEUE_PREFIX}events")  # a busy queue that moves
    time.sleep(0.3)

    assert client.get("/healthz").status_code == 200
