"""The sync engine with real Celery workers on Redis and PostgreSQL (CI's first pass)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from allocations.models import Allocation
from allocations.services import allocation_track
from allocations.tasks import refresh_allocation
from sync.services import sync_dispatch, sync_pass
from tests.workers import require_shared_services, running_workers, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_four_workers_use_the_budget_without_exceeding_it_when_it_binds(standin, settings):
    # 120 a minute counted over a 5 s window (10 per 5.2 s with its margin), so it binds in
    # seconds, not minutes; a pass every 2.5 s, as the schedule says; and tasks that give a
    # slot back rather than wait over half a window (30 s of 60 in production).
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 120
    settings.EXOTEL_RATE_LIMIT_WINDOW = 5
    settings.EXOTEL_RATE_LIMIT_MARGIN = 0.2
    # What Exotel counts: 10 in any 5 s (the budget keeps 10 per 5.2 s, so network delays
    # never fit an 11th into 5 s as Exotel sees them).
    window, per_window, interval = 5.0, 10, 2.5
    # Created here: an earlier test's flush may have removed the migration's schedule.
    PeriodicTask.objects.update_or_create(
        task="sync.tasks.run_sync_pass",
        defaults={
            "name": "Sync pass: refresh what is due",
            "enabled": True,
            "interval": IntervalSchedule.objects.create(every=2_500_000, period="microseconds"),
        },
    )
    ids = [f"gp_rate{n:04d}" for n in range(300)]
    for greenpin_id in ids:
        standin.add_allocation(greenpin_id=greenpin_id)
    allocation_track(greenpin_ids=ids)

    with running_workers(
        standin,
        settings,
        EXOTEL_RATE_LIMIT_WINDOW="5",
        EXOTEL_RATE_LIMIT_MARGIN="0.2",
        EXOTEL_MAX_RETRY_AFTER="2.5",
    ) as workers:
        for _ in range(4):
            workers.start()
        assert wait_until(lambda: all(b"ready." in _output(f) for f in workers.outputs), timeout=60)
        started, handed_out = time.monotonic(), []
        for n in range(9):  # the beat: a pass every `interval`, for 20 s
            time.sleep(max(0.0, started + n * interval - time.monotonic()))
            handed_out.append(sync_dispatch().dispatched)
        time.sleep(interval)

    times = standin.request_times("greenpin.get")
    assert standin.busiest_window("greenpin.get", window) <= per_window
    # The budget is used, not just respected: each whole window after the first request
    # holds at least 90% of it.
    windows = [
        sum(1 for t in times if times[0] + k * window <= t < times[0] + (k + 1) * window)
        for k in range(int((times[-1] - times[0]) // window))
    ]
    assert len(windows) >= 3, (times, handed_out)
    offsets = [round(t - times[0], 2) for t in times]
    assert min(windows) >= 0.9 * per_window, (windows, handed_out, offsets)
    # No pass handed out more than the budget serves before the next one.
    assert max(handed_out) <= 5, handed_out


def _output(file) -> bytes:
    return os.pread(file.fileno(), 1 << 20, 0)  # without moving the worker's write offset


def test_two_passes_at_once_fetch_each_allocation_once(standin, settings):
    require_shared_services()
    ids = [f"gp_twice{n:03d}" for n in range(40)]
    for greenpin_id in ids:
        standin.add_allocation(greenpin_id=greenpin_id)
    standin.script("greenpin.get", [{"delay": 0.02}], repeat=True)
    allocation_track(greenpin_ids=ids)
    reports = []

    def run():
        try:
            reports.append(sync_pass())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r is None for r in reports) == [False, True]  # one ran, one was skipped
    assert len(standin.request_times("greenpin.get")) == 40


def test_two_beats_dispatch_each_allocation_once(standin, settings):
    require_shared_services()
    ids = [f"gp_beat{n:03d}" for n in range(30)]
    allocation_track(greenpin_ids=ids)

    first, second = sync_dispatch(), sync_dispatch()

    assert first.dispatched + second.dispatched == 30


def test_a_worker_killed_mid_refresh_loses_nothing(standin, settings):
    standin.add_allocation(greenpin_id="gp_kill", pin="0427")
    (allocation,) = allocation_track(greenpin_ids=["gp_kill"])
    standin.script("gp_kill", [{"delay": 5}])  # the first answer comes too late to matter

    with running_workers(standin, settings) as workers:
        doomed = workers.start(pool="prefork", concurrency=1, name="doomed")
        refresh_allocation.delay(allocation.pk)
        started = wait_until(
            lambda: Allocation.objects.filter(pk=allocation.pk).exclude(claimed_by="").exists(),
            timeout=30,
        )
        assert started, "the refresh never started"
        time.sleep(0.5)  # the request to Exotel is under way (it takes 5 s to answer)
        workers.start(name="survivor")
        child = int(
            subprocess.run(
                ["pgrep", "-P", str(doomed.pid)], capture_output=True, text=True, check=True
            ).stdout.split()[0]
        )
        os.kill(child, signal.SIGKILL)
        refreshed = wait_until(
            lambda: Allocation.objects.filter(pk=allocation.pk, pin="0427").exists(), timeout=40
        )

    assert refreshed
    # Counted on arrival: the killed request still waits out its 5 s when the retry lands.
    assert standin.counts()["by_endpoint"]["greenpin.get"] >= 2
    assert Allocation.objects.get(pk=allocation.pk).last_sync_error == ""


def test_a_killed_pass_frees_the_lease_within_its_length(standin, settings):
    from tests.workers import Workers

    require_shared_services()
    settings.LEASE_SECONDS = settings.ROW_CLAIM_SECONDS = 2
    standin.add_allocation(greenpin_id="gp_lease")
    allocation_track(greenpin_ids=["gp_lease"])
    standin.script("gp_lease", [{"delay": 30}], repeat=True)  # the pass hangs on its request
    env = Workers(
        standin, {"LEASE_SECONDS": "2", "ROW_CLAIM_SECONDS": "2", "EXOTEL_READ_TIMEOUT": "60"}
    ).env
    doomed = subprocess.Popen(
        [sys.executable, "manage.py", "sync", "-v", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Counted on arrival: the pass is waiting for Exotel's answer.
        assert wait_until(lambda: standin.counts()["by_endpoint"].get("greenpin.get"), timeout=30)
        time.sleep(3)  # longer than the lease: its holder renews it while alive ...
        assert sync_pass() is None
        doomed.kill()  # ... and once killed, it lapses within the lease's length
        doomed.wait()
    finally:
        if doomed.poll() is None:
            doomed.kill()
        print(doomed.communicate()[0])  # shown by pytest when the test fails
    standin.script("gp_lease", [])
    time.sleep(2.5)  # the lease's length (and the row claim's): nobody renews them now
    report = sync_pass()

    assert report is not None, "the dead pass still holds the lease"
    assert report.refreshed == 1
