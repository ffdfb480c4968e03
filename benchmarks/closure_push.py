"""Benchmark: backfill N closure records from the local database to the central store over
HTTP, against PostgreSQL COPY of the same rows into the same table (the floor); then
lookup by book number on M central rows.

    .venv/bin/python benchmarks/closure_push.py --records 1000000 --lookup-rows 10000000

Creates two throwaway databases on the local PostgreSQL (dropped at the end), starts the
central API under gunicorn on a loopback port, runs ``manage.py closure_backfill`` as a
child process and reports records/s, the ratio to COPY, and the child's peak memory.
Not run by the test suite.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def admin(sql: str) -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env, *args, check=True):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=check, capture_output=True
    )


def seed_local(url: str, n: int) -> None:
    """N history closures (one period each) spread over 2008–2025, written server-side."""
    with psycopg.connect(url, autocommit=True) as conn:
        office = conn.execute(
            "SELECT id FROM accounts_office WHERE code = '0101' LIMIT 1"
        ).fetchone()[0]
        conn.execute(
            """
            INSERT INTO closure_sync_closurerecord
              (reference, version, status, origin, book_number, si_number, full_name, birth_date,
               unit_code, office_id, kind, confirmed_on, confirmed_at, received_from, created_at,
               push_state, push_attempts, push_deadline, central_receipt, push_error)
            SELECT '0101-H' || lpad(g::text, 10, '0'), 1, 'confirmed', 'history',
                   lpad((g %% 9000000 + 1000000000)::text, 10, '0'),
                   lpad((g %% 9000000 + 1000000000)::text, 10, '0'),
                   'Nguyễn Văn ' || g, date '1970-01-01' + (g %% 15000),
                   'DV' || lpad((g %% 5000)::text, 5, '0'), %s,
                   CASE WHEN g %% 3 = 0 THEN 'bhtn' ELSE 'bhxh' END,
                   date '2008-01-01' + (g %% 6500), timestamptz '2008-01-01' + (g %% 6500) * interval '1 day',
                   '', now(), 'pending', 0,
                   timestamptz '2008-01-03' + (g %% 6500) * interval '1 day', '', ''
            FROM generate_series(1, %s::int) AS g
            """,
            [office, n],
        )
        conn.execute(
            """
            INSERT INTO closure_sync_closureperiod (record_id, from_month, to_month, salary, rate)
            SELECT id, date '2005-01-01', date '2007-12-01', 4680000 + (id % 100) * 10000, 8
            FROM closure_sync_closurerecord
            """
        )
        conn.execute("VACUUM ANALYZE closure_sync_closurerecord")
        conn.execute("VACUUM ANALYZE closure_sync_closureperiod")


def copy_floor(url: str) -> tuple[float, int]:
    """Time COPY of the rows the backfill stored, back into the same (emptied) table."""
    buf = io.BytesIO()
    with psycopg.connect(url, autocommit=True) as conn:
        with conn.cursor().copy("COPY central_centralclosure TO STDOUT") as cp:
            for chunk in cp:
                buf.write(chunk)
        rows = conn.execute("SELECT count(*) FROM central_centralclosure").fetchone()[0]
        conn.execute("TRUNCATE central_centralclosure")
        data = buf.getvalue()
        started = time.perf_counter()
        with conn.cursor().copy("COPY central_centralclosure FROM STDIN") as cp:
            view = memoryview(data)
            for i in range(0, len(view), 1 << 20):
                cp.write(view[i : i + (1 << 20)])
        elapsed = time.perf_counter() - started
    return elapsed, rows


def seed_central(url: str, total: int) -> None:
    """Grow the central table to ``total`` rows (server-side), for the lookup figure."""
    with psycopg.connect(url, autocommit=True) as conn:
        have = conn.execute("SELECT count(*) FROM central_centralclosure").fetchone()[0]
        step = 1_000_000
        start = have
        while start < total:
            end = min(total, start + step)
            conn.execute(
                """
                INSERT INTO central_centralclosure
                  (reference, version, office_code, unit_code, book_number, si_number, full_name,
                   birth_date, kind, confirmed_on, confirmed_by, periods, digest, receipt, key_id,
                   received_at)
                SELECT 'SEED-' || g, 1, lpad((g %% 700)::text, 4, '0'), 'DV' || (g %% 50000),
                       lpad((g %% 40000000 + 2000000000)::text, 10, '0'),
                       lpad((g %% 40000000 + 2000000000)::text, 10, '0'),
                       'Trần Thị ' || g, date '1970-01-01' + (g %% 15000), 'bhxh',
                       date '2008-01-01' + (g %% 6500), '',
                       '[{"from":"2010-01-01","to":"2012-12-01","salary":"5000000","rate":"8.00"}]',
                       md5(g::text) || md5(g::text), 'SEED' || g, 'BENCH', now()
                FROM generate_series(%s::int, %s::int) AS g
                """,
                [start + 1, end],
            )
            start = end
            print(f"  central rows: {start:,}", flush=True)
        conn.execute("VACUUM ANALYZE central_centralclosure")


def lookup_figures(args, env, report) -> None:
    """Grow the central table, then time lookups by book number through the signed API."""
    with psycopg.connect(env["CENTRAL_DATABASE_URL"]) as conn:
        have = conn.execute("SELECT count(*) FROM central_centralclosure").fetchone()[0]
    print(f"growing the central table to {args.lookup_rows:,} rows…", flush=True)
    seed_central(env["CENTRAL_DATABASE_URL"], args.lookup_rows)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from closure_sync import client

    rng = random.Random(7)
    # Book numbers the seeded rows carry (seed_central numbers them have+1 … total).
    books = [
        f"{rng.randrange(have + 1, args.lookup_rows + 1) % 40_000_000 + 2_000_000_000:010d}"
        for _ in range(args.lookups)
    ]
    client.search(book_number=books[0])  # warm the connection
    timings = []
    for book in books:
        t0 = time.perf_counter()
        found = client.search(book_number=book)
        timings.append((time.perf_counter() - t0) * 1000)
        assert found["results"], book
    timings.sort()
    with psycopg.connect(env["CENTRAL_DATABASE_URL"]) as conn:
        total = conn.execute("SELECT count(*) FROM central_centralclosure").fetchone()[0]
        sql = []
        for book in books[:200]:
            t0 = time.perf_counter()
            conn.execute(
                "SELECT * FROM central_centralclosure WHERE book_number = %s", [book]
            ).fetchall()
            sql.append((time.perf_counter() - t0) * 1000)
    sql.sort()
    report.update(
        lookup_rows=total,
        lookups=len(timings),
        lookup_http_p50_ms=round(statistics.median(timings), 2),
        lookup_http_p95_ms=round(timings[int(len(timings) * 0.95) - 1], 2),
        lookup_sql_p95_ms=round(sql[int(len(sql) * 0.95) - 1], 2),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--lookup-rows", type=int, default=10_000_000)
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    args = parser.parse_args()

    tag = secrets.token_hex(4)
    local_db, central_db = f"bench_local_{tag}", f"bench_central_{tag}"
    admin(f"CREATE DATABASE {local_db}")
    admin(f"CREATE DATABASE {central_db}")
    tmp = Path(tempfile.mkdtemp(prefix="closure-bench-"))
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
        "CENTRAL_MAX_BATCH": str(max(args.chunk, 5000)),
    }
    server = None
    report: dict = {"records": args.records, "chunk": args.chunk}
    try:
        print("migrating…", flush=True)
        manage(env, "migrate", "--noinput")
        manage(env, "migrate", "--database", "central", "--noinput")
        manage(env, "loaddata", "offices", "roles")
        print(f"seeding {args.records:,} local closures…", flush=True)
        seed_local(env["DATABASE_URL"], args.records)
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
        )
        time.sleep(3)
        if args.records:
            print("backfill over HTTP…", flush=True)
            started = time.perf_counter()
            child = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "closure_backfill",
                    "--since",
                    "2008-01-01",
                    "--chunk",
                    str(args.chunk),
                    "--no-progress",
                ],
                cwd=ROOT,
                env=env,
            )
            _, status, usage = os.wait4(child.pid, 0)
            elapsed = time.perf_counter() - started
            if status != 0:
                raise SystemExit(f"backfill failed with status {status}")
            with psycopg.connect(env["CENTRAL_DATABASE_URL"]) as conn:
                stored = conn.execute("SELECT count(*) FROM central_centralclosure").fetchone()[0]
            with psycopg.connect(env["DATABASE_URL"]) as conn:
                pushed = conn.execute(
                    "SELECT count(*) FROM closure_sync_closurerecord WHERE push_state = 'pushed'"
                ).fetchone()[0]
            report.update(
                backfill_seconds=round(elapsed, 1),
                backfill_rps=round(args.records / elapsed),
                backfill_peak_rss_mb=round(usage.ru_maxrss / 1024, 1),
                central_rows=stored,
                local_pushed=pushed,
            )
            print("COPY floor…", flush=True)
            copy_seconds, rows = copy_floor(env["CENTRAL_DATABASE_URL"])
            report.update(
                copy_seconds=round(copy_seconds, 2),
                copy_rps=round(rows / copy_seconds),
                ratio_to_copy=round((args.records / elapsed) / (rows / copy_seconds), 3),
            )
            print(json.dumps(report, indent=1), flush=True)
        if args.lookup_rows:
            lookup_figures(args, env, report)
        print(json.dumps(report, indent=1))
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        if not args.keep:
            admin(f"DROP DATABASE IF EXISTS {local_db} WITH (FORCE)")
            admin(f"DROP DATABASE IF EXISTS {central_db} WITH (FORCE)")


if __name__ == "__main__":
    main()
