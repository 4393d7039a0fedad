"""Figure 4: sync throughput against the stand-in answering every GreenPin GET after 100 ms.

- The deployment's settings: the periodic pass (`sync_dispatch`) hands the due allocations
  to the `sync_worker` of the Procfile (prefork, its concurrency), which refreshes them through
  the guard and the shared Redis budget. Rate: GreenPin GETs per second in the stand-in's
  request log (first to last), so worker start-up is not counted.
- The baseline: a plain loop, one `requests.get` per allocation without a shared session,
  storing the answer with one UPDATE.
- One variant (threads pool, concurrency 20) to show what the target takes on this machine.
- The rate limit binding: a budget below what the worker could do; the request log must sit
  at ≥ 90% of it and never above it in any window.
"""

from __future__ import annotations

import time

import requests

from .common import (
    CREDS,
    Results,
    Scale,
    clear_redis,
    delete_bench_rows,
    deployment_sync_concurrency,
    section,
    start_standin,
    start_worker,
    stop,
    track_for_bench,
)

LATENCY = 0.100


def dispatch_all(count: int) -> float:
    """What the periodic pass does, with a batch big enough to hand out every row at once
    (as `count / SYNC_BATCH_SIZE` beats in a row would). Returns the pass's duration."""
    from django.conf import settings

    from sync.services import sync_dispatch

    batch, settings.SYNC_BATCH_SIZE = settings.SYNC_BATCH_SIZE, count
    try:
        start = time.perf_counter()
        report = sync_dispatch()
        elapsed = time.perf_counter() - start
    finally:
        settings.SYNC_BATCH_SIZE = batch
    if report is None or report.dispatched != count:
        raise RuntimeError(f"the pass dispatched {report} instead of {count} allocations")
    return elapsed


def wait_synced(ids: list[str], timeout: float) -> int:
    from allocations.models import Allocation

    deadline = time.monotonic() + timeout
    while True:
        done = Allocation.objects.filter(greenpin_id__in=ids, last_synced_at__isnull=False).count()
        if done == len(ids) or time.monotonic() > deadline:
            return done
        time.sleep(0.5)


def workers_rate(scale: Scale, standin, label: str, count: int, **worker) -> tuple[float, int]:
    delete_bench_rows()  # only this run's rows may be due: the pass takes every due row
    standin.reset()
    standin.script("greenpin.get", [{"delay": LATENCY}], repeat=True)
    ids = track_for_bench(standin, label, count)
    process = start_worker(scale, standin, **worker)
    try:
        dispatch_seconds = dispatch_all(count)
        done = wait_synced(ids, timeout=count * LATENCY + 120)
    finally:
        stop(process)
    times = standin.request_times("greenpin.get")
    rate = (len(times) - 1) / (times[-1] - times[0])
    print(
        f"    ({label}: {done}/{count} refreshed; the dispatching pass took "
        f"{dispatch_seconds:.1f} s)"
    )
    return rate, done


def baseline_rate(standin, count: int) -> float:
    from django.conf import settings
    from django.utils import timezone

    from allocations.models import Allocation

    standin.reset()
    standin.script("greenpin.get", [{"delay": LATENCY}], repeat=True)
    ids = track_for_bench(standin, "baseline", count)
    base = f"{settings.EXOTEL_GREENPIN_URL}/v1/tenants/{CREDS['account_sid']}/greenpin/"
    auth = (CREDS["account_sid"], CREDS["exobridge_token"])
    start = time.perf_counter()
    for greenpin_id in ids:
        body = requests.get(base + greenpin_id, auth=auth, timeout=10).json()
        Allocation.objects.filter(greenpin_id=greenpin_id).update(
            raw_payload=body, last_synced_at=timezone.now()
        )
    rate = count / (time.perf_counter() - start)
    delete_bench_rows()
    return rate


def run(scale: Scale, results: Results) -> None:
    section("4. sync throughput against the stand-in (100 ms per GreenPin GET)")
    standin = start_standin()
    try:
        delete_bench_rows()
        base = baseline_rate(standin, scale.sync_baseline)
        ours, done = workers_rate(scale, standin, "deploy", scale.sync_allocations)
        results.figure(
            "sync: allocations refreshed/s, deployment settings "
            f"(1 sync_worker, prefork x{deployment_sync_concurrency()})",
            f"{ours:.1f}/s ({done}/{scale.sync_allocations} refreshed)",
            baseline=f"plain requests.get loop {base:.1f}/s",
            ratio=ours / base,
            target="≥ 10x the baseline",
            ok=ours / base >= 10,
        )
        wide, done = workers_rate(
            scale, standin, "threads20", scale.sync_allocations * 2, pool="threads", concurrency=20
        )
        results.figure(
            "sync: allocations refreshed/s, variant: 1 worker, threads pool x20",
            f"{wide:.1f}/s ({done}/{scale.sync_allocations * 2} refreshed)",
            baseline=f"plain requests.get loop {base:.1f}/s",
            ratio=wide / base,
            target="≥ 10x the baseline",
            ok=wide / base >= 10,
        )
        delete_bench_rows()
        _binding(scale, standin, results)
    finally:
        standin.stop()
        delete_bench_rows()
        clear_redis()


def _binding(scale: Scale, standin, results: Results) -> None:
    # Quick mode shortens the window (the budget is per window, scaled from per minute) so
    # it binds for several windows in seconds; the full run uses the real 60 s window.
    per_minute = 480 if scale.name == "quick" else 600
    window, margin = (5.0, 0.2) if scale.name == "quick" else (60.0, 1.0)
    per_window = round(per_minute * window / 60)
    seconds = scale.rate_limit_seconds
    count = int(per_minute / 60 * seconds * 1.5) + 50  # more than the budget allows
    delete_bench_rows()
    standin.reset()
    standin.script("greenpin.get", [{"delay": LATENCY}], repeat=True)
    if window == 60:
        standin.set_rate_limit(per_minute)  # the stand-in answers 429 past the real limit
    track_for_bench(standin, "binding", count)
    process = start_worker(
        scale,
        standin,
        EXOTEL_RATE_LIMIT_PER_MINUTE=str(per_minute),
        EXOTEL_RATE_LIMIT_WINDOW=str(window),
        EXOTEL_RATE_LIMIT_MARGIN=str(margin),
    )
    try:
        dispatch_all(count)
        deadline = time.monotonic() + seconds + 30
        while time.monotonic() < deadline:
            times = standin.request_times("greenpin.get")
            if times and times[-1] - times[0] >= seconds:
                break
            time.sleep(0.5)
    finally:
        stop(process)
    times = standin.request_times("greenpin.get")
    measured = [t for t in times if t - times[0] < seconds]
    rate = len(measured) / seconds * 60
    busiest = standin.busiest_window("greenpin.get", window)
    refused = sum(1 for r in standin.requests() if r["status"] == 429)
    share = rate / per_minute
    results.figure(
        f"sync with the limit binding ({per_minute}/min counted per {window:.0f} s window, "
        f"over {seconds} s)",
        f"{rate:.0f}/min = {share:.0%} of the limit; busiest {window:.0f} s window "
        f"{busiest}/{per_window}; {refused} answered 429",
        target="≥ 90% of the limit, never over",
        ok=share >= 0.9 and busiest <= per_window,
    )
    if busiest > per_window or refused:
        results.fail(
            f"the request budget was exceeded: {busiest} requests in one "
            f"{window:.0f} s window (limit {per_window}), {refused} 429s"
        )
