from __future__ import annotations

import pytest
from django_celery_beat.models import PeriodicTask

from allocations.models import Allocation, AllocationStatus
from allocations.services import allocation_track
from sync.tasks import run_sync_pass

pytestmark = pytest.mark.django_db


def test_the_periodic_pass_is_scheduled_and_editable_in_admin(admin_client):
    task = PeriodicTask.objects.get(task="sync.tasks.run_sync_pass")
    assert task.enabled
    assert task.interval.every == 30
    assert task.expire_seconds
    response = admin_client.get(f"/admin/django_celery_beat/periodictask/{task.pk}/change/")
    assert response.status_code == 200


def test_the_periodic_task_hands_due_allocations_to_the_workers(
    standin, eager_celery, django_capture_on_commit_callbacks
):
    standin.add_allocation(greenpin_id="gp_1", pin="0042")
    allocation_track(greenpin_ids=["gp_1"])

    with django_capture_on_commit_callbacks(execute=True):
        summary = run_sync_pass()

    assert "1 allocations handed to workers" in summary
    allocation = Allocation.objects.get(greenpin_id="gp_1")
    assert (allocation.status, allocation.pin) == (AllocationStatus.ACTIVE, "0042")
    with django_capture_on_commit_callbacks(execute=True):
        assert "handed to workers" not in run_sync_pass()
    assert standin.counts()["by_endpoint"]["greenpin.get"] == 1


def test_the_retention_purge_is_scheduled_daily():
    task = PeriodicTask.objects.get(task="sync.tasks.purge_expired_data")
    assert (task.interval.every, task.interval.period) == (1, "days")
