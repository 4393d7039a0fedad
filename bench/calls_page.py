"""Figure 8: the calls list. `/calls/` with a 7-day range and each filter on its own (the
picture above the list included, as it is in the same response), p95 against the allocation
page's p95 measured in the same run; the picture's queries alone; the calls export's peak RSS
at two sizes (streamed means flat)."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta

import requests

from .common import (
    Results,
    Scale,
    ms,
    peak_rss_kib,
    percentile,
    process_tree,
    section,
    start_gunicorn,
    stop,
)
from .datagen import NOW, page_greenpin_id

RUNS = 30
TARGET_RATIO = 3.0
# The week before the data's fixed "now": every day of it is full of calls.
LAST_DAY = (NOW - timedelta(days=1)).date()
FIRST_DAY = LAST_DAY - timedelta(days=6)
WEEK = {"started_after": FIRST_DAY.isoformat(), "started_before": LAST_DAY.isoformat()}


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def run(scale: Scale, results: Results) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from calls.models import Call

    section("8. calls list: 7 days and one filter, its picture, its export")
    settings.SEARCH_RATE_LIMIT_PER_MINUTE = 10**9  # the speed of the page, not the limit
    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)

    def p95_of(url: str, params: dict) -> tuple[float, float, int]:
        assert client.get(url, params).status_code == 200  # warm-up
        # Each request empties the query log; start from an empty one so the slice holds.
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            client.get(url, params)
        # Read now: the captured slice is taken from a log each later request empties.
        queries = len(captured)
        times = []
        for _ in range(RUNS):
            start = clock.perf_counter()
            response = client.get(url, params)
            times.append(clock.perf_counter() - start)
            assert response.status_code == 200, response.status_code
        return percentile(times, 50), percentile(times, 95), queries

    _, baseline, _ = p95_of(f"/allocations/{page_greenpin_id(500)}/", {})
    week_calls = Call.objects.filter(
        start_time__date__gte=FIRST_DAY, start_time__date__lte=LAST_DAY
    ).count()
    sample = Call.objects.filter(start_time__date=LAST_DAY).exclude(from_number="").first()
    phone = sample.from_number if sample else "+919800000001"
    variants = {
        "7 days": {},
        "7 days, status=failed": {"status": "failed"},
        "7 days, status=failed&busy": {"status": ["failed", "busy"]},
        "7 days, link=linked": {"link": "linked"},
        "7 days, has_recording=yes": {"has_recording": "yes"},
        "7 days, direction=inbound": {"direction": "inbound"},
        "7 days, talk_min=600": {"talk_min": "600"},
        "7 days, q=a customer's number": {"q": phone},
        "1 day (per hour), status=failed": {
            "status": "failed",
            "started_after": LAST_DAY.isoformat(),
        },
    }
    results.figure(
        "calls list: baseline, allocation page with 500 calls p95 (same run)", ms(baseline)
    )
    for name, extra in variants.items():
        params = {**WEEK, **extra}
        p50, p95, queries = p95_of("/calls/", params)
        ratio = p95 / baseline
        results.figure(
            f"calls list, {name} (~{week_calls:,} calls that week): p50 / p95 / queries",
            f"{ms(p50)} / {ms(p95)} / {queries}; {ratio:.1f}x the allocation page",
            target=f"p95 ≤ {TARGET_RATIO:.0f}x the allocation page",
            ok=ratio <= TARGET_RATIO,
        )
    _picture_alone(results)
    _export(scale, results, client)


def _picture_alone(results: Results) -> None:
    from zoneinfo import ZoneInfo

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from calls.models import Call
    from calls.selectors import call_picture

    zone = ZoneInfo("Asia/Kolkata")
    times = []
    for _ in range(RUNS):
        start = clock.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            call_picture(
                Call.objects.filter(status="failed"),
                first_day=FIRST_DAY,
                last_day=LAST_DAY,
                zone=zone,
            )
        times.append(clock.perf_counter() - start)
    results.figure(
        "calls picture alone, 7 days, status=failed: p50 / p95 / queries",
        f"{ms(percentile(times, 50))} / {ms(percentile(times, 95))} / {len(queries)}",
    )


def _days_for(rows: int) -> tuple[date, date]:
    """The shortest run of days ending on LAST_DAY holding at least `rows` calls."""
    from django.db.models import Count
    from django.db.models.functions import TruncDate

    from calls.models import Call

    per_day = dict(
        Call.objects.filter(
            start_time__lt=datetime.combine(LAST_DAY + timedelta(days=1), time.min, tzinfo=UTC)
        )
        .annotate(day=TruncDate("start_time"))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    total, day = 0, LAST_DAY
    while total < rows and day >= min(per_day, default=LAST_DAY):
        total += per_day.get(day, 0)
        day -= timedelta(days=1)
    return day + timedelta(days=1), LAST_DAY


def _export(scale: Scale, results: Results, client) -> None:
    cookie = {"sessionid": client.cookies["sessionid"].value}
    targets = (10_000, min(100_000, scale.calls))
    process, url = start_gunicorn(scale, workers=1, threads=1)
    try:
        (worker,) = [pid for pid in process_tree(process.pid) if pid != process.pid]
        requests.get(f"{url}/calls/", cookies=cookie, timeout=120)  # warm-up
        peaks = []
        for target in targets:
            first, last = _days_for(target)
            params = {"started_after": first.isoformat(), "started_before": last.isoformat()}
            before = peak_rss_kib(worker)
            start = clock.perf_counter()
            rows = 0
            with requests.get(
                f"{url}/calls/export.csv", params=params, cookies=cookie, timeout=900, stream=True
            ) as response:
                for _line in response.iter_lines():
                    rows += 1
            elapsed = clock.perf_counter() - start
            after = peak_rss_kib(worker)
            peaks.append(after)
            results.figure(
                f"memory: calls export, {first} to {last}",
                f"{rows - 1:,} rows in {elapsed:.1f} s; worker peak RSS {mib(after)} "
                f"(before {mib(before)}, +{mib(after - before)}); HTTP {response.status_code}",
            )
        results.figure(
            "memory: calls export, peak RSS at the larger size / the smaller",
            f"{peaks[1] / peaks[0]:.2f}",
            target="flat (≈ 1.0)",
        )
    finally:
        stop(process)
