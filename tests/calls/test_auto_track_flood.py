"""GreenPin IDs first seen in call events are tracked, but invented ones cannot flood the
mirror or spend the Exotel request budget."""

from __future__ import annotations

import pytest

from allocations.models import Allocation
from calls.models import Call
from calls.services import call_event_apply, call_event_ingest, calls_relink_unmatched

pytestmark = pytest.mark.django_db


def _events(count: int, prefix: str = "junk") -> None:
    for n in range(count):
        event, _ = call_event_ingest(
            payload={
                "CallSid": f"{prefix}call{n}",
                "Status": "ringing",
                "GreenPinId": f"{prefix}{n}",
            }
        )
        call_event_apply(event=event)


def test_invented_greenpin_ids_are_tracked_only_up_to_the_cap(
    settings, staff_client, django_user_model
):
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 30
    settings.AUTO_TRACK_BUDGET_SHARE = 0.1  # 3 a minute

    _events(30)

    assert Allocation.objects.count() == 3
    assert Call.objects.count() == 30  # every event is kept
    assert Call.objects.filter(allocation__isnull=True, link_state="pending").count() == 27

    django_user_model.objects.filter(username="agent").update(is_staff=True)
    health = staff_client.get("/health/").content.decode()
    assert "3 tracked of 3 allowed" in health
    assert "27 held back" in health


def test_held_back_calls_are_linked_in_a_later_window(settings):
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 20
    settings.AUTO_TRACK_BUDGET_SHARE = 0.1  # 2 a minute
    _events(3, prefix="real")
    assert Allocation.objects.count() == 2

    settings.COORDINATION_KEY_PREFIX += "next-window:"  # a fresh window
    from exotel.coordination import DatabaseCoordinator, coordinator

    if isinstance(coordinator(), DatabaseCoordinator):
        from exotel.models import Lease

        Lease.objects.filter(name__startswith="count:auto-track").delete()
    calls_relink_unmatched()

    assert Allocation.objects.count() == 3
    assert not Call.objects.filter(allocation__isnull=True).exists()
