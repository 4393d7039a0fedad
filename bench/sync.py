"""Figure 4: sync throughput against the stand-in answering every GreenPin GET after 100 ms.

- The deployment's settings: the periodic pass (`sync_dispatch`) hands the due allocations
  to the `sync_worker` of the Procfile (prefork, its concurrency), which refreshes them through
  the guard and the shared Redis budget. Rate: GreenPin GETs per second in the stand-in's
  request log (first to last), so worker start-up is not counted.
- The baseline: a plain loop, one `requests.get` per allocation without a shared session,
  storing the answer with one UPDATE.
- One variant (threads pool, concurrency 20) to show what the target takes on this machine.
- The rate limit binding, for 10 minutes: a budget below what the worker could do, the
  periodic pass every interval as beat runs it; every window of the request log must hold
  ≥ 90% of the budget, none more, and the stand-in (limiting at the same rate) never 429.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

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
# How long the binding run measures: ten of the budget's windows, 60 s each at full scale.
BINDING_SECONDS, BINDING_SECONDS_QUICK = 600, 40


def dispatch_all(count: int) -> float:
    """What the periodic pass does: with a budget that does not bind, it hands out every due
    row at once. Returns the pass's duration."""
    from sync.services import sync_dispatch

    start = time.perf_counter()
    report = sync_dispatch()
    elapsed = time.perf_counter() - start
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
    """The deployment with a budget below what its worker could do, for BINDING_SECONDS
    (10 minutes; 40 s in quick mode): the periodic pass every interval, as beat runs it, and one
    sync_worker. Every window of the budget must hold >= 90% of it, none more, and Exotel
    must never answer 429."""
    from sync.selectors import sync_pass_interval

    # Quick mode shortens the window (the budget is per window, scaled from per minute) and
    # the pass interval with it, so it binds for several windows in seconds; the full run
    # uses the real 60 s window, the schedule's interval and tasks' own patience (30 s).
    quick = scale.name == "quick"
    per_minute = 480 if quick else 600
    # The margin (5% of the window in quick mode) absorbs the delay between taking a slot and
    # Exotel receiving the request, which a busy machine stretches to a few hundred ms.
    window, margin = (10.0, 0.5) if quick else (60.0, 1.0)
    budget = {
        "EXOTEL_RATE_LIMIT_PER_MINUTE": str(per_minute),
        "EXOTEL_RATE_LIMIT_WINDOW": str(window),
        "EXOTEL_RATE_LIMIT_MARGIN": str(margin),
    }
    if quick:
        budget["EXOTEL_MAX_RETRY_AFTER"] = str(window / 2)  # as 30 s is to a 60 s window
    per_window = round(per_minute * window / 60)
    seconds = BINDING_SECONDS_QUICK if quick else BINDING_SECONDS
    # More due than the budget allows all along (a refreshed row is due again after 300 s).
    count = int(per_minute / 60 * seconds * 1.2) + 50
    delete_bench_rows()
    standin.reset()
    standin.script("greenpin.get", [{"delay": LATENCY}], repeat=True)
    if window == 60:
        standin.set_rate_limit(per_minute)  # the stand-in answers 429 past the real limit
    track_for_bench(standin, "binding", count)
    process = start_worker(scale, standin, **budget)
    with _settings(budget):  # the passes run here and read the same budget
        interval = window / 2 if quick else sync_pass_interval()
        handed_out = _passes_until(standin, seconds, interval)
    stop(process)
    times = standin.request_times("greenpin.get")
    measured = [t for t in times if t - times[0] < seconds]
    windows = [
        sum(1 for t in measured if k * window <= t - times[0] < (k + 1) * window)
        for k in range(int(seconds // window))
    ]
    busiest = standin.busiest_window("greenpin.get", window)
    quietest = _quietest_window(measured, window, end=times[0] + seconds)
    refused = sum(1 for r in standin.requests() if r["status"] == 429)
    least, most = min(windows), max(windows)
    shown = windows if len(windows) <= 12 else f"{len(windows)} windows"
    results.figure(
        f"sync with the limit binding ({per_minute}/min counted per {window:.0f} s window, "
        f"{seconds} s, a pass every {interval:g} s)",
        f"every {window:.0f} s window {least}..{most} of {per_window} "
        f"(min {least / per_window:.0%}; {shown}); busiest sliding {window:.0f} s window "
        f"{busiest}/{per_window}, quietest {quietest}/{per_window}; {refused} answered 429; "
        "passes handed out at most "
        f"{max(handed_out)}",
        target="every window ≥ 90% of the limit, never over, no 429",
        ok=least >= 0.9 * per_window and busiest <= per_window and not refused,
    )
    if busiest > per_window or refused:
        results.fail(
            f"the request budget was exceeded: {busiest} requests in one "
            f"{window:.0f} s window (limit {per_window}), {refused} 429s"
        )


def _quietest_window(times: list[float], window: float, *, end: float) -> int:
    """The fewest requests in any `window`-long stretch between the first request and `end`
    (the emptiest starts just after a request)."""
    fewest, last = len(times), 0
    for first, start in enumerate(times):
        if start + window > end:
            break
        while last < len(times) and times[last] <= start + window:
            last += 1
        fewest = min(fewest, last - first - 1)
    return fewest


def _passes_until(standin, seconds: float, interval: float) -> list[int]:
    """Run the periodic pass every `interval` (what beat does) until `seconds` have passed
    since Exotel's first request; what each pass handed out."""
    from sync.services import sync_dispatch

    started, handed_out = time.monotonic(), []
    deadline = started + seconds + 120  # a worker that never sends still ends the run
    while time.monotonic() < deadline:
        report = sync_dispatch(interval=interval)
        handed_out.append(report.dispatched if report else 0)
        times = standin.request_times("greenpin.get")
        if times and times[-1] - times[0] >= seconds:
            break
        next_pass = started + len(handed_out) * interval
        time.sleep(max(0.0, next_pass - time.monotonic()))
    return handed_out


@contextmanager
def _settings(values: dict[str, str]):
    from django.conf import settings

    names = {
        "EXOTEL_RATE_LIMIT_PER_MINUTE": int,
        "EXOTEL_RATE_LIMIT_WINDOW": float,
        "EXOTEL_RATE_LIMIT_MARGIN": float,
        "EXOTEL_MAX_RETRY_AFTER": float,
    }
    saved = {name: getattr(settings, name) for name in values}
    for name, value in values.items():
        setattr(settings, name, names[name](value))
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(settings, name, value)
