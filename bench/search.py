"""Figure 2: the search, p50/p95 per kind of identifier, through gunicorn and the whole
middleware stack, against two references measured in the same run:

- the exact order-ID lookup: every kind's p95 within 2x of its p95;
- Django admin's default search over the same columns: at least 100x faster. That baseline
  is what a stock ModelAdmin with non-exact `search_fields` runs: `get_search_results`
  (every whitespace-separated term `icontains` over every column, OR'd, terms AND'ed), then
  `.distinct()` because the search spans multi-valued relations, then the changelist's count
  and first page of 100. Rendering is not timed for the baseline, so the ratio is
  conservative. The bulk lookup's baseline is 100 such searches, one per line, taken as 100x
  the median single search of the run; the API's is the admin search for the same order IDs.

Every kind is measured one request after another with the others (see `web.interleaved`).
A kind whose feature is not built yet (its endpoint answers 404, or the search does not find
what the form names) is printed as n/a and recorded as missing, never timed: timing a miss
would be a made-up figure. Each answer is also checked for the allocation it should find.

Also here: the number of SQL queries of a results page is the same for one match and for the
hottest virtual number's 100,000 (a failure otherwise), and the EXPLAIN (ANALYZE) of every
query each kind runs, in var/bench/explain-<scale>-<kind>.txt.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field

from .common import OUT_DIR, ROOT, RUN_ID, Results, Scale, environment, ms, percentile, section
from .datagen import HOT_VN, PLANTED
from .web import Plan, Probe, Web, in_process, measure, web

BASELINE_SEARCH_FIELDS = (
    "greenpin_id",
    "order_id",
    "virtual_number",
    "parties__number",
    "calls__sid",
)
BASELINE_TIMEOUT_MS = 300_000
REFERENCE = "order ID"
TARGET_VS_REFERENCE = 2.0
TARGET_VS_ADMIN = 100.0
BULK_LINES = 100
BULK_SAMPLES = 4  # distinct bulks of 100 lines, cycled


@dataclass
class Kind:
    name: str
    probes: list[Probe]
    # What each probe must find: greenpin IDs, any one of which in the answer will do (empty:
    # any allocation).
    expects: list[tuple[str, ...]]
    # The admin search is timed on these; None: derived (see the module's docstring).
    baseline_values: list[str] | None = None
    feature: str = ""  # set on kinds whose feature may not be built yet
    baseline: list[float] = field(default_factory=list)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def phone_formats(e164: str) -> list[str]:
    """The ways agents type an Indian mobile: +91 98000 01234, 098000 01234, 9800001234…"""
    digits = e164.removeprefix("+91")
    return [
        e164,
        f"+91 {digits[:5]} {digits[5:]}",
        f"0{digits[:5]} {digits[5:]}",
        digits,
        f"91-{digits[:5]}-{digits[5:]}",
    ]


def finds(response, expect: tuple[str, ...]) -> bool:
    """Whether an answer (a redirect, a results page, a lookup table, JSON) names one of the
    allocations expected, or any allocation when none is named."""
    if response.status_code in (301, 302, 303):
        text = response.headers.get("Location", "")
    elif response.status_code == 200:
        text = response.text
    else:
        return False
    if expect:
        return any(greenpin_id in text for greenpin_id in expect)
    return "/allocations/gp_" in text or '"gp_' in text


@dataclass
class Sample:
    """Real values from the loaded data, chosen at random (seeded)."""

    allocations: list[tuple[str, str, str]]  # greenpin ID, order ID, customer's number
    order_allocations: dict[str, tuple[str, ...]]  # order ID -> its greenpin IDs
    calls: list[tuple[str, str]]  # call SID, its allocation's greenpin ID
    busiest_agent: str


def sample(scale: Scale, count: int) -> Sample:
    from django.db import connection

    rng = random.Random(2)
    with connection.cursor() as cur:
        cur.execute("SELECT max(id) FROM allocations_allocation")
        max_alloc = cur.fetchone()[0]
        cur.execute("SELECT max(id) FROM calls_call")
        max_call = cur.fetchone()[0]
        ids = rng.sample(range(PLANTED + 1, max_alloc + 1), count)
        cur.execute(
            "SELECT a.greenpin_id, a.order_id, p.number FROM allocations_allocation a"
            " JOIN allocations_party p ON p.allocation_id = a.id AND p.side = 'A'"
            " WHERE a.id = ANY(%s) ORDER BY array_position(%s, a.id)",
            [ids, ids],
        )
        allocations = cur.fetchall()
        cur.execute(
            "SELECT order_id, array_agg(greenpin_id) FROM allocations_allocation"
            " WHERE order_id = ANY(%s) GROUP BY order_id",
            [[order for _, order, _ in allocations]],
        )
        orders = {order: tuple(gids) for order, gids in cur.fetchall()}
        call_ids = rng.sample(range(1, max_call + 1), scale.search_samples * 2)
        cur.execute(
            "SELECT c.sid, a.greenpin_id FROM calls_call c"
            " JOIN allocations_allocation a ON a.id = c.allocation_id"
            " WHERE c.id = ANY(%s) LIMIT %s",
            [call_ids, scale.search_samples],
        )
        calls = cur.fetchall()
        # The busiest agent: a number on thousands of allocations (a results page, not a hit).
        cur.execute(
            "SELECT number FROM allocations_party WHERE side = 'B'"
            " GROUP BY number ORDER BY count(*) DESC LIMIT 1"
        )
        agent = cur.fetchone()[0]
    return Sample(allocations, orders, calls, agent)


def api_token(scale: Scale) -> str | None:
    """A read token from `manage.py create_api_token` (its last line), or None without it."""
    done = subprocess.run(
        [sys.executable, "manage.py", "create_api_token", f"bench-{RUN_ID}", "--scope", "read"],
        cwd=ROOT,
        env=environment(scale),
        capture_output=True,
        text=True,
    )
    lines = done.stdout.strip().splitlines()
    return lines[-1].strip() if done.returncode == 0 and lines else None


def kinds(scale: Scale, data: Sample, token: str | None) -> list[Kind]:
    n = scale.search_samples
    rng = random.Random(3)
    picked = data.allocations[:n]
    orders = [order for _, order, _ in picked]
    lettered = [o for _, o, _ in data.allocations if not o.isdigit()][:n]
    numbered = [o for _, o, _ in data.allocations if o.isdigit()][:n]
    phones = [number for _, _, number in picked]
    formats = rng.sample(
        [fmt for phone in phones for fmt in phone_formats(phone)], min(5 * len(phones), 2 * n)
    )
    suffixes = [number[-6:] for number in phones]

    def search(values: list[str], expects: list[tuple[str, ...]] | None = None, **kw) -> dict:
        return {
            "probes": [Probe("/", {"q": value}) for value in values],
            "expects": expects or [() for _ in values],
            "baseline_values": values,
            **kw,
        }

    def of_orders(values: list[str]) -> list[tuple[str, ...]]:
        return [data.order_allocations[value] for value in values]

    result = [
        Kind(REFERENCE, **search(orders, of_orders(orders))),
        Kind("GreenPin ID", **search([g for g, _, _ in picked], [(g,) for g, _, _ in picked])),
        Kind("call SID", **search([s for s, _ in data.calls], [(g,) for _, g in data.calls])),
        Kind("phone (5 formats)", **search(formats)),
        Kind("phone, busiest agent (results page)", **search(phone_formats(data.busiest_agent))),
        Kind(
            "virtual number, hottest (results page)",
            **search([HOT_VN, HOT_VN.removeprefix("+91")]),
        ),
        Kind(
            "order ID, other case",
            **search([o.lower() for o in lettered], of_orders(lettered), feature="search"),
        ),
        Kind(
            "order ID as #…",
            **search([f"#{o}" for o in numbered], of_orders(numbered), feature="search"),
        ),
        Kind(
            "order ID as Order …",
            **search([f"Order {o}" for o in numbered], of_orders(numbered), feature="search"),
        ),
        Kind("phone, last 6 digits (results page)", **search(suffixes, feature="search")),
    ]
    bulks, bulk_expects = [], []
    rows = data.allocations[n : n + BULK_LINES * BULK_SAMPLES]
    for start in range(0, len(rows) - BULK_LINES + 1, BULK_LINES):
        chunk = rows[start : start + BULK_LINES]
        lines = [(order, gid, phone)[i % 3] for i, (gid, order, phone) in enumerate(chunk)]
        bulks.append(Probe("/lookup/", {"identifiers": "\n".join(lines)}, method="POST"))
        bulk_expects.append((chunk[1][0],))  # the second line is a GreenPin ID: its row links it
    if bulks:
        result.append(
            Kind(
                f"bulk lookup, {BULK_LINES} lines",
                bulks,
                bulk_expects,
                baseline_values=None,
                feature="/lookup/",
            )
        )
    api = Kind(
        "API GET /api/v1/allocations/?order_id=",
        [
            Probe(
                "/api/v1/allocations/",
                {"order_id": order},
                headers={"Authorization": f"Bearer {token}"},
            )
            for order in orders
        ],
        of_orders(orders),
        baseline_values=None,
        feature="the API" if token else "",
    )
    result.append(api if token else Kind(api.name, [], [], feature="the API"))
    return result


def run(scale: Scale, results: Results) -> None:
    section("2. search: every kind vs the exact order ID and vs Django admin's default search")
    site = web(scale)
    measure(site, prepare(scale, site, results))


def prepare(scale: Scale, site: Web, results: Results) -> Plan:
    """Sample the data, drop the kinds not built yet, count a results page's queries and
    EXPLAIN each kind (in-process); the timing is the caller's."""
    data = sample(scale, scale.search_samples * 3 + BULK_LINES * BULK_SAMPLES)
    usable: list[Kind] = []
    for kind in kinds(scale, data, api_token(scale)):
        if not kind.probes:
            results.missing(f"search {kind.name}", "manage.py create_api_token failed: no API yet")
            continue
        response, _ = site.send(kind.probes[0])
        if kind.feature and response.status_code == 404:
            results.missing(f"search {kind.name}", "endpoint 404")
            continue
        if kind.feature and not finds(response, kind.expects[0]):
            results.missing(
                f"search {kind.name}",
                f"HTTP {response.status_code}, finds nothing for {kind.probes[0].params}: "
                f"{kind.feature} does not understand this form yet",
            )
            continue
        usable.append(kind)
    _query_count(results, data)
    paths = [_explain(scale, kind, site.client) for kind in usable]
    results.note(f"EXPLAIN (ANALYZE) of what each kind runs: {len(paths)} files, {paths[0]}…")
    expects = {kind.name: kind.expects for kind in usable}
    return Plan(
        kinds={kind.name: kind.probes for kind in usable},
        report=lambda timings: _report(scale, results, usable, timings),
        check=lambda kind, index, response: finds(response, expects[kind][index]),
        rounds=2 * scale.search_samples,
    )


def _report(scale: Scale, results: Results, usable: list[Kind], timings: dict) -> None:
    from django.db import connection

    if scale.baseline_samples:
        for kind in usable:
            if kind.baseline_values is not None:
                kind.baseline = _baseline(kind.baseline_values[: scale.baseline_samples])
                connection.close()
    singles = [t for kind in usable for t in kind.baseline]
    reference = usable[0]  # the exact order ID, always first
    reference_p95 = percentile(timings[reference.name].times, 95)
    for kind in usable:
        times = timings[kind.name].times
        p50, p95 = percentile(times, 50), percentile(times, 95)
        versus = p95 / reference_p95
        ok = versus <= TARGET_VS_REFERENCE
        marks = [
            f"{versus:.1f}x the order ID (≤ {TARGET_VS_REFERENCE:.0f}x) {_mark(ok)}",
        ]
        baseline_text, base_p95 = "", 0.0
        if kind.baseline_values is None and kind.probes[0].method == "POST" and singles:
            base_p95 = BULK_LINES * percentile(singles, 50)
            baseline_text = f"admin, {BULK_LINES} single searches (derived) {base_p95:.0f} s"
        elif kind.baseline_values is None and reference.baseline:
            base_p95 = percentile(reference.baseline, 95)  # the same order IDs
            baseline_text = f"admin search for the same order IDs p95 {ms(base_p95)}"
        elif kind.baseline:
            base_p95 = percentile(kind.baseline, 95)
            baseline_text = (
                f"admin icontains p50/p95 {ms(percentile(kind.baseline, 50))} / "
                f"{ms(base_p95)} (n={len(kind.baseline)})"
            )
        if base_p95:
            faster = base_p95 / p95
            marks.append(
                f"{faster:,.0f}x faster than admin (≥ {TARGET_VS_ADMIN:.0f}x) "
                f"{_mark(faster >= TARGET_VS_ADMIN)}"
            )
            ok = ok and faster >= TARGET_VS_ADMIN
        statuses = dict(sorted(timings[kind.name].statuses.items()))
        misses = timings[kind.name].misses
        results.figure(
            f"search {kind.name} p50/p95 (n={len(times)}, answers {statuses}, "
            f"{len(times) - misses} found theirs)",
            f"{ms(p50)} / {ms(p95)}",
            baseline=baseline_text,
            target="; ".join(marks),
            ok=ok,
            p50=p50,
            p95=p95,
            key=f"search:{kind.name}",
        )
        if misses:
            results.note(f"search {kind.name}: {misses} answers did not find theirs")


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def _query_count(results: Results, data: Sample) -> None:
    """A results page runs as many queries for one match as for the hottest number's
    100,000. Its reads are compared: the audit trail's write (a number searched is audited,
    an order ID is not) is counted apart."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from allocations.models import Allocation

    from .web import logged_in_client

    client = logged_in_client()
    single = next(
        order for _, order, _ in data.allocations if len(data.order_allocations[order]) == 1
    )
    counts = {}
    for label, value in ((f"order ID {single}", single), (f"virtual number {HOT_VN}", HOT_VN)):
        # `page` keeps a lone match on the results page instead of redirecting to it.
        params = {"q": value, "page": "1"}
        client.get("/", params)  # warm-up
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/", params)
        queries = [q["sql"] for q in captured.captured_queries]
        audit = [q for q in queries if not q.lstrip().upper().startswith("SELECT")]
        if value == HOT_VN:
            matches = Allocation.objects.filter(virtual_number=value).count()
        else:
            matches = len(data.order_allocations[value])
        counts[label] = (len(queries) - len(audit), len(audit), matches, response.status_code)
    text = ", ".join(
        f"{label}: {n} reads (+{audit} other statements), {matches:,} match(es), HTTP {status}"
        for label, (n, audit, matches, status) in counts.items()
    )
    page_counts = {n for n, _, _, _ in counts.values()}
    statuses = {status for _, _, _, status in counts.values()}
    results.figure(
        "search results page: SQL queries for 1 match vs the hottest virtual number",
        text,
        target="equal",
        ok=len(page_counts) == 1 and statuses == {200},
    )
    if statuses != {200}:
        results.fail(f"the search did not answer a results page for both: {text}")
    elif len(page_counts) != 1:
        results.fail(f"a results page's query count depends on its matches: {text}")


def _baseline_queryset(value: str, user):
    from django.contrib import admin
    from django.test import RequestFactory

    from allocations.models import Allocation

    class StockAdmin(admin.ModelAdmin):
        search_fields = BASELINE_SEARCH_FIELDS

    request = RequestFactory().get("/admin/allocations/allocation/", {"q": value})
    request.user = user
    queryset, may_have_duplicates = StockAdmin(Allocation, admin.site).get_search_results(
        request, Allocation.objects.all(), value
    )
    return queryset.distinct() if may_have_duplicates else queryset


def _baseline(values: list[str]) -> list[float]:
    from django.db import connection, transaction

    from .web import bench_user

    user = bench_user()
    times = []
    for value in values:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"SET LOCAL statement_timeout = {BASELINE_TIMEOUT_MS}")
            queryset = _baseline_queryset(value, user)
            start = time.perf_counter()
            queryset.count()  # the changelist's paginator count
            list(queryset.order_by("-created_at", "-id")[:100])  # its first page
            times.append(time.perf_counter() - start)
    return times


def _explain(scale: Scale, kind: Kind, client) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of every query of the allocation and call tables one
    request of this kind runs, captured from the request itself; then the plan (without
    ANALYZE: it takes seconds) of the admin baseline's count for the same value."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .web import bench_user

    probe = kind.probes[0]
    with CaptureQueriesContext(connection) as captured:
        response = in_process(client, probe)
    lines = [f"### {kind.name}: {probe.method} {probe.path} {probe.params!r}"]
    lines.append(f"-- HTTP {response.status_code}, {len(captured)} queries in all")
    for query in captured.captured_queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT") or not re.search(
            r"allocations_|calls_", sql
        ):
            continue
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in cur.fetchall())
        lines += [f"-- {sql}", plan, ""]
    if kind.baseline_values:
        queryset = _baseline_queryset(kind.baseline_values[0], bench_user())
        lines += ["-- baseline: admin icontains count", queryset.order_by().values("pk").explain()]
    path = OUT_DIR / f"explain-{scale.name}-{slug(kind.name)}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return str(path.relative_to(ROOT))
