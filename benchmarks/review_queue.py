"""Benchmark: the receiving queue (and the office dashboard) at 10,000 and 1,000,000 dossiers.

Creates a throwaway PostgreSQL database, migrates it, loads the offices and roles, seeds
employers and then dossiers with ``INSERT … SELECT generate_series`` (spread over every local
office, a share ``--hot-share`` of them on office 7501 so the measured queue is a busy one;
about a fifth still open, the rest decided over the last year), then times the queue page of
a receiving officer of 7501 (p50 / p95 of repeated requests; default sort by deadline, and
filtered by procedure) and the office dashboard. The database is dropped at the end.

The dashboard is measured as users get it: its counts come from the per-office snapshots
the beat refreshes each minute (``declarations.review.tasks.dashboard_snapshot_refresh``),
so the refresh runs once right before the dashboard is timed, and its own time is printed
(the job's cost per minute at that size, not part of any page).

    .venv/bin/python benchmarks/review_queue.py [--sizes 10000 1000000] [--repeat 40]
        [--history]

Floor: the same page at 10k dossiers. Targets: p95 ≤ 150 ms at 1M, and ≤ 1.5 × the 10k p95.
Each page's CPU per request (this process's and its PostgreSQL backend's) is printed beside
its wall time: steadier when other work shares the CPUs.

By default every size is one year of dossiers (1M is a hundred times busier a year than
10k: the hot office then has ≈ 28,000 open dossiers). ``--history`` keeps the last year at
the smallest size and makes the rest older history, received one to ten years ago and
decided: what "flat with history" is about.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# This file is named like the standard library's ``queue``: keep its folder off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

_spec = importlib.util.spec_from_file_location("bench_adoption", HERE / "adoption.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

EMPLOYERS = 50_000


def _backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_page(client, url: str, repeat: int) -> tuple[float, float, int, float]:
    """p50 and p95 wall time (ms), queries, and the CPU per request (ms): this process's
    plus its PostgreSQL backend's (read from /proc when the server is on this machine,
    else only this process's), steadier than wall time when other work shares the CPUs."""
    from django.db import connection

    p50, p95, queries = bench.time_page(client, url, 2)  # warm, and the query count
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        db0 = _backend_cpu(pid)
    except OSError:
        pid, db0 = None, 0.0
    cpu0 = time.process_time()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.status_code
    cpu = time.process_time() - cpu0 + (_backend_cpu(pid) - db0 if pid else 0.0)
    samples.sort()
    p95 = samples[max(0, int(round(0.95 * len(samples))) - 1)]
    return statistics.median(samples), p95, queries, cpu * 1000 / repeat


def seed_employers() -> None:
    bench.seed_employers(EMPLOYERS, 0)


def seed_dossiers(
    upto: int, start: int, hot_share: float, hot_office: int, recent: int = 0
) -> None:
    """Dossiers ``start+1 .. upto``: office = the employer's; a share on ``hot_office``.

    ``recent`` > 0 (``--history``): only the first ``recent`` dossiers are spread over the
    last year (a fifth of them open); the others are older history, received one to ten
    years ago and decided long since — so a larger size adds years, not a busier year."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT min(id), max(id) FROM declarations_employer")
        lo, hi = cur.fetchone()
        cur.execute(
            "SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM declarations_employer "
            "WHERE managing_office_id = %s",
            [hot_office],
        )
        hot_ids = cur.fetchone()[0] or [lo]
        hot_every = max(1, round(1 / hot_share)) if hot_share > 0 else 0
        cur.execute(
            """
            WITH g AS (
              SELECT g,
                     CASE WHEN %(every)s > 0 AND g %% %(every)s = 0
                          THEN (%(hot_ids)s::int[])[1 + (g / %(every)s) %% %(hot_n)s]
                          ELSE (%(lo)s + (g::bigint * 7919) %% (%(hi)s - %(lo)s + 1))::int
                     END AS employer_id,
                     CASE WHEN %(recent)s > 0 AND g > %(recent)s
                          THEN now() - interval '1 year'
                               - make_interval(mins => (g * 37) %% (9 * 525600))
                          ELSE now() - make_interval(mins => (g * 37) %% 525600)
                     END AS received_at,
                     CASE WHEN %(recent)s > 0 AND g > %(recent)s THEN 20 + g %% 80
                          ELSE g %% 100 END AS bucket
              FROM generate_series(%(start)s::int, %(upto)s::int) AS g
            )
            INSERT INTO declarations_dossier
              (employer_id, procedure_code, period, transaction_code, status, channel,
               received_at, sandbox, paper_required, result_held, paper_form,
               content_sha256, envelope, worker_count, summary, office_id, deadline,
               decided_at, on_time, decision, time_source)
            SELECT g.employer_id,
                   CASE WHEN (g.g / 100) %% 5 < 3 THEN '600' ELSE '600a' END,
                   to_char(g.received_at, 'MM/YYYY'),
                   'B-' || lpad(g.g::text, 10, '0'),
                   CASE WHEN g.bucket < 8 THEN 'received'
                        WHEN g.bucket < 15 THEN 'in_review'
                        WHEN g.bucket < 17 THEN 'supplement_requested'
                        WHEN g.bucket < 20 THEN 'supplemented'
                        WHEN g.bucket < 90 THEN 'accepted'
                        ELSE 'rejected' END,
                   CASE WHEN g.bucket %% 3 = 0 THEN 'ivan' WHEN g.bucket %% 3 = 1
                        THEN 'portal' ELSE 'paper' END,
                   g.received_at, g.bucket = 99, g.bucket = 5, g.bucket = 5, '',
                   md5(g.g::text) || md5(g.g::text), ''::bytea, 1 + g.g %% 40, '{}'::jsonb,
                   e.managing_office_id,
                   CASE WHEN g.bucket BETWEEN 15 AND 16 THEN NULL
                        ELSE (g.received_at + interval '7 days')::date END,
                   CASE WHEN g.bucket >= 20 THEN g.received_at + make_interval(
                        days => (g.g %% 9)) END,
                   CASE WHEN g.bucket >= 20 THEN (g.g %% 9) <= 7 END,
                   '{}'::jsonb, ''
            FROM g JOIN declarations_employer e ON e.id = g.employer_id
            """,
            {
                "every": hot_every,
                "hot_ids": hot_ids,
                "hot_n": len(hot_ids),
                "lo": lo,
                "hi": hi,
                "start": start + 1,
                "upto": upto,
                "recent": recent,
            },
        )
        # Steady state: visibility map set (index-only scans), statistics fresh.
        cur.execute("VACUUM (ANALYZE) declarations_dossier")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--hot-share", type=float, default=0.1)
    parser.add_argument("--profile", action="store_true", help="print where the queue spends")
    parser.add_argument(
        "--history",
        action="store_true",
        help="the smallest size is the last year; larger sizes add older, decided dossiers",
    )
    args = parser.parse_args()
    db_name = f"bhxh_bench_queue_{os.getpid()}"
    # The test settings count the dashboard live; production reads the snapshots.
    os.environ.setdefault("REVIEW_DASHBOARD_MAX_AGE", "120")
    bench.setup_django(db_name)
    try:
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.utils import timezone

        from accounts.selectors import office_resolve
        from tests.factories import UserFactory, grant

        call_command("migrate", verbosity=0)
        call_command("loaddata", "offices", "roles", verbosity=0)
        office = office_resolve("7501")
        officer = UserFactory(username="bench_tiep_nhan")
        grant(officer, "receiving_officer", office)
        client = Client()
        client.force_login(officer)
        seed_employers()
        with connection.cursor() as cur:
            # As a load should leave them (autovacuum would, a minute later): without fresh
            # statistics the planner takes the 50,000 employers for a few hundred.
            cur.execute("ANALYZE declarations_employer")
        if connection.vendor == "postgresql":
            from core.partitions import services as partitions
            from core.partitions.schema import month_add

            # A partition per month of the seeded year (older history stays in DEFAULT), as
            # the beat's months ahead would have made them.
            start = month_add(timezone.localdate().replace(day=1), -13)
            partitions.partitions_ensure(today=start, months_ahead=17)
        pages = {
            "queue": "/quan-ly/tiep-nhan/",
            "queue 600a": "/quan-ly/tiep-nhan/?procedure=600a",
            "queue page 20": "/quan-ly/tiep-nhan/?page=20",
            "dashboard": "/quan-ly/bang-dieu-khien/",
        }
        results = {}
        seeded = 0
        if os.environ.get("BENCH_GC_FREEZE"):
            import gc

            client.get(pages["queue"])
            gc.collect()
            gc.freeze()
        for size in sorted(args.sizes):
            t0 = time.perf_counter()
            recent = min(args.sizes) if args.history else 0
            seed_dossiers(size, seeded, args.hot_share, office.pk, recent)
            seeded = size
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT count(*) FILTER (WHERE office_id = %s), "
                    "count(*) FILTER (WHERE office_id = %s AND status IN "
                    "('received','in_review','supplement_requested','supplemented')) "
                    "FROM declarations_dossier",
                    [office.pk, office.pk],
                )
                mine, open_ = cur.fetchone()
            print(
                f"seeded {size:,} dossiers in {time.perf_counter() - t0:.1f}s "
                f"(office 7501: {mine:,}, {open_:,} open)",
                flush=True,
            )
            if args.profile:
                import cProfile
                import pstats

                client.get(pages["queue"])
                profiler = cProfile.Profile()
                profiler.enable()
                client.get(pages["queue"])
                profiler.disable()
                pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
            for name, url in pages.items():
                if name == "dashboard":
                    from declarations.review.dashboard import dashboard_snapshot_refresh

                    t1 = time.perf_counter()
                    offices = dashboard_snapshot_refresh()
                    print(
                        f"  (snapshot refresh, as the beat does each minute: {offices} offices "
                        f"in {(time.perf_counter() - t1) * 1000:.0f} ms)",
                        flush=True,
                    )
                p50, p95, queries, cpu = time_page(client, url, args.repeat)
                results[(size, name)] = p95
                results[(size, name, "cpu")] = cpu
                print(
                    f"  {name:14s}: p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  CPU {cpu:6.1f} ms "
                    f"({queries} queries)",
                    flush=True,
                )
        small, big = min(args.sizes), max(args.sizes)
        if small != big:
            print(f"\nratio p95 at {big:,} / p95 at {small:,} (floor); target ≤ 1.5×:")
            for name in pages:
                ratio = results[(big, name)] / results[(small, name)]
                cpu = results[(big, name, "cpu")] / results[(small, name, "cpu")]
                print(
                    f"  {name:14s} {ratio:5.2f}×  (p95 {results[(big, name)]:.1f} ms; "
                    f"CPU per request {cpu:.2f}×)"
                )
            print(f"load average {os.getloadavg()}")
    finally:
        bench.drop_database(db_name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
