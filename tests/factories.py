from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from allocations.models import Allocation, AllocationStatus, Party
from calls.models import Call


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    greenpin_id = factory.Sequence(lambda n: f"gp_test{n:06d}")
    tenant_id = "ACtest"
    virtual_number = "+914071000001"
    # A leading zero (PINs keep theirs): a PIN that also counted rows would collide with the
    # row IDs in log lines, and the run's log search for PINs would flag an ID as a leak.
    pin = factory.Sequence(lambda n: f"0{n % 1000:03d}")
    status = AllocationStatus.ACTIVE
    created_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=30))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=30))
    custom_field = factory.Sequence(lambda n: f"order_id={10000 + n}")
    order_id = factory.Sequence(lambda n: str(10000 + n))
    last_synced_at = factory.LazyFunction(timezone.now)


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    allocation = factory.SubFactory(AllocationFactory)
    side = Party.Side.A
    number = factory.Sequence(lambda n: f"+9199{n:08d}")


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call

    sid = factory.Sequence(lambda n: f"call{n:028x}")
    from_number = "+919900012345"
    to_number = factory.LazyAttribute(
        lambda call: call.allocation.virtual_number if call.allocation else "+914071000001"
    )
    status = "completed"
    start_time = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=5))
    end_time = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=3))
    duration = 120
    talk_duration = 100
    link_state = "linked"
    # The bucket the default settings allow whatever the account (a test that names no
    # account SID refuses `exotelrecordings/<account>/`).
    recording_url = factory.LazyAttribute(
        lambda call: f"https://s3.ap-south-1.amazonaws.com/exorecordings/{call.sid}.mp3"
    )
