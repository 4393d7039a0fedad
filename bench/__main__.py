"""`python -m bench [--quick] [--only NAME…]`: every benchmark figure, in order.

Exit status 1 only when a query count differs or a request count exceeds its target (no
timing is ever asserted); the figures are printed and written to var/bench/latest-*.json.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import UTC, datetime

from .common import FULL, QUICK, Results, clear_redis, setup_django

FIGURES = ("data", "search", "pages", "sync", "bulk_calls", "webhook", "memory", "calls")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="10,000 allocations, CI smoke")
    parser.add_argument("--only", nargs="*", choices=FIGURES, default=FIGURES)
    args = parser.parse_args(argv)
    scale = QUICK if args.quick else FULL
    started = time.monotonic()
    print(
        f"bench {scale.name}: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.node()}, {platform.processor() or platform.machine()}, "
        f"python {platform.python_version()}",
        flush=True,
    )
    setup_django(scale)
    results = Results(scale)
    from . import bulk_calls, calls_page, datagen, memory, pages, search, sync, webhook

    modules = {
        "search": search,
        "pages": pages,
        "sync": sync,
        "bulk_calls": bulk_calls,
        "webhook": webhook,
        "memory": memory,
        "calls": calls_page,
    }
    datagen.ensure_data(scale, results)  # every other figure needs the data
    try:
        for name in args.only:
            if name in modules:
                modules[name].run(scale, results)
    finally:
        clear_redis()
        path = results.save()
    print(
        f"\n{len(results.figures)} figures in {time.monotonic() - started:.0f} s; written to {path}"
    )
    for failure in results.failures:
        print(f"FAIL: {failure}")
    return 1 if results.failures else 0


if __name__ == "__main__":
    sys.exit(main())
