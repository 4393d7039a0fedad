"""A sync pass survives what would otherwise stop the mirror: a bad event, a failing backfill."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from allocations.models import Allocation, AllocationStatus
from allocations.services import allocation_track
from calls.models import CallEvent
from calls.services import allocation_backfill_calls
from exotel import errors
from exotel.models import ProviderState
from sync.services import sync_dispatch, sync_pass
from tests.factories import AllocationFactory, CallFactory

pytestmark = pytest.mark.django_db


def test_an_event_that_cannot_be_applied_is_recorded_and_the_pass_goes_on(standin):
    bad = CallEvent.objects.create(call_sid="c0", fingerprint="bad", shape="voice", payload={})
    CallEvent.objects.create(
        call_sid="c1",
        fingerprint="good",
        shape="voice",
        payload={"CallSid": "c1", "Status": "ringing", "EventType": "ringing"},
    )

    report = sync_pass()

    bad.refresh_from_db()
    assert report.events_applied == 1
    assert bad.applied_at is None
    assert "no call SID" in bad.apply_error
    assert bad.apply_attempts == 1


def test_a_long_lifetime_is_searched_in_windows_exotel_accepts(standin):
    now = timezone.now()
    allocation = AllocationFactory(
        virtual_number="+914071000031",
        created_at=now - timedelta(days=70),
        expires_at=now + timedelta(days=10),
        call_count=1,
    )

    allocation_backfill_calls(allocation=allocation)

    assert standin.counts()["by_endpoint"]["calls.list"] == 3  # 30 + 30 + 10 days


def test_a_failed_backfill_is_recorded_and_not_retried_every_pass(standin):
    allocation = AllocationFactory(virtual_number="+914071000032", call_count=2)
    standin.script("calls.list", [{"status": 500}], repeat=True)

    with pytest.raises(errors.ServerError):
        allocation_backfill_calls(allocation=allocation)
    requests_so_far = standin.counts()["total"]
    sync_pass()

    allocation = Allocation.objects.get(pk=allocation.pk)
    assert allocation.calls_checked_at is not None
    assert "500" in allocation.calls_check_error
    assert standin.counts()["total"] == requests_so_far


@pytest.fixture
def both_apis_due(standin):
    """Three allocations and three calls, all due, each API with its own work to do."""
    from calls.models import Call

    for n in range(3):
        standin.add_allocation(greenpin_id=f"gp_both{n}")
        standin.add_call(sid=f"callboth{n:024d}", status="completed")
    allocation_track(greenpin_ids=[f"gp_both{n}" for n in range(3)])
    for n in range(3):
        CallFactory(
            sid=f"callboth{n:024d}", allocation=None, next_pull_at=timezone.now(), duration=None
        )
    return Call


def run_sync() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("sync", stdout=out, stderr=io.StringIO())
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_greenpin_refusing_our_credentials_does_not_stop_the_call_pulls(standin, both_apis_due):
    standin.script("greenpin.get", [{"status": 401}], repeat=True)

    code, out = run_sync()

    assert code == 1
    assert "STOPPED allocations refreshed: " in out
    assert "calls pulled:" not in out.split("STOPPED", 1)[1]
    assert "3 calls pulled, 0 failed" in out
    assert both_apis_due.objects.filter(duration=42).count() == 3
    assert standin.counts()["by_endpoint"]["greenpin.get"] == 1


def test_an_open_call_api_circuit_does_not_stop_the_allocation_refreshes(standin, both_apis_due):
    ProviderState.objects.update_or_create(
        api="calls",
        defaults={"circuit_open_until": timezone.now() + timedelta(minutes=1)},
    )

    code, out = run_sync()

    assert code == 1
    assert "3 allocations refreshed, 0 failed" in out
    assert "STOPPED calls pulled: " in out
    assert "allocations refreshed:" not in out.split("STOPPED", 1)[1]
    assert Allocation.objects.filter(status=AllocationStatus.ACTIVE).count() == 3
    assert standin.counts()["by_endpoint"].get("calls.get", 0) == 0


def test_the_periodic_pass_backfills_while_greenpin_is_refused(standin, settings):
    ProviderState.objects.update_or_create(
        api="greenpin",
        defaults={"circuit_open_until": timezone.now() + timedelta(minutes=1)},
    )
    AllocationFactory(greenpin_id="gp_gap", call_count=1, virtual_number="+914071000001")
    standin.add_call(to="+914071000001", start_time=timezone.now() - timedelta(minutes=10))

    report = sync_dispatch()

    assert report.allocations_backfilled == 1
    assert report.stopped_parts == {}
    assert standin.counts()["by_endpoint"]["calls.list"] == 1


def test_a_pass_where_nothing_stopped_exits_0(standin, both_apis_due):
    code, out = run_sync()

    assert code == 0
    assert "STOPPED" not in out
    assert "3 allocations refreshed, 0 failed" in out
    assert "3 calls pulled, 0 failed" in out
