"""Figure 6: webhook ingest under load, gunicorn (the Procfile's `web`: 2 workers x 4
threads) on PostgreSQL, each delivery stored and its task enqueued on Redis (no worker).

The load generator is in this file, standard library only: closed-loop threads on keep-alive
connections, every delivery a new event (a new CallSid), each answer's status and latency
recorded. Afterwards every 2xx must be a stored CallEvent row and nothing else stored.
Why not locust or wrk: wrk is not installed here, and locust would add gevent and a second
heavy process fighting gunicorn for the 2 cores; threads on keep-alive are enough for the
rate in question and count every answer exactly.
"""

from __future__ import annotations

import http.client
import threading
import time
from urllib.parse import urlencode, urlsplit

from .common import (
    RUN_ID,
    WEBHOOK_SECRET,
    Results,
    Scale,
    clear_redis,
    ms,
    percentile,
    section,
    start_gunicorn,
    stop,
)

CONNECTIONS = 12


def _body(sid: str) -> bytes:
    return urlencode(
        {
            "CallSid": sid,
            "Status": "completed",
            "EventType": "terminal",
            "From": "09800012345",
            "To": "04000000001",
            "Direction": "inbound",
            "DateUpdated": "2026-11-01 10:00:00",
            "ConversationDuration": "42",
            "CustomField": "order_id=10000001",
        }
    ).encode()


def _load(url: str, seconds: float, tag: str) -> tuple[list[float], dict[int, int], int]:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    path = f"/webhooks/exotel/{WEBHOOK_SECRET}/"
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection(host, parts.port, timeout=30)
        mine: list[float] = []
        codes: dict[int, int] = {}
        i = 0
        while time.monotonic() < stop_at:
            i += 1
            body = _body(f"CAbenchwh{RUN_ID}{tag}{n:02d}{i:07d}")
            start = time.perf_counter()
            try:
                conn.request(
                    "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
                )
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors[0] += 1
                conn.close()
                conn = http.client.HTTPConnection(host, parts.port, timeout=30)
                continue
            mine.append(time.perf_counter() - start)
            codes[response.status] = codes.get(response.status, 0) + 1
        conn.close()
        with lock:
            latencies.extend(mine)
            for code, count in codes.items():
                statuses[code] = statuses.get(code, 0) + count

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses, errors[0]


def run(scale: Scale, results: Results) -> None:
    from calls.models import CallEvent

    section(f"6. webhook ingest: gunicorn, {scale.webhook_seconds} s of deliveries")
    prefix = f"CAbenchwh{RUN_ID}m"
    process, url = start_gunicorn(scale)
    try:
        _load(url, 1, "w")  # warm-up: imports, connections (its rows are not counted)
        latencies, statuses, errors = _load(url, scale.webhook_seconds, "m")
    finally:
        stop(process)
    ok = sum(count for code, count in statuses.items() if 200 <= code < 300)
    rows = CallEvent.objects.filter(call_sid__startswith=prefix).count()
    results.figure(
        f"webhook: deliveries/s and p50/p99 ({CONNECTIONS} connections)",
        f"{ok / scale.webhook_seconds:.0f}/s, {ms(percentile(latencies, 50))} / "
        f"{ms(percentile(latencies, 99))}; answers {statuses}, connection errors {errors}; "
        f"{rows} rows for {ok} 2xx",
        target="≥ 500/s, p99 ≤ 50 ms, rows = 2xx",
        ok=ok / scale.webhook_seconds >= 500 and percentile(latencies, 99) <= 0.05 and rows == ok,
    )
    if rows != ok:
        results.note(f"DELIVERIES NOT ACCOUNTED FOR: {ok} answered 2xx but {rows} rows stored")
    CallEvent.objects.filter(call_sid__startswith="CAbenchwh").delete()
    clear_redis()
