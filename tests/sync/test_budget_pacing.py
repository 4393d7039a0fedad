"""When the request budget binds: work that meets a spent budget is due again when the budget
frees, and a pass hands out no more than the budget can serve before the next pass."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from allocations.models import Allocation
from allocations.services import allocation_track
from allocations.tasks import refresh_allocations
from calls.models import Call
from calls.services import calls_pull
from exotel.coordination import (
    BudgetSpent,
    coordinator,
    requests_available,
    wait_for_request_slot,
)
from sync.selectors import DEFAULT_PASS_INTERVAL, sync_pass_interval
from sync.services import DISPATCH_HOLD, sync_dispatch

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_per_window(settings):
    """A budget of 3 requests per 4.2 s window (45 a minute counted over 4 s, 0.2 s margin),
    and tasks that give their slot back rather than wait more than half a second."""
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 45
    settings.EXOTEL_RATE_LIMIT_WINDOW = 4
    settings.EXOTEL_RATE_LIMIT_MARGIN = 0.2
    settings.EXOTEL_MAX_RETRY_AFTER = 0.5
    return 4.2


def test_a_spent_budget_says_when_it_frees(three_per_window):
    for _ in range(3):
        wait_for_request_slot()
    taken = time.monotonic()

    with pytest.raises(BudgetSpent) as raised:
        wait_for_request_slot(max_wait=0)

    # The first slot of the window leaves it one window after it was taken.
    assert 0 < raised.value.free_in <= three_per_window - (time.monotonic() - taken) + 0.1
    assert raised.value.free_in > three_per_window - 1


def test_a_spent_budget_raised_without_its_time_says_one_window(three_per_window):
    assert BudgetSpent("spent").free_in == three_per_window


def test_a_batch_that_meets_a_spent_budget_is_due_again_when_the_budget_frees(
    standin, three_per_window
):
    ids = [f"gp_spent{n}" for n in range(8)]
    for greenpin_id in ids:
        standin.add_allocation(greenpin_id=greenpin_id)
    tracked = allocation_track(greenpin_ids=ids)
    # As the periodic pass hands them out: off the schedule for DISPATCH_HOLD.
    Allocation.objects.update(next_sync_at=timezone.now() + DISPATCH_HOLD)

    result = refresh_allocations.apply(args=[[a.pk for a in tracked]]).get()

    assert result.startswith("stopped after 3, 5 left:"), result
    first_request = standin.request_times("greenpin.get")[0]
    assert len(standin.request_times("greenpin.get")) == 3
    left = Allocation.objects.filter(last_synced_at__isnull=True)
    assert left.count() == 5
    for allocation in left:
        # When the first request leaves the window, not when the hold ends.
        free_at = first_request + three_per_window
        assert allocation.next_sync_at.timestamp() == pytest.approx(free_at, abs=0.5)
        assert allocation.last_sync_error == ""
    assert not Allocation.objects.exclude(claimed_by="").exists()
    assert not Allocation.objects.filter(claimed_until__isnull=False).exists()

    time.sleep(max(0.0, first_request + three_per_window + 0.1 - time.time()))
    report = sync_dispatch(interval=three_per_window)

    # Due again, and handed out as far as the freed budget goes (3 a window).
    assert report.dispatched == 3
    assert (
        Allocation.objects.filter(
            last_synced_at__isnull=True, next_sync_at__lte=timezone.now()
        ).count()
        == 2
    )


def test_the_refreshed_rows_of_a_stopped_batch_keep_their_own_schedule(standin, three_per_window):
    ids = [f"gp_kept{n}" for n in range(5)]
    for greenpin_id in ids:
        standin.add_allocation(greenpin_id=greenpin_id)
    tracked = allocation_track(greenpin_ids=ids)
    Allocation.objects.update(next_sync_at=timezone.now() + DISPATCH_HOLD)

    refresh_allocations.apply(args=[[a.pk for a in tracked]]).get()

    refreshed = Allocation.objects.filter(last_synced_at__isnull=False)
    assert refreshed.count() == 3
    for allocation in refreshed:  # the next refresh after a success, ALLOCATION_REFRESH_INTERVAL
        assert allocation.next_sync_at > timezone.now() + timedelta(seconds=60)


def test_a_pull_that_meets_a_spent_budget_leaves_the_calls_it_never_asked_for_due_when_it_frees(
    standin, settings, three_per_window
):
    # 2 requests per 30 s window (storing 200 calls takes seconds): 200 calls of 250.
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 4
    settings.EXOTEL_RATE_LIMIT_WINDOW = 30
    started = timezone.now() - timedelta(minutes=10)
    sids = [f"CAspent{n:04d}" for n in range(250)]
    for sid in sids:
        standin.add_call(sid=sid, start_time=started, status="completed", duration=60)
    due = timezone.now() - timedelta(seconds=1)
    Call.objects.bulk_create([Call(sid=sid, status="ringing", next_pull_at=due) for sid in sids])

    with pytest.raises(BudgetSpent) as raised:
        calls_pull(calls=list(Call.objects.order_by("sid")))

    free_at = timezone.now() + timedelta(seconds=raised.value.free_in)
    assert Call.objects.filter(duration=60).count() == 200
    left = Call.objects.filter(duration__isnull=True)
    assert left.count() == 50
    for call in left:
        assert abs((call.next_pull_at - free_at).total_seconds()) < 0.5
    assert not Call.objects.exclude(pull_claim="").exists()
    assert not Call.objects.filter(pull_claimed_until__isnull=False).exists()


@pytest.fixture
def sixty_per_six_seconds(settings):
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 600
    settings.EXOTEL_RATE_LIMIT_WINDOW = 6
    settings.EXOTEL_RATE_LIMIT_MARGIN = 0


def test_a_pass_hands_out_no_more_than_the_budget_serves_before_the_next_pass(
    sixty_per_six_seconds,
):
    allocation_track(greenpin_ids=[f"gp_due{n:03d}" for n in range(100)])

    # An idle budget: the rate over the 3 s to the next pass (half a window), not all of it.
    assert sync_dispatch(interval=3).dispatched == 30

    for _ in range(50):  # other work took 50 slots just now, still counted 3 s from now
        assert coordinator().take_request_slot() == 0
    assert sync_dispatch(interval=3).dispatched == 10

    for _ in range(10):
        assert coordinator().take_request_slot() == 0
    assert sync_dispatch(interval=3).dispatched == 0

    # The rest stays due, for the next passes.
    assert Allocation.objects.filter(next_sync_at__lte=timezone.now()).count() == 60


def test_due_calls_are_handed_out_first_a_hundred_to_a_request(sixty_per_six_seconds):
    allocation_track(greenpin_ids=[f"gp_due{n:03d}" for n in range(100)])
    due = timezone.now() - timedelta(seconds=1)
    Call.objects.bulk_create(
        [Call(sid=f"CAdue{n:04d}", status="ringing", next_pull_at=due) for n in range(250)]
    )

    report = sync_dispatch(interval=3)

    assert report.dispatched == 30 - 3  # 250 calls take 3 requests


def test_a_budget_blocked_by_a_429_past_the_next_pass_hands_out_nothing(sixty_per_six_seconds):
    allocation_track(greenpin_ids=[f"gp_due{n:03d}" for n in range(10)])
    coordinator().block_requests(5)

    assert requests_available(within=3) == 0
    assert sync_dispatch(interval=3).dispatched == 0
    assert requests_available(within=6) == 60


def test_a_pass_interval_longer_than_the_window_counts_each_window_that_frees(
    sixty_per_six_seconds,
):
    assert requests_available(within=6) == 60
    assert requests_available(within=15) == 150


def test_the_pass_reads_its_interval_from_the_schedule(sixty_per_six_seconds):
    allocation_track(greenpin_ids=[f"gp_due{n:03d}" for n in range(100)])
    task = PeriodicTask.objects.get(task="sync.tasks.run_sync_pass")
    assert sync_pass_interval() == 30 == DEFAULT_PASS_INTERVAL
    task.interval, _ = IntervalSchedule.objects.get_or_create(every=2, period="seconds")
    task.save()

    assert sync_pass_interval() == 2
    assert sync_dispatch().dispatched == 20


@pytest.mark.parametrize(
    ("every", "period", "expected"),
    [
        (0, "seconds", DEFAULT_PASS_INTERVAL),
        (-30, "seconds", DEFAULT_PASS_INTERVAL),
        (1, "microseconds", 0.000001),
        (2**31 - 1, "days", DEFAULT_PASS_INTERVAL),  # beyond what a timedelta holds
        (2, "fortnights", DEFAULT_PASS_INTERVAL),
    ],
)
def test_a_hostile_schedule_still_gives_a_pass_interval(
    sixty_per_six_seconds, every, period, expected
):
    allocation_track(greenpin_ids=[f"gp_due{n:03d}" for n in range(5)])
    task = PeriodicTask.objects.get(task="sync.tasks.run_sync_pass")
    task.interval = IntervalSchedule.objects.create(every=every, period=period)
    task.save()

    assert sync_pass_interval() == pytest.approx(expected)
    # However short the interval, a free slot is handed out.
    assert sync_dispatch().dispatched >= 1


def test_without_an_enabled_schedule_the_pass_assumes_the_default_interval():
    PeriodicTask.objects.filter(task="sync.tasks.run_sync_pass").update(enabled=False)

    assert sync_pass_interval() == DEFAULT_PASS_INTERVAL


def test_a_pass_spreads_its_batches_over_the_interval_at_the_budgets_rate(
    sixty_per_six_seconds, monkeypatch, django_capture_on_commit_callbacks
):
    allocation_track(greenpin_ids=[f"gp_due{n:03d}" for n in range(100)])
    sent = []
    monkeypatch.setattr(
        refresh_allocations, "apply_async", lambda args, countdown: sent.append(countdown)
    )

    with django_capture_on_commit_callbacks(execute=True):
        sync_dispatch(interval=3)

    # 10 a second (60 per 6 s), 10 to a batch: one batch a second, over the 3 s.
    assert sent == [None, 1.0, 2.0]
