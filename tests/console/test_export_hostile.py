"""What an export may carry: no PIN, numbers only as the exporter may see them, and no cell a
spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from tests.factories import AllocationFactory, PartyFactory

pytestmark = pytest.mark.django_db

FORMULAS = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _export(client, **params) -> tuple[str, list[dict]]:
    body = b"".join(client.get("/export.csv", params).streaming_content).decode()
    return body, list(csv.DictReader(io.StringIO(body)))


@pytest.mark.parametrize("formula", FORMULAS)
def test_no_exported_cell_starts_a_formula(supervisor_client, formula):
    AllocationFactory(greenpin_id="gp_formula", order_id=formula, custom_field=f"x={formula}")

    _, (row,) = _export(supervisor_client)

    assert row["order_id"] == "'" + formula
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_a_supervisors_export_carries_no_pin(supervisor_client):
    allocation = AllocationFactory(pin="9753197531")
    PartyFactory(allocation=allocation, number="+919900012345")

    body, (row,) = _export(supervisor_client)

    assert "pin" not in row
    assert "9753197531" not in body
    assert row["a_party_numbers"] == "'+919900012345"  # a supervisor may see full numbers


def test_no_admin_page_shows_a_pin_even_to_a_superuser(admin_client):
    allocation = AllocationFactory(pin="9753197531", raw_payload={"pin": "9753197531"})

    for url in (
        reverse("admin:allocations_allocation_changelist"),
        reverse("admin:allocations_allocation_change", args=[allocation.pk]),
    ):
        page = admin_client.get(url).content.decode()
        assert "9753197531" not in page
