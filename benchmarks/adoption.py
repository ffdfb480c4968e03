"""Benchmark: the adoption dashboard at 10,000 and 1,000,000 employers.

Creates a throwaway PostgreSQL database, migrates it, loads the offices and roles, seeds
employers with ``generate_series`` (spread over today's local offices and the pre-2025
districts, registered on dates over the last five years, some stopped), assigns the
employers of one office to 20 collection officers, then times the dashboard page at
national, provincial and local level (p50 / p95 of repeated requests) and the .xlsx
export of the local office. The database is dropped at the end.

    .venv/bin/python benchmarks/adoption.py [--sizes 10000 1000000] [--repeat 30]

Each size is timed twice: computed live from the employers, then read from the snapshots
the beat job takes every 15 minutes (whose refresh is timed too).
Floor: the page at 10k employers. Reported: p95 per level and the ratio 1M / 10k.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(db_name: str, *, fresh: bool = True) -> None:
    """Django on the database ``db_name``: made anew, or (``fresh`` False) kept from an
    earlier run."""
    host = os.environ.get("PG_HOST", "127.0.0.1")
    port = os.environ.get("PG_PORT", "5432")
    os.environ["DATABASE_URL"] = f"postgres://postgres@{host}:{port}/{db_name}"
    os.environ.setdefault("CENTRAL_DATABASE_URL", f"postgres://postgres@{host}:{port}/{db_name}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
    os.environ["LOG_LEVEL"] = "WARNING"
    import psycopg

    if fresh:
        with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres") as conn:
            conn.autocommit = True
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
            conn.execute(f'CREATE DATABASE "{db_name}"')
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host, in-memory e-mail


def drop_database(db_name: str) -> None:
    from django.db import connections

    connections.close_all()
    import psycopg

    host = os.environ.get("PG_HOST", "127.0.0.1")
    port = os.environ.get("PG_PORT", "5432")
    with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres") as conn:
        conn.autocommit = True
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def seed_employers(upto: int, start: int) -> None:
    """Employers ``start+1 .. upto``; office by id modulo the list of local offices."""
    from django.db import connection

    from accounts.models import Office

    office_ids = list(
        Office.objects.filter(level="local").order_by("id").values_list("id", flat=True)
    )
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO declarations_employer
              (unit_code, name, tax_code, address, managing_office_id, wage_zone,
               contact_email, contact_phone, e_status, e_registered_on, e_stopped_on,
               result_delivery, postal_address)
            SELECT 'B' || lpad(g::text, 9, '0'), 'Đơn vị ' || g, '0101300842', '',
                   (%s::int[])[1 + g %% cardinality(%s::int[])], 'I', '', '',
                   CASE WHEN g %% 10 < 6 THEN 'active' ELSE 'not_registered' END,
                   CASE WHEN g %% 10 < 6 THEN current_date - (g %% 1800) END,
                   CASE WHEN g %% 50 = 0 THEN current_date - (g %% 90) END,
                   'office', ''
            FROM generate_series(%s::int, %s::int) AS g
            """,
            [office_ids, office_ids, start + 1, upto],
        )
    connection.commit() if not connection.get_autocommit() else None


def assign_officers(office_code: str) -> None:
    from django.db import connection

    from accounts.models import Role
    from accounts.selectors import office_resolve
    from declarations.adoption.models import EmployerAssignment
    from tests.factories import UserFactory, grant

    office = office_resolve(office_code)
    role = Role.objects.get(pk="collection_officer")
    officers = []
    for i in range(20):
        user = UserFactory(username=f"bench_thu_{office_code}_{i}")
        if not user.memberships.filter(role=role).exists():
            grant(user, "collection_officer", office)
        officers.append(user.pk)
    EmployerAssignment.objects.all().delete()
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO declarations_employerassignment (employer_id, officer_id, assigned_on)
            SELECT e.id, (%s::int[])[1 + e.id %% 20], current_date
            FROM declarations_employer e
            WHERE e.managing_office_id IN (
                SELECT id FROM accounts_office WHERE id = %s OR successor_id = %s)
            """,
            [officers, office.pk, office.pk],
        )
        cur.execute("ANALYZE")


def time_page(client, url: str, repeat: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm
    samples = []
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    queries = len(ctx.captured_queries)
    if os.environ.get("BENCH_SLOW_QUERIES"):
        for q in sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:3]:
            print(f"    {float(q['time']) * 1000:7.1f} ms  {q['sql'][:160]}")
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.status_code
    samples.sort()
    p95 = samples[max(0, int(round(0.95 * len(samples))) - 1)]
    return statistics.median(samples), p95, queries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    db_name = f"bhxh_bench_adoption_{os.getpid()}"
    setup_django(db_name)
    try:
        from django.core.management import call_command
        from django.test import Client

        from accounts.selectors import office_resolve
        from declarations.adoption.models import AdoptionSnapshotRun
        from declarations.adoption.services import adoption_snapshot_refresh
        from tests.factories import UserFactory, grant

        call_command("migrate", verbosity=0)
        call_command("loaddata", "offices", "roles", verbosity=0)
        viewers = {}
        for level, role, code in (
            ("national", "central_leader", "00"),
            ("province", "provincial_admin", "75"),
            ("local", "collection_officer", "7501"),
        ):
            user = UserFactory(username=f"bench_{level}")
            grant(user, role, office_resolve(code))
            client = Client()
            client.force_login(user)
            viewers[level] = client
        pages = {
            "national": "/quan-ly/ty-le-dien-tu/",
            "province": "/quan-ly/ty-le-dien-tu/",
            "local": "/quan-ly/ty-le-dien-tu/",
        }
        results = {}
        seeded = 0
        for size in sorted(args.sizes):
            t0 = time.perf_counter()
            seed_employers(size, seeded)
            seeded = size
            assign_officers("7501")
            print(f"seeded {size:,} employers in {time.perf_counter() - t0:.1f}s", flush=True)
            AdoptionSnapshotRun.objects.all().delete()
            for level, client in viewers.items():
                p50, p95, queries = time_page(client, pages[level], args.repeat)
                results[(size, level, "live")] = p95
                print(
                    f"  live      {level:9s}: p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                    f"({queries} queries)",
                    flush=True,
                )
            t0 = time.perf_counter()
            adoption_snapshot_refresh()
            print(f"  snapshot refresh (every office, 25 days): {time.perf_counter() - t0:.2f}s")
            for level, client in viewers.items():
                p50, p95, queries = time_page(client, pages[level], args.repeat)
                results[(size, level, "snapshot")] = p95
                print(
                    f"  snapshot  {level:9s}: p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                    f"({queries} queries)",
                    flush=True,
                )
        small, big = min(args.sizes), max(args.sizes)
        if small != big:
            print(f"\nratio p95 at {big:,} / p95 at {small:,} (floor):")
            for mode in ("live", "snapshot"):
                for level in viewers:
                    ratio = results[(big, level, mode)] / results[(small, level, mode)]
                    print(f"  {mode:9s} {level:9s} {ratio:5.2f}×")
    finally:
        drop_database(db_name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
