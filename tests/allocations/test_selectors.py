"""Reads answer None for what is not mirrored; the pages turn that into a 404."""

from __future__ import annotations

import pytest

from allocations.selectors import allocation_get_for_page, allocation_get_freshness
from calls.selectors import call_get_for_page
from tests.factories import AllocationFactory, CallFactory

pytestmark = pytest.mark.django_db


def test_an_allocation_not_mirrored_is_none():
    assert allocation_get_for_page(greenpin_id="gp_unknown") is None
    assert allocation_get_freshness(greenpin_id="gp_unknown") is None


def test_a_mirrored_allocation_is_found_with_its_freshness():
    allocation = AllocationFactory(greenpin_id="gp_known")

    assert allocation_get_for_page(greenpin_id="gp_known") == allocation
    assert set(allocation_get_freshness(greenpin_id="gp_known")) == {
        "last_synced_at",
        "last_sync_attempt_at",
    }


def test_a_call_not_mirrored_is_none_and_a_mirrored_one_is_found():
    call = CallFactory(sid="c_known", allocation=AllocationFactory())

    assert call_get_for_page(sid="c_unknown") is None
    assert call_get_for_page(sid="c_known") == call
