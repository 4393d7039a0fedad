"""What every figure shares: the scratch database and Redis namespace, Django set-up,
percentiles, and one way to print a figure against its baseline.

Everything runs against this benchmark's own PostgreSQL database and its own Redis DB index
and key/queue prefixes, so it never touches the demo, the tests or another engineer's data.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/3")
RUN_ID = uuid.uuid4().hex[:6]  # names this run's queues, Redis keys and bench rows
QUEUE_PREFIX = f"bench{RUN_ID}-"
KEY_PREFIX = f"greenpin-bench-{RUN_ID}:"
WEBHOOK_SECRET = "bench-webhook-secret"
CREDS = {
    "account_sid": "ACbench",
    "exobridge_token": "xb-bench",
    "api_key": "key-bench",
    "api_token": "tok-bench",
}
OUT_DIR = ROOT / "var" / "bench"


@dataclass(frozen=True)
class Scale:
    name: str
    allocations: int
    calls: int
    search_samples: int  # distinct values per kind of search
    baseline_samples: int  # the baseline is slow at full scale: fewer runs
    sync_allocations: int  # refreshed per throughput run
    sync_baseline: int
    rate_limit_seconds: int  # how long the binding-limit run measures
    due_calls: int
    webhook_seconds: int
    memory_pass: int
    grown_from: Scale | None = None  # a growth scale holds its base's rows, then more

    @property
    def database(self) -> str:
        # BENCH_DB_PREFIX keeps one engineer's scratch data apart from another's.
        prefix = os.environ.get("BENCH_DB_PREFIX", "greenpin_bench")
        return prefix if self.name == "full" else f"{prefix}_{self.name}"


FULL = Scale("full", 1_000_000, 3_000_000, 40, 3, 1000, 200, 120, 10_000, 60, 10_000)
QUICK = Scale("quick", 10_000, 30_000, 15, 3, 200, 40, 20, 1_000, 10, 1_000)
# Growth: the same figures on the base scale and on five times its rows.
FIVE_M = Scale("5m", 5_000_000, 15_000_000, 40, 0, 0, 0, 0, 0, 0, 0, grown_from=FULL)
TINY5 = Scale("tiny5", 50_000, 150_000, 15, 0, 0, 0, 0, 0, 0, 0, grown_from=QUICK)


def database_url(scale: Scale) -> str:
    return f"{PG_SERVER}/{scale.database}"


def environment(scale: Scale) -> dict[str, str]:
    """The settings of every process the benchmarks run: this process, workers, gunicorn."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(scale),
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_QUEUE_PREFIX": QUEUE_PREFIX,
        "COORDINATION_KEY_PREFIX": KEY_PREFIX,
        "EXOTEL_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "EXOTEL_ACCOUNT_SID": CREDS["account_sid"],
        "EXOTEL_EXOBRIDGE_TOKEN": CREDS["exobridge_token"],
        "EXOTEL_API_KEY": CREDS["api_key"],
        "EXOTEL_API_TOKEN": CREDS["api_token"],
        # Production-like: DEBUG off (no query log growing in long loops, no debug pages).
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "LOG_LEVEL": "WARNING",
        # Nothing may reach the real Exotel (a search that misses the mirror may ask it): a
        # closed local port fails at once. Figures that need Exotel point at the stand-in.
        "EXOTEL_GREENPIN_URL": "http://127.0.0.1:9",
        "EXOTEL_CALLS_URL": "http://127.0.0.1:9",
        # Only the binding-limit run wants a budget that binds.
        "EXOTEL_RATE_LIMIT_PER_MINUTE": "1000000",
        "PYTHONPATH": str(ROOT),
    }


def setup_django(scale: Scale) -> None:
    """Create the scratch database if needed, migrate it, and set Django up on it; called
    again with another scale, switch this process's connection to that one's database."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [scale.database]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{scale.database}"')
    env = environment(scale)
    os.environ.update(env)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenpin_admin.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
        return
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = scale.database


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation: with few samples it reports a real one)."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


@dataclass
class Results:
    """Every figure of the run, printed as it is measured and written to var/bench/."""

    scale: Scale
    figures: list[dict] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # only these make the run exit non-zero
    notes: list[str] = field(default_factory=list)
    missings: list[str] = field(default_factory=list)  # figures whose feature is not built
    phase: str = ""  # in a growth run, which data the figures are measured on ("1M", "5M")

    def figure(
        self,
        name: str,
        value: str,
        *,
        baseline: str = "",
        ratio: float | None = None,
        target: str = "",
        ok: bool | None = None,
        p95: float | None = None,
        key: str = "",
        p50: float | None = None,
    ) -> None:
        """`p95` (seconds) and `key` let a growth run set this figure beside the same one
        measured on the larger data."""
        if self.phase:
            name = f"[{self.phase}] {name}"
        row = {
            "phase": self.phase,
            "figure": name,
            "value": value,
            "baseline": baseline,
            "ratio": f"{ratio:,.1f}x" if ratio is not None else "",
            "target": target,
            "meets_target": ok,
            "key": key,
            "p50_ms": round(p50 * 1000, 2) if p50 is not None else None,
            "p95_ms": round(p95 * 1000, 2) if p95 is not None else None,
        }
        self.figures.append(row)
        parts = [f"{name}: {value}"]
        if baseline:
            parts.append(f"baseline {baseline}")
        if ratio is not None:
            parts.append(f"ratio {ratio:,.1f}x")
        if target:
            # A target that marks its own ratios (several in one figure) is printed as is.
            marked = ok is None or target.endswith(("✓", "✗"))
            parts.append(f"target {target}" + ("" if marked else (" ✓" if ok else " ✗")))
        print("  " + " | ".join(parts), flush=True)

    def fail(self, message: str) -> None:
        self.failures.append(message)
        print(f"  FAIL: {message}", flush=True)

    def missing(self, name: str, why: str) -> None:
        """A figure whose feature does not exist yet: printed as n/a, recorded, never a
        failure and never a made-up number."""
        if self.phase:
            name = f"[{self.phase}] {name}"
        self.missings.append(f"{name}: {why}")
        self.figures.append(
            {"phase": self.phase, "figure": name, "value": f"n/a ({why})", "missing": True}
        )
        print(f"  {name}: n/a ({why})", flush=True)

    def note(self, message: str) -> None:
        self.notes.append(message)
        print(f"  note: {message}", flush=True)

    def save(self) -> Path:
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        path = OUT_DIR / f"latest-{self.scale.name}.json"
        path.write_text(
            json.dumps(
                {
                    "scale": self.scale.name,
                    "figures": self.figures,
                    "failures": self.failures,
                    "missing": self.missings,
                    "notes": self.notes,
                },
                indent=2,
            )
        )
        return path


def section(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_kib(pid: int) -> int:
    """VmHWM: the process's peak resident set size since it started."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (a celery or gunicorn master and its children)."""
    pids, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").iterdir():
            children = (task / "children").read_text().split()
            pids += map(int, children)
            frontier += map(int, children)
    return pids


def clear_redis() -> None:
    """Drop this run's queues and coordination keys from the bench Redis DB."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for pattern in (f"{QUEUE_PREFIX}*", f"{KEY_PREFIX}*", f"*{QUEUE_PREFIX}*"):
        keys = list(client.scan_iter(pattern))
        if keys:
            client.delete(*keys)


# --- processes the figures drive: the stand-in, Celery workers, gunicorn ------------------


def start_standin():
    """The project's Exotel stand-in, in this process, on a free port, with Django pointed
    at it (workers started afterwards get its URL through `service_env`)."""
    from django.conf import settings

    from exotel_standin import StandIn

    standin = StandIn(**CREDS).start(host="127.0.0.1", port=0)
    settings.EXOTEL_GREENPIN_URL = settings.EXOTEL_CALLS_URL = standin.url
    return standin


def service_env(scale: Scale, standin=None, **extra: str) -> dict[str, str]:
    env = environment(scale)
    if standin is not None:
        env["EXOTEL_GREENPIN_URL"] = env["EXOTEL_CALLS_URL"] = standin.url
    return {**env, **extra}


def deployment_sync_concurrency() -> int:
    """The `sync_worker` concurrency the Procfile runs (its SYNC_WORKER_CONCURRENCY default)."""
    procfile = (ROOT / "Procfile").read_text()
    found = re.search(
        r"^sync_worker:.*--concurrency \$\{SYNC_WORKER_CONCURRENCY:-(\d+)\}", procfile, re.M
    )
    if not found:
        raise RuntimeError(
            "Procfile has no sync_worker with --concurrency ${SYNC_WORKER_CONCURRENCY:-N}"
        )
    return int(found.group(1))


def start_worker(
    scale: Scale,
    standin,
    *,
    pool: str = "prefork",
    concurrency: int | None = None,
    **extra_env: str,
) -> subprocess.Popen:
    """A Celery worker on this run's `sync` queue. The defaults are the deployment's
    `sync_worker` (Procfile): prefork pool, its concurrency. Waits until it is ready."""
    concurrency = concurrency or deployment_sync_concurrency()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    log = OUT_DIR / f"worker-{pool}{concurrency}.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "greenpin_admin",
            "worker",
            "--queues",
            f"{QUEUE_PREFIX}sync",
            "--pool",
            pool,
            "--concurrency",
            str(concurrency),
            "--hostname",
            f"bench-{pool}{concurrency}-{RUN_ID}@%h",
            "--loglevel",
            "INFO",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=service_env(scale, standin, **extra_env),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise RuntimeError(f"the worker did not start; see {log}")
        time.sleep(0.2)
    return process


def start_gunicorn(
    scale: Scale, *, workers: int = 2, threads: int = 4, log_name: str = "gunicorn", **env: str
) -> tuple:
    """gunicorn with 2 workers of 4 threads, on a free port; `env` adds settings (e.g.
    DJANGO_SETTINGS_MODULE=bench.settings for the floor)."""
    import requests

    port = free_port()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    log = OUT_DIR / f"{log_name}.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "greenpin_admin.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ],
        cwd=ROOT,
        env=service_env(scale, **env),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return process, url
        except requests.RequestException:  # not listening yet, or its first answer is slow
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise RuntimeError(f"gunicorn did not start; see {log}")
        time.sleep(0.3)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def track_for_bench(standin, label: str, count: int, **standin_kwargs) -> list[str]:
    """`count` allocations known to the stand-in and mirrored locally, all due now."""
    from django.utils import timezone

    from allocations.models import Allocation

    ids = [f"{BENCH_ROW_PREFIX}{label}_{i:06d}" for i in range(count)]
    for greenpin_id in ids:
        standin.add_allocation(greenpin_id=greenpin_id, **standin_kwargs)
    now = timezone.now()
    Allocation.objects.bulk_create(
        [
            Allocation(greenpin_id=gid, tenant_id=CREDS["account_sid"], next_sync_at=now)
            for gid in ids
        ],
        batch_size=2000,
    )
    return ids


BENCH_ROW_PREFIX = "gp_bench_"


def delete_bench_rows() -> None:
    """Rows the sync, call and memory figures create; the loaded data is never touched."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DELETE FROM calls_callevent WHERE call_sid LIKE 'CAbench%%'")
        cur.execute("DELETE FROM calls_call WHERE sid LIKE 'CAbench%%'")
        cur.execute(
            "DELETE FROM allocations_party WHERE allocation_id IN (SELECT id FROM "
            "allocations_allocation WHERE greenpin_id LIKE %s)",
            [BENCH_ROW_PREFIX + "%"],
        )
        cur.execute(
            "UPDATE calls_call SET allocation_id = NULL WHERE allocation_id IN (SELECT "
            "id FROM allocations_allocation WHERE greenpin_id LIKE %s)",
            [BENCH_ROW_PREFIX + "%"],
        )
        cur.execute(
            "DELETE FROM allocations_allocation WHERE greenpin_id LIKE %s", [BENCH_ROW_PREFIX + "%"]
        )
