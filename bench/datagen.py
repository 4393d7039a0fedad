"""Figure 1: the data at scale, loaded with COPY, kept across runs.

1,000,000 allocations (with parties) and 3,000,000 calls, skewed as production is:
- many allocations per virtual number: one "hot" number carries 10% of all allocations (the
  100,000-row CSV export), a second 1% (the 10,000-row export), the rest Zipf-like;
- orders with several allocations (25% of orders have 2 to 5);
- numbers that recur: customers are drawn Zipf-like from a pool a third the size of the
  allocations, agents (B-parties) from a small pool, so some numbers match thousands;
- calls per allocation exponential (mean 3, most have 0 to 5, a few hundreds), plus three
  planted allocations with exactly 1, 50 and 500 calls for the page figure.

Generated rows are not due for sync (ended ones final, active ones due in 2100) so the sync
figures only ever see their own rows. raw_payload is left empty: a smaller table only helps
the sequential-scan baseline, so the speed-up ratios are, if anything, understated.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from .common import Results, Scale, section

HOT_VN = "+914000000001"  # 10% of allocations
WARM_VN = "+914000000002"  # 1% of allocations
PAGE_SIZES = (1, 50, 500)
FAR_FUTURE = "2100-01-01 00:00:00+00"
NOW = datetime(2026, 11, 1, tzinfo=UTC)  # fixed, so regenerated data is identical
TABLES = ("allocations_allocation", "allocations_party", "calls_call")
CHUNK = 50_000


def page_greenpin_id(calls: int) -> str:
    return f"gp_page_{calls}"


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S+00")


def _zipf_weights(n: int, s: float = 1.0) -> list[float]:
    return [1 / (rank**s) for rank in range(1, n + 1)]


def loaded_scale(conn) -> tuple[int, int] | None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS bench_scale (allocations bigint, calls bigint, loaded_at "
        "timestamptz DEFAULT now())"
    )
    return conn.execute("SELECT allocations, calls FROM bench_scale").fetchone()


def ensure_data(scale: Scale, results: Results) -> None:
    import psycopg

    from .common import database_url

    section(f"1. data: {scale.allocations:,} allocations, {scale.calls:,} calls")
    with psycopg.connect(database_url(scale), autocommit=True) as conn:
        if loaded_scale(conn) == (scale.allocations, scale.calls):
            counts = _counts(conn)
            results.note(
                f"reusing the loaded data: {counts[0]:,} allocations, "
                f"{counts[1]:,} parties, {counts[2]:,} calls"
            )
            return
        started = time.perf_counter()
        _load(conn, scale)
        elapsed = time.perf_counter() - started
        counts = _counts(conn)
    results.figure(
        "data load (COPY, indexes rebuilt, ANALYZE)",
        f"{elapsed:.0f} s for {counts[0]:,} allocations, {counts[1]:,} parties, "
        f"{counts[2]:,} calls",
    )


def _load(conn, scale: Scale) -> None:
    rng = random.Random(6)
    n = scale.allocations
    conn.execute(
        "TRUNCATE bench_scale, calls_callevent, calls_call, allocations_party, "
        "allocations_allocation RESTART IDENTITY CASCADE"
    )
    # COPY into unindexed tables and build each index once afterwards: far faster than
    # maintaining a dozen indexes row by row. Constraint indexes (pkey, unique) stay.
    indexes = conn.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
           JOIN pg_class c ON c.relname = i.indexname
           WHERE i.tablename = ANY(%s)
             AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)""",
        [list(TABLES)],
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    # Foreign keys are known good here: skip their per-row triggers.
    conn.execute("SET session_replication_role = replica")

    vns = [HOT_VN, WARM_VN] + [f"+9140{i:08d}" for i in range(3, max(20, n // 500))]
    vn_weights = [0.10, 0.01] + [w * 0.89 for w in _normalised(_zipf_weights(len(vns) - 2))]
    customers = max(100, n // 3)
    customer_weights = _zipf_weights(customers, 0.6)
    agents = [f"+9170{i:08d}" for i in range(max(20, n // 200))]
    agent_weights = _zipf_weights(len(agents), 0.8)

    alloc_vn = rng.choices(vns, vn_weights, k=n)
    alloc_customer = rng.choices(range(customers), customer_weights, k=n)
    alloc_agent = rng.choices(agents, agent_weights, k=n)
    calls_per = _calls_per_allocation(rng, n, scale.calls)

    alloc_rows, party_rows, call_rows = [], [], []
    order = 10_000_000
    left_in_order = 0
    with conn.cursor() as cur:
        copy_alloc = _copier(
            cur,
            "allocations_allocation",
            (
                "id",
                "greenpin_id",
                "tenant_id",
                "virtual_number",
                "pin",
                "status",
                "created_at",
                "expires_at",
                "deleted_at",
                "call_count",
                "custom_field",
                "order_id",
                "tracked_at",
                "last_synced_at",
                "last_sync_error",
                "last_sync_error_kind",
                "sync_failures",
                "next_sync_at",
                "claimed_by",
                "calls_check_error",
            ),
        )
        copy_party = _copier(
            cur, "allocations_party", ("allocation_id", "side", "number", "position")
        )
        copy_call = _copier(
            cur,
            "calls_call",
            (
                "sid",
                "allocation_id",
                "link_state",
                "greenpin_id",
                "from_number",
                "to_number",
                "status",
                "start_time",
                "end_time",
                "duration",
                "talk_duration",
                "price",
                "direction",
                "recording_url",
                "custom_field",
                "order_id",
                "first_seen_at",
                "last_synced_at",
                "last_sync_error",
                "pull_attempts",
                "pull_claim",
                "bridged_to",
                "leg1_status",
                "leg2_status",
            ),
        )
        planted = {n + i + 1: size for i, size in enumerate(PAGE_SIZES)}
        for pk in range(1, n + len(PAGE_SIZES) + 1):
            if pk in planted:
                gid, calls, vn = page_greenpin_id(planted[pk]), planted[pk], vns[5]
                customer, agent = 7, agents[3]
                created = NOW - timedelta(days=2)
                lifetime = timedelta(hours=24)
            else:
                i = pk - 1
                gid = f"gp_{pk:07x}{rng.getrandbits(24):06x}"
                calls, vn = calls_per[i], alloc_vn[i]
                customer, agent = alloc_customer[i], alloc_agent[i]
                created = NOW - timedelta(seconds=rng.uniform(0, 180 * 86400))
                lifetime = timedelta(hours=rng.choice((1, 2, 6, 24, 48)))
            if left_in_order == 0:  # a new order: 75% one allocation, else 2 to 5
                order += 1
                left_in_order = 1 if rng.random() < 0.75 else rng.randint(2, 5)
            left_in_order -= 1
            expires = created + lifetime
            deleted = rng.random() < 0.02
            ended = expires < NOW or deleted
            status = "deleted" if deleted else ("expired" if expires < NOW else "active")
            customer_number = f"+9198{customer:08d}"
            alloc_rows.append(
                "\t".join(
                    (
                        str(pk),
                        gid,
                        "ACbench",
                        vn,
                        f"{rng.randint(0, 9999):04d}",
                        status,
                        _ts(created),
                        _ts(expires),
                        _ts(created + lifetime / 2) if deleted else r"\N",
                        str(calls),
                        f"order_id={order}",
                        str(order),
                        _ts(created),
                        _ts(min(NOW, expires + timedelta(minutes=1))),
                        "",
                        "",
                        "0",
                        r"\N" if ended else FAR_FUTURE,
                        "",
                        "",
                    )
                )
            )
            party_rows.append(f"{pk}\tA\t{customer_number}\t0")
            party_rows.append(f"{pk}\tB\t{agent}\t0")
            if rng.random() < 0.1:  # a second agent
                other = (
                    agents[(agents.index(agent) + 1) % len(agents)]
                    if len(agents) < 50
                    else rng.choice(agents)
                )
                if other != agent:
                    party_rows.append(f"{pk}\tB\t{other}\t1")
            for _ in range(calls):
                start = created + lifetime * rng.random()
                outcome = rng.choices(
                    ("completed", "no-answer", "busy", "failed"), (70, 15, 10, 5)
                )[0]
                talk = rng.randint(5, 900) if outcome == "completed" else 0
                ring = rng.randint(2, 40)
                sid = f"{rng.getrandbits(128):032x}"
                recording = (
                    (f"https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/ACbench/{sid}.mp3")
                    if outcome == "completed"
                    else ""
                )
                call_rows.append(
                    "\t".join(
                        (
                            sid,
                            str(pk),
                            "linked",
                            gid,
                            customer_number,
                            vn,
                            outcome,
                            _ts(start),
                            _ts(start + timedelta(seconds=ring + talk)),
                            str(ring + talk),
                            str(talk),
                            "",
                            "inbound",
                            recording,
                            f"order_id={order}",
                            str(order),
                            _ts(start),
                            _ts(start + timedelta(minutes=5)),
                            "",
                            "1",
                            "",
                            "",
                            "completed",
                            outcome,
                        )
                    )
                )
            if len(call_rows) >= CHUNK or len(alloc_rows) >= CHUNK:
                copy_alloc(alloc_rows), copy_party(party_rows), copy_call(call_rows)
                alloc_rows, party_rows, call_rows = [], [], []
        copy_alloc(alloc_rows), copy_party(party_rows), copy_call(call_rows)
    conn.execute("SET session_replication_role = DEFAULT")
    conn.execute("SET maintenance_work_mem = '1GB'")
    for _, definition in indexes:
        conn.execute(definition)
    for table in TABLES:
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
        conn.execute(f"VACUUM ANALYZE {table}")
    conn.execute(
        "INSERT INTO bench_scale (allocations, calls) VALUES (%s, %s)",
        [scale.allocations, scale.calls],
    )


def _counts(conn) -> tuple[int, int, int]:
    row = conn.execute(
        "SELECT (SELECT count(*) FROM allocations_allocation),"
        " (SELECT count(*) FROM allocations_party), (SELECT count(*) FROM calls_call)"
    ).fetchone()
    assert row is not None
    return row[0], row[1], row[2]


def _normalised(weights: list[float]) -> list[float]:
    total = sum(weights)
    return [w / total for w in weights]


def _calls_per_allocation(rng: random.Random, n: int, total: int) -> list[int]:
    counts = [min(300, int(rng.expovariate(1 / 3.5))) for _ in range(n)]
    # Nudge to exactly `total`, so "3,000,000 calls" is what is loaded.
    diff = total - sum(counts)
    while diff:
        i = rng.randrange(n)
        if diff > 0:
            counts[i] += 1
            diff -= 1
        elif counts[i] > 0:
            counts[i] -= 1
            diff += 1
    return counts


def _copier(cur, table: str, columns: tuple[str, ...]):
    def copy(rows: list[str]) -> None:
        if not rows:
            return
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cur.copy(sql) as copy:
            copy.write("\n".join(rows) + "\n")

    return copy
