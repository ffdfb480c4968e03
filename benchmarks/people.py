"""Benchmark: a person's timeline and a unit's workforce page at 10,000 and 1,000,000
people (20 spells each: 200,000 and 20,000,000), and accepting a 1,000-row 600.

    .venv/bin/python benchmarks/people.py [--sizes 10000 1000000] [--repeat 40]

Throwaway PostgreSQL database (PG_HOST/PG_PORT, default 127.0.0.1:5432), dropped at the end.
People are seeded with ``generate_series``: one identity and one card each, 19 closed
spells with units across the country and the open one with their current unit (50 people
a unit). Pages are fetched through Django's test client as a receiving officer of the
office of the units sampled, with random people and units each request.

Targets: timeline and workforce p95 ≤ 50 ms at 1M and ≤ 1.5 × their figure at 10k (the
floor); accepting a 1,000-row 600 (spells, books, cards, notice) ≤ 2 × its intake.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)
sys.path.insert(1, str(ROOT / "benchmarks"))

import intake as bench_intake  # noqa: E402  (the intake benchmark's set-up and signed lists)

SPELLS = 20
PER_UNIT = 50


def seed(upto: int, start: int, office_ids: list[int]) -> None:
    """People ``start+1 .. upto`` with their units, identities, spells and cards."""
    from django.db import connection

    units_from, units_upto = start // PER_UNIT + 1, upto // PER_UNIT
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO declarations_employer
              (unit_code, name, tax_code, address, managing_office_id, wage_zone,
               contact_email, contact_phone, e_status, result_delivery, postal_address)
            SELECT 'P' || lpad(g::text, 9, '0'), 'Đơn vị ' || g, '0101300842', '',
                   (%s::int[])[1 + g %% cardinality(%s::int[])], 'I', '', '', 'active',
                   'office', ''
            FROM generate_series(%s::int, %s::int) AS g
            """,
            [office_ids, office_ids, units_from, units_upto],
        )
        cur.execute("SELECT min(id) FROM declarations_employer WHERE unit_code LIKE 'P%%'")
        first_unit = cur.fetchone()[0]
        units = upto // PER_UNIT
        cur.execute(
            """
            INSERT INTO people_person (number, created_at)
            SELECT '79' || lpad(g::text, 8, '0'), now() FROM generate_series(%s::int, %s::int) g
            """,
            [start + 1, upto],
        )
        cur.execute(
            """
            INSERT INTO people_personidentity
              (person_id, recorded_at, full_name, birth_date, sex, citizen_id, nationality,
               ethnicity, birth_place, contact_address, phone, email, household_code)
            SELECT p.id, now(), 'Người tham gia ' || p.number, '15/06/1990', '1',
                   '0' || p.number || '1', 'Việt Nam', 'Kinh', '', '', '', '', ''
            FROM people_person p WHERE p.number > %s AND p.number <= %s
            """,
            ["79" + f"{start:08d}", "79" + f"{upto:08d}"],
        )
        # Spell k of person g: six months from 01/2008 + 6k; the last one open, with the
        # person's current unit (g / PER_UNIT); earlier ones with units elsewhere.
        cur.execute(
            """
            INSERT INTO people_employmentspell
              (person_id, employer_id, status, from_month, to_month, job, workplace, salary,
               allowances, rate, opened_plan, closed_plan, recorded_at)
            SELECT p.id,
                   %s + CASE WHEN k = %s - 1 THEN (g - 1) / %s
                             ELSE (g * 7 + k * 13) %% %s END,
                   'contributing',
                   make_date(2008 + k / 2, 1 + 6 * (k %% 2), 1),
                   CASE WHEN k = %s - 1 THEN NULL
                        ELSE make_date(2008 + k / 2, 6 + 6 * (k %% 2), 1) END,
                   'Công nhân', '', 6000000 + k * 100000, '{}', 32, 'TM',
                   CASE WHEN k = %s - 1 THEN '' ELSE 'GH' END, now()
            FROM generate_series(%s::int, %s::int) g
            JOIN people_person p ON p.number = '79' || lpad(g::text, 8, '0')
            CROSS JOIN generate_series(0, %s - 1) k
            """,
            [first_unit, SPELLS, PER_UNIT, max(units, 1), SPELLS, SPELLS, start + 1, upto, SPELLS],
        )
        cur.execute(
            """
            INSERT INTO people_healthcard
              (person_id, employer_id, number, object_code, benefit_level, province_code,
               valid_from, hospital, status, issued_at)
            SELECT p.id, %s + (g - 1) / %s, 'DN479' || p.number, 'DN', '4', '79',
                   make_date(2017, 7, 1), '79001', 'active', now()
            FROM generate_series(%s::int, %s::int) g
            JOIN people_person p ON p.number = '79' || lpad(g::text, 8, '0')
            """,
            [first_unit, PER_UNIT, start + 1, upto],
        )
        cur.execute("ANALYZE")


def time_urls(client, urls: list[str], repeat: int) -> tuple[float, float]:
    for url in urls[:3]:
        client.get(url)  # warm
    samples = []
    for i in range(repeat):
        url = urls[i % len(urls)]
        t0 = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[max(0, round(0.95 * len(samples)) - 1)]


def pages(size: int, repeat: int, rng: random.Random) -> dict:
    from django.db import connection
    from django.test import Client

    from accounts.models import Office
    from tests.factories import UserFactory, grant

    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT e.managing_office_id FROM declarations_employer e
            WHERE e.unit_code LIKE 'P%%' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1
            """
        )
        office_id = cur.fetchone()[0]
        cur.execute(
            "SELECT unit_code, id FROM declarations_employer WHERE managing_office_id = %s "
            "AND unit_code LIKE 'P%%'",
            [office_id],
        )
        units = cur.fetchall()
        chosen = rng.sample(units, min(repeat, len(units)))
        cur.execute(
            """
            SELECT p.number FROM people_employmentspell s JOIN people_person p ON p.id = s.person_id
            WHERE s.employer_id = ANY(%s) AND s.to_month IS NULL
            """,
            [[u[1] for u in chosen]],
        )
        numbers = [r[0] for r in cur.fetchall()]
    officer = UserFactory(username=f"bench_people_{size}")
    grant(officer, "receiving_officer", Office.objects.get(pk=office_id))
    client = Client()
    client.force_login(officer)
    timeline = [
        f"/quan-ly/nguoi-tham-gia/{n}/" for n in rng.sample(numbers, min(200, len(numbers)))
    ]
    workforce = [f"/giao-dich/nguoi-lao-dong/?don-vi={u[0]}" for u in chosen]
    return {
        "timeline": time_urls(client, timeline, repeat),
        "workforce": time_urls(client, workforce, repeat),
    }


def acceptance(employer, rows: int) -> tuple[float, float]:
    """(intake seconds, acceptance seconds) of one signed ``rows``-row 600, best of three."""
    from declarations.intake.pipeline import intake_submit
    from declarations.review.services import dossier_transition

    intakes, accepts = [], []
    for data in bench_intake.signed_dossiers(employer, 3, rows):
        t0 = time.perf_counter()
        result = intake_submit(data=data, channel="cli")
        intakes.append(time.perf_counter() - t0)
        assert result.ok, result.errors[:3]
        dossier_transition(actor=None, dossier=result.dossier, to="in_review")
        t0 = time.perf_counter()
        dossier_transition(actor=None, dossier=result.dossier, to="accepted")
        accepts.append(time.perf_counter() - t0)
    return min(intakes), min(accepts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    bench_intake.drop_database()
    bench_intake.create_database()
    try:
        employer = bench_intake.setup()
        from django.test.utils import setup_test_environment

        from accounts.models import Office
        from declarations.intake.money_tables import money_tables_seed

        setup_test_environment()
        money_tables_seed()
        intake_s, accept_s = acceptance(employer, 1000)
        print(
            f"1,000-row 600: intake {intake_s:.3f} s, acceptance {accept_s:.3f} s "
            f"(ratio {accept_s / intake_s:.2f} of intake; target ≤ 2)",
            flush=True,
        )
        office_ids = list(
            Office.objects.filter(level="local", code__startswith="79")
            .order_by("id")
            .values_list("id", flat=True)
        ) or list(Office.objects.filter(level="local").values_list("id", flat=True))
        rng = random.Random(7)
        results, seeded = {}, 0
        for size in sorted(args.sizes):
            t0 = time.perf_counter()
            seed(size, seeded, office_ids)
            seeded = size
            print(
                f"seeded {size:,} people, {size * SPELLS:,} spells in {time.perf_counter() - t0:.0f} s",
                flush=True,
            )
            results[size] = pages(size, args.repeat, rng)
            for page, (p50, p95) in results[size].items():
                print(f"  {page:9s}: p50 {p50:6.1f} ms  p95 {p95:6.1f} ms", flush=True)
        small, big = min(args.sizes), max(args.sizes)
        if small != big:
            print(f"\np95 at {big:,} / p95 at {small:,} (floor; target ≤ 1.5, and ≤ 50 ms):")
            for page in ("timeline", "workforce"):
                ratio = results[big][page][1] / results[small][page][1]
                print(f"  {page:9s} {ratio:5.2f}×  ({results[big][page][1]:.1f} ms)")
    finally:
        from django.db import connections

        connections.close_all()
        bench_intake.drop_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
