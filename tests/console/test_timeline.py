from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import CallEvent
from tests.factories import AllocationFactory, CallFactory

pytestmark = pytest.mark.django_db


def test_the_allocation_page_tells_the_order_as_one_timeline(staff_client):
    now = timezone.now()
    allocation = AllocationFactory(
        greenpin_id="gp_1",
        created_at=now - timedelta(hours=2),
        expires_at=now - timedelta(minutes=5),
        status="expired",
    )
    late = CallFactory(
        allocation=allocation,
        start_time=now - timedelta(minutes=30),
        status="busy",
        recording_url="",
    )
    early = CallFactory(allocation=allocation, start_time=now - timedelta(hours=1))
    CallEvent.objects.create(
        call=early,
        call_sid=early.sid,
        fingerprint="f1",
        shape="voice",
        event_type="ringing",
        status="ringing",
        payload={},
    )

    page = staff_client.get(reverse("allocations:detail", args=["gp_1"])).content.decode()
    timeline = page[page.index('class="timeline"') : page.index("All calls")]

    created, first, second, expired = (
        timeline.index("Allocation created"),
        timeline.index(early.get_absolute_url()),
        timeline.index(late.get_absolute_url()),
        timeline.index("Expired"),
    )
    assert created < first < second < expired
    assert "1 event from Exotel" in timeline
    assert "No recording: the call was not answered." in timeline
