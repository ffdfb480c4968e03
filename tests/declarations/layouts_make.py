"""Write the layout fixtures of ``data/layouts/`` (run once; the files are committed):

    DJANGO_SETTINGS_MODULE=portal.settings.test .venv/bin/python -m tests.declarations.layouts_make

A CA and a signer valid for 20 years (the CA's certificate is ``layouts-ca.pem``; no key is
kept), an expired signer, and a TSA; one envelope per layout (see ivan_layouts.py) for the
unit TZH490L (MST 0101300842) with a signed D02-LT inside."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import django

OUT = Path(__file__).parent / "data" / "layouts"


def main() -> None:
    django.setup()
    from types import SimpleNamespace

    from declarations.employers.pki import demo_ca as pki
    from declarations.employers.procedures import procedure_get
    from declarations.intake.envelope import d02lt_build, envelope_build

    from .conftest import MST, worker
    from .ivan_layouts import LAYOUTS, net_sign_dossier
    from .tsa import LocalTsa

    OUT.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    ca = pki.ca_create(name="BHXH Layout Fixtures CA", days=365 * 25)
    signer = pki.employer_cert_create(
        ca, mst=MST, name="Công ty Thử nghiệm", not_after=now + timedelta(days=365 * 20)
    )
    expired = pki.employer_cert_create(
        ca,
        mst=MST,
        name="Công ty Thử nghiệm (hết hạn)",
        not_before=now - timedelta(days=400),
        not_after=now - timedelta(days=30),
    )
    (OUT / "layouts-ca.pem").write_bytes(ca.cert_pem)
    employer = SimpleNamespace(
        name="Công ty TNHH Thử nghiệm",
        unit_code="TZH490L",
        tax_code=MST,
        contact_phone="0243000000",
        managing_office=SimpleNamespace(code="00101"),
    )
    unsigned = envelope_build(
        employer=employer,
        procedure=procedure_get("600"),
        period="10/2026",
        files=[("D02-LT", "D02-LT.xml", "xml", d02lt_build([worker(1), worker(2)]))],
    )
    claim = now.replace(microsecond=0)
    for layout in LAYOUTS:
        data = net_sign_dossier(unsigned, issued=signer, layout=layout, signing_time=claim)
        (OUT / f"{layout}.xml").write_bytes(data)
    data = net_sign_dossier(unsigned, issued=signer, layout="smartca", bom=False)
    (OUT / "smartca-no-bom.xml").write_bytes(data)
    data = net_sign_dossier(unsigned, issued=expired, layout="smartca", signing_time=claim)
    (OUT / "smartca-expired-signer.xml").write_bytes(data)
    tsa = LocalTsa(pki.tsa_cert_create(ca, name="BHXH Layout Fixtures TSA"))
    try:
        data = net_sign_dossier(unsigned, issued=signer, layout="ds_object", tsa_url=tsa.url)
    finally:
        tsa.close()
    (OUT / "ds_object-timestamped.xml").write_bytes(data)
    print(f"written to {OUT}")


if __name__ == "__main__":
    main()
