"""`/calls/export.csv`: the calls list's filters as CSV, one row per call, masked by
permission, formula-safe, streamed and audited."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission

from audit.models import AccessLog
from tests.factories import AllocationFactory, CallFactory, PartyFactory

pytestmark = pytest.mark.django_db

A_NUMBER, B_NUMBER = "+919900012345", "+918800054321"


def export(client, **params) -> list[dict]:
    response = client.get("/calls/export.csv", params)
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def order():
    allocation = AllocationFactory(
        greenpin_id="gp_x", order_id="555", virtual_number="+914071000009"
    )
    PartyFactory(allocation=allocation, side="A", number=A_NUMBER)
    PartyFactory(allocation=allocation, side="B", number=B_NUMBER)
    return allocation


def test_one_row_per_call_with_every_column(supervisor_client, order):
    CallFactory(
        sid="c_done",
        allocation=order,
        from_number=A_NUMBER,
        start_time=datetime(2026, 11, 20, 14, 2, tzinfo=ZoneInfo("UTC")),
        end_time=datetime(2026, 11, 20, 14, 4, tzinfo=ZoneInfo("UTC")),
        duration=120,
        talk_duration=100,
        price="1.50",
        direction="inbound",
    )
    (row,) = export(supervisor_client)
    assert row == {
        "sid": "c_done",
        "order_id": "555",
        "greenpin_id": "gp_x",
        "started_at": "2026-11-20T19:32:00+05:30",
        "ended_at": "2026-11-20T19:34:00+05:30",
        "status": "completed",
        "direction": "inbound",
        "who_called_whom": "A-party called B-party",
        "caller": "'" + A_NUMBER,
        "caller_party": "A-party",
        "callee": "'" + B_NUMBER,
        "callee_party": "B-party",
        "virtual_number": "'+914071000009",
        "failure_reason": "",
        "ring_seconds": "20",
        "talk_seconds": "100",
        "total_seconds": "120",
        "price": "1.50",
        "recording": "yes",
        "link_state": "linked",
    }


def test_the_same_filters_as_the_list(supervisor_client, order):
    CallFactory(sid="c_failed", allocation=order, status="failed", recording_url="")
    CallFactory(sid="c_done", allocation=order)
    CallFactory(sid="c_lost", allocation=None, link_state="no_candidate", status="failed")
    rows = export(supervisor_client, status="failed", link="linked")
    assert [r["sid"] for r in rows] == ["c_failed"]
    assert rows[0]["recording"] == "no"
    assert [r["link_state"] for r in export(supervisor_client, link="unmatched")] == ["unmatched"]


def test_numbers_are_masked_without_view_full_number(supervisor_client, order, django_user_model):
    CallFactory(allocation=order, from_number=A_NUMBER)
    boss = django_user_model.objects.get(username="boss")
    boss.user_permissions.add(Permission.objects.get(codename="export_calls"))
    supervisor_group = boss.groups.get()
    supervisor_group.permissions.remove(Permission.objects.get(codename="view_full_number"))
    (row,) = export(supervisor_client)
    assert row["caller"] == "'+91 99XXX XX345"  # masked, and kept from being a formula
    assert row["callee"] == "'+91 88XXX XX321"


@pytest.mark.parametrize(
    "formula",
    [
        '=HYPERLINK("http://evil.example","x")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1)",
        "\t=1",
        "\r=1",
    ],
)
def test_no_cell_starts_a_formula(supervisor_client, formula):
    CallFactory(
        allocation=None,
        link_state="no_candidate",
        order_id=formula,
        price="=1+1",
        direction=formula[:32],
    )
    (row,) = export(supervisor_client)
    assert row["order_id"] == "'" + formula
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_each_export_is_audited_with_its_filters(supervisor_client, order):
    CallFactory(allocation=order)
    export(supervisor_client, status="failed", q="555")
    entry = AccessLog.objects.get(action="export", object_type="calls")
    assert entry.object_id == "555"
    assert "status=failed" in entry.detail
    assert entry.user.username == "boss"


def test_an_impossible_filter_exports_the_header_only(supervisor_client, order):
    CallFactory(allocation=order)
    assert export(supervisor_client, started_after="0001-01-01") == []
    assert export(supervisor_client, status="exploded") == []
