"""Benchmark: the monthly C12-TS statements of N units × 20 workers in one month (issue 22).

    .venv/bin/python benchmarks/statements.py [--sizes 10000 100000] [--chunk 1000]

Throwaway PostgreSQL database (PG_HOST/PG_PORT, default 127.0.0.1:5432), dropped at the end.
Each size is seeded with COPY (units, people, one open contributing spell each, a payment a
unit for half of them), then ``month_finalise`` computes and stores every unit's statement
in batch mode: a handful of queries per chunk of units, never per unit. Printed: units/s of
the computation alone (``statements_batch``) and of the whole finalisation (with the bulk
insert of the snapshots), and the process's peak RSS.

Target: the cost per unit (seconds per unit) at the largest size ≤ 1.2 × at the smallest.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)
sys.path.insert(1, str(ROOT / "benchmarks"))

import intake as bench_intake  # noqa: E402  (the throwaway database's set-up)

WORKERS = 20
MONTH = date(2026, 1, 1)


def _copy(table: str, columns: str, rows) -> None:
    """COPY ``rows`` (an iterator of tuples) into ``table``, streamed: no list, no buffer of
    the whole table in this process (its peak RSS is the statements' figure)."""
    from django.db import connection

    connection.ensure_connection()
    with (
        connection.connection.cursor() as cur,
        cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _next_id(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608 (our names)
        return cur.fetchone()[0]


def seed(size: int, start: int, office_ids: list[int]) -> list[int]:
    """Units ``start+1 .. size``, 20 workers each with an open spell from 12/2025, a
    payment in 01/2026 for every other unit, all by COPY. Returns the new units' ids."""
    from django.db import connection

    first_unit = _next_id("declarations_employer")
    _copy(
        "declarations_employer",
        "id, unit_code, name, tax_code, address, managing_office_id, wage_zone, "
        "contact_email, contact_phone, e_status, result_delivery, postal_address",
        (
            (
                first_unit + u - start - 1,
                f"S{u:09d}",
                f"Đơn vị {u}",
                "0101300842",
                "",
                office_ids[u % len(office_ids)],
                "I",
                "",
                "",
                "active",
                "office",
                "",
            )
            for u in range(start + 1, size + 1)
        ),
    )
    units = list(range(first_unit, first_unit + size - start))
    first_person = _next_id("people_person")
    _copy(
        "people_person",
        "id, number, created_at",
        (
            (first_person + i, f"8{start * WORKERS + i + 1:09d}", "2026-01-01 00:00:00+07")
            for i in range((size - start) * WORKERS)
        ),
    )
    _copy(
        "people_employmentspell",
        "person_id, employer_id, status, from_month, to_month, job, workplace, salary, "
        "allowances, rate, opened_plan, closed_plan, recorded_at",
        (
            (
                first_person + i * WORKERS + k,
                unit_id,
                "contributing",
                "2025-12-01",
                None,
                "",
                "",
                5_310_000 + 10_000 * k,
                "{}",
                None,
                "TM",
                "",
                "2025-12-01 00:00:00+07",
            )
            for i, unit_id in enumerate(units)
            for k in range(WORKERS)
        ),
    )
    _copy(
        "payments_payment",
        "employer_id, unc_number, paid_on, amount, payer_account, payer_name, description, "
        "status, recorded_at, match_method",
        (
            (
                unit_id,
                f"UNC{unit_id}",
                "2026-01-20",
                30_000_000,
                "",
                "",
                "",
                "matched",
                "2026-01-20 10:00:00+07",
                "account",
            )
            for unit_id in units[::2]
        ),
    )
    with connection.cursor() as cur:
        for table in ("declarations_employer", "people_person"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        cur.execute("ANALYZE")
    return units


def peak_rss_reset() -> None:
    """Start counting the peak RSS again from now (Linux: ``clear_refs`` 5)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak_rss_mb() -> float:
    """The peak RSS since :func:`peak_rss_reset` (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(ids: list[int], chunk: int, rounds: int) -> dict:
    """The best of ``rounds`` (the machine is shared: the least disturbed round): wall
    seconds of the computation alone, and of the finalisation with its snapshots; the
    benchmark process's own CPU seconds of the computation."""
    from declarations.statements.compute import Tables
    from declarations.statements.models import Statement
    from declarations.statements.selectors import statements_batch
    from declarations.statements.services import month_finalise

    best = {"compute_s": float("inf"), "compute_cpu_s": float("inf"), "finalise_s": float("inf")}
    for _ in range(rounds):
        Statement.objects.all().delete()
        tables = Tables.load()
        t0, c0 = time.perf_counter(), time.process_time()
        count = sum(1 for _ in statements_batch(ids, MONTH, tables=tables, chunk=chunk))
        best["compute_s"] = min(best["compute_s"], time.perf_counter() - t0)
        best["compute_cpu_s"] = min(best["compute_cpu_s"], time.process_time() - c0)
        t0 = time.perf_counter()
        stored = month_finalise(MONTH, employer_ids=ids, chunk=chunk)
        best["finalise_s"] = min(best["finalise_s"], time.perf_counter() - t0)
        assert count == len(ids) == stored, (count, len(ids), stored)
    return {"units": len(ids), **best}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2, help="best of this many rounds")
    parser.add_argument("--profile", action="store_true", help="profile the smallest size")
    args = parser.parse_args()
    bench_intake.drop_database()
    bench_intake.create_database()
    try:
        bench_intake.setup()
        from accounts.models import Office
        from declarations.intake.money_tables import money_tables_seed

        money_tables_seed()
        office_ids = list(
            Office.objects.filter(level="local").order_by("id").values_list("id", flat=True)
        )
        results, seeded, ids = {}, 0, []
        for size in sorted(args.sizes):
            t0 = time.perf_counter()
            ids += seed(size, seeded, office_ids)
            seeded = size
            print(
                f"seeded {size:,} units, {size * WORKERS:,} spells in "
                f"{time.perf_counter() - t0:.0f} s",
                flush=True,
            )
            if args.profile and size == min(args.sizes):
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.enable()
                measure(ids, args.chunk, args.rounds)
                profiler.disable()
                pstats.Stats(profiler).sort_stats("tottime").print_stats(25).print_callers(
                    "execute"
                )
            peak_rss_reset()
            r = results[size] = measure(ids, args.chunk, args.rounds)
            print(
                f"  {size:>7,} units: compute {r['units'] / r['compute_s']:,.0f} units/s "
                f"({r['compute_s'] / r['units'] * 1e3:.3f} ms/unit, client CPU "
                f"{r['compute_cpu_s'] / r['units'] * 1e3:.3f} ms/unit), finalise with the "
                f"snapshots {r['units'] / r['finalise_s']:,.0f} units/s "
                f"({r['finalise_s'] / r['units'] * 1e3:.3f} ms/unit); "
                f"peak RSS {peak_rss_mb():.0f} MB",
                flush=True,
            )
        small, big = min(args.sizes), max(args.sizes)
        if small != big:
            for part in ("compute_s", "compute_cpu_s", "finalise_s"):
                ratio = (results[big][part] / big) / (results[small][part] / small)
                print(
                    f"cost per unit at {big:,} / at {small:,} ({part}): {ratio:.2f} (target ≤ 1.2)"
                )
    finally:
        from django.db import connections

        connections.close_all()
        bench_intake.drop_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
