"""The allocation page lists each call once, newest first, among the allocation's lifecycle,
with one player per recording; a long history shows its newest calls and links to the rest."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from console.allocation_views import CALLS_SHOWN
from tests.factories import AllocationFactory, CallFactory, PartyFactory

pytestmark = pytest.mark.django_db


def page_of(client, greenpin_id: str) -> str:
    response = client.get(reverse("allocations:detail", args=[greenpin_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_allocation_page_lists_each_call_once_newest_first(staff_client):
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

    page = page_of(staff_client, "gp_1")
    timeline = page[page.index('class="timeline"') :]

    expired, second, first, created = (
        timeline.index("Expired"),
        timeline.index(late.get_absolute_url()),
        timeline.index(early.get_absolute_url()),
        timeline.index("Allocation created"),
    )
    assert expired < second < first < created
    assert page.count(f'href="{late.get_absolute_url()}"') == 1
    assert page.count(f'href="{early.get_absolute_url()}"') == 1
    # One player for the one recording.
    assert page.count("<audio") == 1
    assert "No recording: the call was not answered." in timeline
    assert "All calls" not in page


def test_a_long_history_shows_its_newest_calls_and_links_to_the_older_ones(staff_client):
    allocation = AllocationFactory(
        greenpin_id="gp_busy", created_at=timezone.now() - timedelta(days=1)
    )
    start = timezone.now() - timedelta(hours=20)
    for n in range(30):
        CallFactory(
            sid=f"c_{n:02d}", allocation=allocation, start_time=start + timedelta(minutes=n)
        )

    page = page_of(staff_client, "gp_busy")

    listed = re.findall(r'href="/calls/(c_\d\d)/"', page)
    # The newest, newest first.
    assert listed == [f"c_{n:02d}" for n in range(29, 29 - CALLS_SHOWN, -1)]
    assert page.count("<audio") == CALLS_SHOWN
    assert f"The newest {CALLS_SHOWN} of 30 calls" in page
    assert 'href="/calls/?allocation=gp_busy"' in page
    assert "Allocation created" not in page  # it happened before calls not listed here


def test_the_older_calls_link_lists_that_allocations_calls(supervisor_client):
    mine = AllocationFactory(greenpin_id="gp_mine")
    other = AllocationFactory(greenpin_id="gp_other")
    CallFactory(sid="c_mine", allocation=mine)
    CallFactory(sid="c_other", allocation=other)

    page = supervisor_client.get("/calls/", {"allocation": "gp_mine"}).content.decode()

    assert "/calls/c_mine/" in page
    assert "/calls/c_other/" not in page


@pytest.mark.parametrize(
    "value", ["", "gp mine", "../gp_mine", "x" * 65, "gp_mine'--", "<b>", "gp_mine%00", "😀"]
)
def test_a_hostile_allocation_filter_lists_nothing_and_never_fails(supervisor_client, value):
    CallFactory(sid="c_mine", allocation=AllocationFactory(greenpin_id="gp_mine"))
    response = supervisor_client.get("/calls/", {"allocation": value})
    assert response.status_code == 200
    if value:
        assert "/calls/c_mine/" not in response.content.decode()


def test_a_call_says_who_called_whom_why_it_failed_and_how_long_it_lasted(staff_client, settings):
    settings.A_PARTY_LABEL, settings.B_PARTY_LABEL = "Delivery agent", "Customer"
    allocation = AllocationFactory(greenpin_id="gp_who")
    PartyFactory(allocation=allocation, side="A", number="+919900012345")
    PartyFactory(allocation=allocation, side="B", number="+918800054321")
    CallFactory(
        allocation=allocation,
        from_number="+918800054321",
        status="failed",
        leg1_status="completed",
        leg2_status="failed",
        duration=4,
        talk_duration=0,
        recording_url="",
        start_time=timezone.now() - timedelta(minutes=3),
    )
    CallFactory(
        allocation=allocation,
        from_number="+919900012345",
        status="completed",
        duration=212,
        talk_duration=None,
        start_time=timezone.now() - timedelta(minutes=10),
    )

    page = page_of(staff_client, "gp_who")

    assert "Customer called Delivery agent" in page
    assert "Delivery agent could not be reached" in page
    assert "Delivery agent called Customer" in page
    assert "3 min 32 s in all, talk time not reported" in page
    assert "talked —" not in page
    assert 'title="did not connect: unreachable, wrong PIN or network"' in page
    assert "What each outcome means" in page
