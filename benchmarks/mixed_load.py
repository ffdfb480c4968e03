"""Mixed load against gunicorn + a Celery worker on this machine (loopback, bounded).

    .venv/bin/python benchmarks/mixed_load.py [--workers CORES+1] [--levels 2,4,8,16] [--seconds 8]

Throwaway PostgreSQL databases (PG_HOST/PG_PORT, default 127.0.0.1:5432; portal and central
store) and Redis (REDIS_URL, default redis://127.0.0.1:6379/0, a queue of its own). Each
load level runs that many concurrent clients for ``--seconds``; every client repeats a mix:

* employer browse — GET the dossier history (session);
* employer submit — POST a signed 2-row 600 dossier to the upload page (whole intake);
* staff list — a receiving officer's list of received dossiers; a collection officer's
  closure list;
* I-VAN API — GET ``/api/ivan/v1/me`` with an OAuth2 bearer token (the dossier endpoints
  are added to the mix when they exist);
* pushes — meanwhile the worker pushes confirmed closures to the central store (served by
  the same gunicorn), swept every second: pushed records per second are reported.

Per kind: requests per second, p50/p95 latency, errors. Floor: GET /healthz (no database,
no session) at the same level — each kind's latency is also given as a multiple of it.
The largest level run without a single error is printed last.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks import intake as base  # noqa: E402  (the intake benchmark's set-up and HTTP helpers)

CENTRAL_DB = f"{base.DB_NAME}_central"


def central_database(action: str):
    import psycopg

    with psycopg.connect(
        host=base.PG[0], port=base.PG[1], user="postgres", dbname="postgres", autocommit=True
    ) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{CENTRAL_DB}" WITH (FORCE)')
        if action == "create":
            c.execute(f'CREATE DATABASE "{CENTRAL_DB}"')


def login(base_url: str, username: str, password: str):
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), base.NoRedirect())
    page = opener.open(f"{base_url}/tai-khoan/dang-nhap/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password}
    ).encode()
    request = urllib.request.Request(  # noqa: S310
        f"{base_url}/tai-khoan/dang-nhap/", data=body, headers={"Referer": base_url + "/"}
    )
    try:
        opener.open(request)
    except urllib.error.HTTPError as exc:
        assert exc.code == 302, exc.code
    return opener


def get(opener, url: str, headers: dict | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        response = opener.open(request, timeout=30)
        response.read()
        return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except Exception:  # noqa: BLE001
        return 0


def people(employer):
    from accounts.models import Role, User
    from accounts.selectors import office_resolve
    from accounts.services import membership_grant
    from declarations.employers.models import EmployerMember, Provider
    from ivan.reference import ensure_providers_2015
    from ivan.services import api_client_create

    def user(name, role, office):
        u = User.objects.create(username=name)
        u.set_password("Bench#Password2026")
        u.save()
        membership_grant(actor=None, user=u, role=Role.objects.get(pk=role), office=office)
        return u

    EmployerMember.objects.create(
        employer=employer, user=user("bench_user", "employer_user", employer.managing_office)
    )
    user("bench_officer", "receiving_officer", office_resolve("0101"))
    user("bench_collector", "collection_officer", office_resolve("0101"))
    ensure_providers_2015()
    issued = api_client_create(
        actor=None, provider=Provider.objects.order_by("code").first(), scopes=["stats:read"]
    )
    return issued


def closures(n: int):
    from accounts.selectors import office_resolve
    from tests.closure_sync.helpers import confirmed_closures

    made = 0
    while made < n:
        confirmed_closures(min(5000, n - made), office=office_resolve("0101"))
        made += min(5000, n - made)


def pushed() -> int:
    from closure_sync.models import ClosureRecord, PushState

    return ClosureRecord.objects.filter(push_state=PushState.PUSHED).count()


def run_level(base_url, clients: int, seconds: float, dossiers: list, token: str) -> dict:
    lock = threading.Lock()
    samples: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    stop = time.monotonic() + seconds

    def note(kind, started, ok):
        with lock:
            samples.setdefault(kind, []).append(time.perf_counter() - started)
            if not ok:
                errors[kind] = errors.get(kind, 0) + 1

    def client(i: int):
        rng = random.Random(i)
        employer = login(base_url, "bench_user", "Bench#Password2026")
        page = employer.open(f"{base_url}/giao-dich/nop/").read().decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        officer = login(base_url, "bench_officer", "Bench#Password2026")
        collector = login(base_url, "bench_collector", "Bench#Password2026")
        bare = urllib.request.build_opener()
        while time.monotonic() < stop:
            roll = rng.random()
            t = time.perf_counter()
            if roll < 0.30:
                note("employer browse", t, get(employer, f"{base_url}/giao-dich/") == 200)
            elif roll < 0.45:
                with lock:
                    data = dossiers.pop() if dossiers else None
                if data is None:
                    continue
                note("employer submit", t, base.upload(employer, csrf, base_url, data) == 302)
            elif roll < 0.60:
                note("staff list", t, get(officer, f"{base_url}/giao-dich/tiep-nhan/") == 200)
            elif roll < 0.70:
                note("staff list", t, get(collector, f"{base_url}/chot-so/") == 200)
            elif roll < 0.90:
                status = get(
                    bare, f"{base_url}/api/ivan/v1/me", {"Authorization": f"Bearer {token}"}
                )
                note("I-VAN API", t, status == 200)
            else:
                note("floor: /healthz", t, get(bare, f"{base_url}/healthz") == 200)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - started
    out = {}
    for kind, values in samples.items():
        values.sort()
        out[kind] = {
            "n": len(values),
            "rps": len(values) / elapsed,
            "p50": statistics.median(values) * 1000,
            "p95": values[int(0.95 * (len(values) - 1))] * 1000,
            "errors": errors.get(kind, 0),
        }
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument(  # as deployed (docker-compose.yml's WEB_CONCURRENCY)
        "--workers", type=int, default=(os.cpu_count() or 2) + 1, help="gunicorn workers"
    )
    parser.add_argument("--levels", default="2,4,8,16", help="concurrent clients per level")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--closures", type=int, default=20000)
    parser.add_argument("--dossiers", type=int, default=1500, help="signed dossiers prepared")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]

    base.create_database()
    central_database("create")
    port = base.free_port()
    base_url = f"http://127.0.0.1:{port}"
    cred_file = base.WORK / "central.ini"
    extra = {
        "CENTRAL_DATABASE_URL": f"postgres://postgres@{base.PG[0]}:{base.PG[1]}/{CENTRAL_DB}",
        "CENTRAL_API_URL": base_url,
        "CLOSURE_CREDENTIALS_FILE": str(cred_file),
        "CENTRAL_CREDENTIALS_FILE": str(cred_file),
        "CLOSURE_PUSH_BATCH_SIZE": "200",
    }
    os.environ.update(extra)
    procs = []
    try:
        employer = base.setup()
        from datetime import timedelta

        from django.core.management import call_command
        from django.utils import timezone

        from closure_protocol.credentials import Credential, credentials_render

        call_command("migrate", database="central", verbosity=0)
        now = timezone.now()
        cred = Credential(
            "BENCH1", os.urandom(24).hex(), now - timedelta(days=1), now + timedelta(days=30)
        )
        cred_file.write_text(credentials_render(cred, None), encoding="utf-8")
        issued = people(employer)
        closures(args.closures)
        dossiers = base.signed_dossiers(employer, args.dossiers, 2)
        env = {**os.environ, **base.environment(), **extra}
        procs.append(
            subprocess.Popen(
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
                ],
                cwd=base.ROOT,
                env=env,
                start_new_session=True,
            )
        )
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "portal",
                    "worker",
                    "-Q",
                    base.QUEUE,
                    "-c",
                    "1",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                    "-l",
                    "WARNING",
                ],
                cwd=base.ROOT,
                env=env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base_url}/healthz", timeout=1)  # noqa: S310
                break
            except Exception:  # noqa: BLE001
                time.sleep(0.2)
        import requests

        token = requests.post(
            f"{base_url}/api/ivan/v1/oauth/token",
            data={"grant_type": "client_credentials", "scope": "stats:read"},
            auth=(issued.client_id, issued.secret),
            timeout=10,
        ).json()["access_token"]
        from portal.celery import app

        app.conf.broker_url = base.REDIS
        app.conf.task_always_eager = False
        from closure_sync.tasks import closure_push_sweep

        sweeping = threading.Event()

        def sweeper():
            while not sweeping.is_set():
                closure_push_sweep.apply_async(queue=base.QUEUE)
                sweeping.wait(1.0)

        threading.Thread(target=sweeper, daemon=True).start()
        held = None
        print(f"gunicorn -w {args.workers}, 1 Celery worker, {os.cpu_count()} CPU cores")
        for level in levels:
            p0, t0 = pushed(), time.perf_counter()
            result = run_level(base_url, level, args.seconds, dossiers, token)
            push_rate = (pushed() - p0) / (time.perf_counter() - t0)
            floor = result.get("floor: /healthz", {}).get("p50") or 1.0
            print(f"\n{level} clients ({args.seconds:.0f} s): closures pushed {push_rate:.0f}/s")
            print("| kind | requests/s | p50 ms | p95 ms | p50 ÷ floor | errors |")
            print("|---|---|---|---|---|---|")
            for kind, r in sorted(result.items()):
                print(
                    f"| {kind} | {r['rps']:.1f} | {r['p50']:.0f} | {r['p95']:.0f} | "
                    f"{r['p50'] / floor:.1f} | {r['errors']} |"
                )
            if sum(r["errors"] for r in result.values()) == 0:
                held = level
            total = sum(r["rps"] for r in result.values())
            print(f"all kinds: {total:.1f} requests/s")
        sweeping.set()
        print(f"\nlargest load held without errors: {held} concurrent clients")
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, 15)
                p.wait(timeout=20)
            except Exception as exc:  # noqa: BLE001
                print(f"stopping {p.args[2]}: {exc}")
        from django.db import connections

        connections.close_all()
        base.drop_database()
        central_database("drop")


if __name__ == "__main__":
    main()
