"""The portal's own side of the multi-node proof (tests/faults/test_multinode.py), run in a
subprocess: ``python -m tests.faults.multinode_runner WORKDIR``.

One process, one Django start-up (the migrations are most of its time), connected as every
node is: ``DATABASE_URL`` through PgBouncer, so it follows the failover. It migrates and
seeds the database, makes an employer carried by a provider with an I-VAN API client, signs
the dossiers the test submits, signs an officer in, and writes ``WORKDIR/setup.json``; then
it answers commands read from stdin, one per line, each with one line ``REPLY {json}``:

* ``closures N`` — N closure records confirmed, a push task sent for each chunk of them (as
  a confirmation sends it);
* ``sweep`` — the push sweep sent (as beat sends it every minute); the push states counted;
* ``check`` — the stored dossiers, their receipts and audit entries, the audit chain sealed
  and verified, the closures' push states;
* ``quit``.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

OFFICER = "multinode-officer"
UNIT = "TZH490L"
PROVIDER = "VNPT"
CHUNK = 25


def setup(work: Path, dossiers: int) -> dict:
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.monotonic() - started:.1f}s", file=sys.stderr, flush=True)
    from declarations.employers.models import EStatus, Provider
    from declarations.employers.pki.signing import sign_dossier
    from ivan.services import api_client_create
    from tests.conftest import _load_reference_data
    from tests.declarations.conftest import MST, Pki, dossier_xml, register_cert, worker
    from tests.declarations.review_world import staff
    from tests.factories import EmployerFactory, carry

    _load_reference_data()
    pki = Pki()
    trusted = work / "trusted-ca"
    trusted.mkdir(exist_ok=True)
    (trusted / "demo-ca.pem").write_bytes(pki.ca.cert_pem)
    (trusted / "demo-ca.crl").write_bytes(pki.crl)
    provider = Provider.objects.get(code=PROVIDER)
    unit = EmployerFactory(
        unit_code=UNIT,
        tax_code=MST,
        e_status=EStatus.ACTIVE,
        contact_email=f"ketoan@{UNIT.lower()}.example.vn",
    )
    register_cert(unit, pki.good)
    carry(unit, provider)
    issued = api_client_create(
        actor=None, provider=provider, scopes=["dossiers:submit", "dossiers:read"]
    )
    out = work / "dossiers"
    out.mkdir(exist_ok=True)
    for k in range(dossiers):
        xml = dossier_xml(unit, [worker(2 * k + 1), worker(2 * k + 2)])
        signed = sign_dossier(xml, key_pem=pki.good.key_pem, cert_pem=pki.good.cert_pem)
        (out / f"{k:04d}.xml").write_bytes(signed)
    print(f"signed in {time.monotonic() - started:.1f}s", file=sys.stderr, flush=True)
    client = Client()
    client.force_login(staff(unit.managing_office.code, username=OFFICER))
    return {
        "client_id": issued.client_id,
        "secret": issued.secret,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "trusted_ca_dir": str(trusted),
    }


def closures(n: int) -> dict:
    from accounts.selectors import office_resolve
    from closure_sync.tasks import closure_push_records
    from tests.closure_sync.helpers import confirmed_closures

    ids = [r.pk for r in confirmed_closures(n, office=office_resolve("0101"))]
    for i in range(0, len(ids), CHUNK):
        closure_push_records.delay(ids[i : i + CHUNK])
    return {"created": len(ids)}


def push_states() -> dict:
    from django.db.models import Count

    from closure_sync.models import ClosureRecord

    return dict(ClosureRecord.objects.values_list("push_state").annotate(n=Count("pk")))


def sweep() -> dict:
    from closure_sync.tasks import closure_push_sweep

    closure_push_sweep.delay()
    return push_states()


def check() -> dict:
    from django.db import connection

    from accounts.audit import seal, verify_chain
    from accounts.models import AuditEntry
    from closure_sync.models import ClosureRecord
    from declarations.dossiers.models import Dossier

    half = []
    for d in Dossier.objects.prefetch_related("files", "notices"):
        missing = [
            what
            for what, present in (
                ("files", d.files.all()),
                ("receipt", [n for n in d.notices.all() if n.kind == "receipt"]),
                (
                    "audit",
                    AuditEntry.objects.filter(
                        action="dossier.received", target_id=str(d.pk)
                    ).exists(),
                ),
            )
            if not present
        ]
        if missing:
            half.append({"dossier": d.transaction_code, "missing": missing})
    seal()
    chain = verify_chain()
    with connection.cursor() as cur:
        cur.execute("SELECT pg_is_in_recovery(), inet_server_port()")
        in_recovery, port = cur.fetchone()
    return {
        "server": {"in_recovery": in_recovery, "port": port},
        "stored": Dossier.objects.count(),
        "distinct_contents": Dossier.objects.values("content_sha256").distinct().count(),
        "transaction_codes": list(Dossier.objects.values_list("transaction_code", flat=True)),
        "half_written": half,
        "audit_chain_ok": chain.ok,
        "audit_checked": chain.checked,
        "push_states": push_states(),
        "central_receipts": dict(ClosureRecord.objects.values_list("reference", "central_receipt")),
    }


def _reply(payload: dict) -> None:
    print("REPLY " + json.dumps(payload, default=str), flush=True)


def serve() -> None:
    from django.db import connections

    for line in sys.stdin:
        command, *args = line.split()
        if command == "quit":
            break
        # The failover cut this process's connections: start each command on fresh ones.
        connections.close_all()
        try:
            if command == "closures":
                _reply(closures(int(args[0])))
            elif command == "sweep":
                _reply(sweep())
            elif command == "check":
                _reply(check())
            else:
                _reply({"error": f"unknown command {command}"})
        except Exception as exc:  # noqa: BLE001  (the test reads it and decides)
            _reply({"error": repr(exc), "traceback": traceback.format_exc()[-2000:]})


if __name__ == "__main__":
    import django

    django.setup()
    work = Path(sys.argv[1])
    (work / "setup.json").write_text(json.dumps(setup(work, int(sys.argv[2]))))
    _reply({"ready": True})
    serve()
