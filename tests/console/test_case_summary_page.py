"""The case summary at the top of the allocation page, and what "Copy for the ticket" copies."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import LinkState
from calls.selectors import call_list_unmatched_candidates
from tests.factories import AllocationFactory, CallFactory, PartyFactory

pytestmark = pytest.mark.django_db

AGENT, CUSTOMER = "+919900012345", "+918800054321"


@pytest.fixture
def labels(settings):
    settings.A_PARTY_LABEL = "Delivery agent"
    settings.B_PARTY_LABEL = "Customer"


def order(**fields):
    allocation = AllocationFactory(virtual_number="+914071000001", **fields)
    PartyFactory(allocation=allocation, side="A", number=AGENT)
    PartyFactory(allocation=allocation, side="B", number=CUSTOMER)
    return allocation


def page_of(client, allocation) -> str:
    response = client.get(reverse("allocations:detail", args=[allocation.greenpin_id]))
    assert response.status_code == 200
    return response.content.decode()


def summary_text(page: str) -> str:
    section = re.search(r'<section class="case-summary".*?</section>', page, re.S)
    assert section, "no case summary on the page"
    return html.unescape(re.sub(r"<[^>]+>", " ", section.group(0)))


def ticket_of(page: str) -> str:
    match = re.search(r'data-copy="([^"]*)">Copy for the ticket', page)
    assert match, "no Copy for the ticket button"
    return html.unescape(match.group(1))


def test_the_page_opens_with_who_called_whom_in_the_deployments_labels(staff_client, labels):
    now = timezone.now()
    allocation = order(created_at=now - timedelta(hours=1), order_id="12345")
    CallFactory(
        allocation=allocation,
        from_number=AGENT,
        status="no-answer",
        start_time=now - timedelta(minutes=40),
        talk_duration=0,
    )
    CallFactory(
        allocation=allocation,
        from_number=AGENT,
        status="completed",
        start_time=now - timedelta(minutes=30),
        talk_duration=127,
    )
    CallFactory(
        allocation=allocation,
        from_number=CUSTOMER,
        status="busy",
        start_time=now - timedelta(minutes=20),
        talk_duration=0,
    )

    text = " ".join(summary_text(page_of(staff_client, allocation)).split())

    assert "Delivery agent called Customer 2 times:" in text
    assert "no answer," in text
    assert "talked 2 min 7 s (recorded)" in text
    assert "Customer called back once," in text
    assert ", busy." in text


def test_an_order_without_calls_says_none_was_attempted(staff_client, labels):
    now = timezone.now()
    allocation = order(
        created_at=now - timedelta(hours=3),
        expires_at=now - timedelta(hours=2),
        status="expired",
    )
    text = summary_text(page_of(staff_client, allocation))
    assert "No call was attempted while the number was active" in text
    assert "expired 2 hours ago" in text


def test_a_call_after_expiry_is_called_out(staff_client, labels):
    now = timezone.now()
    allocation = order(
        created_at=now - timedelta(hours=3),
        expires_at=now - timedelta(hours=2),
        status="expired",
    )
    CallFactory(
        allocation=allocation,
        from_number=CUSTOMER,
        status="no-answer",
        start_time=now - timedelta(hours=1),
    )
    text = summary_text(page_of(staff_client, allocation))
    assert "1 call after it expired:" in text
    assert "from Customer, no answer" in text


def test_an_unmatched_call_on_its_number_in_its_lifetime_is_offered(staff_client, labels):
    now = timezone.now()
    allocation = order(created_at=now - timedelta(hours=1))
    stray = CallFactory(
        allocation=None,
        link_state=LinkState.AMBIGUOUS,
        to_number=allocation.virtual_number,
        start_time=now - timedelta(minutes=5),
    )
    # Not candidates: another number, before its creation, linked elsewhere, not tried yet.
    CallFactory(
        allocation=None,
        link_state=LinkState.NO_CANDIDATE,
        to_number="+914071000002",
        start_time=now - timedelta(minutes=5),
    )
    CallFactory(
        allocation=None,
        link_state=LinkState.NO_CANDIDATE,
        to_number=allocation.virtual_number,
        start_time=now - timedelta(hours=2),
    )
    CallFactory(
        allocation=order(created_at=now - timedelta(hours=1)), start_time=now - timedelta(minutes=5)
    )
    CallFactory(
        allocation=None,
        link_state=LinkState.PENDING,
        to_number=allocation.virtual_number,
        start_time=now - timedelta(minutes=5),
    )

    assert list(call_list_unmatched_candidates(allocation=allocation)) == [stray]
    page = page_of(staff_client, allocation)
    text = summary_text(page)
    assert "1 call could not be matched to this order (same virtual number, same time)" in text
    assert f'href="{reverse("calls:detail", args=[stray.sid])}">see it</a>' in page


def test_stale_data_says_as_of_when_and_refreshing(staff_client, labels):
    due = {"next_sync_at": timezone.now()}  # still refreshed, so it can be stale
    allocation = order(last_synced_at=timezone.now() - timedelta(hours=1), **due)
    text = summary_text(page_of(staff_client, allocation))
    assert "As of " in text
    assert "; refreshing." in text
    fresh = order(last_synced_at=timezone.now(), **due)
    assert "refreshing" not in summary_text(page_of(staff_client, fresh))


def test_the_ticket_copy_has_ids_zoned_times_and_masked_numbers(staff_client, labels):
    allocation = order(order_id="12345", greenpin_id="gp_ticket1")
    CallFactory(allocation=allocation, from_number=AGENT, status="busy")
    ticket = ticket_of(page_of(staff_client, allocation))
    assert ticket.splitlines()[0] == "Order 12345, GreenPin ID gp_ticket1"
    assert "Delivery agent +91 99XXX XX345; Customer +91 88XXX XX321" in ticket
    assert "9900012345" not in ticket
    assert "8800054321" not in ticket
    assert re.search(r"Delivery agent called Customer once, \d\d:\d\d IST, busy\.", ticket)
    assert "(UTC+05:30)" in ticket


def test_the_ticket_has_full_numbers_once_revealed(supervisor_client, labels):
    allocation = order(greenpin_id="gp_ticket2")
    supervisor_client.post(reverse("allocations:reveal", args=["gp_ticket2", "numbers"]))
    ticket = ticket_of(page_of(supervisor_client, allocation))
    assert "Delivery agent +91 99000 12345; Customer +91 88000 54321" in ticket


@pytest.mark.parametrize(
    "hostile",
    ['"><script>alert(1)</script>', "1\nRefund approved", "\u202eevil", "x" * 256, "{{ pin }}"],
)
def test_a_hostile_order_id_is_shown_harmlessly(staff_client, labels, hostile):
    allocation = order(order_id=hostile, pin="0482")
    page = page_of(staff_client, allocation)
    assert "<script>alert(1)" not in page
    assert "0482" not in page
    ticket = ticket_of(page)
    assert ticket.splitlines()[0] == f"Order {' '.join(hostile.split())}, GreenPin ID " + (
        allocation.greenpin_id
    )


def test_the_labels_default_to_a_and_b_party(staff_client):
    allocation = order()
    CallFactory(allocation=allocation, from_number=CUSTOMER, status="busy")
    assert "B-party called A-party once," in summary_text(page_of(staff_client, allocation))


def test_the_demo_shows_each_kind_of_summary_through_the_real_mirror(
    staff_client, standin, settings
):
    """The showcase orders, fetched from the stand-in over HTTP and their calls found by the
    backfill, read as their stories say."""
    from io import StringIO

    from django.core.management import call_command

    from allocations.models import Allocation
    from calls.services import allocation_backfill_calls
    from exotel_standin.demo import seed_showcase

    settings.A_PARTY_LABEL, settings.B_PARTY_LABEL = "Delivery agent", "Customer"
    ids = seed_showcase(standin)
    call_command("track", *ids, stdout=StringIO())
    for allocation in Allocation.objects.filter(call_count__gt=0):
        allocation_backfill_calls(allocation=allocation)

    def story(order_id: str) -> str:
        allocation = Allocation.objects.get(order_id=order_id)
        return " ".join(summary_text(page_of(staff_client, allocation)).split())

    assert "No call was attempted while the number was active" in story("100001")
    assert "expired 2 hours ago" in story("100001")
    called = story("100002")
    assert re.search(
        r"Delivery agent called Customer 3 times: \d\d:\d\d no answer, \d\d:\d\d busy, "
        r"\d\d:\d\d talked 2 min 7 s",
        called,
    ), called
    assert re.search(r"Customer called back once, \d\d:\d\d, no answer\.", called), called
    assert re.search(
        r"Customer called 4 times between \d\d:\d\d and \d\d:\d\d and never reached "
        r"Delivery agent \(3 no answer, 1 failed: Delivery agent could not be reached\)",
        story("100003"),
    )
    stray = story("100004")
    assert "Delivery agent called Customer once" in stray
    assert "1 call could not be matched to this order (same virtual number, same time)" in stray
