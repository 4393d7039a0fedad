from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from allocations.models import Allocation, AllocationStatus, Party


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    greenpin_id = factory.Sequence(lambda n: f"gp_test{n:06d}")
    tenant_id = "ACtest"
    virtual_number = "+914071000001"
    pin = factory.Sequence(lambda n: f"{n % 10000:04d}")
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
