"""The allocation page's summary, counted by the database, tells the same story as the
summary told from every call: for any mix of calls, sides, statuses and lifetimes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from allocations.models import Allocation
from calls.models import Call
from console.case_summary import case_summary_for_allocation, case_summary_for_allocation_page
from tests.factories import AllocationFactory, CallFactory, PartyFactory

AGENT, CUSTOMER, BOTH, STRANGER = "+919900012345", "+918800054321", "+917700011111", "+916600022222"
CREATED = timezone.now().replace(microsecond=0) - timedelta(days=1)

calls = st.lists(
    st.fixed_dictionaries(
        {
            "from_number": st.sampled_from([AGENT, CUSTOMER, BOTH, STRANGER]),
            "minutes": st.one_of(st.none(), st.integers(-120, 600)),
            "status": st.sampled_from(
                ["completed", "no-answer", "busy", "failed", "canceled", "ringing", ""]
            ),
            "leg2_status": st.sampled_from(["", "busy", "failed", "no-answer", "completed"]),
            "talk_duration": st.one_of(st.none(), st.integers(0, 300)),
            "duration": st.one_of(st.none(), st.integers(0, 400)),
            "recorded": st.booleans(),
        }
    ),
    max_size=14,
)


class SummaryCountsTest(TestCase):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        calls=calls,
        lived=st.one_of(st.none(), st.integers(30, 500)),
        deleted=st.one_of(st.none(), st.integers(10, 400)),
    )
    def test_counted_and_listed_summaries_agree(self, calls, lived, deleted):
        allocation = AllocationFactory(
            created_at=CREATED,
            expires_at=CREATED + timedelta(minutes=lived) if lived else None,
            deleted_at=CREATED + timedelta(minutes=deleted) if deleted else None,
        )
        PartyFactory(allocation=allocation, side="A", number=AGENT)
        PartyFactory(allocation=allocation, side="B", number=CUSTOMER)
        PartyFactory(allocation=allocation, side="A", number=BOTH)
        PartyFactory(allocation=allocation, side="B", number=BOTH)
        for call in calls:
            minutes = call.pop("minutes")
            recorded = call.pop("recorded")
            CallFactory(
                allocation=allocation,
                start_time=None if minutes is None else CREATED + timedelta(minutes=minutes),
                recording_url="https://s3.example/x.mp3" if recorded else "",
                **call,
            )
        allocation = Allocation.objects.prefetch_related("parties").get(pk=allocation.pk)
        now = CREATED + timedelta(hours=20)
        # Each call's own order of ties: by ID, as the database breaks them.
        every = list(Call.objects.filter(allocation=allocation).order_by("id"))
        told = case_summary_for_allocation(allocation=allocation, calls=every, now=now)
        counted = case_summary_for_allocation_page(allocation=allocation, now=now)
        assert counted.sentences == told.sentences
        assert counted.ticket == told.ticket
        assert counted.calls == len(every)


@pytest.mark.django_db
def test_the_page_summary_takes_two_queries_whatever_the_calls(django_assert_num_queries):
    allocation = AllocationFactory()
    PartyFactory(allocation=allocation, side="A", number=AGENT)
    CallFactory.create_batch(40, allocation=allocation, from_number=AGENT)
    allocation = Allocation.objects.prefetch_related("parties").get(pk=allocation.pk)
    with django_assert_num_queries(2):
        summary = case_summary_for_allocation_page(allocation=allocation)
    assert summary.calls == 40


@pytest.mark.django_db
@pytest.mark.parametrize("undated", [0, 3])
def test_long_histories_with_ties_and_undated_calls_tell_the_same_story(undated):
    allocation = AllocationFactory(created_at=CREATED, expires_at=CREATED + timedelta(hours=6))
    PartyFactory(allocation=allocation, side="A", number=AGENT)
    PartyFactory(allocation=allocation, side="B", number=CUSTOMER)
    for n in range(12):  # the last three start together
        minutes = min(n, 9) * 10
        CallFactory(
            allocation=allocation,
            from_number=AGENT,
            status=["completed", "no-answer", "busy"][n % 3],
            start_time=CREATED + timedelta(minutes=minutes),
        )
    for n in range(7):
        CallFactory(
            allocation=allocation,
            from_number=CUSTOMER,
            status="failed",
            leg2_status="failed",
            start_time=None if n < undated else CREATED - timedelta(minutes=n),
        )
    allocation = Allocation.objects.prefetch_related("parties").get(pk=allocation.pk)
    now = CREATED + timedelta(hours=20)
    every = list(Call.objects.filter(allocation=allocation).order_by("id"))
    told = case_summary_for_allocation(allocation=allocation, calls=every, now=now)
    counted = case_summary_for_allocation_page(allocation=allocation, now=now)
    assert counted.sentences == told.sentences
    assert "12 times" in told.sentences[0]
