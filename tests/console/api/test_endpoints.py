"""What each endpoint answers: tracking, finding by order ID, phone or GreenPin ID, one
allocation with its parties and calls, one call; masked unless the token may reveal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from allocations.models import Allocation, AllocationStatus
from audit.models import AccessLog
from tests.factories import AllocationFactory, CallFactory, PartyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order():
    allocation = AllocationFactory(
        greenpin_id="gp_order", order_id="43101", virtual_number="+914071000001", pin="0427"
    )
    PartyFactory(allocation=allocation, side="A", number="+919900012345")
    PartyFactory(allocation=allocation, side="B", number="+918800054321")
    return allocation


# --- POST /api/v1/allocations/track/ ---------------------------------------------------------


def test_track_answers_202_with_one_result_per_id_and_queues_the_new_ones(api_as, queued):
    AllocationFactory(greenpin_id="gp_known")
    AllocationFactory(greenpin_id="gp_gone", status=AllocationStatus.MISSING, next_sync_at=None)
    api = api_as("track")

    response = api.track({"greenpin_ids": ["gp_new", "gp_known", "gp_gone", "gp_new"]})

    assert response.status_code == 202
    assert response.json() == {
        "results": [
            {"greenpin_id": "gp_new", "result": "tracked"},
            {"greenpin_id": "gp_known", "result": "already_tracked"},
            {"greenpin_id": "gp_gone", "result": "invalid"},
            {"greenpin_id": "gp_new", "result": "tracked"},
        ]
    }
    new = Allocation.objects.get(greenpin_id="gp_new")
    assert new.status == AllocationStatus.PENDING
    assert new.next_sync_at is not None  # due: the sync pass fetches it if no worker does
    assert queued == [new.pk]


def test_tracking_the_same_ids_again_spends_nothing(api_as, queued):
    api = api_as("track")
    api.track({"greenpin_ids": ["gp_a", "gp_b"]})
    queued.clear()

    again = api.track({"greenpin_ids": ["gp_a", "gp_b"]})

    assert [r["result"] for r in again.json()["results"]] == ["already_tracked"] * 2
    assert queued == []


def test_a_thousand_ids_are_tracked_in_one_request(api_as, queued):
    api = api_as("track")
    ids = [f"gp_bulk{n:04d}" for n in range(1000)]

    response = api.track({"greenpin_ids": ids})

    assert response.status_code == 202
    assert len(response.json()["results"]) == 1000
    assert Allocation.objects.filter(greenpin_id__startswith="gp_bulk").count() == 1000
    assert len(queued) == 1000


# --- GET /api/v1/allocations/?… ---------------------------------------------------------------


def test_an_order_id_finds_its_allocation_masked(api_as, order):
    response = api_as("read").get("/api/v1/allocations/?order_id=43101")

    assert response.status_code == 200
    (found,) = response.json()["results"]
    assert found["greenpin_id"] == "gp_order"
    assert found["status"] == "active"
    assert found["pin"] == "••••"
    assert found["a_parties"] == ["+91 99XXX XX345"]
    assert found["b_parties"] == ["+91 88XXX XX321"]
    assert "12345" not in response.content.decode()
    assert found["url"] == "http://testserver/api/v1/allocations/gp_order/"
    assert found["page_url"] == "http://testserver/allocations/gp_order/"


@pytest.mark.parametrize(
    "phone", ["+919900012345", "+91 99000 12345", "099000 12345", "9900012345", "+914071000001"]
)
def test_a_phone_number_in_any_format_finds_the_allocation_and_is_audited(api_as, order, phone):
    response = api_as("read", name="helpdesk").get("/api/v1/allocations/", data={"phone": phone})

    assert [a["greenpin_id"] for a in response.json()["results"]] == ["gp_order"]
    log = AccessLog.objects.get(action=AccessLog.Action.SEARCH_NUMBER)
    assert log.object_type == "phone"
    assert "helpdesk" in log.detail
    assert log.user is None


def test_a_greenpin_id_finds_its_allocation(api_as, order):
    response = api_as("read").get("/api/v1/allocations/?greenpin_id=gp_order")
    assert [a["order_id"] for a in response.json()["results"]] == ["43101"]


def test_nothing_found_is_an_empty_page_not_a_404(api_as, order):
    response = api_as("read").get("/api/v1/allocations/?order_id=99999")
    assert response.status_code == 200
    assert response.json() == {"next": None, "previous": None, "results": []}


def test_a_reveal_token_sees_full_numbers_and_the_pin_and_each_is_audited(api_as, order):
    response = api_as("read", "reveal", name="helpdesk").get("/api/v1/allocations/?order_id=43101")

    (found,) = response.json()["results"]
    assert found["pin"] == "0427"
    assert found["a_parties"] == ["+919900012345"]
    assert found["virtual_number"] == "+914071000001"
    logged = set(AccessLog.objects.values_list("action", "object_type", "object_id"))
    assert logged == {
        ("reveal_number", "allocation", "gp_order"),
        ("reveal_pin", "allocation", "gp_order"),
    }


def test_pages_follow_each_other_newest_first_without_a_count(api_as):
    for n in range(7):
        AllocationFactory(greenpin_id=f"gp_page{n}", order_id="shared")
    api = api_as("read")

    seen, url = [], "/api/v1/allocations/?order_id=shared&limit=3"
    while url:
        page = api.get(url).json()
        assert len(page["results"]) <= 3
        seen += [a["greenpin_id"] for a in page["results"]]
        url = page["next"]

    assert seen == [f"gp_page{n}" for n in reversed(range(7))]


@pytest.mark.parametrize("reveal", [False, True])
def test_finding_by_order_id_costs_the_same_queries_for_one_match_and_for_many(
    api_as, reveal, settings
):
    """The bench's API figure: one indexed lookup and a page, whatever the number of
    matches (one order ID can be on many allocations: a re-delivery, a retry)."""
    settings.API_THROTTLE_READ = "100000/min"
    scopes = ("read", "reveal") if reveal else ("read",)
    api = api_as(*scopes)
    one = AllocationFactory(order_id="solo")
    PartyFactory(allocation=one)
    for _ in range(150):
        allocation = AllocationFactory(order_id="busy")
        PartyFactory(allocation=allocation, side="A")
        PartyFactory(allocation=allocation, side="B")
    api.get("/api/v1/allocations/?order_id=solo")  # the throttle's first-use row

    counts = {}
    for order_id in ("solo", "busy"):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(f"/api/v1/allocations/?order_id={order_id}&limit=100")
        assert response.status_code == 200
        counts[order_id] = len(queries)
        lookups = [q["sql"] for q in queries if 'FROM "allocations_allocation"' in q["sql"]]
        assert len(lookups) == 1
        assert '"order_id" =' in lookups[0]
        assert "COUNT(" not in " ".join(q["sql"] for q in queries).upper()

    assert counts["solo"] == counts["busy"]


# --- GET /api/v1/allocations/<greenpin_id>/ ---------------------------------------------------


def test_an_allocation_comes_with_its_parties_and_calls(api_as, order, settings):
    now = timezone.now()
    CallFactory(sid="c_old", allocation=order, start_time=now - timedelta(minutes=20))
    CallFactory(
        sid="c_new", allocation=order, start_time=now - timedelta(minutes=2), recording_url=""
    )

    response = api_as("read").get("/api/v1/allocations/gp_order/")

    assert response.status_code == 200
    body = response.json()
    assert body["a_parties"] == ["+91 99XXX XX345"]
    assert [c["sid"] for c in body["calls"]] == ["c_new", "c_old"]
    assert body["more_calls"] is False
    old = body["calls"][1]
    assert old["greenpin_id"] == "gp_order"
    assert old["from_number"] == "+91 99XXX XX345"
    assert old["recording_url"] == "http://testserver/calls/c_old/recording/"
    assert body["calls"][0]["recording_url"] is None
    assert "amazonaws" not in response.content.decode()


def test_an_allocation_with_many_calls_lists_the_latest_and_says_there_are_more(
    api_as, order, monkeypatch
):
    monkeypatch.setattr("console.api.views.DETAIL_CALLS", 3)
    for n in range(5):
        CallFactory(allocation=order, start_time=timezone.now() - timedelta(minutes=n))

    body = api_as("read").get("/api/v1/allocations/gp_order/").json()

    assert len(body["calls"]) == 3
    assert body["more_calls"] is True


def test_an_allocation_not_mirrored_is_a_404(api_as):
    response = api_as("read").get("/api/v1/allocations/gp_nowhere/")
    assert response.status_code == 404
    assert response.json()["detail"]


# --- GET /api/v1/calls/<sid>/ -----------------------------------------------------------------


def test_a_call_is_masked_and_links_to_the_consoles_recording(api_as, order):
    CallFactory(sid="c_one", allocation=order, from_number="+919900012345")

    response = api_as("read").get("/api/v1/calls/c_one/")

    body = response.json()
    assert response.status_code == 200
    assert body["greenpin_id"] == "gp_order"
    assert body["from_number"] == "+91 99XXX XX345"
    assert body["recording_url"] == "http://testserver/calls/c_one/recording/"
    assert body["page_url"] == "http://testserver/calls/c_one/"


def test_an_unmatched_call_has_no_allocation(api_as):
    CallFactory(sid="c_lost", allocation=None, link_state="no_candidate")

    body = api_as("read", "reveal").get("/api/v1/calls/c_lost/").json()

    assert body["greenpin_id"] is None
    assert body["from_number"] == "+919900012345"
    assert AccessLog.objects.get().action == AccessLog.Action.REVEAL_NUMBER


def test_a_call_not_mirrored_is_a_404(api_as):
    assert api_as("read").get("/api/v1/calls/c_nowhere/").status_code == 404
