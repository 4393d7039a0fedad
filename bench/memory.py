"""Figure 7: peak RSS (the kernel's VmHWM) of a sync worker during an N-allocation pass, and
of the gunicorn worker streaming the CSV export, at two sizes: streamed means flat."""

from __future__ import annotations

import time

import requests

from .common import (
    Results,
    Scale,
    clear_redis,
    delete_bench_rows,
    peak_rss_kib,
    process_tree,
    section,
    start_gunicorn,
    start_standin,
    start_worker,
    stop,
    track_for_bench,
)
from .datagen import HOT_VN, WARM_VN
from .sync import dispatch_all, wait_synced


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def run(scale: Scale, results: Results) -> None:
    section("7. memory: a sync worker's pass, the CSV export")
    _worker_pass(scale, results)
    _export(scale, results)


def _worker_pass(scale: Scale, results: Results) -> None:
    standin = start_standin()
    process = None
    try:
        delete_bench_rows()
        ids = track_for_bench(standin, "memory", scale.memory_pass)
        process = start_worker(scale, standin)  # the deployment's sync_worker
        idle = {pid: peak_rss_kib(pid) for pid in process_tree(process.pid)}
        start = time.perf_counter()
        dispatch_all(len(ids))
        done = wait_synced(ids, timeout=600)
        elapsed = time.perf_counter() - start
        peaks = {pid: peak_rss_kib(pid) for pid in process_tree(process.pid)}
    finally:
        if process:
            stop(process)
        standin.stop()
        delete_bench_rows()
        clear_redis()
    children = [kib for pid, kib in peaks.items() if pid != process.pid]
    results.figure(
        f"memory: sync worker during a {scale.memory_pass:,}-allocation pass",
        f"peak RSS {mib(max(children))} per pool process, {mib(peaks[process.pid])} main "
        f"(at start {mib(max(idle.values()))}); {done:,} refreshed in {elapsed:.0f} s",
    )


def _export(scale: Scale, results: Results) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from allocations.models import Allocation

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))
    cookie = {"sessionid": client.cookies["sessionid"].value}
    # One worker, so its peak is the export's, read before and after each download.
    process, url = start_gunicorn(scale, workers=1, threads=1)
    try:
        (worker,) = [pid for pid in process_tree(process.pid) if pid != process.pid]
        requests.get(f"{url}/", cookies=cookie, timeout=60)  # warm-up: imports, templates
        probe = requests.get(
            f"{url}/export.csv",
            params={"q": WARM_VN},
            cookies=cookie,
            timeout=60,
            stream=True,
            allow_redirects=False,
        )
        probe.close()
        if probe.status_code in (404, 302):
            results.note(
                f"CSV export skipped: /export.csv answered {probe.status_code} (not "
                "built yet); the memory figure of the export is missing"
            )
            return
        sizes = []
        for vn in (WARM_VN, HOT_VN):  # 1% and 10% of the allocations
            expected = Allocation.objects.filter(virtual_number=vn).count()
            before = peak_rss_kib(worker)
            start = time.perf_counter()
            rows = 0
            with requests.get(
                f"{url}/export.csv", params={"q": vn}, cookies=cookie, timeout=600, stream=True
            ) as response:
                for _line in response.iter_lines():
                    rows += 1
            elapsed = time.perf_counter() - start
            after = peak_rss_kib(worker)
            sizes.append(after)
            results.figure(
                f"memory: CSV export of {expected:,} allocations (q={vn})",
                f"{rows - 1:,} rows in {elapsed:.1f} s; worker peak RSS {mib(after)} "
                f"(before {mib(before)}, +{mib(after - before)}); HTTP {response.status_code}",
            )
        results.figure(
            "memory: CSV export, peak RSS at 10x the rows / at 1x",
            f"{sizes[1] / sizes[0]:.2f}",
            target="flat (≈ 1.0)",
        )
    finally:
        stop(process)
