"""``manage.py signature_check``: each signature of a file described, with its verdicts; exit
0 only when all are valid and trusted; nothing written. Run on every layout fixture
(data/layouts/, made by layouts_make.py) and on the real I-VAN samples (data/)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import AuditEntry
from declarations.dossiers.models import Dossier
from declarations.employers.pki.parsing import parse_untrusted
from declarations.employers.pki.signatures import signature_inspect
from declarations.intake.pipeline import intake_submit
from tests.declarations.conftest import DATA, register_cert

LAYOUTS = DATA / "layouts"
GOOD = ["smartca", "smartca_named", "ds_object", "properties", "smartca-no-bom"]


@pytest.fixture
def layouts_trusted(trust_dir):
    (trust_dir / "layouts-ca.pem").write_bytes((LAYOUTS / "layouts-ca.pem").read_bytes())
    return trust_dir


def check(path, *args) -> tuple[int, dict]:
    out = StringIO()
    try:
        call_command("signature_check", str(path), "--json", *args, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, json.loads(out.getvalue())


def text(path, *args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("signature_check", str(path), *args, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("name", GOOD)
def test_each_layout_is_valid_and_trusted(name, layouts_trusted):
    code, answer = check(LAYOUTS / f"{name}.xml")
    signatures = answer["signatures"]
    assert [s["where"] for s in signatures] == ["Hoso/CKy_Dvi", "D02-LT.xml: D02-LT/Cky"]
    for signature in signatures:
        assert signature["shape"] == "ok" and signature["crypto"] == "valid"
        assert signature["codes"] == []
        assert signature["certificate"]["mst"] == "0101300842"
        assert signature["time_source"] == "now"
    assert code == 0
    assert not Dossier.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", GOOD)
def test_each_layout_with_its_ca_not_trusted_is_untrusted_not_invalid(name, trust_dir):
    code, answer = check(LAYOUTS / f"{name}.xml")
    assert code == 1
    for signature in answer["signatures"]:
        assert signature["crypto"] == "valid" and signature["codes"] == ["CERT_UNTRUSTED"]


@pytest.mark.django_db
def test_expired_signer_is_valid_but_expired_and_trusted_inside_its_validity(layouts_trusted):
    path = LAYOUTS / "smartca-expired-signer.xml"
    code, answer = check(path)
    assert code == 1
    assert {tuple(s["codes"]) for s in answer["signatures"]} == {("CERT_EXPIRED",)}
    assert all(s["crypto"] == "valid" for s in answer["signatures"])
    inside = answer["signatures"][0]["certificate"]["not_after"]
    code, answer = check(path, "--at", inside)
    assert code == 0 and answer["signatures"][0]["time_source"] == "given"


@pytest.mark.django_db
def test_timestamped_layout_is_judged_at_its_timestamp(layouts_trusted):
    code, answer = check(LAYOUTS / "ds_object-timestamped.xml")
    assert code == 0
    envelope, form = answer["signatures"]
    assert envelope["time_source"] == "tsa" and envelope["claim_signed"] is True


@pytest.mark.django_db
def test_tampered_layout_is_invalid(layouts_trusted, tmp_path):
    data = (
        (LAYOUTS / "smartca.xml").read_bytes().replace(b"<KyKeKhai>10/2026<", b"<KyKeKhai>11/2026<")
    )
    (tmp_path / "x.xml").write_bytes(data)
    code, answer = check(tmp_path / "x.xml")
    assert code == 1
    envelope = answer["signatures"][0]
    assert envelope["crypto"] == "invalid" and envelope["codes"] == ["SIG_DIGEST"]
    assert answer["signatures"][1]["crypto"] == "valid"  # the form itself is untouched


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["D02-TS-595.xml", "TK1-TS-595.xml"])
def test_real_ivan_samples_verify_and_their_ca_is_untrusted(name, trust_dir):
    code, answer = check(DATA / name, "--at", "2023-05-18T07:28:42Z")
    assert code == 1
    (signature,) = answer["signatures"]
    assert signature["crypto"] == "valid" and signature["codes"] == ["CERT_UNTRUSTED"]
    assert signature["claimed_time"] == "2023-05-18T07:28:42+00:00"
    assert signature["certificate"]["mst"] == "0101300842999"


@pytest.mark.django_db
def test_text_output_names_the_claim_and_the_verdicts(layouts_trusted):
    code, out = text(LAYOUTS / "smartca.xml")
    assert code == 0
    assert "== Hoso/CKy_Dvi" in out and "crypto:  valid" in out
    assert "covered by a Reference; a claim only" in out and "verdict: trusted" in out


@pytest.mark.django_db
def test_not_xml_is_reported_not_raised(tmp_path):
    (tmp_path / "x.xml").write_bytes(b"PK\x03\x04")
    code, answer = check(tmp_path / "x.xml")
    assert code == 1 and answer["signatures"][0]["shape"] == "XML_MALFORMED"


@pytest.mark.parametrize("name", GOOD)
def test_the_fixtures_are_received_by_intake(name, employer, layouts_trusted):
    """The same files, the unit's certificate registered: received like any dossier."""
    data = (LAYOUTS / f"{name}.xml").read_bytes()
    facts = signature_inspect(parse_untrusted(data, limit=10**7), container="CKy_Dvi", form=None)

    class Issued:
        cert = facts.certificate

    register_cert(employer, Issued)
    result = intake_submit(data=data, channel="cli")
    assert result.ok, [e.code for e in result.errors]
