"""A sync pass survives what would otherwise stop the mirror: a bad event, a failing backfill."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from allocations.models import Allocation
from calls.models import CallEvent
from calls.services import allocation_backfill_calls
from exotel import errors
from sync.services import sync_pass
from tests.factories import AllocationFactory

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
