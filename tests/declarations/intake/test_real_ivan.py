"""The real signed forms of today's I-VAN software (tests/declarations/data, from the public
sample set) verify at their SigningTime with their certificate pinned; one changed value or a
moved signature fails; the trust decision about their CA is separate and has its own code."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from lxml import etree

from core.refusals import Refused
from declarations.employers.pki.parsing import parse_untrusted, xml_schema
from declarations.employers.pki.signatures import DS, signature_inspect, signature_verify
from declarations.employers.procedures import procedure_get
from declarations.intake.envelope import SCHEMAS
from declarations.intake.pipeline import signed_tree_check
from declarations.intake.procedures.d02lt import d02lt_rules_check
from tests.declarations.conftest import DATA
from tests.factories import EmployerFactory

SIGNING_TIME = datetime(2023, 5, 18, 7, 28, 42, tzinfo=UTC)
FILES = {"D02-TS-595.xml": "d02lt.xsd", "TK1-TS-595.xml": "tk1ts.xsd"}
LIMIT = 5 * 1024 * 1024
SIG = f"Cky/{{{DS}}}Signature"
SIGVAL = f".//{{{DS}}}SignatureValue"


def load(name: str) -> bytes:
    return (DATA / name).read_bytes()


def verify(data: bytes):
    root = parse_untrusted(data, limit=LIMIT)
    facts = signature_inspect(root, container="Cky", form=root.tag)
    return facts, signature_verify(root, container="Cky", certificate=facts.certificate)


@pytest.mark.parametrize("name", FILES)
def test_real_form_starts_with_a_bom_and_verifies(name):
    data = load(name)
    assert data.startswith(b"\xef\xbb\xbf")
    facts, signed = verify(data)
    assert facts.claimed_time == SIGNING_TIME and not facts.claim_signed
    assert "MST:0101300842-999" in facts.certificate.subject.rfc4514_string()
    assert signed.find(SIG) is None  # only what was signed comes back
    assert signed.findtext("NoiDung/LaoDong/HoTen") == "Nguyễn Hoàng Anh"


@pytest.mark.parametrize("name", FILES)
def test_real_form_matches_our_schema(name):
    root = parse_untrusted(load(name), limit=LIMIT)
    schema = xml_schema(SCHEMAS / FILES[name])
    assert schema.validate(root), schema.error_log


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("D02-TS-595.xml", b"<TienLuong>5008000<", b"<TienLuong>5009000<"),
        ("D02-TS-595.xml", b"<PA>TM<", b"<PA>TD<"),
        ("TK1-TS-595.xml", b"<MasoBHXH>2220037811<", b"<MasoBHXH>2220037812<"),
    ],
)
def test_one_changed_value_fails(name, old, new):
    data = load(name)
    assert old in data
    with pytest.raises(Refused) as refusal:
        verify(data.replace(old, new, 1))
    assert refusal.value.errors[0].code == "SIG_DIGEST"


@pytest.mark.parametrize("name", FILES)
def test_moved_signature_fails(name):
    root = parse_untrusted(load(name), limit=LIMIT)
    root.find("NoiDung").append(root.find(SIG))
    data = etree.tostring(root, encoding="utf-8")
    with pytest.raises(Refused) as refusal:
        verify(data)
    assert refusal.value.errors[0].code == "SIG_LOCATION"


@pytest.mark.parametrize("name", FILES)
def test_signature_value_of_another_form_fails(name):
    other = "TK1-TS-595.xml" if name.startswith("D02") else "D02-TS-595.xml"
    value = etree.fromstring(load(other)[3:]).findtext(SIGVAL)
    root = parse_untrusted(load(name), limit=LIMIT)
    root.find(SIGVAL).text = value
    with pytest.raises(Refused) as refusal:
        verify(etree.tostring(root, encoding="utf-8"))
    assert refusal.value.errors[0].code == "SIG_INVALID"


@pytest.fixture
def real_employer(reference_data, trust_dir):
    """The sample's unit, its certificate registered; the sample CA is NOT in the trust store."""
    from tests.declarations.conftest import register_cert

    unit = EmployerFactory(unit_code="REAL595", tax_code="0101300842999", e_status="active")
    facts = signature_inspect(
        parse_untrusted(load("D02-TS-595.xml"), limit=LIMIT), container="Cky", form=None
    )

    class Issued:
        cert = facts.certificate

    register_cert(unit, Issued)
    return unit


@pytest.mark.parametrize("name", FILES)
def test_pinned_and_verified_at_signing_time_but_ca_untrusted(name, real_employer):
    """At their SigningTime the signatures verify against the pinned registered certificate;
    the refusal that follows is about trust in the CA, with its own code."""
    root = parse_untrusted(load(name), limit=LIMIT)
    with time_machine.travel(SIGNING_TIME, tick=False), pytest.raises(Refused) as refusal:
        signed_tree_check(
            root,
            container="Cky",
            employer=real_employer,
            now=datetime.now(UTC),
            form=root.tag,
        )
    assert [e.code for e in refusal.value.errors] == ["CERT_UNTRUSTED"]


def test_tampered_real_form_is_an_invalid_signature_not_a_trust_problem(real_employer):
    data = load("D02-TS-595.xml").replace(b"<TienLuong>5008000<", b"<TienLuong>9008000<")
    root = parse_untrusted(data, limit=LIMIT)
    with time_machine.travel(SIGNING_TIME, tick=False), pytest.raises(Refused) as refusal:
        signed_tree_check(root, container="Cky", employer=real_employer, now=datetime.now(UTC))
    assert [e.code for e in refusal.value.errors] == ["SIG_DIGEST"]


def test_real_form_arriving_today_is_judged_today(real_employer):
    """Its SigningTime (2023) is a claim: at the receipt time its certificate has expired."""
    root = parse_untrusted(load("D02-TS-595.xml"), limit=LIMIT)
    with pytest.raises(Refused) as refusal:
        signed_tree_check(root, container="Cky", employer=real_employer, now=datetime.now(UTC))
    assert [e.code for e in refusal.value.errors] == ["CERT_EXPIRED"]


def test_real_list_passes_procedure_600_rules(real_employer):
    facts, signed = verify(load("D02-TS-595.xml"))
    errors, summary = d02lt_rules_check(
        procedure=procedure_get("600"),
        forms={"D02-LT": [signed]},
        employer=real_employer,
        period=None,
    )
    assert errors == [] and summary["workers"] == 1
