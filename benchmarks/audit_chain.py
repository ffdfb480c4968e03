"""The audit log: appends per second as writers are added, with the sealer running.

    .venv/bin/python benchmarks/audit_chain.py [--seconds 5] [--writers 1,2,4,8,16]

Every privileged action appends one entry through ``accounts.audit.record``, which only
inserts (no lock); ``accounts.audit.seal`` chains the committed entries behind the writers.
Each writer thread commits one transaction per entry while one sealer thread seals in a
loop, as the beat job does. Floor: the same transactions inserting a row of the same size
into a table of their own (what the database does when nothing else happens), at the same
number of writers. Also reports the sealer's rate and how many entries were still waiting
when the writers stopped. Throwaway PostgreSQL database (PG_HOST/PG_PORT, default
127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks import intake as base  # noqa: E402  (throwaway database helpers)


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

        def with_sealer(n):
            sealed, running = [0], threading.Event()
            running.set()

            def sealer():
                while running.is_set():
                    sealed[0] += audit.seal()
                    time.sleep(0.05)
                connection.close()

            thread = threading.Thread(target=sealer)
            t0 = time.perf_counter()
            thread.start()
            c = rate(n, args.seconds, chained)
            running.clear()
            thread.join()
            waiting = audit.verify_chain().pending
            return c, sealed[0] / (time.perf_counter() - t0), waiting

        print(
            "| writers | appends/s (sealer running) | floor: plain inserts/s | ratio "
            "| sealed/s | waiting at stop |"
        )
        print("|---|---|---|---|---|---|")
        for n in [int(x) for x in args.writers.split(",")]:
            c, s, waiting = with_sealer(n)
            p = rate(n, args.seconds, plain)
            print(f"| {n} | {c:.0f} | {p:.0f} | {c / p:.2f} | {s:.0f} | {waiting} |")
        audit.seal()
        report = audit.verify_chain()
        print(f"chain verifies: {report.ok} ({report.checked} entries, {report.pending} waiting)")
    finally:
        from django.db import connections

        connections.close_all()
        base.drop_database()


if __name__ == "__main__":
    main()
