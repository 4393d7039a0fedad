"""`/track/`: people allowed to paste GreenPin IDs start mirroring them; each gets its outcome,
then what Exotel said. Admin's "add allocation" takes several IDs too."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from allocations.models import Allocation
from tests.factories import AllocationFactory

pytestmark = pytest.mark.django_db

URL = reverse("console:track")
STATUS_URL = reverse("console:track-status")


def track(client, text: str):
    return client.post(URL, {"greenpin_ids": text})


def test_supervisors_track_a_list_and_see_each_outcome(
    supervisor_client, standin, eager_celery, django_capture_on_commit_callbacks
):
    standin.add_allocation(greenpin_id="gp_new1", custom_field="order_id=501")
    AllocationFactory(greenpin_id="gp_known")

    with django_capture_on_commit_callbacks(execute=True):
        response = track(supervisor_client, "gp_new1\n\ngp_known, gp_gone\nnot/an/id\ngp_new1")

    assert response.status_code == 302
    page = supervisor_client.get(URL)
    rows = {row["greenpin_id"]: row for row in page.context["rows"]}
    assert list(rows) == ["gp_new1", "gp_known", "gp_gone", "not/an/id"]
    assert rows["gp_new1"]["result"].startswith("Tracked")
    assert rows["gp_new1"]["state"] == "fetched"  # the worker (eager here) fetched it
    assert "order 501" in rows["gp_new1"]["text"]
    assert rows["gp_known"]["result"] == "Already tracked"
    assert rows["gp_gone"]["text"] == "Exotel has no such allocation"
    assert rows["not/an/id"]["result"].startswith("Not a GreenPin ID")
    assert not Allocation.objects.filter(greenpin_id="not/an/id").exists()
    assert Allocation.objects.get(greenpin_id="gp_new1").order_id == "501"


def test_the_page_polls_a_small_json_while_ids_are_being_fetched(supervisor_client):
    track(supervisor_client, "gp_waiting")  # no worker ran: still to be fetched

    page = supervisor_client.get(URL).content.decode()
    assert "data-fetching" in page
    assert "js/track.js" in page
    answer = supervisor_client.get(STATUS_URL).json()
    assert answer == {
        "allocations": {"gp_waiting": {"state": "fetching", "text": "Fetching from Exotel…"}},
        "fetching": True,
    }


def test_a_thousand_ids_cost_what_one_costs(supervisor_client):
    def statements(text: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert track(supervisor_client, text).status_code == 302
        return len(captured.captured_queries)

    track(supervisor_client, "gp_warm")
    one = statements("gp_one")
    many = statements("\n".join(f"gp_many{n}" for n in range(1000)))
    if connection.vendor == "postgresql":
        assert many == one
    else:  # SQLite's parameter limit splits the INSERT and the read into batches
        assert many < 60
    assert Allocation.objects.count() == 1002


@pytest.mark.parametrize(
    "text",
    [
        "\n".join(f"gp_{n}" for n in range(1001)),
        "",
        "  \n ,, ",
        "gp_a\x00b",
        "x" * 100_000,
    ],
    ids=["1001 IDs", "empty", "separators only", "NUL", "too big"],
)
def test_a_refused_list_is_a_form_error(supervisor_client, text):
    response = track(supervisor_client, text)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Allocation.objects.exists()


@pytest.mark.parametrize(
    "entry",
    ["gp_" + "a" * 62, "gp_é", "<script>alert(1)</script>", "../../etc", "%00", "'OR'1=1"],
)
def test_a_hostile_entry_is_an_invalid_line(supervisor_client, entry):
    track(supervisor_client, f"gp_fine\n{entry}")
    page = supervisor_client.get(URL)
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.content.decode()
    assert [row["valid"] for row in page.context["rows"]] == [True, False]
    assert supervisor_client.get(STATUS_URL).status_code == 200


def test_tracking_needs_the_permission(staff_client):
    assert Client().get(URL).status_code == 302  # to the login
    assert staff_client.get(URL).status_code == 403
    assert track(staff_client, "gp_x").status_code == 403
    assert staff_client.get(STATUS_URL).status_code == 403
    assert not Allocation.objects.exists()


def test_admin_add_tracks_several_ids(
    admin_client, standin, eager_celery, django_capture_on_commit_callbacks
):
    standin.add_allocation(greenpin_id="gp_a1", pin="0111")
    standin.add_allocation(greenpin_id="gp_a2", pin="0222")
    AllocationFactory(greenpin_id="gp_a3")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:allocations_allocation_add"),
            {"greenpin_id": "gp_a1\ngp_a2 gp_a3"},
            follow=True,
        )

    assert "Tracked 2 new allocation(s); 1 were already tracked" in response.content.decode()
    assert Allocation.objects.get(greenpin_id="gp_a2").pin == "0222"


def test_admin_add_refuses_a_list_with_an_invalid_id(admin_client):
    response = admin_client.post(
        reverse("admin:allocations_allocation_add"), {"greenpin_id": "gp_ok\nbad/id"}
    )
    assert response.status_code == 200
    assert "Not GreenPin IDs" in response.content.decode()
    assert not Allocation.objects.exists()


def test_admin_add_of_one_tracked_id_is_no_error(admin_client):
    AllocationFactory(greenpin_id="gp_dup")
    response = admin_client.post(
        reverse("admin:allocations_allocation_add"), {"greenpin_id": "gp_dup"}
    )
    assert response.status_code == 302
