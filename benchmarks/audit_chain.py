"""The audit hash chain's single head row: appends per second as writers are added.

    .venv/bin/python benchmarks/audit_chain.py [--seconds 5] [--writers 1,2,4,8,16]

Every privileged action appends one entry through ``accounts.audit.record``, which locks
the one ``AuditChainHead`` row (``SELECT … FOR UPDATE``) to chain the hash: appends are
serialised across the whole deployment. Each writer thread commits one transaction per
entry. Floor: the same transactions inserting a row of the same size into a table of their
own without the head lock (what the database does when nothing serialises), at the same
number of writers. Throwaway PostgreSQL database (PG_HOST/PG_PORT, default 127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import intake as base  # noqa: E402  (throwaway database helpers)


def rate(writers: int, seconds: float, work) -> float:
    from django.db import connection

    counts = [0] * writers
    stop = time.monotonic() + seconds

    def run(i):
        while time.monotonic() < stop:
            work(i)
            counts[i] += 1
        connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(writers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - t0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--writers", default="1,2,4,8,16")
    args = parser.parse_args()
    base.create_database()
    try:
        import os

        import django

        os.environ.update(base.environment())
        django.setup()
        from django.core.management import call_command
        from django.db import connection, transaction

        call_command("migrate", verbosity=0)
        from accounts import audit

        with connection.cursor() as cur:
            cur.execute(
                "CREATE TABLE bench_plain (id bigserial PRIMARY KEY, at timestamptz, "
                "action text, data jsonb, hash text)"
            )

        def chained(i):
            with transaction.atomic():
                audit.record(None, "bench.append", f"writer {i}", None, {"writer": i})

        def plain(i):
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(
                    "INSERT INTO bench_plain (at, action, data, hash) "
                    "VALUES (now(), 'bench.append', %s, md5(random()::text))",
                    [f'{{"writer": {i}}}'],
                )

        print("| writers | chained appends/s | floor: unchained inserts/s | ratio |")
        print("|---|---|---|---|")
        for n in [int(x) for x in args.writers.split(",")]:
            c = rate(n, args.seconds, chained)
            p = rate(n, args.seconds, plain)
            print(f"| {n} | {c:.0f} | {p:.0f} | {c / p:.2f} |")
        report = audit.verify_chain()
        print(f"chain verifies: {report.ok} ({report.checked} entries)")
    finally:
        from django.db import connections

        connections.close_all()
        base.drop_database()


if __name__ == "__main__":
    main()
