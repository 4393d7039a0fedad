"""Figure 9: the floor. The least a console page can cost here: a bare authenticated view
doing one indexed lookup and rendering a one-line template (`bench/floor_urls.py`), served
by the same gunicorn through the same middleware, session and authentication. The exact
order-ID search and the allocation page with 1 call are measured interleaved with it; each
p95 should be within 2x of the floor's.

Then where their time goes: pyinstrument profiles of both, in-process (var/bench/
profile-<scale>-*.txt and .html), summed by part of the stack, with the SQL time Django
measured for the same requests.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path

from .common import OUT_DIR, ROOT, Results, Scale, ms, percentile, section
from .datagen import PLANTED, page_greenpin_id
from .web import Plan, Probe, Web, in_process, measure, web

RUNS = 60
PROFILED = 30  # requests per profile
TARGET_RATIO = 2.0
# Where a frame's own time is counted, by the first fragment of its file's path that matches.
PARTS = (
    ("database driver and wait (psycopg)", ("/psycopg/", "django/db/backends/")),
    ("ORM: building SQL, making objects", ("django/db/",)),
    ("templates (django-tables2 included)", ("django/template/", "django_tables2/")),
    ("forms and filters", ("django/forms/", "django_filters/")),
    (
        "middleware, session, authentication",
        (
            "django/contrib/sessions/",
            "django/contrib/auth/",
            "django/middleware/",
            "django/contrib/messages/",
            "/csp/",
            "/axes/",
            "/whitenoise/",
            "greenpin_admin/",
        ),
    ),
    (
        "URL routing, views, responses",
        ("django/urls/", "django/views/", "django/http/", "django/core/handlers/"),
    ),
    ("test client (not served in production)", ("django/test/",)),
    ("logging", ("/logging/", "pythonjsonlogger/")),
    ("phone numbers: parsing and formatting", ("/phonenumbers/",)),
    (
        "project code",
        tuple(
            f"{ROOT}/{app}/"
            for app in ("console", "allocations", "calls", "audit", "exotel", "sync")
        ),
    ),
)


def run(scale: Scale, results: Results) -> None:
    section("9. the floor: a bare authenticated view, one lookup, a one-line template")
    site = web(scale)
    plan = prepare(scale, site, results)
    if plan is None:
        return
    measure(site, plan)
    for name in ("order ID search", "allocation page, 1 call"):
        _profile(scale, results, site.client, name, plan.kinds[name])


def prepare(scale: Scale, site: Web, results: Results) -> Plan | None:
    gids, orders = _sample(scale.search_samples)
    kinds = {
        "floor": [Probe(f"/bench/floor/{gid}/") for gid in gids],
        "order ID search": [Probe("/", {"q": order}) for order in orders],
        "allocation page, 1 call": [Probe(f"/allocations/{page_greenpin_id(1)}/")],
    }
    response, _ = site.send(kinds["floor"][0])
    if response.status_code != 200 or gids[0] not in response.text:
        results.fail(f"the floor answered HTTP {response.status_code}: {response.text[:200]!r}")
        return None
    return Plan(kinds=kinds, report=lambda timings: _report(results, timings), rounds=RUNS)


def _report(results: Results, timings: dict) -> None:
    floor = percentile(timings["floor"].times, 95)
    for name, measured in timings.items():
        p95 = percentile(measured.times, 95)
        ratio = p95 / floor
        results.figure(
            f"{name}: p50 / p95 (n={len(measured.times)}, answers {dict(measured.statuses)})",
            f"{ms(percentile(measured.times, 50))} / {ms(p95)}",
            target=""
            if name == "floor"
            else f"{ratio:.1f}x the floor (≤ {TARGET_RATIO:.0f}x) "
            + ("✓" if ratio <= TARGET_RATIO else "✗"),
            ok=None if name == "floor" else ratio <= TARGET_RATIO,
            p50=percentile(measured.times, 50),
            p95=p95,
            key=f"floor:{name}",
        )


def _sample(count: int) -> tuple[list[str], list[str]]:
    from django.db import connection

    rng = random.Random(9)
    with connection.cursor() as cur:
        cur.execute("SELECT max(id) FROM allocations_allocation")
        ids = rng.sample(range(PLANTED + 1, cur.fetchone()[0] + 1), count)
        cur.execute(
            "SELECT greenpin_id, order_id FROM allocations_allocation WHERE id = ANY(%s)", [ids]
        )
        rows = cur.fetchall()
    return [gid for gid, _ in rows], [order for _, order in rows]


def _profile(scale: Scale, results: Results, client, name: str, probes: list[Probe]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    for probe in probes[:3]:
        in_process(client, probe)  # warm-up
    profiler = Profiler(interval=0.0005)
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        profiler.start()
        for i in range(PROFILED):
            in_process(client, probes[i % len(probes)])
        profiler.stop()
        elapsed = time.perf_counter() - start
    session = profiler.last_session
    assert session is not None
    stem = OUT_DIR / f"profile-{scale.name}-{name.replace(' ', '-').replace(',', '')}"
    Path(f"{stem}.txt").write_text(profiler.output_text(unicode=True, show_all=False))
    Path(f"{stem}.html").write_text(profiler.output_html(resample_interval=0.002))
    parts, functions = _where(session.root_frame())
    total = sum(parts.values()) or 1.0
    sql = sum(float(q["time"]) for q in captured.captured_queries)
    per_request = elapsed / PROFILED
    summary = ", ".join(
        f"{part} {seconds / total:.0%}" for part, seconds in parts.most_common() if seconds
    )
    top = ", ".join(
        f"{function} {seconds / total:.0%}" for function, seconds in functions.most_common(5)
    )
    results.figure(
        f"profile, {name} (in-process, {PROFILED} requests; {Path(stem).name}.txt/.html)",
        f"{ms(per_request)} a request under the profiler ({ms(session.cpu_time / PROFILED)} "
        f"of CPU), of which SQL {ms(sql / PROFILED)} ({len(captured) / PROFILED:.0f} queries "
        "as Django times them)",
    )
    print(f"    where the time goes: {summary}", flush=True)
    print(f"    most own time: {top}", flush=True)
    results.note(f"profile of {name}: {summary}; most own time: {top}")


def _where(root) -> tuple[Counter, Counter]:
    """Own time (a frame's time less its children's) by part of the stack and by function.
    A frame of no known part (the standard library, a built-in, "[self]") counts for the
    nearest caller that has one: `isinstance` inside a template tag is template time."""
    parts: Counter = Counter()
    functions: Counter = Counter()
    stack = [(root, OTHER, "")]
    while stack:
        frame, part, label = stack.pop()
        path = frame.file_path or ""
        if path and not path.startswith("<"):
            part = _part(path) or part
            label = f"{frame.function} ({frame.file_path_short}:{frame.line_no})"
        own = frame.time - sum(child.time for child in frame.children)
        if own > 0:
            parts[part] += own
            functions[label] += own
        stack += [(child, part, label) for child in frame.children]
    return parts, functions


OTHER = "other (WSGI glue, the standard library)"


def _part(path: str) -> str | None:
    for part, fragments in PARTS:
        if any(fragment in path for fragment in fragments):
            return part
    return None
