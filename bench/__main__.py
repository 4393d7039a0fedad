"""`python -m bench [--quick | --scale 1m|5m] [--only NAME…]`: every benchmark figure, in order.

`--scale 5m` is the growth run (`growth.py`): the search, page and floor figures on the 1M
data and on 5M allocations (15M calls) that begin with the same rows, timed together, then
every p95 at 5M against the same one at 1M. Each database is loaded once and kept.

Exit status 1 only when a query count differs, a request count exceeds its target or the
larger data does not extend the smaller (no timing is ever asserted); the figures are printed
and written to var/bench/latest-*.json. A figure whose feature is not built yet is printed as
n/a and listed as missing, without failing the run.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import UTC, datetime

from .common import FIVE_M, FULL, QUICK, TINY5, Results, Scale, clear_redis, setup_django

FIGURES = ("data", "search", "pages", "floor", "sync", "bulk_calls", "webhook", "memory", "calls")
GROWTH_FIGURES = ("data", "search", "pages", "floor")
WEB_FIGURES = {"search", "pages", "floor"}  # measured through one gunicorn (bench/web.py)
# `tiny5` (10,000 -> 50,000 allocations) proves the growth run in a minute; not advertised.
SCALES = {"1m": FULL, "5m": FIVE_M, "tiny5": TINY5}


def _scale(value: str) -> Scale:
    if value not in SCALES:
        raise argparse.ArgumentTypeError("1m or 5m")
    return SCALES[value]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="10,000 allocations, CI smoke")
    parser.add_argument(
        "--scale",
        type=_scale,
        default=FULL,
        metavar="{1m,5m}",
        help="1m (default): every figure on 1M allocations; 5m: the search, page and floor "
        "figures on 1M and on 5M allocations, and the growth between them",
    )
    parser.add_argument("--only", nargs="*", choices=FIGURES, default=None)
    args = parser.parse_args(argv)
    scale = QUICK if args.quick else args.scale
    started = time.monotonic()
    print(
        f"bench {scale.name}: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.node()}, {platform.processor() or platform.machine()}, "
        f"python {platform.python_version()}",
        flush=True,
    )
    results = Results(scale)
    from .web import stop_web

    try:
        if scale.grown_from is None:
            _figures(scale, results, args.only or FIGURES)
        else:
            from . import growth

            growth.run(scale, results, args.only or GROWTH_FIGURES)
    finally:
        stop_web()
        clear_redis()
        path = results.save()
    print(
        f"\n{len(results.figures)} figures in {time.monotonic() - started:.0f} s; written to {path}"
    )
    for missing in results.missings:
        print(f"MISSING: {missing}")
    for failure in results.failures:
        print(f"FAIL: {failure}")
    return 1 if results.failures else 0


def _figures(scale: Scale, results: Results, only) -> None:
    setup_django(scale)
    from . import (
        bulk_calls,
        calls_page,
        datagen,
        floor,
        memory,
        pages,
        search,
        storage,
        sync,
        webhook,
    )
    from .web import stop_web

    modules = {
        "search": search,
        "pages": pages,
        "floor": floor,
        "sync": sync,
        "bulk_calls": bulk_calls,
        "webhook": webhook,
        "memory": memory,
        "calls": calls_page,
    }
    datagen.ensure_data(scale, results)  # every other figure needs the data
    storage.settings_report(results)
    if "data" in only:
        storage.sizes_report(scale, results)
    names = [name for name in FIGURES if name in only and name in modules]
    for name, following in zip(names, [*names[1:], None], strict=True):
        modules[name].run(scale, results)
        if name in WEB_FIGURES and following not in WEB_FIGURES:
            stop_web()  # the figures after these start servers of their own


if __name__ == "__main__":
    sys.exit(main())
