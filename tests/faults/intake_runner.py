"""Run in a subprocess against a private PostgreSQL cluster (``DATABASE_URL``):

    python -m tests.faults.intake_runner setup|submit|check WORKDIR [--dossiers N] [--threads T]

``setup`` migrates the database and signs the dossiers; ``submit`` sends them through
``intake_submit`` from concurrent submitters that retry after an error, as a browser user
would, and writes every answer to ``WORKDIR/outcomes.json``; ``check`` verifies that every
stored dossier is whole and that every receipt handed out belongs to a stored dossier.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")


def _django():
    import django

    django.setup()


def setup(work: Path, dossiers: int) -> None:
    _django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("loaddata", "offices", "roles", verbosity=0)
    from accounts.selectors import office_resolve
    from declarations.employers.models import Employer, EStatus
    from declarations.employers.pki.demo_ca import demo_pki_write
    from declarations.employers.pki.signing import sign_dossier
    from declarations.employers.procedures import procedure_get
    from declarations.employers.registration_form import registration_form_signed
    from declarations.employers.services import certificate_register
    from declarations.intake.envelope import d02lt_build, envelope_build
    from declarations.intake.money_tables import money_tables_seed

    money_tables_seed()
    employer = Employer.objects.create(
        unit_code="FAULT1A",
        name="Công ty TNHH Thử Lỗi",
        tax_code="0101300842",
        managing_office=office_resolve("0101"),
        wage_zone="I",
        e_status=EStatus.ACTIVE,
        contact_email="ketoan@fault1a.example.vn",
    )
    demo_pki_write(work / "pki", [("FAULT1A", "0101300842", employer.name)])
    key = (work / "pki" / "FAULT1A.key.pem").read_bytes()
    cert = (work / "pki" / "FAULT1A.cert.pem").read_bytes()
    certificate_register(
        actor=None,
        employer=employer,
        data=cert,
        signed_form=registration_form_signed(employer=employer, key_pem=key, cert_pem=cert),
    )
    out = work / "dossiers"
    out.mkdir(exist_ok=True)
    for k in range(dossiers):
        rows = [
            {
                "HoTen": f"Người lao động {k} {i}",
                "MasoBHXH": f"{(k * 10 + i) % 10**10:010d}",
                "NgaySinh": "15/06/1990",
                "GioiTinh": str(i % 2),
                "CMND": f"{(k * 10 + i) % 10**12:012d}",
                "ChucVu": "Công nhân",
                "NoiLamViec": "Hà Nội",
                "TienLuong": str(6_000_000 + k * 1000 + i),
                "PhuCapCV": "0",
                "TuThang": "10/2026",
                "PA": "TM",
                "TyleDong": "32",
            }
            for i in range(2)
        ]
        xml = envelope_build(
            employer=employer,
            procedure=procedure_get("600"),
            period="10/2026",
            files=[("D02-LT", "D02-LT.xml", "xml", d02lt_build(rows))],
        )
        (out / f"{k:05d}.xml").write_bytes(sign_dossier(xml, key_pem=key, cert_pem=cert))


def submit(work: Path, threads: int, budget: float) -> None:
    # The test asks for every thread's stack (SIGUSR1) before it gives up on a stall.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    _django()
    from django.db import connection

    from declarations.intake.pipeline import intake_submit

    files = sorted((work / "dossiers").glob("*.xml"))
    queue = list(files)
    lock = threading.Lock()
    outcomes: dict[str, dict] = {}
    deadline = time.monotonic() + budget

    def run():
        while True:
            with lock:
                if not queue:
                    break
                path = queue.pop(0)
            data = path.read_bytes()
            answers = []
            while time.monotonic() < deadline:
                try:
                    result = intake_submit(data=data, channel="cli")
                except Exception as exc:  # noqa: BLE001  (the submitter sees an error)
                    answers.append({"error": type(exc).__name__})
                    connection.close()
                    time.sleep(0.1)
                    continue
                if result.ok:
                    answers.append(
                        {
                            "receipt": result.receipt.pk,
                            "dossier": result.dossier.pk,
                            "duplicate": result.duplicate,
                        }
                    )
                else:
                    answers.append({"refused": [e.code for e in result.errors]})
                break
            outcomes[path.name] = answers
        connection.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    (work / "outcomes.json").write_text(json.dumps(outcomes))


def check(work: Path) -> None:
    _django()
    from accounts.audit import seal, verify_chain
    from accounts.models import AuditEntry
    from core.outbox.models import OutboxMessage
    from declarations.dossiers.models import Dossier, Notice

    outcomes = json.loads((work / "outcomes.json").read_text())
    half = []
    for d in Dossier.objects.prefetch_related("files", "notices"):
        problems = []
        if not d.files.all():
            problems.append("files")
        if not [n for n in d.notices.all() if n.kind == "receipt"]:
            problems.append("receipt")
        if not AuditEntry.objects.filter(
            action="dossier.received", target_type="dossiers.dossier", target_id=str(d.pk)
        ).exists():
            problems.append("audit")
        if not OutboxMessage.objects.filter(key=f"receipt-{d.transaction_code}").exists():
            problems.append("outbox e-mail")
        if problems:
            half.append({"dossier": d.pk, "missing": problems})
    receipts = {a["receipt"] for answers in outcomes.values() for a in answers if "receipt" in a}
    stored_receipts = set(
        Notice.objects.filter(pk__in=receipts, kind="receipt").values_list("pk", flat=True)
    )
    seal()
    chain = verify_chain()
    report = {
        "submitted": len(outcomes),
        "stored": Dossier.objects.count(),
        "distinct_contents": Dossier.objects.values("content_sha256").distinct().count(),
        "errors_seen": sum(1 for answers in outcomes.values() for a in answers if "error" in a),
        "receipts": sum(1 for answers in outcomes.values() if answers and "receipt" in answers[-1]),
        "duplicates_answered": sum(
            1 for answers in outcomes.values() for a in answers if a.get("duplicate")
        ),
        "refused": sum(1 for answers in outcomes.values() for a in answers if "refused" in a),
        "half_written": half,
        "receipts_without_dossier": sorted(receipts - stored_receipts),
        "audit_chain_ok": chain.ok,
        "audit_checked": chain.checked,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["setup", "submit", "check"])
    parser.add_argument("work", type=Path)
    parser.add_argument("--dossiers", type=int, default=120)
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--budget", type=float, default=60.0)
    args = parser.parse_args()
    if args.mode == "setup":
        setup(args.work, args.dossiers)
    elif args.mode == "submit":
        submit(args.work, args.threads, args.budget)
    else:
        check(args.work)
