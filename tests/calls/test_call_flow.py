"""Calls end to end: the stand-in simulates a call and pushes its events to the live server;
the application stores, applies, pulls and links them (tasks run inline here; see
test_worker.py for a real worker)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from allocations.models import Allocation
from calls.models import Call, CallEvent, LinkState
from calls.services import calls_pull
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db(transaction=True)

VN = "+914071000007"


@pytest.fixture
def shared_vn(standin):
    """Three live allocations on one virtual number, told apart by PIN and custom field."""
    for n, customer in enumerate(["+918800000001", "+918800000002", "+918800000003"]):
        standin.add_allocation(
            greenpin_id=f"gp_shared{n}",
            virtual_number=VN,
            from_=[f"+91990000000{n}"],
            to=[customer],
            custom_field=f"order_id=5000{n}",
        )
    call_command("track", "gp_shared0", "gp_shared1", "gp_shared2", stdout=io.StringIO())
    return standin


@pytest.mark.parametrize(
    ("shape", "encoding"), [("voice", "form"), ("voice", "json"), ("greenpin", "json")]
)
def test_shuffled_duplicated_events_end_in_one_terminal_linked_call(
    shared_vn, webhook_url, eager_celery, shape, encoding
):
    sid = shared_vn.simulate_call(
        "gp_shared1",
        caller="B",
        outcome="completed",
        duration=95,
        webhook_url=webhook_url,
        order="shuffled",
        duplicate=True,
        shape=shape,
        encoding=encoding,
    )

    call = Call.objects.get()
    assert call.sid == sid
    assert call.status == "completed"
    assert call.allocation.greenpin_id == "gp_shared1"
    assert call.link_state == LinkState.LINKED
    assert call.duration == 95
    assert call.recording_url.startswith(shared_vn.url)
    assert call.from_number == "+918800000002"
    # Every delivery was sent twice; each distinct one is stored once and applied.
    assert CallEvent.objects.filter(applied_at__isnull=False).count() == CallEvent.objects.count()
    assert CallEvent.objects.count() == len({e.fingerprint for e in CallEvent.objects.all()})


def test_a_call_with_no_events_is_found_by_the_sync_pass_backfill(shared_vn, eager_celery):
    sid = shared_vn.simulate_call("gp_shared2", caller="A", duration=30, order="none")
    call_command("track", "gp_shared2", stdout=io.StringIO())  # call_count is now 1
    assert not Call.objects.exists()

    call_command("sync", stdout=io.StringIO(), stderr=io.StringIO())

    call = Call.objects.get(sid=sid)
    assert call.allocation.greenpin_id == "gp_shared2"
    assert call.status == "completed"
    assert call.duration == 30


def test_an_unknown_greenpin_id_in_an_event_starts_tracking_it(standin, webhook_url, eager_celery):
    standin.add_allocation(greenpin_id="gp_unseen", custom_field="order_id=777")

    standin.simulate_call("gp_unseen", webhook_url=webhook_url, shape="greenpin")

    allocation = Allocation.objects.get(greenpin_id="gp_unseen")
    assert allocation.order_id == "777"
    assert Call.objects.get().allocation == allocation


def test_a_call_no_allocation_fits_is_left_unmatched(standin, eager_celery):
    standin.add_call(sid="c-stray", to="+914071000099", custom_field="order_id=1")
    call = CallFactory(sid="c-stray", allocation=None, link_state=LinkState.PENDING)

    calls_pull(calls=[call])

    call.refresh_from_db()
    assert call.allocation is None
    assert call.link_state == LinkState.NO_CANDIDATE


def test_a_call_two_allocations_fit_is_left_ambiguous(standin, eager_celery):
    for n in range(2):
        standin.add_allocation(
            greenpin_id=f"gp_twin{n}", virtual_number=VN, from_=["+919900000077"], custom_field=""
        )
    call_command("track", "gp_twin0", "gp_twin1", stdout=io.StringIO())
    standin.add_call(sid="c-twin", from_="+919900000077", to=VN, custom_field="")
    call = CallFactory(sid="c-twin", allocation=None, link_state=LinkState.PENDING)

    calls_pull(calls=[call])

    call.refresh_from_db()
    assert call.allocation is None
    assert call.link_state == LinkState.AMBIGUOUS


def test_a_terminal_call_without_its_recording_is_pulled_again_until_it_appears(
    shared_vn, webhook_url, eager_celery
):
    shared_vn.simulate_call("gp_shared0", webhook_url=webhook_url, recording_delay=3600)

    call = Call.objects.get()
    assert call.status == "completed"
    assert call.recording_url == ""
    assert call.next_pull_at is not None


def test_refreshing_250_due_calls_takes_three_call_api_requests(standin):
    sids = [standin.add_call()["Sid"] for _ in range(250)]
    calls = [CallFactory(sid=sid, allocation=None, recording_url="", duration=None) for sid in sids]

    report = calls_pull(calls=calls)

    assert report.pulled == 250
    assert standin.counts()["by_endpoint"]["calls.list"] == 3
    assert standin.counts()["total"] == 3
