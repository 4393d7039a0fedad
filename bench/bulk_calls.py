"""Figure 5: Exotel requests to refresh N due calls (10,000 in the full run; target N/100),
against the baseline of one request per call, both counted by the stand-in."""

from __future__ import annotations

import math
import time
from datetime import timedelta

from .common import Results, Scale, delete_bench_rows, section, start_standin


def run(scale: Scale, results: Results) -> None:
    from django.utils import timezone

    from calls.models import Call
    from calls.selectors import call_list_due
    from calls.services import calls_pull
    from exotel import call_api as client

    section(f"5. bulk calls: requests to refresh {scale.due_calls:,} due calls")
    standin = start_standin()
    try:
        delete_bench_rows()
        sids = [f"CAbench{i:08d}" for i in range(scale.due_calls)]
        started = timezone.now() - timedelta(minutes=10)
        for sid in sids:
            standin.add_call(sid=sid, start_time=started, status="completed", duration=60)
        Call.objects.bulk_create(
            [Call(sid=sid, status="ringing", next_pull_at=timezone.now()) for sid in sids],
            batch_size=2000,
        )
        before = standin.counts()["total"]
        start = time.perf_counter()
        passes = 0
        # As sync passes do: the due calls, 1,000 at a time, pulled 100 per request.
        while (due := list(call_list_due())) and passes < scale.due_calls // 1000 + 5:
            calls_pull(calls=due)
            passes += 1
        ours_seconds = time.perf_counter() - start
        ours = standin.counts()["total"] - before
        complete = Call.objects.filter(sid__in=sids, next_pull_at__isnull=True, duration=60).count()

        before = standin.counts()["total"]
        start = time.perf_counter()
        for sid in sids:  # the baseline: one Call Details GET per call
            client.get_call(sid)
        base_seconds = time.perf_counter() - start
        base = standin.counts()["total"] - before
        target = math.ceil(scale.due_calls / 100)
        results.figure(
            f"bulk calls: Exotel requests for {scale.due_calls:,} due calls",
            f"{ours} requests ({complete:,} calls complete, {ours_seconds:.1f} s incl. DB)",
            baseline=f"one per call: {base:,} requests ({base_seconds:.1f} s, HTTP only)",
            ratio=base / max(ours, 1),
            target=f"≤ {target}",
            ok=ours <= target,
        )
        if ours > target:
            results.fail(f"{ours} requests to refresh {scale.due_calls} calls (target {target})")
        if complete != scale.due_calls:
            results.note(f"only {complete} of {scale.due_calls} calls were complete after the pull")
    finally:
        standin.stop()
        delete_bench_rows()
