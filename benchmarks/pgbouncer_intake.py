"""Intake over HTTP through PgBouncer (transaction pooling) against the same intake with
direct connections to PostgreSQL, in one run.

    .venv/bin/python benchmarks/pgbouncer_intake.py [--dossiers 600] [--rounds 6]
        [--clients 8] [--workers CORES+1] [--pool 0] [--pgbouncer BIN] [--prepared]

Uses a throwaway PostgreSQL database and Redis like benchmarks/ivan_load.py (the same
providers, tokens and signed 50-row dossiers). Starts PgBouncer in transaction mode on a
free loopback port in front of the same server (as the fault suite's
tests/faults/test_pgbouncer.py does; ``--pool`` server connections, default one per
gunicorn worker of the side behind it) and two gunicorn servers with the same number of
workers: one connected directly, one through PgBouncer with ``DATABASE_POOLER=pgbouncer``
(no prepared statements, no server-side cursors: portal/settings/pooling.py) or, with
``--prepared``, ``pgbouncer-prepared`` (PgBouncer 1.22+ with ``max_prepared_statements``
keeps psycopg's prepared statements; ``--pgbouncer`` names such a build).

``--clients`` concurrent providers' threads post the dossiers to
``POST /api/ivan/v1/dossiers`` (bearer token, ``Idempotency-Key``, XML body), each dossier
once; the two sides take turns round by round, on their own slice of the dossiers, in
alternating order (direct first in one round, PgBouncer first in the next), so both see
the same load from the rest of the machine. Reported: dossiers/s per side (stored dossiers
over wall time), p50/p95 latency, and the ratio. Target: through PgBouncer ≥ 0.9 × direct.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

from benchmarks import ivan_cpu  # noqa: E402
from benchmarks.intake import DB_NAME, PG, create_database, drop_database  # noqa: E402
from benchmarks.ivan_cpu import start_server  # noqa: E402
from benchmarks.ivan_load import dossiers_write, setup  # noqa: E402


def gunicorn(workers: int, env: dict) -> tuple[subprocess.Popen, int]:
    return start_server(workers, env=env, options=("--backlog", "256"))


def post(port: int, token: str, body: bytes) -> tuple[int, float]:
    """The status and the milliseconds of one submit."""
    started = time.perf_counter()
    status = ivan_cpu.post(port, token, body, timeout=60)
    return status, (time.perf_counter() - started) * 1000


def load(port: int, items: list[tuple[str, bytes]], clients: int) -> dict:
    """Post ``items`` (token, body) from ``clients`` threads; wall time and latencies."""
    queue = list(items)
    lock = threading.Lock()
    latencies, failures = [], []

    def run():
        while True:
            with lock:
                if not queue:
                    return
                token, body = queue.pop()
            status, ms = post(port, token, body)
            latencies.append(ms)
            if status != 201:
                failures.append(status)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "seconds": time.perf_counter() - started,
        "latencies": latencies,
        "failures": failures,
        "n": len(items),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=600, help="per side")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--providers", type=int, default=4)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) + 1)
    parser.add_argument("--pool", type=int, default=0, help="PgBouncer server connections")
    parser.add_argument("--warmup", type=int, default=20, help="per side, not timed")
    parser.add_argument(
        "--pgbouncer", help="the PgBouncer binary (default: PGBOUNCER_BIN, else the installed one)"
    )
    parser.add_argument(
        "--prepared",
        action="store_true",
        help="PgBouncer keeps prepared statements (1.22+, max_prepared_statements) and the "
        "pooled side keeps psycopg's: DATABASE_POOLER=pgbouncer-prepared",
    )
    args = parser.parse_args()
    from tests.faults.servers import PrivatePgBouncer, pgbouncer_binary, pgbouncer_version

    binary = args.pgbouncer or pgbouncer_binary()
    version = pgbouncer_version(binary)
    if args.prepared and version < (1, 22):
        raise SystemExit(f"--prepared needs PgBouncer 1.22 or later ({binary}: {version})")

    create_database()
    servers, bouncer = [], None
    try:
        clients = setup(args.providers)
        total = 2 * (args.dossiers + args.warmup)
        t0 = time.perf_counter()
        folder = dossiers_write(clients, total, 50, 1)
        token_of = {c["unit_code"]: c["token"] for c in clients}
        items = []
        for line in (folder / "manifest-0.txt").read_text().split("\n"):
            if line:
                token, path = line.split(" ", 1)
                items.append((token, Path(path).read_bytes()))
        assert len(token_of) == args.providers
        print(f"signed {len(items)} dossiers in {time.perf_counter() - t0:.1f}s", flush=True)
        from django.db import connections

        connections.close_all()
        bouncer = PrivatePgBouncer(
            int(PG[1]),
            pool_size=args.pool or args.workers,
            upstream_host=PG[0],
            binary=binary,
            settings={"max_prepared_statements": 200} if args.prepared else None,
        ).start()
        direct = gunicorn(args.workers, {})
        pooled = gunicorn(
            args.workers,
            {
                "DATABASE_URL": f"postgres://postgres@127.0.0.1:{bouncer.port}/{DB_NAME}",
                "DATABASE_POOLER": "pgbouncer-prepared" if args.prepared else "pgbouncer",
            },
        )
        servers = [direct[0], pooled[0]]
        sides = {"direct": direct[1], "pgbouncer": pooled[1]}
        # Warm every worker of both servers (imports, connections, caches).
        for port in sides.values():
            load(port, [items.pop() for _ in range(args.warmup)], args.clients)
        rounds = max(2, args.rounds + args.rounds % 2)
        size = args.dossiers // rounds
        results = {name: [] for name in sides}
        for i in range(rounds):
            order = list(sides) if i % 2 == 0 else list(reversed(sides))
            line = []
            for name in order:
                chunk = [items.pop() for _ in range(size)]
                r = load(sides[name], chunk, args.clients)
                results[name].append(r)
                line.append(f"{name} {r['n'] / r['seconds']:6.1f}/s")
            print(f"round {i + 1}: " + " | ".join(line), flush=True)
        report = {
            "pgbouncer_version": ".".join(map(str, version)),
            "pooler": "pgbouncer-prepared" if args.prepared else "pgbouncer",
            "clients": args.clients,
            "gunicorn_workers": args.workers,
            "pgbouncer_pool": args.pool or args.workers,
            "rounds": rounds,
        }
        for name, runs in results.items():
            lat = sorted(x for r in runs for x in r["latencies"])
            report[name] = {
                "dossiers": sum(r["n"] for r in runs),
                "dossiers_per_s": round(
                    sum(r["n"] for r in runs) / sum(r["seconds"] for r in runs), 1
                ),
                "p50_ms": round(statistics.median(lat), 1),
                "p95_ms": round(lat[int(len(lat) * 0.95) - 1], 1),
                "failures": sum(len(r["failures"]) for r in runs),
            }
        pairs = [
            (results["pgbouncer"][i]["n"] / results["pgbouncer"][i]["seconds"])
            / (results["direct"][i]["n"] / results["direct"][i]["seconds"])
            for i in range(rounds)
        ]
        ratio = report["pgbouncer"]["dossiers_per_s"] / report["direct"]["dossiers_per_s"]
        from declarations.dossiers.models import Dossier

        report["stored"] = Dossier.objects.count()
        report["ratio_pgbouncer_to_direct"] = round(ratio, 3)
        report["ratio_median_of_rounds"] = round(statistics.median(pairs), 3)
        report["target"] = "through PgBouncer ≥ 0.9 × direct"
        report["target_met"] = ratio >= 0.9 and not any(report[n]["failures"] for n in sides)
        report["load_average"] = os.getloadavg()
        print(json.dumps(report, indent=2))
    finally:
        for server in servers:
            os.killpg(server.pid, 15)
            server.wait(timeout=20)
        if bouncer is not None:
            bouncer.destroy()
        from django.db import connections

        connections.close_all()
        drop_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
