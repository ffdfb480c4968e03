"""demo_pki, sign_dossier and submit_dossier, run as operators run them."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from declarations.dossiers.models import Dossier
from declarations.employers.pki.trust import load_certificate
from tests.declarations.conftest import dossier_xml, register_cert


def test_demo_pki_sign_and_submit(tmp_path, employer, settings):
    call_command(
        "demo_pki",
        "--out",
        str(tmp_path / "pki"),
        "--unit",
        f"{employer.unit_code}:{employer.tax_code}",
    )
    settings.TRUSTED_CA_DIR = tmp_path / "pki" / "ca"
    cert_pem = (tmp_path / "pki" / f"{employer.unit_code}.cert.pem").read_bytes()

    class Issued:
        cert = load_certificate(cert_pem)

    register_cert(employer, Issued)
    unsigned = tmp_path / "in.xml"
    unsigned.write_bytes(dossier_xml(employer))
    signed = tmp_path / "out.xml"
    call_command(
        "sign_dossier",
        "--key",
        str(tmp_path / "pki" / f"{employer.unit_code}.key.pem"),
        "--cert",
        str(tmp_path / "pki" / f"{employer.unit_code}.cert.pem"),
        str(unsigned),
        str(signed),
    )
    out = StringIO()
    call_command("submit_dossier", str(signed), stdout=out)
    dossier = Dossier.objects.get()
    assert f"RECEIVED {dossier.transaction_code}" in out.getvalue()


def test_submit_refusal_prints_every_error_and_exits_non_zero(tmp_path, employer):
    path = tmp_path / "unsigned.xml"
    path.write_bytes(dossier_xml(employer))
    err = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("submit_dossier", str(path), stderr=err)
    assert failure.value.returncode == 2
    assert "SIG_MISSING" in err.getvalue()
    assert not Dossier.objects.exists()
