from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from console.allocation_views import CALLS_SHOWN
from tests.factories import AllocationFactory, CallFactory, PartyFactory

pytestmark = pytest.mark.django_db


def test_the_allocation_page_shows_what_support_needs(staff_client):
    now = timezone.now()
    allocation = AllocationFactory(
        greenpin_id="gp_abc123xyz",
        order_id="12345",
        pin="0482",
        virtual_number="+914071000001",
        call_count=2,
        created_at=now - timedelta(minutes=37),
        expires_at=now + timedelta(minutes=23, seconds=30),
    )
    PartyFactory(allocation=allocation, side="A", number="+919900012345")
    PartyFactory(allocation=allocation, side="B", number="+918800012345")

    url = reverse("allocations:detail", args=["gp_abc123xyz"])
    page = staff_client.get(url).content.decode()

    assert "Order 12345" in page
    assert "0482" not in page  # until the agent asks to see it
    assert "+91 40 XXXX X001" in page
    assert "+91 99XXX XX345" in page
    assert "+91 88XXX XX345" in page
    assert "expires in 23\xa0minutes" in page
    assert " IST" in page
    assert "Active" in page

    staff_client.post(reverse("allocations:reveal", args=["gp_abc123xyz", "pin"]))
    assert "0482" in staff_client.get(url).content.decode()


def test_a_sync_error_is_shown_with_the_last_good_data(staff_client):
    AllocationFactory(
        greenpin_id="gp_1",
        pin="1111",
        last_sync_error="HTTP 500: internal error",
        last_sync_attempt_at=timezone.now(),
    )
    page = staff_client.get(reverse("allocations:detail", args=["gp_1"])).content.decode()
    assert "Last refresh failed" in page
    assert "HTTP 500: internal error" in page
    assert "Synced" in page


def test_an_allocation_without_b_party_says_so(staff_client):
    AllocationFactory(greenpin_id="gp_1")
    page = staff_client.get(reverse("allocations:detail", args=["gp_1"])).content.decode()
    assert "not assigned yet" in page


def test_an_unknown_id_is_a_404_in_the_sites_layout(staff_client):
    response = staff_client.get(reverse("allocations:detail", args=["gp_nope"]))
    assert response.status_code == 404
    assert "GreenPin Admin" in response.content.decode()
    assert "Not found" in response.content.decode()


def _queries_for_page(client, allocation) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("allocations:detail", args=[allocation.greenpin_id]))
    assert response.status_code == 200
    return len(queries)


def test_the_allocation_page_runs_a_constant_number_of_queries(staff_client):
    small = AllocationFactory()
    PartyFactory(allocation=small)
    CallFactory(allocation=small, from_number=small.parties.get().number)
    large = AllocationFactory()
    numbers = [PartyFactory(allocation=large).number for _ in range(20)]
    CallFactory.create_batch(500, allocation=large, from_number=numbers[0])
    _queries_for_page(staff_client, small)  # the session's first page also stores its time zone

    assert _queries_for_page(staff_client, large) == _queries_for_page(staff_client, small)


def test_an_order_with_500_calls_costs_the_queries_of_an_order_with_one(staff_client, settings):
    settings.A_PARTY_LABEL, settings.B_PARTY_LABEL = "Delivery agent", "Customer"
    one = AllocationFactory(greenpin_id="gp_one")
    many = AllocationFactory(greenpin_id="gp_many", created_at=timezone.now() - timedelta(days=2))
    for allocation in (one, many):
        PartyFactory(allocation=allocation, side="A", number="+919900012345")
        PartyFactory(allocation=allocation, side="B", number="+918800054321")
    CallFactory(allocation=one, from_number="+919900012345")
    start = timezone.now() - timedelta(days=1)
    CallFactory.create_batch(
        500,
        allocation=many,
        from_number="+919900012345",
        start_time=factory_minutes(start),
    )
    _queries_for_page(staff_client, one)  # the session's first page also stores its time zone

    assert _queries_for_page(staff_client, many) == _queries_for_page(staff_client, one)
    page = staff_client.get(reverse("allocations:detail", args=["gp_many"])).content.decode()
    # The story counts every call; the list shows only the newest.
    assert "Delivery agent called Customer 500 times" in page
    assert page.count("<audio") == CALLS_SHOWN
    assert "500 mirrored here" in page


def factory_minutes(start):
    import factory

    return factory.Sequence(lambda n: start + timedelta(minutes=n))
