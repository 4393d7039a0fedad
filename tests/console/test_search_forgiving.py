"""The search forgives how an identifier is typed (case, `#`, `Order `, `order_id=`, spaces,
only a number's last digits) and stays an index lookup; and nothing typed breaks it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from audit.models import AccessLog
from console.selectors import (
    allocation_search,
    allocation_search_branches,
    allocation_search_page,
    search_terms,
)
from tests.factories import AllocationFactory, CallFactory, PartyFactory

pytestmark = pytest.mark.django_db


def search(client, q: str, **extra):
    return client.get(reverse("console:search"), {"q": q, **extra})


def lands_on(response, greenpin_id: str) -> bool:
    return response.status_code == 302 and response["Location"] == reverse(
        "allocations:detail", args=[greenpin_id]
    )


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("ORD-43101", "ord-43101"),
        ("ord-43101", "ORD-43101"),
        ("Ab12cD", "aB12Cd"),
    ],
)
def test_an_order_id_is_found_in_any_case(staff_client, stored, typed):
    AllocationFactory(greenpin_id="gp_order", order_id=stored)
    assert lands_on(search(staff_client, typed), "gp_order")


def test_a_greenpin_id_and_a_call_sid_are_found_in_any_case(staff_client):
    allocation = AllocationFactory(greenpin_id="gp_AbC123")
    CallFactory(sid="CaLl9f8e", allocation=allocation)

    assert lands_on(search(staff_client, "GP_abc123"), "gp_AbC123")
    assert lands_on(search(staff_client, "call9F8E"), "gp_AbC123")


def test_an_unlinked_call_sid_in_another_case_lands_on_the_call(staff_client):
    CallFactory(sid="c-Lost", allocation=None)
    response = search(staff_client, "C-LOST")
    assert response["Location"] == reverse("calls:detail", args=["c-Lost"])


@pytest.mark.parametrize(
    "typed",
    [
        "#43101",
        "# 43101",
        "Order 43101",
        "order #43101",
        "Order ID: 43101",
        "order_id=43101",
        "order_id=43101&lang=en",
        "  43101  ",
        "ORDER NO. 43101",
    ],
)
def test_the_ways_people_write_an_order_reference_find_the_order(staff_client, typed):
    AllocationFactory(greenpin_id="gp_43101", order_id="43101")
    AllocationFactory(order_id="99")
    assert lands_on(search(staff_client, typed), "gp_43101")


def test_an_order_id_that_starts_like_order_words_is_still_found_as_typed(staff_client):
    AllocationFactory(greenpin_id="gp_literal", order_id="Order 7")
    assert lands_on(search(staff_client, "order 7"), "gp_literal")


@pytest.mark.parametrize("typed", ["012345", "00012345", "9900012345"[-7:], "٠١٢٣٤٥", "01 23 45"])
def test_a_numbers_last_digits_list_its_allocations_never_open_one(staff_client, typed):
    allocation = AllocationFactory(greenpin_id="gp_suffix")
    PartyFactory(allocation=allocation, side="B", number="+919900012345")
    AllocationFactory(greenpin_id="gp_other")

    response = search(staff_client, typed)

    assert response.status_code == 200  # listed, even when it is the only match
    assert [row.record.greenpin_id for row in response.context["table"].rows] == ["gp_suffix"]
    assert "ends with <mark>" in response.content.decode()


def test_a_virtual_numbers_last_digits_find_its_allocations(staff_client):
    AllocationFactory.create_batch(2, virtual_number="+914071000009")
    AllocationFactory(virtual_number="+914071000019")

    response = search(staff_client, "1000009")

    assert len(response.context["table"].rows) == 2


def test_an_exact_match_beside_suffix_matches_is_listed_not_opened(staff_client):
    AllocationFactory(greenpin_id="gp_order", order_id="345678")
    other = AllocationFactory(greenpin_id="gp_phone")
    PartyFactory(allocation=other, number="+919912345678")

    response = search(staff_client, "345678")

    assert response.status_code == 200
    assert {row.record.greenpin_id for row in response.context["table"].rows} == {
        "gp_order",
        "gp_phone",
    }


def test_an_exact_order_match_with_no_number_ending_so_opens(staff_client):
    AllocationFactory(greenpin_id="gp_order", order_id="345678")
    assert lands_on(search(staff_client, "345678"), "gp_order")


def test_five_digits_are_not_a_number_ending(staff_client):
    PartyFactory(allocation=AllocationFactory(), number="+919900012345")
    assert search_terms("12345").suffix == ""
    assert len(search(staff_client, "12345").context["table"].rows) == 0


def test_a_search_by_a_numbers_last_digits_is_audited(staff_client):
    search(staff_client, "012345")
    (entry,) = AccessLog.objects.all()
    assert (entry.action, entry.object_type, entry.object_id) == (
        "search_number",
        "phone suffix",
        "012345",
    )


@pytest.mark.parametrize(("stored", "typed"), [("ab1c", "ab_c"), ("ab1c", "ab%"), ("a%", "a_")])
def test_percent_and_underscore_are_plain_characters(staff_client, stored, typed):
    AllocationFactory(order_id=stored)
    assert list(allocation_search(query=typed)) == []


HOSTILE = [
    "' OR 1=1 --",
    '"; DROP TABLE allocations_allocation; --',
    "%",
    "_",
    "%%%%",
    "\\",
    "\\%",
    "x" * 256,
    "x" * 257,
    "1" * 300,
    "9" * 15,
    "9" * 16,
    "999999",
    "+" * 20,
    "٠١٢٣٤٥٦٧٨٩",
    "\uff11\uff12\uff13\uff14\uff15\uff16"  # fullwidth digits,
    "²³⁴⁵⁶⁷",
    "🙂" * 50,
    "gp_" + "a" * 61,
    "gp_" + "a" * 62,
    "order_id=",
    "order_id=%00",
    "#",
    "Order",
    "ORDER ID:",
    "=",
    "&&&",
    "\u202e12345",
    "\ufeff012345",
]


@pytest.mark.parametrize("typed", HOSTILE)
def test_nothing_typed_is_a_server_error(staff_client, standin, settings, typed):
    settings.SEARCH_RATE_LIMIT_PER_MINUTE = 1000
    PartyFactory(allocation=AllocationFactory(order_id="ab1c"), number="+919999999999")
    for extra in ({}, {"status": "active"}, {"sort": "expires_at", "page": "1"}):
        response = search(staff_client, typed, **extra)
        assert response.status_code < 500, (typed, extra)


def test_a_query_longer_than_any_identifier_is_not_searched(staff_client):
    AllocationFactory(order_id="x" * 256)
    body = search(staff_client, "x" * 257).content.decode()
    assert "longer than any identifier" in body


def _plan(queryset) -> str:
    """The database's plan for `queryset`, with sequential scans priced out on PostgreSQL so
    a usable index always shows (a test table is too small for the planner to bother)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row) for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("typed", "index"),
    [
        ("ORD-43101", "allocation_order_id_lower"),
        ("Order 43101", "allocation_order_id_lower"),
        ("GP_ABC", "allocation_greenpin_id_lower"),
        ("CALL-X", "call_sid_lower"),
        ("012345", "party_number_reversed"),
        ("012345", "allocation_vn_reversed"),
    ],
)
def test_each_forgiving_search_reads_an_index(typed, index):
    AllocationFactory()
    branches = allocation_search_branches(query=typed)
    plans = [_plan(branch.values("pk")) for branch in branches.branches]
    assert any(index in plan for plan in plans), plans


@pytest.mark.parametrize("ordering", ["-created_at", "created_at", "-expires_at", "expires_at"])
def test_a_virtual_numbers_results_are_read_in_order_from_an_index(ordering):
    AllocationFactory.create_batch(3, virtual_number="+914071000009")
    search = allocation_search_branches(query="+914071000009")
    rows = allocation_search_page(search=search, ordering=ordering, offset=0, limit=2)
    field = ordering.lstrip("-")
    values = [getattr(row, field) for row in rows]
    assert values == sorted(values, reverse=ordering.startswith("-"))
