"""The growth run (`--scale 5m`): the search, page and floor figures on the base data (1M
allocations) and on five times as much (5M), the two measured at once, each through a
gunicorn of its own, request by request in turn, so the 5M/1M ratios compare figures taken
in the same seconds however busy the machine. Then every p95 at 5M against the same one at
1M (target ≤ 1.5x).

The 5M database begins with exactly the base rows (a digest of them is compared, a failure
otherwise); each database is loaded once and kept.
"""

from __future__ import annotations

import dataclasses

from . import datagen, floor, pages, search, storage
from .common import Results, Scale, section, setup_django
from .web import Plan, Web, interleaved

TARGET = 1.5
MODULES = {"search": search, "pages": pages, "floor": floor}
SEPARATOR = " @ "  # between a kind's name and its data's label


def short(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k"


def run(scale: Scale, results: Results, only) -> None:
    assert scale.grown_from is not None
    # The admin baseline takes minutes a search at these sizes and is not what growth is about.
    base = dataclasses.replace(scale.grown_from, baseline_samples=0)
    phases = [(short(base.allocations), base), (short(scale.allocations), scale)]
    sites: dict[str, Web] = {}
    plans: dict[str, list[Plan]] = {}
    try:
        for label, phase in phases:
            results.phase = label
            setup_django(phase)
            datagen.ensure_data(phase, results)
            if not sites:
                storage.settings_report(results)
            if "data" in only:
                storage.sizes_report(phase, results)
            sites[label] = Web(phase)
            section(f"{label}: samples, query counts, EXPLAIN")
            plans[label] = [
                plan
                for name, module in MODULES.items()
                if name in only and (plan := module.prepare(phase, sites[label], results))
            ]
        results.phase = ""
        _extends(base, scale, results)
        section(f"timing {' and '.join(sites)} together, request by request")
        kinds, site_of, checks = {}, {}, {}
        for label, label_plans in plans.items():
            for plan in label_plans:
                for name, probes in plan.kinds.items():
                    key = f"{name}{SEPARATOR}{label}"
                    kinds[key], site_of[key], checks[key] = probes, sites[label], plan.check
        # Twice the rounds of a single run: a p95 is compared with another p95, and the two
        # servers share the machine.
        rounds = 2 * max(plan.rounds for label_plans in plans.values() for plan in label_plans)

        def check(key: str, index: int, response) -> bool:
            own = checks[key]
            return own is None or own(key.rsplit(SEPARATOR, 1)[0], index, response)

        timings = interleaved(None, kinds, rounds, check, sites=site_of)
        for label, label_plans in plans.items():
            results.phase = label
            section(f"figures on {label}")
            for plan in label_plans:
                plan.report({name: timings[f"{name}{SEPARATOR}{label}"] for name in plan.kinds})
    finally:
        results.phase = ""
        for site in sites.values():
            site.stop()
    _compare(results, phases[0][0], phases[1][0])


def _compare(results: Results, small: str, large: str) -> None:
    section(f"growth: every p95 at {large} against {small}")
    before = {
        row["key"]: row
        for row in results.figures
        if row.get("phase") == small and row.get("key") and row.get("p95_ms")
    }
    for row in results.figures:
        if row.get("phase") != large or not row.get("p95_ms"):
            continue
        first = before.get(row["key"])
        if first is None:
            results.missing(f"growth {row['key']}", f"not measured at {small}")
            continue
        ratio = row["p95_ms"] / first["p95_ms"]
        results.figure(
            f"growth {row['key']}: {small} -> {large}",
            f"p50 {first['p50_ms']:.1f} -> {row['p50_ms']:.1f} ms, "
            f"p95 {first['p95_ms']:.1f} -> {row['p95_ms']:.1f} ms",
            ratio=ratio,
            target=f"p95 ≤ {TARGET}x",
            ok=ratio <= TARGET,
        )


def _extends(base: Scale, grown: Scale, results: Results) -> None:
    """The grown database must begin with exactly the rows of the base one."""
    import psycopg

    from .common import database_url
    from .datagen import PLANTED, prefix_fingerprint

    rows = base.allocations + PLANTED
    prints = []
    for scale in (base, grown):
        with psycopg.connect(database_url(scale)) as conn:
            prints.append(prefix_fingerprint(conn, rows))
    if prints[0] != prints[1]:
        results.fail(f"{grown.database}'s first {rows:,} allocations differ from {base.database}'s")
    else:
        results.note(f"{grown.database} begins with {base.database}'s {rows:,} allocations")
