"""Benchmark: lookup by book number on the central store at 1M … 10M rows, measured right
after the load — as the closure lookup page asks it (signed HTTP to the central API under
gunicorn) and as bare SQL — with the plan PostgreSQL chose.

    .venv/bin/python benchmarks/central_lookup.py [--rows 1000000 3000000 10000000]
        [--backfill 50000] [--lookups 1000]

Creates two throwaway databases (local and central, dropped at the end). For each size, in
increasing order:

1. **bulk load**: the central table grows to the size with ``INSERT … SELECT
   generate_series`` in steps of 1M rows, autovacuum off for the table (so nothing but the
   load itself refreshes the planner's statistics, as in the minute after a real load), and
   lookups are timed at once: the stale case, the plan made for the table's old size;
2. **backfill**: ``manage.py closure_backfill`` pushes ``--backfill`` new local closures
   through the central API (signed batches, the central store's upsert, which keeps the
   statistics fresh: ``central.pg.statistics_refresh``), and lookups are timed at once.

Each lookup is ``closure_sync.client.search(book_number=…)``, the lookup page's call (the
request signed, the central store's authentication with its nonce, the search, JSON), of a
book number the table holds; the SQL figure runs the search's statement on a direct
connection. Target: HTTP p95 ≤ 10 ms at 10M rows, also right after the backfill.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
STEP = 1_000_000
BOOKS = 40_000_000  # seeded book numbers cycle over this many values (≈ 1 row each)


def admin(sql: str) -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def central_grow(url: str, have: int, total: int) -> float:
    """Seed rows ``have+1 … total``, server-side, without ANALYZE (seconds)."""
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE central_centralclosure SET (autovacuum_enabled = false)")
        while have < total:
            end = min(total, have + STEP)
            conn.execute(
                """
                INSERT INTO central_centralclosure
                  (reference, version, office_code, unit_code, book_number, si_number,
                   full_name, birth_date, kind, confirmed_on, confirmed_by, periods, digest,
                   receipt, key_id, received_at)
                SELECT 'SEED-' || g, 1, lpad((g %% 700)::text, 4, '0'), 'DV' || (g %% 50000),
                       lpad((g %% %(books)s + 2000000000)::text, 10, '0'),
                       lpad((g %% %(books)s + 2000000000)::text, 10, '0'),
                       'Trần Thị ' || g, date '1970-01-01' + (g %% 15000), 'bhxh',
                       date '2008-01-01' + (g %% 6500), '',
                       '[{"from":"2010-01-01","to":"2012-12-01","salary":"5000000","rate":"8.00"}]',
                       md5(g::text) || md5(g::text), 'SEED' || g, 'BENCH', now()
                FROM generate_series(%(lo)s::int, %(hi)s::int) AS g
                """,
                {"lo": have + 1, "hi": end, "books": BOOKS},
            )
            have = end
            print(f"  seeded rows: {have:,}", flush=True)
    return time.perf_counter() - started


def local_seed(url: str, start: int, n: int) -> None:
    """N history closures (one period each), references ``start+1 …``, ready to push."""
    with psycopg.connect(url, autocommit=True) as conn:
        office = conn.execute("SELECT id FROM accounts_office WHERE code = '0101'").fetchone()[0]
        conn.execute(
            """
            WITH r AS (
              INSERT INTO closure_sync_closurerecord
                (reference, version, status, origin, book_number, si_number, full_name,
                 birth_date, unit_code, office_id, kind, confirmed_on, confirmed_at,
                 received_from, created_at, push_state, push_attempts, push_deadline,
                 central_receipt, push_error)
              SELECT '0101-L' || lpad(g::text, 10, '0'), 1, 'confirmed', 'history',
                     lpad((g %% 9000000 + 1000000000)::text, 10, '0'),
                     lpad((g %% 9000000 + 1000000000)::text, 10, '0'),
                     'Nguyễn Văn ' || g, date '1970-01-01' + (g %% 15000),
                     'DV' || lpad((g %% 5000)::text, 5, '0'), %(office)s,
                     CASE WHEN g %% 3 = 0 THEN 'bhtn' ELSE 'bhxh' END,
                     date '2008-01-01' + (g %% 6500),
                     timestamptz '2008-01-01' + (g %% 6500) * interval '1 day',
                     '', now(), 'pending', 0,
                     timestamptz '2008-01-03' + (g %% 6500) * interval '1 day', '', ''
              FROM generate_series(%(lo)s::int, %(hi)s::int) AS g
              RETURNING id
            )
            INSERT INTO closure_sync_closureperiod (record_id, from_month, to_month, salary, rate)
            SELECT id, date '2005-01-01', date '2007-12-01', 4680000 + (id %% 100) * 10000, 8
            FROM r
            """,
            {"office": office, "lo": start + 1, "hi": start + n},
        )


SEARCH_SQL = (
    "SELECT * FROM central_centralclosure WHERE book_number = %s "
    "ORDER BY confirmed_on DESC, reference ASC, version DESC LIMIT 21"
)


def lookups(url: str, total: int, n: int, seed: int) -> dict:
    """Time ``n`` searches by book number over HTTP (the page's call) and as SQL."""
    from closure_sync import client

    rng = random.Random(seed)
    books = [
        f"{rng.randrange(1, min(total, BOOKS) + 1) % BOOKS + 2_000_000_000:010d}" for _ in range(n)
    ]
    client.search(book_number=books[0])  # the connection and the server's worker warm
    http = []
    for book in books:
        t0 = time.perf_counter()
        found = client.search(book_number=book)
        http.append((time.perf_counter() - t0) * 1000)
        assert found["results"], book
    sql = []
    with psycopg.connect(url) as conn:
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + SEARCH_SQL, [books[1]]
            )
        )
        for book in books:
            t0 = time.perf_counter()
            conn.execute(SEARCH_SQL, [book]).fetchall()
            sql.append((time.perf_counter() - t0) * 1000)
        analyzed = conn.execute(
            "SELECT last_analyze, last_autoanalyze, n_mod_since_analyze, "
            "(SELECT reltuples::bigint FROM pg_class WHERE oid = relid) "
            "FROM pg_stat_user_tables WHERE relname = 'central_centralclosure'"
        ).fetchone()
    http.sort()
    sql.sort()
    return {
        "http_p50_ms": round(statistics.median(http), 2),
        "http_p95_ms": round(http[int(len(http) * 0.95) - 1], 2),
        "http_p99_ms": round(http[int(len(http) * 0.99) - 1], 2),
        "sql_p50_ms": round(statistics.median(sql), 3),
        "sql_p95_ms": round(sql[int(len(sql) * 0.95) - 1], 3),
        "statistics": {
            "last_analyze": str(analyzed[0]),
            "last_autoanalyze": str(analyzed[1]),
            "rows_changed_since": analyzed[2],
            "planner_rows": analyzed[3],
        },
        "plan": plan,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 3_000_000, 10_000_000])
    parser.add_argument("--backfill", type=int, default=50_000)
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--gunicorn-workers", type=int, default=(os.cpu_count() or 2) + 1)
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    args = parser.parse_args()

    tag = secrets.token_hex(4)
    local_db, central_db = f"bench_local_{tag}", f"bench_central_{tag}"
    admin(f"CREATE DATABASE {local_db}")
    admin(f"CREATE DATABASE {central_db}")
    tmp = Path(tempfile.mkdtemp(prefix="central-lookup-"))
    now = datetime.now(UTC)
    creds = tmp / "central.ini"
    creds.write_text(
        "[current]\nkey_id = BENCH\nsecret = "
        + secrets.token_hex(32)
        + f"\nvalid_from = {(now - timedelta(days=1)).isoformat()}"
        + f"\nvalid_until = {(now + timedelta(days=1)).isoformat()}\n"
    )
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.base",
        "DATABASE_URL": f"{PG}/{local_db}",
        "CENTRAL_DATABASE_URL": f"{PG}/{central_db}",
        "CENTRAL_API_URL": f"http://127.0.0.1:{port}",
        "CLOSURE_CREDENTIALS_FILE": str(creds),
        "CENTRAL_CREDENTIALS_FILE": str(creds),
        "CELERY_BROKER_URL": "",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    server = None
    report: dict = {"lookups": args.lookups, "backfill_records": args.backfill, "sizes": []}
    try:
        print("migrating…", flush=True)

        def manage(*a):
            subprocess.run(
                [sys.executable, "manage.py", *a],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )

        manage("migrate", "--noinput")
        manage("migrate", "--database", "central", "--noinput")
        manage("loaddata", "offices", "roles")
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.gunicorn_workers),
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env={**env, "DATABASE_URL": env["CENTRAL_DATABASE_URL"]},
            start_new_session=True,
        )
        os.environ.update(env)
        import django

        django.setup()
        report["django"] = True
        time.sleep(3)
        pushed = seeded = 0
        for size in sorted(args.rows):
            print(f"bulk load to {size:,} central rows…", flush=True)
            seconds = central_grow(env["CENTRAL_DATABASE_URL"], seeded, size - pushed)
            seeded = size - pushed
            entry = {"central_rows": size, "bulk_load_seconds": round(seconds, 1)}
            entry["after_bulk_load"] = lookups(
                env["CENTRAL_DATABASE_URL"], seeded, args.lookups, size
            )
            print(json.dumps(entry, indent=1), flush=True)
            if args.backfill:
                local_seed(env["DATABASE_URL"], pushed, args.backfill)
                started = time.perf_counter()
                subprocess.run(
                    [
                        sys.executable,
                        "manage.py",
                        "closure_backfill",
                        "--since",
                        "2008-01-01",
                        "--no-progress",
                    ],
                    cwd=ROOT,
                    env=env,
                    check=True,
                    capture_output=True,
                )
                pushed += args.backfill
                entry["backfill_seconds"] = round(time.perf_counter() - started, 1)
                entry["after_backfill"] = lookups(
                    env["CENTRAL_DATABASE_URL"], seeded, args.lookups, size + 1
                )
                entry["central_rows"] = size + args.backfill
                print(json.dumps(entry["after_backfill"], indent=1), flush=True)
            report["sizes"].append(entry)
        last = report["sizes"][-1]
        worst = max(
            last["after_bulk_load"]["http_p95_ms"],
            last.get("after_backfill", {}).get("http_p95_ms", 0),
        )
        report["target"] = "lookup HTTP p95 ≤ 10 ms at 10M rows, also right after a backfill"
        report["target_met"] = worst <= 10 and last["central_rows"] >= 10_000_000
        report["load_average"] = os.getloadavg()
        del report["django"]
        print(json.dumps(report, indent=1, ensure_ascii=False))
    finally:
        if server:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
        if report.get("django"):
            from django.db import connections

            connections.close_all()
        if not args.keep:
            admin(f"DROP DATABASE IF EXISTS {local_db} WITH (FORCE)")
            admin(f"DROP DATABASE IF EXISTS {central_db} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
