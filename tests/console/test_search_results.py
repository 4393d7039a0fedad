"""The results page: a capped count, a link per row, what matched marked, the first result a
few keys away; and a page that costs the same whether 1 or thousands of rows match."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from allocations.models import Allocation, Party
from tests.factories import AllocationFactory, PartyFactory

pytestmark = pytest.mark.django_db

HOT_NUMBER = "+914071000077"


def search(client, q: str, **extra):
    return client.get(reverse("console:search"), {"q": q, **extra})


def _many_on(number: str, count: int) -> None:
    """`count` allocations on one virtual number, each with a customer ending in 4455."""
    now = timezone.now()
    allocations = Allocation.objects.bulk_create(
        Allocation(
            greenpin_id=f"gp_bulk{n:06d}",
            tenant_id="ACtest",
            virtual_number=number,
            pin=f"0{n % 1000:03d}",
            status="active",
            created_at=now - timedelta(minutes=n),
            expires_at=now + timedelta(hours=1),
            order_id=f"B{n}",
        )
        for n in range(count)
    )
    Party.objects.bulk_create(
        Party(allocation=allocation, side="A", number=f"+9198{n:04d}04455")
        for n, allocation in enumerate(allocations)
    )


def test_the_count_stops_at_a_thousand(staff_client):
    _many_on(HOT_NUMBER, 1001)

    body = search(staff_client, HOT_NUMBER).content.decode()

    assert "1\u201325 of 1,000+" in body


def test_a_short_list_says_how_many(staff_client):
    _many_on(HOT_NUMBER, 3)

    body = search(staff_client, HOT_NUMBER).content.decode()

    assert "3 allocations" in body


@pytest.mark.parametrize("query", [HOT_NUMBER, "004455"])
def test_a_results_page_costs_the_same_queries_for_one_match_and_for_thousands(staff_client, query):
    """The page's SQL is per-branch LIMITs and a capped count: the number of statements (and
    what each reads) does not grow with the matches."""
    staff_client.get(reverse("console:search"), {"q": "warm-up"})

    def queries_for(matches: int) -> list[str]:
        Allocation.objects.all().delete()
        _many_on(HOT_NUMBER, matches)
        with CaptureQueriesContext(connection) as captured:
            # A filter keeps even a lone match on the results page.
            response = search(staff_client, query, status="active")
        assert response.status_code == 200
        return [q["sql"].split(" ", 1)[0] for q in captured.captured_queries]

    one, many = queries_for(1), queries_for(2000)
    assert len(one) == len(many), (one, many)


def test_the_whole_row_is_one_link_and_the_matched_value_is_marked(staff_client):
    for order in ("ORD-1", "ORD-2"):
        allocation = AllocationFactory(order_id=order, virtual_number="+914071000010")
        PartyFactory(allocation=allocation, side="A", number="+919900012345")

    body = search(staff_client, "+91 99000 12345").content.decode()

    assert body.count('class="row-link"') == 2
    assert body.count("<mark>+91 99XXX XX345</mark>") == 2
    assert "<mark>+91 40XXX XX010</mark>" not in body  # the virtual number did not match


def test_an_order_id_in_another_case_is_marked(staff_client):
    AllocationFactory(order_id="ORD-43101", virtual_number="+914071000010")
    AllocationFactory(order_id="ord-43101", virtual_number="+914071000010")

    body = search(staff_client, "Ord-43101").content.decode()

    assert body.count("<mark>ORD-43101</mark>") == 1
    assert body.count("<mark>ord-43101</mark>") == 1


def test_a_skip_link_leads_to_the_first_result(staff_client):
    AllocationFactory.create_batch(2, virtual_number="+914071000010")

    body = search(staff_client, "+914071000010").content.decode()

    skip = body.index('href="#results"')
    assert skip < body.index("<main")  # in the header, right after the search box
    assert '<tbody id="results" tabindex="-1"' in body
    assert body.index('id="results"') < body.index('class="row-link"')


def test_an_empty_result_has_no_skip_link(staff_client):
    body = search(staff_client, "nothing-here").content.decode()
    assert 'href="#results"' not in body
