"""The design's linking rule, including details that arrive late and allocations synced late."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import Call, CallEvent, LinkState
from calls.services import call_event_apply, call_event_ingest, calls_relink_unmatched
from tests.factories import AllocationFactory, PartyFactory

pytestmark = pytest.mark.django_db

VN = "+914071000021"
CALLER = "+919900012345"


def deliver(**fields) -> Call:
    payload = {"CallSid": "c1", "From": CALLER, "To": VN, **fields}
    event, _ = call_event_ingest(payload=payload)
    return call_event_apply(event=event)


def allocation(custom_field: str, **kwargs):
    created = AllocationFactory(virtual_number=VN, custom_field=custom_field, **kwargs)
    PartyFactory(allocation=created, side="A", number=CALLER)
    return created


def test_a_later_event_with_the_custom_field_moves_the_call_to_the_allocation_it_names():
    named = allocation("order_id=1")
    open_one = allocation("")

    assert deliver(EventType="ringing", Status="ringing").allocation == open_one
    call = deliver(EventType="terminal", Status="completed", CustomField="order_id=1")

    assert call.allocation == named
    assert call.link_state == LinkState.LINKED


def test_an_unmatched_call_is_linked_once_its_allocation_is_synced():
    call = deliver(EventType="terminal", Status="busy", CustomField="order_id=9")
    assert call.link_state == LinkState.NO_CANDIDATE
    allocation("order_id=9", last_synced_at=timezone.now() + timedelta(seconds=1))

    calls_relink_unmatched()

    call.refresh_from_db()
    assert call.link_state == LinkState.LINKED


def test_a_deleted_allocations_lifetime_ends_at_its_deletion():
    now = timezone.now()
    allocation("", status="deleted", deleted_at=now - timedelta(minutes=10))
    current = allocation("", created_at=now - timedelta(minutes=5))

    call = deliver(EventType="terminal", Status="completed", StartTime=_ist(now))

    assert call.allocation == current


def test_a_call_several_allocations_fit_is_not_guessed():
    allocation("")
    allocation("")
    call = deliver(EventType="terminal", Status="completed")
    assert call.allocation is None
    assert call.link_state == LinkState.AMBIGUOUS


def test_an_admins_link_is_never_changed_by_the_rule():
    chosen = AllocationFactory()
    allocation("order_id=1")
    call = deliver(EventType="ringing", Status="ringing")
    Call.objects.filter(pk=call.pk).update(allocation=chosen, link_state=LinkState.MANUAL)

    call = deliver(EventType="terminal", Status="completed", CustomField="order_id=1")

    assert (call.allocation, call.link_state) == (chosen, LinkState.MANUAL)


def test_a_greenpin_event_links_directly_to_the_allocation_it_names():
    named = AllocationFactory(greenpin_id="gp_direct", virtual_number="+914071000099")
    event, _ = call_event_ingest(
        payload={"call_sid": "c9", "greenpin_id": "gp_direct", "call_type": "completed"}
    )
    assert call_event_apply(event=event).allocation == named
    assert CallEvent.objects.get().shape == "greenpin"


def _ist(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")
