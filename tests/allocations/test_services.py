from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from allocations.models import Allocation, AllocationStatus
from allocations.services import allocation_refresh, allocation_track, allocation_track_and_refresh

pytestmark = pytest.mark.django_db


def _tracked(greenpin_id: str) -> Allocation:
    (allocation,) = allocation_track(greenpin_ids=[greenpin_id])
    return allocation


def test_a_refresh_mirrors_the_allocation_and_its_parties(standin):
    standin.add_allocation(
        greenpin_id="gp_1",
        pin="0482",
        from_=["+919900012345"],
        to=["099000 54321"],
        custom_field="city=BLR&order_id=ORD%2F7781",
    )

    outcome = allocation_refresh(allocation=_tracked("gp_1"))

    allocation = Allocation.objects.get(greenpin_id="gp_1")
    assert outcome.ok
    assert allocation.status == AllocationStatus.ACTIVE
    assert allocation.pin == "0482"
    assert allocation.order_id == "ORD/7781"
    assert [(p.side, p.number) for p in allocation.parties.all()] == [
        ("A", "+919900012345"),
        ("B", "+919900054321"),
    ]
    assert allocation.last_synced_at is not None
    assert allocation.next_sync_at is not None


def test_a_failed_refresh_keeps_the_last_good_data(standin):
    standin.add_allocation(greenpin_id="gp_1", pin="0482", from_=["+919900012345"], to=[])
    allocation = _tracked("gp_1")
    allocation_refresh(allocation=allocation)
    synced_at = Allocation.objects.get(greenpin_id="gp_1").last_synced_at
    standin.script("gp_1", [{"status": 500}], repeat=True)

    outcome = allocation_refresh(allocation=allocation, sleep=lambda s: None)

    allocation = Allocation.objects.get(greenpin_id="gp_1")
    assert not outcome.ok
    assert allocation.pin == "0482"
    assert allocation.status == AllocationStatus.ACTIVE
    assert [p.number for p in allocation.a_parties] == ["+919900012345"]
    assert allocation.last_synced_at == synced_at
    assert allocation.last_sync_error_kind == "server_error"
    assert "500" in allocation.last_sync_error
    assert allocation.sync_failures == 1
    assert allocation.next_sync_at > timezone.now()


def test_transient_errors_are_retried_a_bounded_number_of_times(standin, settings):
    settings.EXOTEL_MAX_ATTEMPTS = 3
    standin.add_allocation(greenpin_id="gp_1")
    standin.script("gp_1", [{"status": 503}], repeat=True)

    allocation_refresh(allocation=_tracked("gp_1"), sleep=lambda s: None)

    assert standin.counts()["by_endpoint"]["greenpin.get"] == 3


def test_a_transient_error_then_success_ends_synced(standin):
    standin.add_allocation(greenpin_id="gp_1", pin="1234")
    standin.script("gp_1", [{"status": 500}, {"body": "truncated"}])

    outcome = allocation_refresh(allocation=_tracked("gp_1"), sleep=lambda s: None)

    assert outcome.ok
    assert Allocation.objects.get(greenpin_id="gp_1").pin == "1234"


def test_a_404_marks_the_allocation_missing_and_stops_refreshing_it(standin):
    outcome = allocation_refresh(allocation=_tracked("gp_gone"))

    allocation = Allocation.objects.get(greenpin_id="gp_gone")
    assert not outcome.ok
    assert allocation.status == AllocationStatus.MISSING
    assert allocation.next_sync_at is None
    assert standin.counts()["by_endpoint"]["greenpin.get"] == 1


def test_a_403_is_recorded_and_not_retried(standin):
    standin.add_allocation(greenpin_id="gp_theirs", tenant_id="ACother")
    allocation_refresh(allocation=_tracked("gp_theirs"))

    allocation = Allocation.objects.get(greenpin_id="gp_theirs")
    assert allocation.last_sync_error_kind == "forbidden"
    assert allocation.next_sync_at is None
    assert standin.counts()["by_endpoint"]["greenpin.get"] == 1


def test_an_ended_allocation_gets_no_further_refresh(standin):
    standin.add_allocation(
        greenpin_id="gp_1",
        created_at=datetime.now(UTC) - timedelta(hours=3),
        expires_at=datetime.now(UTC) - timedelta(hours=1),
    )
    allocation_refresh(allocation=_tracked("gp_1"))

    allocation = Allocation.objects.get(greenpin_id="gp_1")
    assert allocation.status == AllocationStatus.EXPIRED
    assert allocation.next_sync_at is None


def test_an_active_allocation_is_refreshed_once_more_just_after_it_expires(standin, settings):
    settings.ALLOCATION_REFRESH_INTERVAL = 3600
    settings.ALLOCATION_FINAL_REFRESH_DELAY = 60
    expires_at = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    standin.add_allocation(greenpin_id="gp_1", expires_at=expires_at)

    allocation_refresh(allocation=_tracked("gp_1"))

    assert Allocation.objects.get(greenpin_id="gp_1").next_sync_at == expires_at + timedelta(
        seconds=60
    )


def test_a_second_identical_refresh_writes_only_the_sync_times(standin):
    standin.add_allocation(greenpin_id="gp_1", from_=["+919900012345"], to=["+919900054321"])
    allocation = _tracked("gp_1")
    allocation_refresh(allocation=allocation)

    with CaptureQueriesContext(connection) as queries:
        allocation_refresh(allocation=allocation)

    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    writes = [sql for sql in writes if "allocation" in sql.lower() and "claimed_until" not in sql]
    assert len(writes) == 1
    assert "last_synced_at" in writes[0]
    assert '"pin"' not in writes[0]
    assert "party" not in writes[0].lower()


def test_changed_parties_replace_the_old_ones(standin):
    standin.add_allocation(greenpin_id="gp_1", from_=["+919900012345"], to=[])
    allocation = _tracked("gp_1")
    allocation_refresh(allocation=allocation)
    requests.put(
        f"{standin.url}/v1/tenants/ACtest/greenpin/gp_1",
        json={"from": ["+919900012345"], "to": ["+919900099999", "+919900088888"]},
        auth=(settings.EXOTEL_ACCOUNT_SID, settings.EXOTEL_EXOBRIDGE_TOKEN),
        timeout=5,
    ).raise_for_status()

    allocation_refresh(allocation=allocation)

    allocation = Allocation.objects.get(greenpin_id="gp_1")
    assert [p.number for p in allocation.b_parties] == ["+919900099999", "+919900088888"]


def test_tracking_twice_keeps_one_row():
    allocation_track(greenpin_ids=["gp_1", "gp_1", " gp_1 "])
    allocation_track(greenpin_ids=["gp_1"])
    assert Allocation.objects.filter(greenpin_id="gp_1").count() == 1


def test_a_row_claim_lasts_its_own_setting_not_a_task_time_limit(settings):
    from allocations.services import allocation_claim
    from tests.factories import AllocationFactory

    settings.CELERY_TASK_TIME_LIMIT = 3000  # raising a task's limit must not lengthen claims
    settings.ROW_CLAIM_SECONDS = 30
    allocation = AllocationFactory()

    assert allocation_claim(allocation=allocation, owner="someone")

    allocation.refresh_from_db()
    left = allocation.claimed_until - timezone.now()
    assert timedelta(seconds=25) < left <= timedelta(seconds=30)


def test_tracking_and_refreshing_queues_one_refresh_per_allocation_after_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks:
        tracked = allocation_track_and_refresh(greenpin_ids=["gp_new_1", "gp_new_2", "gp_new_1"])

    assert [allocation.greenpin_id for allocation in tracked] == ["gp_new_1", "gp_new_2"]
    assert len(callbacks) == 2
