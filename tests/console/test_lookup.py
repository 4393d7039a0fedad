"""`/lookup/`: many identifiers at once, a row per line, on the page or as CSV; the same
throttle, audit and masking as the search and its export, and a cost that does not grow with
the lines."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AccessLog
from tests.factories import AllocationFactory, CallFactory, PartyFactory

pytestmark = pytest.mark.django_db

URL = reverse("console:lookup")


def lookup(client, *lines: str, **extra):
    return client.post(URL, {"identifiers": "\n".join(lines), **extra})


@pytest.fixture
def orders():
    one = AllocationFactory(greenpin_id="gp_one", order_id="ORD-1", virtual_number="+914071000001")
    PartyFactory(allocation=one, side="A", number="+919900012345")
    AllocationFactory(greenpin_id="gp_two_a", order_id="ORD-2")
    AllocationFactory(greenpin_id="gp_two_b", order_id="ORD-2")
    CallFactory(sid="c-alone", allocation=None)
    return one


def test_each_line_gets_its_row(staff_client, orders):
    response = lookup(
        staff_client, "ord-1", "", "ORD-2", "nothing", "c-alone", "012345", "  GP_ONE  "
    )

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(row.line, row.outcome) for row in rows] == [
        ("ord-1", "found"),
        ("ORD-2", "several found"),
        ("nothing", "not found"),
        ("c-alone", "call found"),
        ("012345", "found"),
        ("GP_ONE", "found"),
    ]
    assert rows[4].by_suffix
    body = response.content.decode()
    assert 'href="/allocations/gp_one/"' in body
    assert 'href="/?q=ORD-2"' in body  # "see them"
    assert 'href="/calls/c-alone/"' in body
    assert "6 lines: 3 found" in body


def test_a_hundred_lines_cost_what_one_line_costs(staff_client, orders):
    lines = [f"ORD-{n}" for n in range(40)] + [f"+9199000{n:05d}" for n in range(20)]
    lines += [f"gp_x{n}" for n in range(20)] + [f"{n:06d}" for n in range(20)]
    lookup(staff_client, "warm-up")

    def statements(batch):
        with CaptureQueriesContext(connection) as captured:
            assert lookup(staff_client, *batch).status_code == 200
        return len(captured.captured_queries)

    # Each kind looked up once for all lines; the audit of numbers is one INSERT.
    assert statements(lines) == statements(["ORD-1", "+919900000001", "gp_x1", "000001"])


def test_the_csv_has_a_row_per_line_masked_and_formula_safe(supervisor_client, orders):
    PartyFactory(allocation=AllocationFactory(order_id="=1+1"), number="+918800054321")
    response = lookup(supervisor_client, "ord-1", "=1+1", "nothing", format="csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["line", "outcome", "greenpin_id", "order_id"]
    assert rows[1][:3] == ["ord-1", "found", "gp_one"]
    assert rows[1][6] == "'+919900012345"  # a Supervisor may see full numbers
    assert rows[2][0] == "'=1+1"
    assert rows[2][3] == "'=1+1"
    assert rows[3] == ["nothing", "not found"]
    (export,) = AccessLog.objects.filter(action="export")
    assert (export.object_type, export.object_id) == ("lookup", "3 lines")


def test_the_csv_masks_numbers_without_the_permission(supervisor_client, orders):
    from django.contrib.auth.models import Permission

    user = supervisor_client.session["_auth_user_id"]
    from django.contrib.auth import get_user_model

    person = get_user_model().objects.get(pk=user)
    person.groups.clear()
    person.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_allocation", "export_allocations"])
    )
    rows = list(
        csv.reader(io.StringIO(lookup(supervisor_client, "ord-1", format="csv").content.decode()))
    )
    assert rows[1][6] == "'+91 99XXX XX345"


def test_the_csv_needs_the_export_permission(staff_client, orders):
    assert lookup(staff_client, "ord-1", format="csv").status_code == 403
    assert not AccessLog.objects.filter(action="export").exists()


def test_number_lines_are_audited_in_one_go(staff_client, orders):
    lookup(staff_client, "99000 12345", "ORD-1", "012345")
    searched = AccessLog.objects.filter(action="search_number").order_by("object_type")
    assert [(e.object_type, e.object_id) for e in searched] == [
        ("phone", "+919900012345"),
        ("phone suffix", "012345"),
    ]


def test_each_number_line_counts_as_a_search(staff_client, orders, settings):
    settings.SEARCH_RATE_LIMIT_PER_MINUTE = 10
    assert lookup(staff_client, "ORD-1", "ORD-2").status_code == 200  # one search
    assert lookup(staff_client, *[f"+9199000{n:05d}" for n in range(4)]).status_code == 200
    # 1 + 5 searches used; 1 + 4 numbers more would make 11.
    assert lookup(staff_client, *[f"+9199000{n:05d}" for n in range(4)]).status_code == 429


def test_more_numbers_than_the_limit_is_a_form_error_not_a_429(staff_client, settings):
    settings.SEARCH_RATE_LIMIT_PER_MINUTE = 5
    response = lookup(staff_client, *[f"+9199000{n:05d}" for n in range(5)])
    assert response.status_code == 200
    assert "each counts as a search" in response.content.decode()


def test_the_page_and_the_lookup_need_the_view_permission(client, django_user_model):
    assert client.get(URL).status_code == 302
    client.force_login(django_user_model.objects.create_user(username="nobody"))
    assert client.get(URL).status_code == 403
    assert lookup(client, "x").status_code == 403


@pytest.mark.parametrize(
    "text",
    [
        "\n".join(f"line{n}" for n in range(501)),
        "a\x00b",
        "",
        "   \n  \n",
        "x" * 200_000,
    ],
    ids=["501 lines", "NUL", "empty", "blank lines", "too big"],
)
def test_a_refused_list_is_a_form_error(staff_client, text):
    response = staff_client.post(URL, {"identifiers": text})
    assert response.status_code == 200
    assert response.context["form"].errors


@pytest.mark.parametrize(
    "line",
    [
        "x" * 5000,
        "' OR 1=1 --",
        "%",
        "_",
        "ab_c",
        "٠١٢٣٤٥",
        "\uff11\uff12\uff13\uff14\uff15\uff16"  # fullwidth digits,
        "order_id=%00",
        "🙂" * 100,
        "9" * 40,
        "gp_" + "z" * 80,
        "=cmd|' /C calc'!A0",
    ],
)
def test_a_hostile_line_is_a_row_not_an_error(supervisor_client, line):
    AllocationFactory(order_id="ab1c")
    for fmt in ("html", "csv"):
        response = lookup(supervisor_client, line, "ab1c", format=fmt)
        assert response.status_code == 200, fmt
    rows = lookup(supervisor_client, line, "ab1c").context["rows"]
    assert rows[1].outcome == "found"
    assert rows[0].outcome in ("not found", "too long")


def test_five_hundred_lines_are_accepted(staff_client, settings):
    settings.SEARCH_RATE_LIMIT_PER_MINUTE = 1000
    response = lookup(staff_client, *[f"ORD-{n}" for n in range(500)])
    assert len(response.context["rows"]) == 500
