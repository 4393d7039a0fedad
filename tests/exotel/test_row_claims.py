"""One row claim for every "one worker at a time" row: a refresh of an allocation, a pull of
calls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from allocations.models import Allocation
from exotel.coordination import rows_claim, rows_release
from tests.factories import AllocationFactory

pytestmark = pytest.mark.django_db

FIELDS = {"owner_field": "claimed_by", "until_field": "claimed_until"}


def _claim(allocation, owner):
    return rows_claim(Allocation.objects.filter(pk=allocation.pk), owner=owner, **FIELDS)


def test_a_row_another_owner_holds_is_not_claimed():
    allocation = AllocationFactory()

    assert _claim(allocation, "task-1") == 1
    assert _claim(allocation, "task-2") == 0
    allocation.refresh_from_db()
    assert allocation.claimed_by == "task-1"


def test_the_same_owner_delivered_again_keeps_its_claim():
    allocation = AllocationFactory()
    _claim(allocation, "task-1")

    assert _claim(allocation, "task-1") == 1


def test_a_lapsed_claim_is_free(settings):
    allocation = AllocationFactory()
    _claim(allocation, "task-1")
    Allocation.objects.filter(pk=allocation.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )

    assert _claim(allocation, "task-2") == 1


def test_a_claim_lasts_row_claim_seconds(settings):
    settings.ROW_CLAIM_SECONDS = 300
    allocation = AllocationFactory()
    before = timezone.now()

    _claim(allocation, "task-1")

    allocation.refresh_from_db()
    assert allocation.claimed_until is not None
    assert allocation.claimed_until >= before + timedelta(seconds=300)


def test_only_the_owner_releases_its_claim():
    allocation = AllocationFactory()
    _claim(allocation, "task-1")
    rows = Allocation.objects.filter(pk=allocation.pk)

    rows_release(rows, owner="task-2", **FIELDS)
    assert rows.get().claimed_by == "task-1"

    rows_release(rows, owner="task-1", **FIELDS)
    assert (rows.get().claimed_by, rows.get().claimed_until) == ("", None)
