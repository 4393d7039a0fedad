"""Figure 3: the allocation page with 1, 50 and 500 calls, through gunicorn, the three
interleaved request by request: the same number of SQL queries whatever the number of calls
(no N+1; a failure otherwise), and p95 at 50 and 500 calls within 1.5x of p95 at 1 call."""

from __future__ import annotations

from .common import Results, Scale, ms, percentile, section
from .datagen import PAGE_SIZES, page_greenpin_id
from .web import Plan, Probe, Web, in_process, measure, web

RUNS = 40
TARGET_RATIO = 1.5


def run(scale: Scale, results: Results) -> None:
    section("3. allocation page: query count and p95 by number of calls")
    site = web(scale)
    measure(site, prepare(scale, site, results))


def prepare(scale: Scale, site: Web, results: Results) -> Plan:
    """Count each page's queries in-process (a failure when they differ); time them after."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    probes = {size: Probe(f"/allocations/{page_greenpin_id(size)}/") for size in PAGE_SIZES}
    counts = {}
    for size, probe in probes.items():
        in_process(site.client, probe)  # warm-up
        with CaptureQueriesContext(connection) as queries:
            response = in_process(site.client, probe)
        assert response.status_code == 200, (probe.path, response.status_code)
        counts[size] = len(queries)
    if len(set(counts.values())) != 1:
        results.fail(f"the allocation page's query count depends on its calls: {counts}")
    return Plan(
        kinds={str(size): [probe] for size, probe in probes.items()},
        report=lambda timings: _report(results, counts, timings),
        rounds=RUNS,
    )


def _report(results: Results, counts: dict[int, int], timings: dict) -> None:
    one = percentile(timings[str(PAGE_SIZES[0])].times, 95)
    for size in PAGE_SIZES:
        measured = timings[str(size)]
        p95 = percentile(measured.times, 95)
        ratio = p95 / one
        results.figure(
            f"allocation page, {size} call{'s' if size > 1 else ''}: queries / p50 / p95 "
            f"(n={len(measured.times)}, answers {dict(measured.statuses)})",
            f"{counts[size]} / {ms(percentile(measured.times, 50))} / {ms(p95)}",
            target=""
            if size == PAGE_SIZES[0]
            else f"{ratio:.2f}x the 1-call page (≤ {TARGET_RATIO}x) "
            + ("✓" if ratio <= TARGET_RATIO else "✗"),
            ok=None if size == PAGE_SIZES[0] else ratio <= TARGET_RATIO,
            p50=percentile(measured.times, 50),
            p95=p95,
            key=f"page:{size}",
        )
