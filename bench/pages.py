"""Figure 3: the allocation page with 1, 50 and 500 calls: the same number of SQL queries
whatever the number of calls (no N+1), p95 server time, and the p95 at 500 calls against the
p95 at 1 call, measured in the same run (the page lists its newest calls and counts the rest
in the database, so it should cost about the same)."""

from __future__ import annotations

import time

from .common import Results, Scale, ms, percentile, section
from .datagen import PAGE_SIZES, page_greenpin_id

RUNS = 40
TARGET_P95 = 0.050
# p95 at 500 calls within this multiple of the p95 at 1 call.
TARGET_RATIO = 1.5


def run(scale: Scale, results: Results) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    section("3. allocation page: query count and p95 by number of calls")
    # Its own login, so `--only pages` runs on a fresh database too.
    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    counts = {}
    p95s = {}
    for size in PAGE_SIZES:
        url = f"/allocations/{page_greenpin_id(size)}/"
        assert client.get(url).status_code == 200  # warm-up (and the session)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        counts[size] = len(queries)
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - start)
        p95s[size] = percentile(times, 95)
        results.figure(
            f"allocation page, {size} calls: queries / p50 / p95 (n={RUNS})",
            f"{counts[size]} / {ms(percentile(times, 50))} / {ms(p95s[size])}",
            target="p95 ≤ 50 ms at 500 calls" if size == 500 else "",
            ok=p95s[size] <= TARGET_P95 if size == 500 else None,
        )
    smallest, largest = min(PAGE_SIZES), max(PAGE_SIZES)
    ratio = p95s[largest] / p95s[smallest]
    results.figure(
        f"allocation page p95, {largest} calls against {smallest} call",
        f"{ms(p95s[largest])} against {ms(p95s[smallest])}",
        ratio=ratio,
        target=f"≤ {TARGET_RATIO}x",
        ok=ratio <= TARGET_RATIO,
    )
    if len(set(counts.values())) != 1:
        results.fail(f"the allocation page's query count depends on its calls: {counts}")
