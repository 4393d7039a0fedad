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


def test_the_periodic_task_refreshes_due_allocations(standin):
    standin.add_allocation(greenpin_id="gp_1", pin="0042")
    allocation_track(greenpin_ids=["gp_1"])

    assert run_sync_pass().startswith("1 allocations refreshed, 0 failed;")
    allocation = Allocation.objects.get(greenpin_id="gp_1")
    assert (allocation.status, allocation.pin) == (AllocationStatus.ACTIVE, "0042")
    assert run_sync_pass().startswith("0 allocations refreshed, 0 failed;")
