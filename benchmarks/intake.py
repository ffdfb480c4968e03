"""Intake throughput against its floor, over HTTP, and peak memory for a 5 MB dossier.

    .venv/bin/python benchmarks/intake.py [--docs 200] [--rounds 10] [--http-docs 600]
        [--workers CORES+1]
        [--only in-process|http|memory ...]  (default: every part)

Uses a throwaway PostgreSQL database (PG_HOST/PG_PORT, default 127.0.0.1:5432) and Redis
(REDIS_URL, default redis://127.0.0.1:6379/0) for the outbox kicks, like production.

* floor: bare signxml verification of the same signatures (the envelope's and each
  embedded form's), nothing else — measured in the same run;
* in-process: ``intake_submit`` end to end (parse, XSD, signatures pinned + chain + CRL,
  rules, one transaction with dossier, files, receipt, audit entry, outbox e-mail);
  target ≥ 0.5 × the floor. Floor, checks and pipeline are timed in rounds, each on the
  same slice of dossiers, in alternating order (``--rounds``, see ``paired_rounds``); the
  ratio is the median over pairs of rounds, the ratio of the totals printed beside it. The
  e-mail wake-ups the pipeline leaves lingering are sent inside its time;
* HTTP: signed 50-row dossiers uploaded by concurrent clients to gunicorn (the browser
  upload page, session + CSRF as a browser sends them); target ≥ 100 dossiers/s;
* memory: peak RSS growth while a ~5 MB dossier goes through intake, in a fresh process;
  target < 10 × its size.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The project root instead of benchmarks/ (whose queue.py would shadow the standard library's).
sys.path[0] = str(ROOT)
PG = (os.environ.get("PG_HOST", "127.0.0.1"), os.environ.get("PG_PORT", "5432"))
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
DB_NAME = f"bhxh_bench_{os.getpid()}"
QUEUE = f"bhxh-bench-{os.getpid()}"
WORK = Path(tempfile.mkdtemp(prefix="bhxh-bench-"))


def environment() -> dict:
    return {
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": f"postgres://postgres@{PG[0]}:{PG[1]}/{DB_NAME}",
        "TEST_REDIS_URL": REDIS,
        "TEST_CELERY_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
        "TRUSTED_CA_DIR": str(WORK / "pki" / "ca"),
        "LOG_LEVEL": "WARNING",
        "DEBUG": "false",
    }


def create_database():
    import psycopg

    with psycopg.connect(
        host=PG[0], port=PG[1], user="postgres", dbname="postgres", autocommit=True
    ) as c:
        c.execute(f'CREATE DATABASE "{DB_NAME}"')


def drop_database():
    import psycopg

    with psycopg.connect(
        host=PG[0], port=PG[1], user="postgres", dbname="postgres", autocommit=True
    ) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def rows(n: int, salt: str) -> list[dict]:
    return [
        {
            "HoTen": f"Người lao động {salt} {i}",
            "MasoBHXH": f"{(hash((salt, i)) % 10**10):010d}",
            "NgaySinh": "15/06/1990",
            "GioiTinh": str(i % 2),
            "CMND": f"{(hash((salt, i, 'c')) % 10**12):012d}",
            "ChucVu": "Công nhân",
            "NoiLamViec": "Khu công nghiệp Tân Bình, TP. Hồ Chí Minh",
            "TienLuong": str(6_000_000 + i * 1000),
            "PhuCapCV": "0",
            "TuThang": "10/2026",
            "PA": "TM",
            "TyleDong": "32",
            "Ghichu": "Tăng mới",
        }
        for i in range(n)
    ]


def setup():
    import django

    os.environ.update(environment())
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("loaddata", "offices", "roles", verbosity=0)
    from accounts.selectors import office_resolve
    from declarations.employers.models import Employer, EStatus
    from declarations.employers.pki.demo_ca import demo_pki_write
    from declarations.employers.registration_form import registration_form_signed
    from declarations.employers.services import certificate_register

    employer = Employer.objects.create(
        unit_code="BENCH1A",
        name="Công ty TNHH Đo Hiệu Năng",
        tax_code="0101300842",
        managing_office=office_resolve("0101"),
        wage_zone="I",
        e_status=EStatus.ACTIVE,
        contact_email="bench@example.vn",
    )
    demo_pki_write(WORK / "pki", [("BENCH1A", "0101300842", employer.name)])
    cert_pem = (WORK / "pki" / "BENCH1A.cert.pem").read_bytes()
    certificate_register(
        actor=None,
        employer=employer,
        data=cert_pem,
        signed_form=registration_form_signed(
            employer=employer,
            key_pem=(WORK / "pki" / "BENCH1A.key.pem").read_bytes(),
            cert_pem=cert_pem,
        ),
    )
    return employer


def signed_dossiers(employer, count: int, n_rows: int) -> list[bytes]:
    from declarations.employers.pki.signing import sign_dossier
    from declarations.employers.procedures import procedure_get
    from declarations.intake.envelope import d02lt_build, envelope_build

    key = (WORK / "pki" / "BENCH1A.key.pem").read_bytes()
    cert = (WORK / "pki" / "BENCH1A.cert.pem").read_bytes()
    out = []
    for k in range(count):
        xml = envelope_build(
            employer=employer,
            procedure=procedure_get("600"),
            period="10/2026",
            files=[
                (
                    "D02-LT",
                    "D02-LT.xml",
                    "xml",
                    d02lt_build(rows(n_rows, f"{n_rows}-{k}-{uuid.uuid4().hex[:6]}")),
                )
            ],
        )
        out.append(sign_dossier(xml, key_pem=key, cert_pem=cert))
    return out


def floor_rate(dossiers: list[bytes], cert_pem: bytes) -> float:
    """Bare signxml: verify the envelope's signature and each embedded form's."""
    import base64

    from lxml import etree
    from signxml import SignatureConfiguration, XMLVerifier
    from signxml.algorithms import CanonicalizationMethod

    def verifier():
        v = XMLVerifier()
        v.excise_empty_xmlns_declarations = True  # see declarations.employers.pki.signatures
        return v

    def cfg(location):
        return SignatureConfiguration(
            location=location,
            expect_references=1,
            default_reference_c14n_method=CanonicalizationMethod.CANONICAL_XML_1_0,
        )

    cert = cert_pem.decode()
    start = time.perf_counter()
    for data in dossiers:
        verifier().verify(data, x509_cert=cert, expect_config=cfg("./CKy_Dvi/"))
        root = etree.fromstring(data)
        for node in root.iterfind("NoiDung/ThongTinHoSo/ToKhais/FileToKhai"):
            form = base64.b64decode(node.findtext("NoiDungFile"))
            verifier().verify(form, x509_cert=cert, expect_config=cfg("./Cky/"))
    return len(dossiers) / (time.perf_counter() - start)


def pipeline_rate(dossiers: list[bytes], *, sandbox: bool = False) -> float:
    """``sandbox``: every check, no write (shows what the one transaction costs)."""
    from core.outbox.waker import waker
    from declarations.intake.pipeline import intake_submit

    start = time.perf_counter()
    for data in dossiers:
        result = intake_submit(data=data, channel="cli", sandbox=sandbox)
        assert result.ok and not result.duplicate, result.errors_as_dicts()
    # The e-mails' wake-ups still lingering are sent now, inside the time: their cost is the
    # pipeline's, not the next side's (see paired_rounds).
    waker().flush(at_once=True)
    return len(dossiers) / (time.perf_counter() - start)


FLOOR, CHECKS, PIPELINE = 1, 2, 3  # places in a round's tuple (0: its number of dossiers)


def paired_rounds(docs: list[bytes], cert_pem: bytes, rounds: int) -> list[tuple]:
    """The floor, the checks and the whole pipeline timed round by round, each round on its
    own slice of the dossiers, the three one right after the other: one (slice size, floor
    seconds, checks seconds, pipeline seconds) per round.

    On a shared machine the speed drifts by ±15 % within a minute and another process's
    burst can take a core for a fraction of a second: measured as three long stretches, the
    ratio carried whatever changed between them. Rounds see the same conditions on both
    sides. A side also runs about a tenth quicker right after itself (its code and data
    still in the CPU's caches) than after the other, so the order alternates: floor first
    in one round, pipeline first in the next. ``rounds`` is made even."""
    rounds = max(2, rounds + rounds % 2)
    size = max(1, -(-len(docs) // rounds))
    out = []
    for index, start in enumerate(range(0, len(docs), size)):
        chunk = docs[start : start + size]
        seconds = {}
        order = (FLOOR, CHECKS, PIPELINE)
        for side in order if index % 2 == 0 else reversed(order):
            rate = (
                floor_rate(chunk, cert_pem)
                if side == FLOOR
                else pipeline_rate(chunk, sandbox=side == CHECKS)
            )
            seconds[side] = len(chunk) / rate
        out.append((len(chunk), seconds[FLOOR], seconds[CHECKS], seconds[PIPELINE]))
    return out


def pair_ratios(rounds: list[tuple], side: int) -> list[float]:
    """``side``'s rate over the floor's in each pair of consecutive rounds (one in each
    order)."""
    pairs = [rounds[i : i + 2] for i in range(0, len(rounds) - 1, 2)]
    return [sum(r[FLOOR] for r in pair) / sum(r[side] for r in pair) for pair in pairs]


# --- HTTP -------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http_client(base: str, username: str, password: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    page = opener.open(f"{base}/tai-khoan/dang-nhap/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password}
    ).encode()
    request = urllib.request.Request(  # noqa: S310
        f"{base}/tai-khoan/dang-nhap/", data=body, headers={"Referer": base + "/"}
    )
    try:
        opener.open(request)
    except urllib.error.HTTPError as exc:
        assert exc.code == 302, exc.code
    page = opener.open(f"{base}/giao-dich/nop/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return opener, token


def upload(opener, token: str, base: str, data: bytes) -> int:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="hoso.xml"\r\n'
            "Content-Type: application/xml\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(  # noqa: S310
        f"{base}/giao-dich/nop/",
        data=body,
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Referer": base + "/",
        },
    )
    try:
        status = opener.open(request).status
    except urllib.error.HTTPError as exc:
        status = exc.code
    _message_consume(opener)
    return status


def _message_consume(opener) -> None:
    """A browser shows the "received" message on the page it is redirected to, which takes
    it out of the messages cookie; this client does not load that page, so it drops the
    cookie itself (else every upload would carry all the earlier messages back)."""
    for handler in opener.handlers:
        if isinstance(handler, urllib.request.HTTPCookieProcessor):
            for cookie in list(handler.cookiejar):
                if cookie.name == "messages":
                    handler.cookiejar.clear(cookie.domain, cookie.path, cookie.name)


def http_rate(employer, dossiers: list[bytes], workers: int, clients: int) -> tuple[float, int]:
    from accounts.models import Role, User
    from accounts.services import membership_grant
    from declarations.employers.models import EmployerMember

    user = User.objects.create(username="bench_user")
    user.set_password("Bench#Password2026")
    user.save()
    EmployerMember.objects.create(employer=employer, user=user)
    membership_grant(
        actor=None,
        user=user,
        role=Role.objects.get(pk="employer_user"),
        office=employer.managing_office,
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
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **environment()},
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310
                break
            except Exception:  # noqa: BLE001
                time.sleep(0.2)
        sessions = [http_client(base, "bench_user", "Bench#Password2026") for _ in range(clients)]
        for opener, token in sessions:  # warm every worker
            assert upload(opener, token, base, dossiers.pop()) == 302
        queue = list(dossiers)
        lock = threading.Lock()
        failures = []

        def run(opener, token):
            while True:
                with lock:
                    if not queue:
                        return
                    data = queue.pop()
                status = upload(opener, token, base, data)
                if status != 302:
                    failures.append(status)

        threads = [threading.Thread(target=run, args=s) for s in sessions]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        return len(dossiers) / elapsed, len(failures)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)


# --- memory -----------------------------------------------------------------------------------
MEMORY_CHILD = """
import json, sys
import django
django.setup()
from declarations.intake.pipeline import intake_submit


def status(field):
    for line in open('/proc/self/status'):
        if line.startswith(field):
            return int(line.split()[1])


data = open(sys.argv[1], 'rb').read()
intake_submit(data=b'<Hoso/>', channel='cli')  # import everything the pipeline uses
import gc; gc.collect()
with open('/proc/self/clear_refs', 'w') as f:
    f.write('5')  # reset the peak (VmHWM) to the current RSS
before = status('VmRSS:')
result = intake_submit(data=data, channel='cli')
peak = status('VmHWM:')
print(json.dumps({'ok': result.ok, 'errors': [e.code for e in result.errors][:5], 'growth_kb': peak - before, 'size': len(data)}))
"""


def memory_check(employer, *, attachments: bool) -> dict:
    """A ~5 MB dossier: mostly a PDF attachment (``attachments``) or one huge worker list."""
    from declarations.employers.pki.signing import sign_dossier
    from declarations.employers.procedures import procedure_get
    from declarations.intake.envelope import d02lt_build, envelope_build

    if attachments:
        files = [
            ("D02-LT", "D02-LT.xml", "xml", d02lt_build(rows(50, "mem-a"))),
            ("PDF", "hop-dong.pdf", "pdf", b"%PDF-1.4 " + os.urandom(3_600_000)),
        ]
    else:
        files = [("D02-LT", "D02-LT.xml", "xml", d02lt_build(rows(7400, "mem-b")))]
    xml = envelope_build(
        employer=employer, procedure=procedure_get("600"), period="10/2026", files=files
    )
    signed = sign_dossier(
        xml,
        key_pem=(WORK / "pki" / "BENCH1A.key.pem").read_bytes(),
        cert_pem=(WORK / "pki" / "BENCH1A.cert.pem").read_bytes(),
    )
    path = WORK / "big.xml"
    path.write_bytes(signed)
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_CHILD, str(path)],
        cwd=ROOT,
        env={**os.environ, **environment(), "INTAKE_MAX_BYTES": str(8 * 1024 * 1024)},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=200, help="50-row dossiers in-process")
    parser.add_argument("--big-docs", type=int, default=10, help="1000-row dossiers in-process")
    parser.add_argument(
        "--rounds", type=int, default=10, help="paired rounds of floor / checks / pipeline"
    )
    parser.add_argument("--http-docs", type=int, default=600)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) + 1)  # as deployed
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--only",
        choices=("in-process", "http", "memory"),
        action="append",
        help="run only these parts (repeatable; default: all)",
    )
    args = parser.parse_args()
    parts = set(args.only or ("in-process", "http", "memory"))
    create_database()
    try:
        employer = setup()
        cert = (WORK / "pki" / "BENCH1A.cert.pem").read_bytes()
        report = {}
        for label, n_rows, count in (
            (("50 rows", 50, args.docs), ("1000 rows", 1000, args.big_docs))
            if "in-process" in parts
            else ()
        ):
            docs = signed_dossiers(employer, count, n_rows)
            rounds = paired_rounds(docs, cert, args.rounds)
            floor, checks, rate = (
                len(docs) / sum(r[side] for r in rounds) for side in (FLOOR, CHECKS, PIPELINE)
            )
            pairs = pair_ratios(rounds, PIPELINE)
            # The median leaves out a pair a burst hit, on either side.
            ratio = statistics.median(pairs)
            checks_ratio = statistics.median(pair_ratios(rounds, CHECKS))
            report[label] = {
                "floor_docs_per_s": round(floor, 1),
                "checks_only_docs_per_s": round(checks, 1),
                "pipeline_docs_per_s": round(rate, 1),
                "ratio": round(ratio, 2),
                "checks_only_ratio": round(checks_ratio, 2),
                "ratio_of_totals": round(rate / floor, 2),
                "pair_ratios": [round(r, 2) for r in pairs],
            }
            print(
                f"{label}: floor (bare signxml) {floor:.1f}/s; every check, no write "
                f"{checks:.1f}/s; whole pipeline {rate:.1f}/s; ratio {ratio:.2f} (median of "
                f"{len(pairs)} pairs of rounds; of the totals {rate / floor:.2f}; target ≥ 0.5), "
                f"checks alone {checks_ratio:.2f}"
            )
        if "http" in parts:
            docs = signed_dossiers(employer, args.http_docs + args.clients, 50)
            rate, failures = http_rate(employer, docs, args.workers, args.clients)
            report["http 50 rows"] = {
                "docs_per_s": round(rate, 1),
                "ratio_to_target_100": round(rate / 100, 2),
                "failures": failures,
            }
            print(
                f"HTTP, 50 rows, {args.workers} gunicorn workers, {args.clients} clients: {rate:.1f}/s ({rate / 100:.2f} × the 100/s target), failures {failures}"
            )
        for label, attachments in (
            (("5 MB, mostly a PDF", True), ("5 MB worker list", False)) if "memory" in parts else ()
        ):
            memory = memory_check(employer, attachments=attachments)
            ratio = memory["growth_kb"] * 1024 / memory["size"]
            report[f"memory {label}"] = {**memory, "ratio": round(ratio, 2)}
            print(
                f"Memory, {label}: {memory['size'] / 1e6:.2f} MB dossier (accepted: {memory['ok']} "
                f"{memory['errors']}), peak RSS growth {memory['growth_kb'] / 1024:.1f} MB = "
                f"{ratio:.2f} × its size (target < 10)"
            )
        print(json.dumps(report, ensure_ascii=False))
    finally:
        from django.db import connections

        connections.close_all()
        drop_database()
        try:
            import redis

            redis.Redis.from_url(REDIS).delete(QUEUE)
        except Exception:  # noqa: BLE001, S110
            pass


if __name__ == "__main__":
    main()
