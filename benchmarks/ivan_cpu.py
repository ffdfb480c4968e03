"""Capacity per core: the I-VAN API's server CPU per signed 50-row dossier under gunicorn,
against the in-process intake of the same kind of dossier, in one run.

    .venv/bin/python benchmarks/ivan_cpu.py [--dossiers 400] [--rounds 8] [--rows 50]
        [--profile N] [--floor]

Uses a throwaway PostgreSQL database and Redis like benchmarks/ivan_load.py (same set-up:
a provider with a live API client and a bearer token, carrying one employer).

* API: ``POST /api/ivan/v1/dossiers`` (bearer token, ``Idempotency-Key``, XML body) to one
  gunicorn sync worker on loopback, one request at a time; the CPU the worker used (user +
  system, read from /proc, with every thread of it) per dossier stored;
* floor: ``intake_submit(channel="ivan", provider=…)`` in this process on other dossiers
  of the same shape — what the API calls — its process CPU (``time.process_time``) per
  dossier, the e-mail wake-ups it leaves lingering sent inside its time.

Both sides also report the CPU of their PostgreSQL backend per dossier. The two run in
rounds, each on its own slice of the dossiers, in alternating order (see
``benchmarks/intake.py``'s ``paired_rounds``): on a shared machine CPU time is steadier than
wall time, and the rounds keep both sides under the same conditions. Target: API server
CPU ≤ 1.2 × the in-process intake's. ``--profile N`` profiles N API calls in this process
(Django's test client, every middleware) and prints where the time goes beyond the intake.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

from benchmarks.intake import DB_NAME, create_database, drop_database, free_port  # noqa: E402
from benchmarks.ivan_load import bench_environment, dossiers_write, setup  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (every thread), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return out


def backend_pids(exclude: int) -> list[int]:
    """PostgreSQL backends of the bench database other than ``exclude``."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
            [DB_NAME, exclude],
        )
        return [row[0] for row in cursor.fetchall()]


def start_server(
    workers: int, root: Path = ROOT, *, env: dict | None = None, options: tuple[str, ...] = ()
) -> tuple[subprocess.Popen, int]:
    """gunicorn on a free port with the benchmark's environment (and ``env`` over it), once
    it answers /healthz."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            *options,
        ],
        cwd=root,
        env={**os.environ, **bench_environment(), **(env or {})},
        start_new_session=True,
    )
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # noqa: S310
            return server, port
        except urllib.error.HTTPError:  # up, whatever /healthz thinks of its neighbours
            return server, port
        except Exception:  # noqa: BLE001
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer")


def post(port: int, token: str, body: bytes, timeout: float = 30) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(
            "POST",
            "/api/ivan/v1/dossiers",
            body=body,
            headers={
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": uuid.uuid4().hex,
                "Content-Type": "application/xml",
            },
        )
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def api_round(port: int, worker: int, token: str, bodies: list[bytes]) -> tuple[float, float]:
    """(worker CPU s, database CPU s) for ``bodies`` posted one at a time."""
    from django.db import connection

    connection.ensure_connection()
    own = connection.connection.info.backend_pid
    backends = backend_pids(own)
    before = cpu_seconds(worker), sum(cpu_seconds(b) for b in backends)
    for body in bodies:
        status = post(port, token, body)
        assert status == 201, status
    after = cpu_seconds(worker), sum(cpu_seconds(b) for b in backends)
    return after[0] - before[0], after[1] - before[1]


def intake_round(provider, bodies: list[bytes]) -> tuple[float, float]:
    """(process CPU s, database CPU s) of the in-process intake of ``bodies``."""
    from django.db import connection

    from core.outbox.waker import waker
    from declarations.intake.pipeline import intake_submit

    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    db0, cpu0 = cpu_seconds(backend), time.process_time()
    for body in bodies:
        result = intake_submit(data=body, channel="ivan", provider=provider, actor=None)
        assert result.ok and not result.duplicate, result.errors_as_dicts()
    waker().flush(at_once=True)
    return time.process_time() - cpu0, cpu_seconds(backend) - db0


def floor_calls(port: int, worker: int, token: str, n: int = 600) -> dict:
    """The API's CPU per call with no intake in it (``--floor``): a bare unauthenticated 404
    (gunicorn, WSGI, the middleware, URL resolving) and an authenticated submit refused at
    once (an empty body: the token, the rate limit, the refusal's answer and its
    statistics row and audit entry)."""

    def calls(method: str, path: str, headers, body: bytes | None) -> float:
        before = cpu_seconds(worker)
        for _ in range(n):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request(method, path, body=body, headers=headers())
                conn.getresponse().read()
            finally:
                conn.close()
        return round((cpu_seconds(worker) - before) * 1000 / n, 3)

    def submit_headers():
        return {
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": uuid.uuid4().hex,
            "Content-Type": "application/xml",
        }

    return {
        "bare_404_ms": calls("GET", "/api/ivan/v1/nothing-here", dict, None),
        "refused_submit_ms": calls("POST", "/api/ivan/v1/dossiers", submit_headers, b""),
    }


def profile_api(token: str, bodies: list[bytes], top: int = 200) -> None:
    """cProfile of N API calls through Django's test client (every middleware), sorted by
    cumulative time, with the intake's own share."""
    import cProfile
    import pstats

    from django.test import Client

    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_HOST": "127.0.0.1"}

    def call(body):
        r = client.post(
            "/api/ivan/v1/dossiers",
            data=body,
            content_type="application/xml",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
            **headers,
        )
        assert r.status_code == 201, r.content[:300]

    call(bodies.pop())
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for body in bodies:
        call(body)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top // 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=400, help="per side")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=20, help="per side, not timed")
    parser.add_argument("--profile", type=int, default=0)
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also the worker's CPU per call with no intake in it (a bare 404, a refused submit)",
    )
    parser.add_argument(
        "--compare-root",
        type=Path,
        help="another checkout of the project (the code before a change): its API is "
        "served by a second gunicorn on the same database and measured in the same rounds",
    )
    args = parser.parse_args()
    create_database()
    server = before = None
    try:
        clients = setup(1)
        total = (3 if args.compare_root else 2) * (args.dossiers + args.warmup) + args.profile
        t0 = time.perf_counter()
        folder = dossiers_write(clients, total, args.rows, 1)
        files = sorted(folder.glob("*.xml"))
        bodies = [f.read_bytes() for f in files]
        print(
            f"signed {len(bodies)} dossiers of {args.rows} rows in {time.perf_counter() - t0:.1f}s",
            flush=True,
        )
        from django.db import connections

        from declarations.employers.models import Provider

        connections.close_all()
        provider = Provider.objects.get(code=clients[0]["provider"])
        token = clients[0]["token"]
        if args.profile:
            profile_api(token, bodies[-args.profile :])
            bodies = bodies[: -args.profile]
        server, port = start_server(1)
        (worker,) = children(server.pid)
        sides_of = ("api", "intake")
        if args.compare_root:
            before, port_b = start_server(1, args.compare_root.resolve())
            (worker_b,) = children(before.pid)
            sides_of = ("api", "intake", "api_before")
        n_sides = len(sides_of)
        api_bodies, own_bodies = bodies[0::n_sides], bodies[1::n_sides]
        old_bodies = bodies[2::n_sides] if args.compare_root else []
        w = args.warmup
        api_round(port, worker, token, api_bodies[:w])
        intake_round(provider, own_bodies[:w])
        if args.compare_root:
            api_round(port_b, worker_b, token, old_bodies[:w])
            old_bodies = old_bodies[w:]
        api_bodies, own_bodies = api_bodies[w:], own_bodies[w:]
        rounds = max(2, args.rounds + args.rounds % 2)
        size = -(-len(api_bodies) // rounds)
        per_round = []
        for i in range(rounds):
            a = api_bodies[i * size : (i + 1) * size]
            b = own_bodies[i * size : (i + 1) * size]
            if not a or not b:
                break
            c = old_bodies[i * size : (i + 1) * size]
            sides = {}
            for side in sides_of if i % 2 == 0 else tuple(reversed(sides_of)):
                started = time.perf_counter()
                if side == "api":
                    chunk, cpu = a, api_round(port, worker, token, a)
                elif side == "intake":
                    chunk, cpu = b, intake_round(provider, b)
                else:
                    chunk, cpu = c, api_round(port_b, worker_b, token, c)
                sides[side] = (len(chunk), *cpu, time.perf_counter() - started)
            per_round.append(sides)
            n_a, cpu_a, db_a, wall_a = sides["api"]
            n_b, cpu_b, db_b, wall_b = sides["intake"]
            print(
                f"round {i + 1}: API {cpu_a * 1000 / n_a:6.2f} ms CPU + {db_a * 1000 / n_a:5.2f} "
                f"db ({wall_a * 1000 / n_a:6.2f} ms wall) | intake {cpu_b * 1000 / n_b:6.2f} ms "
                f"CPU + {db_b * 1000 / n_b:5.2f} db ({wall_b * 1000 / n_b:6.2f} ms wall)",
                flush=True,
            )

        def per(side, k):
            return sum(r[side][k] for r in per_round) * 1000 / sum(r[side][0] for r in per_round)

        ratios = [
            (r["api"][1] / r["api"][0]) / (r["intake"][1] / r["intake"][0]) for r in per_round
        ]
        api_cpu, own_cpu = per("api", 1), per("intake", 1)
        report = {
            "rows_per_dossier": args.rows,
            "dossiers_per_side": sum(r["api"][0] for r in per_round),
            "rounds": len(per_round),
            "api_server_cpu_ms_per_dossier": round(api_cpu, 2),
            "api_db_cpu_ms_per_dossier": round(per("api", 2), 2),
            "api_wall_ms_per_dossier": round(per("api", 3), 2),
            "intake_cpu_ms_per_dossier": round(own_cpu, 2),
            "intake_db_cpu_ms_per_dossier": round(per("intake", 2), 2),
            "intake_wall_ms_per_dossier": round(per("intake", 3), 2),
            "ratio_of_totals": round(api_cpu / own_cpu, 3),
            "ratio_median_of_rounds": round(statistics.median(ratios), 3),
            **(
                {
                    "before_api_server_cpu_ms_per_dossier": round(per("api_before", 1), 2),
                    "before_api_db_cpu_ms_per_dossier": round(per("api_before", 2), 2),
                    "before_ratio_of_totals": round(per("api_before", 1) / own_cpu, 3),
                }
                if args.compare_root
                else {}
            ),
            **(
                {
                    "floor_per_call": (floor := floor_calls(port, worker, token)),
                    "floor_refused_submit_over_intake": round(
                        floor["refused_submit_ms"] / own_cpu, 3
                    ),
                }
                if args.floor
                else {}
            ),
            "target": "API server CPU ≤ 1.2 × in-process intake",
            "target_met": api_cpu / own_cpu <= 1.2,
            "load_average": os.getloadavg(),
        }
        print(json.dumps(report, indent=2, ensure_ascii=False))
    finally:
        for process in (server, before):
            if process is not None:
                os.killpg(process.pid, 15)
                process.wait(timeout=20)
        from django.db import connections

        connections.close_all()
        drop_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
