"""Figure 3: the allocation page with 1, 50 and 500 calls: the same number of SQL queries
whatever the number of calls (no N+1), and p95 server time."""

from __future__ import annotations

import time

from .common import Results, Scale, ms, percentile, section
from .datagen import PAGE_SIZES, page_greenpin_id

RUNS = 40
TARGET_P95 = 0.050


def run(scale: Scale, results: Results) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    section("3. allocation page: query count and p95 by number of calls")
    user = get_user_model().objects.get(username="bench")
    client = Client()
    client.force_login(user)
    counts = {}
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
        p95 = percentile(times, 95)
        results.figure(
            f"allocation page, {size} calls: queries / p50 / p95 (n={RUNS})",
            f"{counts[size]} / {ms(percentile(times, 50))} / {ms(p95)}",
            target="p95 ≤ 50 ms at 500 calls" if size == 500 else "",
            ok=p95 <= TARGET_P95 if size == 500 else None,
        )
    if len(set(counts.values())) != 1:
        results.fail(f"the allocation page's query count depends on its calls: {counts}")
