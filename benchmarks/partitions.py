"""Benchmark: monthly partitions — the receiving queue and an intake's write as history grows.

Creates a throwaway PostgreSQL database, migrates it (the dossiers and the audit log become
partitioned by month), creates the partitions of the last ``--months`` months
(``core.partitions.services.partitions_ensure``), seeds employers, then dossiers with
``INSERT … SELECT generate_series`` through the partitioned table (its guard trigger
included): the smallest size is the current month's work (received in the last 30 days, a
fifth still open, a tenth on office 7501 whose queue is timed); each larger size adds older
history spread over the months before, all decided. Then ``ANALYZE`` and, per size:

* the receiving queue page of an officer of 7501 (p50 / p95 of ``--repeat`` requests, as
  ``benchmarks/review_queue.py`` times it);
* an intake's database work: the employer lookup with its twin search (the same bytes sent
  before, every month's partition probed) and the one-statement write of a dossier with its
  files and audit entry (``core.db.rows_insert_linked``), in one transaction, p50 / p95.
  Parsing and signature checks cost the same at any size and are left out; the COMMIT
  (a WAL flush, the same at any size and the noisiest part on a shared machine) is
  reported apart.

    .venv/bin/python benchmarks/partitions.py [--sizes 100000 10000000] [--months 24]
        [--database NAME]

``--database NAME`` keeps the seeded database under that name, and a later run with the same
name and a size it already holds measures without seeding again (a 10M seed takes a quarter
of an hour: seed while the machine is busy, measure when it is quiet; seed each size in its
own database, as the size's first run measures it).

Target (issue 24): at 10 M dossiers over 24 monthly partitions both p95 ≤ 1.2 × at 100 k.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

_spec = importlib.util.spec_from_file_location("bench_adoption", HERE / "adoption.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

EMPLOYERS = 50_000
QUEUE = "/quan-ly/tiep-nhan/"


def seed_dossiers(upto: int, start: int, recent: int, months: int, hot_office: int) -> None:
    """Dossiers ``start+1 .. upto``. The first ``recent``: the last 30 days, a fifth open,
    every tenth on ``hot_office``; the rest: months 1 .. ``months`` back, all decided."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT min(id), max(id) FROM declarations_employer")
        lo, hi = cur.fetchone()
        cur.execute(
            "SELECT array_agg(id ORDER BY id) FROM declarations_employer "
            "WHERE managing_office_id = %s",
            [hot_office],
        )
        hot_ids = cur.fetchone()[0]
        cur.execute(
            """
            WITH g AS (
              SELECT g,
                     CASE WHEN g %% 10 = 0
                          THEN (%(hot_ids)s::int[])[1 + (g / 10) %% %(hot_n)s]
                          ELSE (%(lo)s + (g::bigint * 7919) %% (%(hi)s - %(lo)s + 1))::int
                     END AS employer_id,
                     CASE WHEN g > %(recent)s
                          THEN now() - interval '31 days'
                               - make_interval(mins => (g * 37) %% (%(months)s * 43200))
                          ELSE now() - make_interval(mins => (g * 37) %% 43200)
                     END AS received_at,
                     CASE WHEN g > %(recent)s THEN 20 + g %% 80 ELSE g %% 100 END AS bucket
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
                   'P-' || lpad(g.g::text, 10, '0'),
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
                "hot_ids": hot_ids,
                "hot_n": len(hot_ids),
                "lo": lo,
                "hi": hi,
                "start": start + 1,
                "upto": upto,
                "recent": recent,
                "months": months,
            },
        )
        # Steady state: visibility maps set (index-only scans), statistics fresh.
        cur.execute("VACUUM (ANALYZE) declarations_dossier")
        cur.execute("VACUUM (ANALYZE) declarations_dossier_content_once")
        cur.execute("VACUUM (ANALYZE) declarations_dossier_code")


def percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[max(0, int(round(0.95 * len(samples))) - 1)]


def time_queue(client, repeat: int) -> tuple[float, float]:
    for _ in range(3):
        assert client.get(QUEUE).status_code == 200
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(QUEUE)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.status_code
    return percentiles(samples)


def intake_write_once(employer, office) -> tuple[float, float, float]:
    """One intake's database work (see the module's docstring): milliseconds in all, of
    which the employer lookup with its twin search, and the write."""
    from django.db import transaction
    from django.utils import timezone

    from accounts import audit
    from core.db import Children, rows_insert_linked
    from declarations.dossiers.models import Dossier, DossierFile
    from declarations.dossiers.services import transaction_code_new
    from declarations.intake.pipeline import _employer_lookup

    digest = secrets.token_hex(32)
    t0 = time.perf_counter()
    with transaction.atomic():
        found = _employer_lookup(
            unit_code=employer.unit_code, digest=digest, sandbox=False, fingerprint="-"
        )
        assert found is not None and found.earlier_dossier_id is None
        t1 = time.perf_counter()
        dossier = Dossier(
            employer=employer,
            procedure_code="600",
            period="12/2026",
            transaction_code=transaction_code_new(),
            channel="portal",
            received_at=timezone.now(),
            content_sha256=digest,
            envelope=b"<bench/>",
            worker_count=50,
            office_id=office.pk,
            deadline=timezone.localdate(),
        )
        files = [
            DossierFile(form_code="600", name=f"f{i}.xml", kind="xml", size=10, sha256=digest)
            for i in range(2)
        ]
        entry = audit.entry_build(None, "dossier_received", "bench", office, {"n": 1})
        rows_insert_linked(dossier, Children(files, "dossier"), Children([entry], "target_id"))
        t2 = time.perf_counter()
    t3 = time.perf_counter()
    return (t3 - t0) * 1000, (t1 - t0) * 1000, (t2 - t1) * 1000


def time_intake(employer, office, repeat: int) -> list[tuple[float, float]]:
    """p50 / p95 of the whole, the lookup and the write."""
    for _ in range(5):
        intake_write_once(employer, office)
    runs = [intake_write_once(employer, office) for _ in range(repeat)]
    runs = [(*run, run[1] + run[2]) for run in runs]  # and the statements without COMMIT
    return [percentiles([run[i] for run in runs]) for i in range(4)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 10_000_000])
    parser.add_argument("--months", type=int, default=24, help="history months, partitioned")
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--recent", type=int, help="the current month's dossiers (smallest size)")
    parser.add_argument("--database", help="keep the seeded database under this name, reuse it")
    args = parser.parse_args()
    db_name = args.database or f"bhxh_bench_partitions_{os.getpid()}"
    reused = bool(args.database) and database_exists(db_name)
    bench.setup_django(db_name, fresh=not reused)
    try:
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.utils import timezone

        from accounts.models import User
        from accounts.selectors import office_resolve
        from core.partitions import services
        from core.partitions.schema import month_add
        from declarations.employers.models import Employer
        from tests.factories import UserFactory, grant

        if not reused:
            call_command("migrate", verbosity=0)
            call_command("loaddata", "offices", "roles", verbosity=0)
            first = month_add(timezone.localdate().replace(day=1), -(args.months + 2))
            services.partitions_ensure(today=first, months_ahead=args.months + 2 + 3)
        parts = [p for p in services.partitions_list() if p.table == "declarations_dossier"]
        print(f"{len(parts)} dossier partitions (months and DEFAULT)", flush=True)
        office = office_resolve("7501")
        if reused:
            officer = User.objects.get(username="bench_tiep_nhan")
        else:
            officer = UserFactory(username="bench_tiep_nhan")
            grant(officer, "receiving_officer", office)
            bench.seed_employers(EMPLOYERS, 0)
            with connection.cursor() as cur:
                # Fresh statistics, as a load should leave them: with none the planner takes
                # 50,000 employers for a few and hashes them all for the queue's 50 rows.
                cur.execute("ANALYZE declarations_employer")
        client = Client()
        client.force_login(officer)
        employer = Employer.objects.filter(managing_office=office).order_by("id").first()
        results = {}
        seeded = 0
        if reused:
            with connection.cursor() as cur:
                # The seed numbers its codes P-0000000001 .. P-<size>: the last one says how
                # many (the timed intakes' codes are dated, outside that range).
                cur.execute(
                    "SELECT max(transaction_code) FROM declarations_dossier_code "
                    "WHERE transaction_code >= 'P-' AND transaction_code < 'P.'"
                )
                last = cur.fetchone()[0]
                seeded = int(last[2:]) if last else 0
            print(f"reusing {db_name}: {seeded:,} seeded dossiers", flush=True)
        recent = args.recent or min(args.sizes)
        for size in sorted(args.sizes):
            t0 = time.perf_counter()
            if size > seeded:
                seed_dossiers(size, seeded, recent, args.months, office.pk)
                seeded = size
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT count(*) FILTER (WHERE status IN ('received','in_review',"
                    "'supplement_requested','supplemented') AND office_id = %s), "
                    "count(DISTINCT tableoid) FROM declarations_dossier",
                    [office.pk],
                )
                open_hot, used = cur.fetchone()
            print(
                f"seeded {size:,} dossiers in {time.perf_counter() - t0:.0f}s over {used} "
                f"partitions (office 7501: {open_hot:,} open)",
                flush=True,
            )
            queue = time_queue(client, args.repeat)
            intake = time_intake(employer, office, args.repeat * 3)
            results[size] = (queue, intake)
            (whole, lookup, write, statements) = intake
            print(
                f"  queue page : p50 {queue[0]:7.1f} ms  p95 {queue[1]:7.1f} ms\n"
                f"  intake DB  : p50 {whole[0]:7.2f} ms  p95 {whole[1]:7.2f} ms "
                f"(lookup p50 {lookup[0]:.2f} p95 {lookup[1]:.2f}; "
                f"write p50 {write[0]:.2f} p95 {write[1]:.2f}; the two without COMMIT "
                f"p50 {statements[0]:.2f} p95 {statements[1]:.2f})",
                flush=True,
            )
        small, big = min(args.sizes), max(args.sizes)
        if small != big:
            q = results[big][0][1] / results[small][0][1]
            w = results[big][1][0][1] / results[small][1][0][1]
            st = results[big][1][3][1] / results[small][1][3][1]
            print(f"\np95 at {big:,} / p95 at {small:,}; target ≤ 1.2×:")
            print(
                f"  queue page {q:5.2f}×\n  intake DB  {w:5.2f}× "
                f"(its statements without COMMIT {st:5.2f}×)"
            )
        print(f"load average {os.getloadavg()}")
    finally:
        if args.database:
            from django.db import connection, connections

            with connection.cursor() as cur:
                # The timed intakes' dossiers go, so the next run's queue is the seed's.
                cur.execute(
                    "DELETE FROM declarations_dossier WHERE received_at > now() - interval '1 day'"
                    " AND transaction_code NOT LIKE 'P-%%'"
                )
            connections.close_all()
        else:
            bench.drop_database(db_name)
    return 0


def database_exists(name: str) -> bool:
    import psycopg

    host = os.environ.get("PG_HOST", "127.0.0.1")
    port = os.environ.get("PG_PORT", "5432")
    with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres") as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


if __name__ == "__main__":
    sys.exit(main())
