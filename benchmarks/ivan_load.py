"""I-VAN API under load: concurrent providers submit signed 50-row dossiers over HTTP to
gunicorn on this machine (loopback), against a bare DRF endpoint on the same server.

    .venv/bin/python benchmarks/ivan_load.py [--providers 4] [--connections 32]
        [--threads 2] [--duration 15] [--dossiers 1000] [--workers CORES+1] [--rows 50]

Needs Debian's ``wrk`` (``apt-get install wrk``). Uses a throwaway PostgreSQL database
(PG_HOST/PG_PORT, default 127.0.0.1:5432) and Redis (REDIS_URL) like benchmarks/intake.py.

* floor: ``POST /bench/floor`` — a bare DRF view (no auth, no throttle) that reads the same
  XML body and answers a small JSON document, on the same gunicorn;
* API: ``POST /api/ivan/v1/dossiers`` with a bearer token per provider and an
  ``Idempotency-Key`` per dossier; every dossier is unique (no duplicate detection), signed
  for an employer its provider carries, and goes through the whole intake (parse, XSD,
  pinned signatures + chain + CRL, 50-row rules, one transaction with dossier, files,
  receipt, audit entries, outbox, webhook event).

Reports dossiers/s (new dossiers stored ÷ time), p50/p95/p99 latency, errors, the ratio to
the floor, and the CPU time per request of the gunicorn workers and of the database backends
(steadier than throughput on shared CPUs). Target: ≥ 100 dossiers/s with p95 ≤ 250 ms at
32 connections, no error.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.intake import (  # noqa: E402
    DB_NAME,
    WORK,
    create_database,
    drop_database,
    environment,
    free_port,
    rows,
)

LUA = Path(__file__).with_name("ivan_load.lua")
PROVIDERS = ["VNPT", "TS24", "THAISON", "EFY", "BKAV", "VIETTEL"]


def bench_environment() -> dict:
    return {**environment(), "DJANGO_SETTINGS_MODULE": "benchmarks.ivan_bench_settings"}


def setup(n_providers: int) -> list[dict]:
    """Providers with a live API client and a bearer token, each carrying one employer."""
    import django

    os.environ.update(bench_environment())
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone
    from oauth2_provider.models import AccessToken

    call_command("migrate", verbosity=0)
    call_command("loaddata", "offices", "roles", verbosity=0)
    from accounts.selectors import office_resolve
    from declarations.employers.models import Employer, EmployerChannel, EStatus, Provider
    from declarations.employers.pki.demo_ca import demo_pki_write
    from declarations.employers.registration_form import registration_form_signed
    from declarations.employers.services import certificate_register
    from declarations.intake.money_tables import money_tables_seed
    from ivan import services

    money_tables_seed()
    units = [(f"BENCH{i}A", "0101300842", f"Công ty Đo tải {i}") for i in range(n_providers)]
    demo_pki_write(WORK / "pki", units)
    out = []
    for i, code in enumerate(PROVIDERS[:n_providers]):
        provider = Provider.objects.get(code=code)
        provider.api_rate = "1000000/min"  # the benchmark measures intake, not the throttle
        provider.save(update_fields=["api_rate"])
        unit_code = units[i][0]
        employer = Employer.objects.create(
            unit_code=unit_code,
            name=units[i][2],
            tax_code=units[i][1],
            managing_office=office_resolve("0101"),
            wage_zone="I",
            e_status=EStatus.ACTIVE,
            contact_email=f"{unit_code.lower()}@example.vn",
        )
        cert_pem = (WORK / "pki" / f"{unit_code}.cert.pem").read_bytes()
        certificate_register(
            actor=None,
            employer=employer,
            data=cert_pem,
            signed_form=registration_form_signed(
                employer=employer,
                key_pem=(WORK / "pki" / f"{unit_code}.key.pem").read_bytes(),
                cert_pem=cert_pem,
            ),
        )
        EmployerChannel.objects.create(employer=employer, provider=provider)
        issued = services.api_client_create(
            actor=None, provider=provider, scopes=["dossiers:submit", "dossiers:read"]
        )
        token = AccessToken.objects.create(
            application=issued.client.application,
            token=uuid.uuid4().hex,
            expires=timezone.now() + timedelta(hours=2),
            scope="dossiers:submit dossiers:read",
        )
        out.append({"provider": code, "unit_code": unit_code, "token": token.token})
    return out


def _sign_batch(args) -> list[str]:
    """Sign dossiers in a worker process; returns the files written."""
    unit_code, start, count, n_rows, folder = args
    import django

    os.environ.update(bench_environment())
    django.setup()
    from declarations.employers.models import Employer
    from declarations.employers.pki.signing import sign_dossier
    from declarations.employers.procedures import procedure_get
    from declarations.intake.envelope import d02lt_build, envelope_build

    employer = Employer.objects.get(unit_code=unit_code)
    key = (WORK / "pki" / f"{unit_code}.key.pem").read_bytes()
    cert = (WORK / "pki" / f"{unit_code}.cert.pem").read_bytes()
    written = []
    for k in range(start, start + count):
        salt = f"{unit_code}-{k}-{uuid.uuid4().hex[:8]}"
        xml = envelope_build(
            employer=employer,
            procedure=procedure_get("600"),
            period="10/2026",
            files=[("D02-LT", "D02-LT.xml", "xml", d02lt_build(rows(n_rows, salt)))],
        )
        path = Path(folder) / f"{unit_code}-{k}.xml"
        path.write_bytes(sign_dossier(xml, key_pem=key, cert_pem=cert))
        written.append(str(path))
    return written


def dossiers_write(clients: list[dict], total: int, n_rows: int, threads: int) -> Path:
    """Sign ``total`` unique dossiers (spread over the providers) and write one manifest
    per wrk thread; the providers' dossiers are interleaved in every manifest."""
    folder = WORK / "bodies"
    folder.mkdir(exist_ok=True)
    per = total // len(clients)
    jobs = []
    chunk = 50
    for c in clients:
        for start in range(0, per, chunk):
            jobs.append((c["unit_code"], start, min(chunk, per - start), n_rows, str(folder)))
    from django.db import connections

    connections.close_all()  # the forked signers open their own
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 2, mp_context=context) as pool:
        files = [f for batch in pool.map(_sign_batch, jobs) for f in batch]
    token_of = {c["unit_code"]: c["token"] for c in clients}
    by_unit: dict[str, list[str]] = {}
    for f in files:
        by_unit.setdefault(Path(f).name.split("-")[0], []).append(f)
    interleaved = [f for group in zip(*by_unit.values(), strict=False) for f in group]
    for t in range(threads):
        lines = [f"{token_of[Path(f).name.split('-')[0]]} {f}" for f in interleaved[t::threads]]
        (folder / f"manifest-{t}.txt").write_text("\n".join(lines) + "\n")
        floor = [f"- {f}" for f in interleaved[t::threads]]
        (folder / f"floor-manifest-{t}.txt").write_text("\n".join(floor) + "\n")
    return folder


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # gone
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu(master: int) -> dict[str, float]:
    """CPU seconds used so far by the gunicorn workers and by the PostgreSQL backends of
    the bench database: divided by the requests served, a cost per request that other
    processes sharing the CPUs do not blur the way they blur throughput."""
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                workers.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [DB_NAME],
        )
        backends = [row[0] for row in cursor.fetchall()]
    return {
        **{f"w{pid}": _cpu_seconds(pid) for pid in workers},
        **{f"b{pid}": _cpu_seconds(pid) for pid in backends},
    }


def cpu_ms_per_request(before: dict, after: dict, requests: int, kind: str) -> float:
    used = sum(v - before.get(k, 0.0) for k, v in after.items() if k.startswith(kind))
    return round(used * 1000 / max(requests, 1), 1)


def wrk(url: str, folder: Path, *, threads: int, connections: int, duration: int, tag: str):
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
        "--",
        str(folder),
        tag,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    return json.loads(line[len("WRKJSON ") :])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--providers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--dossiers", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) + 1)  # as deployed
    parser.add_argument("--rows", type=int, default=50)
    args = parser.parse_args()
    create_database()
    server = None
    try:
        clients = setup(args.providers)
        t0 = time.perf_counter()
        folder = dossiers_write(clients, args.dossiers, args.rows, args.threads)
        print(
            f"signed {args.dossiers} dossiers of {args.rows} rows in "
            f"{time.perf_counter() - t0:.1f}s",
            flush=True,
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi",
                "-w",
                str(args.workers),
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "--backlog",
                "256",
            ],
            cwd=ROOT,
            env={**os.environ, **bench_environment()},
            start_new_session=True,
        )
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310
                break
            except Exception:  # noqa: BLE001
                time.sleep(0.2)
        # Floor: the same bodies to the bare DRF endpoint (the floor manifests carry no token).
        for t in range(args.threads):
            (folder / f"manifest-{t}.txt").rename(folder / f"api-manifest-{t}.txt")
            (folder / f"floor-manifest-{t}.txt").rename(folder / f"manifest-{t}.txt")
        cpu_0 = server_cpu(server.pid)
        floor = wrk(
            f"{base}/bench/floor",
            folder,
            threads=args.threads,
            connections=args.connections,
            duration=5,
            tag="floor",
        )
        cpu_1 = server_cpu(server.pid)
        for t in range(args.threads):
            (folder / f"api-manifest-{t}.txt").replace(folder / f"manifest-{t}.txt")

        from declarations.dossiers.models import Dossier
        from ivan.models import IdempotencyRecord

        before = Dossier.objects.count()
        api = wrk(
            f"{base}/api/ivan/v1/dossiers",
            folder,
            threads=args.threads,
            connections=args.connections,
            duration=args.duration,
            tag="api",
        )
        cpu_2 = server_cpu(server.pid)
        stored = Dossier.objects.count() - before
        replayed = max(0, api["requests"] - IdempotencyRecord.objects.count())
        seconds = api["duration_us"] / 1e6
        floor_rps = floor["requests"] / (floor["duration_us"] / 1e6)
        rate = stored / seconds
        errors = sum(api[k] for k in ("connect", "read", "write", "status", "timeout"))
        report = {
            "providers": args.providers,
            "connections": args.connections,
            "gunicorn_workers": args.workers,
            "cpus": os.cpu_count(),
            "rows_per_dossier": args.rows,
            "floor_requests_per_s": round(floor_rps, 1),
            "floor_p50_ms": floor["p50_us"] / 1000,
            "floor_p95_ms": floor["p95_us"] / 1000,
            "floor_p99_ms": floor["p99_us"] / 1000,
            "floor_server_cpu_ms_per_request": cpu_ms_per_request(
                cpu_0, cpu_1, floor["requests"], "w"
            ),
            "api_requests": api["requests"],
            "dossiers_stored": stored,
            "dossiers_per_s": round(rate, 1),
            "p50_ms": api["p50_us"] / 1000,
            "p95_ms": api["p95_us"] / 1000,
            "p99_ms": api["p99_us"] / 1000,
            "api_server_cpu_ms_per_request": cpu_ms_per_request(cpu_1, cpu_2, api["requests"], "w"),
            "api_db_cpu_ms_per_request": cpu_ms_per_request(cpu_1, cpu_2, api["requests"], "b"),
            "errors": errors,
            "replayed_requests (bodies ran out)": replayed,
            "ratio_to_floor": round(rate / floor_rps, 4),
            "target_met": rate >= 100 and api["p95_us"] <= 250_000 and errors == 0,
        }
        print(json.dumps(report, indent=2, ensure_ascii=False))
    finally:
        if server is not None:
            os.killpg(server.pid, 15)
            server.wait(timeout=20)
        from django.db import connections

        connections.close_all()
        drop_database()


if __name__ == "__main__":
    main()
