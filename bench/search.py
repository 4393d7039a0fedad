"""Figure 2: the search page, p50/p95 server time per kind of identifier, against the
baseline of Django admin's default search over the same columns.

The view is driven through Django's test client (the whole middleware stack, the redirect of
a single match, the results table otherwise). The baseline is what a stock ModelAdmin with
non-exact `search_fields` runs: `get_search_results` (every whitespace-separated term
`icontains` over every column, OR'd, terms AND'ed), then `.distinct()` because the search
spans multi-valued relations, then the changelist's count and first page of 100. Rendering
is not timed for the baseline, so the ratio is conservative.
"""

from __future__ import annotations

import random
import time

from .common import OUT_DIR, Results, Scale, ms, percentile, section
from .datagen import HOT_VN

BASELINE_SEARCH_FIELDS = (
    "greenpin_id",
    "order_id",
    "virtual_number",
    "parties__number",
    "calls__sid",
)
BASELINE_TIMEOUT_MS = 300_000
TARGET_P95 = 0.020


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


def samples(scale: Scale) -> dict[str, list[str]]:
    """Real values from the loaded data, chosen at random (seeded)."""
    from django.db import connection

    rng = random.Random(2)
    with connection.cursor() as cur:
        cur.execute("SELECT max(id) FROM allocations_allocation")
        max_alloc = cur.fetchone()[0]
        cur.execute("SELECT max(id) FROM calls_call")
        max_call = cur.fetchone()[0]
        alloc_ids = [rng.randint(1, max_alloc) for _ in range(scale.search_samples)]
        call_ids = [rng.randint(1, max_call) for _ in range(scale.search_samples * 2)]
        cur.execute(
            "SELECT greenpin_id, order_id FROM allocations_allocation WHERE id = ANY(%s)",
            [alloc_ids],
        )
        allocs = cur.fetchall()
        cur.execute(
            "SELECT number FROM allocations_party WHERE side = 'A' AND allocation_id = ANY(%s)",
            [alloc_ids],
        )
        phones = [row[0] for row in cur.fetchall()]
        cur.execute(
            "SELECT sid FROM calls_call WHERE id = ANY(%s) LIMIT %s",
            [call_ids, scale.search_samples],
        )
        sids = [row[0] for row in cur.fetchall()]
        # The busiest agent: a number on thousands of allocations (a results page, not a hit).
        cur.execute(
            "SELECT number FROM allocations_party WHERE side = 'B'"
            " GROUP BY number ORDER BY count(*) DESC LIMIT 1"
        )
        agent = cur.fetchone()[0]
    formats = [fmt for phone in phones for fmt in phone_formats(phone)]
    return {
        "order ID": [order for _, order in allocs],
        "GreenPin ID": [gid for gid, _ in allocs],
        "call SID": sids,
        "phone (5 formats)": rng.sample(formats, min(len(formats), scale.search_samples * 2)),
        "phone, busiest agent (results page)": phone_formats(agent),
        "virtual number, hottest (results page)": [HOT_VN, HOT_VN.removeprefix("+91")],
    }


def run(scale: Scale, results: Results) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    section("2. search: the console's search page vs Django admin's default search")
    # The per-person search limit would answer most of these with a 429: the speed of the
    # search itself is what is measured here.
    settings.SEARCH_RATE_LIMIT_PER_MINUTE = 10**9
    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    client.get("/", {"q": "warm-up"})
    explains: list[str] = []
    for kind, values in samples(scale).items():
        times, statuses = [], set()
        for _ in range(2):  # two passes over the sample: more points for the p95
            for value in values:
                start = time.perf_counter()
                response = client.get("/", {"q": value})
                times.append(time.perf_counter() - start)
                statuses.add(response.status_code)
        p50, p95 = percentile(times, 50), percentile(times, 95)
        base = _baseline(values[: scale.baseline_samples], user)
        base_p95 = percentile(base, 95)
        results.figure(
            f"search {kind} p50/p95 (n={len(times)}, answers {sorted(statuses)})",
            f"{ms(p50)} / {ms(p95)}",
            baseline=f"admin icontains p50/p95 {ms(percentile(base, 50))} / {ms(base_p95)} "
            f"(n={len(base)})",
            ratio=base_p95 / p95,
            target="p95 ≤ 20 ms and ≥ 100x the baseline",
            ok=p95 <= TARGET_P95 and base_p95 / p95 >= 100,
        )
        explains.append(_explain(kind, values[0], user))
        connection.close()
    path = OUT_DIR / f"explain-{scale.name}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(explains))
    print("\n".join(explains))
    results.note(f"EXPLAIN (ANALYZE) of every search, view and baseline: {path}")


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


def _baseline(values: list[str], user) -> list[float]:
    from django.db import connection, transaction

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


def _explain(kind: str, value: str, user) -> str:
    from console.selectors import allocation_search

    view = allocation_search(query=value)
    probe = view.values_list("greenpin_id")[:2]  # what the view runs to decide on a redirect
    page = view.order_by("-created_at", "-id")[:25]  # the results table (when several match)
    baseline = _baseline_queryset(value, user)
    return "\n".join(
        [
            f"### {kind}: q={value!r}",
            "-- view: redirect probe",
            probe.explain(analyze=True, buffers=True),
            "-- view: results page",
            page.explain(analyze=True, buffers=True),
            "-- view: results count",
            view.order_by().values("pk").explain(analyze=True),
            "-- baseline: admin icontains count",
            baseline.order_by().values("pk").explain(analyze=True, buffers=True),
            "",
        ]
    )
