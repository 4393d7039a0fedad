"""An unlinked call's candidate allocations, each with why the linking rule did or did not take
it, read from the rule's own conditions; and linking by hand, which only accepts an allocation
the call could have gone through."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import LinkState
from calls.selectors import LinkReason, allocation_candidates_for_call, call_link_candidates
from calls.services import CallLinkRefused, call_link, call_relink
from tests.factories import AllocationFactory, CallFactory, PartyFactory

pytestmark = pytest.mark.django_db

VN = "+914071000031"
CALLER = "+919900012345"


def allocation(custom_field: str, *, party: str | None = CALLER, **kwargs):
    created = AllocationFactory(virtual_number=VN, custom_field=custom_field, **kwargs)
    if party:
        PartyFactory(allocation=created, side="B", number=party)
    return created


def unlinked(custom_field: str = "", **kwargs):
    return CallFactory(
        allocation=None,
        link_state=LinkState.NO_CANDIDATE,
        to_number=VN,
        from_number=CALLER,
        custom_field=custom_field,
        **kwargs,
    )


def reasons(call) -> dict[str, tuple[tuple[str, ...], bool]]:
    return {
        c.allocation.greenpin_id: (c.reasons, c.possible) for c in call_link_candidates(call=call)
    }


def test_a_call_whose_custom_field_names_another_order_has_two_candidates_that_differ():
    allocation("order_id=1", greenpin_id="gp_1")
    allocation("order_id=2", greenpin_id="gp_2")

    call = unlinked("order_id=9")

    assert reasons(call) == {
        "gp_1": ((LinkReason.CUSTOM_FIELD_DIFFERS,), True),
        "gp_2": ((LinkReason.CUSTOM_FIELD_DIFFERS,), True),
    }


def test_two_that_fit_are_each_told_several_fit():
    allocation("", greenpin_id="gp_1")
    allocation("", greenpin_id="gp_2")
    call = unlinked("")

    assert reasons(call) == {
        "gp_1": ((LinkReason.SEVERAL_FIT,), True),
        "gp_2": ((LinkReason.SEVERAL_FIT,), True),
    }
    assert allocation_candidates_for_call(call=call).count() == 2


def test_without_a_custom_field_the_caller_must_be_a_party():
    allocation("", greenpin_id="gp_party")
    allocation("", greenpin_id="gp_stranger", party="+918800000001")
    allocation("order_id=3", greenpin_id="gp_named")

    assert reasons(unlinked("")) == {
        "gp_party": ((LinkReason.FITS,), True),
        "gp_stranger": ((LinkReason.CALLER_NOT_A_PARTY,), True),
        "gp_named": ((LinkReason.CUSTOM_FIELD_DIFFERS,), True),
    }


def test_allocations_near_the_call_but_outside_their_lifetime_are_listed_as_such():
    now = timezone.now()
    allocation(
        "order_id=1",
        greenpin_id="gp_ended",
        created_at=now - timedelta(hours=2),
        expires_at=now - timedelta(hours=1),
    )
    allocation("order_id=1", greenpin_id="gp_later", created_at=now + timedelta(minutes=1))
    allocation(
        "order_id=1",
        greenpin_id="gp_long_ago",
        created_at=now - timedelta(days=3),
        expires_at=now - timedelta(days=3, hours=-1),
    )
    AllocationFactory(greenpin_id="gp_other_number", virtual_number="+914071000099")

    found = reasons(unlinked("order_id=1", start_time=now - timedelta(minutes=5)))

    assert found == {
        "gp_later": ((LinkReason.OUTSIDE_LIFETIME,), False),
        "gp_ended": ((LinkReason.OUTSIDE_LIFETIME,), False),
    }


def test_possible_allocations_come_before_the_others():
    now = timezone.now()
    allocation("order_id=1", greenpin_id="gp_ended", expires_at=now - timedelta(minutes=20))
    allocation("order_id=2", greenpin_id="gp_live")

    listed = call_link_candidates(call=unlinked("order_id=9"))

    assert [c.allocation.greenpin_id for c in listed] == ["gp_live", "gp_ended"]


def test_a_call_without_numbers_has_no_candidates():
    call = CallFactory(allocation=None, to_number="", from_number="", link_state="no_candidate")
    assert call_link_candidates(call=call) == []


# --- linking by hand ------------------------------------------------------------------------


def test_linking_by_hand_records_who_and_when_and_the_rule_never_undoes_it(
    django_user_model,
):
    user = django_user_model.objects.create_user(username="boss")
    chosen = allocation("order_id=1")
    allocation("order_id=2")
    call = unlinked("order_id=9")

    linked = call_link(call=call, allocation_id=chosen.pk, user=user)

    assert (linked.allocation, linked.link_state) == (chosen, LinkState.MANUAL)
    assert linked.linked_by == user
    assert timezone.now() - linked.linked_at < timedelta(seconds=5)
    assert call_relink(call=linked).allocation == chosen


def test_a_call_already_linked_is_refused(django_user_model):
    user = django_user_model.objects.create_user(username="boss")
    first, second = allocation("order_id=1"), allocation("order_id=2")
    call = unlinked("order_id=9")
    call_link(call=call, allocation_id=first.pk, user=user)

    with pytest.raises(CallLinkRefused) as refused:
        # The same stale page in another tab: the row, not the object in hand, decides.
        call_link(call=unlinked_copy(call), allocation_id=second.pk, user=user)

    assert refused.value.reason == CallLinkRefused.ALREADY_LINKED


def unlinked_copy(call):
    call.allocation_id = None
    return call


@pytest.mark.parametrize("which", ["other_number", "ended", "unknown"])
def test_an_allocation_the_call_cannot_have_gone_through_is_refused(django_user_model, which):
    user = django_user_model.objects.create_user(username="boss")
    now = timezone.now()
    targets = {
        "other_number": AllocationFactory(virtual_number="+914071000099").pk,
        "ended": allocation("", expires_at=now - timedelta(minutes=20)).pk,
        "unknown": 10**12,
    }
    call = unlinked("order_id=9")

    with pytest.raises(CallLinkRefused) as refused:
        call_link(call=call, allocation_id=targets[which], user=user)

    assert refused.value.reason == CallLinkRefused.NOT_POSSIBLE
    call.refresh_from_db()
    assert call.allocation is None
