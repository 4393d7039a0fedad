"""What the figures ran on: PostgreSQL's settings, and the size of each table and index."""

from __future__ import annotations

from .common import OUT_DIR, ROOT, Results, Scale
from .datagen import TABLES

SETTINGS = (
    "server_version",
    "shared_buffers",
    "effective_cache_size",
    "work_mem",
    "maintenance_work_mem",
    "random_page_cost",
    "seq_page_cost",
    "effective_io_concurrency",
    "max_parallel_workers_per_gather",
    "max_wal_size",
    "checkpoint_timeout",
    "synchronous_commit",
    "jit",
    "autovacuum",
)


def settings_report(results: Results) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s)", [list(SETTINGS)]
        )
        rows = {name: _readable(setting, unit) for name, setting, unit in cur.fetchall()}
    listed = ", ".join(f"{name}={rows[name]}" for name in SETTINGS if name in rows)
    results.figure("PostgreSQL settings", listed)


def _readable(setting: str, unit: str | None) -> str:
    sizes = {"8kB": 8 * 1024, "kB": 1024, "MB": 1024**2}
    if unit in sizes:
        return _size(int(setting) * sizes[unit])
    return f"{setting}{unit or ''}"


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit in ("B", "kB") else f"{n:,.1f} {unit}"
        n /= 1024
    raise AssertionError


def sizes_report(scale: Scale, results: Results) -> None:
    """pg_total_relation_size of each table and pg_relation_size of each of its indexes,
    printed for the tables and written in full to var/bench/sizes-<database>.txt."""
    from django.db import connection

    lines = []
    with connection.cursor() as cur:
        for table in TABLES:
            cur.execute(
                "SELECT pg_total_relation_size(%s), pg_relation_size(%s),"
                " pg_indexes_size(%s), (SELECT reltuples FROM pg_class WHERE relname = %s)",
                [table, table, table, table],
            )
            total, heap, indexes, rows = cur.fetchone()
            results.figure(
                f"size of {table} ({scale.database})",
                f"{_size(total)} in all: rows {_size(heap)} (~{rows:,.0f} rows), "
                f"indexes {_size(indexes)}",
            )
            lines.append(f"{table}\ttotal {total}\theap {heap}\tindexes {indexes}")
            cur.execute(
                "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid)"
                " FROM pg_index WHERE indrelid = %s::regclass ORDER BY 2 DESC",
                [table],
            )
            each = cur.fetchall()
            results.figure(
                f"indexes of {table}", ", ".join(f"{name} {_size(size)}" for name, size in each)
            )
            lines += [f"  {name}\t{size}\t{_size(size)}" for name, size in each]
    path = OUT_DIR / f"sizes-{scale.database}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    results.note(f"every index's size: {path.relative_to(ROOT)}")
