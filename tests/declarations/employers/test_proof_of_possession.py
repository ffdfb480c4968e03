"""Proof of key possession: a certificate is registered (or renewed) only with the
04/ĐK-IVAN signed by that certificate's key, naming the same unit, MST and serial, recent;
a refusal writes nothing (no registration, no certificate, no audit entry)."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from accounts.models import AuditEntry
from core.refusals import Refused
from declarations.employers.models import EStatus, RegisteredCertificate, Registration
from declarations.employers.registration_form import MAX_BYTES, registration_form_check
from declarations.employers.services import certificate_register, registration_submit
from tests.declarations.conftest import MST, OTHER_MST, form_data, signed_04
from tests.factories import EmployerFactory, employer_user


@pytest.fixture
def unit(reference_data, trust_dir):
    return EmployerFactory(unit_code="DV0012A", tax_code=MST, contact_email="")


def codes(refusal) -> list[str]:
    return [e.code for e in refusal.value.errors]


def submit(unit, demo_pki, signed_form):
    return registration_submit(
        employer=unit, data=form_data(), cert_data=demo_pki.good.cert_pem, signed_form=signed_form
    )


def assert_nothing_written(unit):
    assert not Registration.objects.exists()
    assert not AuditEntry.objects.filter(action="registration.submitted").exists()
    unit.refresh_from_db()
    assert unit.e_status == EStatus.NOT_REGISTERED


# --- registration (service) ------------------------------------------------------------------
def test_accepted_when_signed_with_the_registered_certificate(unit, demo_pki):
    proof = signed_04(unit, demo_pki.good)
    registration = submit(unit, demo_pki, proof)
    assert bytes(registration.signed_form) == proof
    entry = AuditEntry.objects.get(action="registration.submitted")
    assert entry.data["proof_sha256"] == hashlib.sha256(proof).hexdigest()


@pytest.mark.parametrize("signer", ["renewed", "other"])
def test_refused_when_the_04_is_signed_by_another_key(signer, unit, demo_pki):
    # The 04 names the registered certificate, but another key signed it.
    proof = signed_04(unit, demo_pki.good, signer=getattr(demo_pki, signer))
    with pytest.raises(Refused) as refusal:
        submit(unit, demo_pki, proof)
    assert codes(refusal) == ["POP_WRONG_KEY"]
    assert refusal.value.errors[0].location.form == "04/ĐK-IVAN"
    assert_nothing_written(unit)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"tax_code": OTHER_MST}, "MaSoThue"),
        ({"unit_code": "TZH490L"}, "MaDonVi"),
    ],
)
def test_refused_when_the_04_names_another_unit(overrides, field, unit, demo_pki):
    with pytest.raises(Refused) as refusal:
        submit(unit, demo_pki, signed_04(unit, demo_pki.good, **overrides))
    assert codes(refusal) == ["POP_MISMATCH"]
    assert refusal.value.errors[0].location.field == field
    assert OTHER_MST in refusal.value.errors[0].text("vi") or field == "MaDonVi"
    assert_nothing_written(unit)


def test_refused_when_the_04_names_another_certificate(unit, demo_pki):
    # Signed with the registered certificate, but written for another one.
    proof = signed_04(unit, demo_pki.renewed, signer=demo_pki.good)
    with pytest.raises(Refused) as refusal:
        submit(unit, demo_pki, proof)
    assert codes(refusal) == ["POP_MISMATCH"]
    assert refusal.value.errors[0].location.field == "SoSerial"
    assert_nothing_written(unit)


@pytest.mark.parametrize("missing", [None, b""])
def test_refused_without_the_04(missing, unit, demo_pki):
    with pytest.raises(Refused) as refusal:
        submit(unit, demo_pki, missing)
    assert codes(refusal) == ["POP_MISSING"]
    assert_nothing_written(unit)


def test_refused_when_the_signed_04_was_tampered_with(unit, demo_pki):
    proof = signed_04(unit, demo_pki.good)
    tampered = proof.replace(b"ketoan@example.vn", b"attacker@example.vn")
    assert tampered != proof
    with pytest.raises(Refused) as refusal:
        submit(unit, demo_pki, tampered)
    assert codes(refusal) == ["SIG_DIGEST"]
    assert_nothing_written(unit)


def test_refused_when_the_04_is_not_signed(unit, demo_pki):
    from declarations.employers.registration_form import registration_form_build

    unsigned = registration_form_build(
        unit_code=unit.unit_code, unit_name=unit.name, tax_code=MST, certificate=demo_pki.good.cert
    )
    with pytest.raises(Refused) as refusal:
        submit(unit, demo_pki, unsigned)
    assert codes(refusal) == ["SIG_MISSING"]
    assert_nothing_written(unit)


@pytest.mark.parametrize(("days", "ok"), [(-31, False), (1, False), (-30, True), (0, True)])
def test_the_04_must_be_recent(days, ok, unit, demo_pki):
    made_on = timezone.localdate() + timedelta(days=days)
    proof = signed_04(unit, demo_pki.good, made_on=made_on)
    if ok:
        assert submit(unit, demo_pki, proof).pk
        return
    with pytest.raises(Refused) as refusal:
        submit(unit, demo_pki, proof)
    assert codes(refusal) == ["POP_STALE"]
    assert made_on.strftime("%d/%m/%Y") in refusal.value.errors[0].text("vi")
    assert_nothing_written(unit)


def test_another_signed_form_is_not_a_04(unit, demo_pki):
    from declarations.employers.pki.signing import sign_form
    from declarations.intake.envelope import d02lt_build

    d02 = sign_form(d02lt_build([]), key_pem=demo_pki.good.key_pem, cert_pem=demo_pki.good.cert_pem)
    with pytest.raises(Refused) as refusal:
        submit(unit, demo_pki, d02)
    assert set(codes(refusal)) == {"XSD_FORM"}
    assert_nothing_written(unit)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"not xml at all", "XML_MALFORMED"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b"<ToKhai04DKIVAN>&e;</ToKhai04DKIVAN>",
            "XML_ENTITY_EXTERNAL",
        ),
        (b"<ToKhai04DKIVAN>" + b" " * MAX_BYTES + b"</ToKhai04DKIVAN>", "XML_TOO_LARGE"),
    ],
)
def test_hostile_04_is_refused(data, code, unit, demo_pki):
    with pytest.raises(Refused) as refusal:
        submit(unit, demo_pki, data)
    assert codes(refusal) == [code]
    assert_nothing_written(unit)


def test_only_what_was_signed_is_read(unit, demo_pki):
    # A second, unsigned NoiDung naming the right unit cannot hide a signed one naming
    # another: the schema refuses the extra element before anything is read.
    proof = signed_04(unit, demo_pki.good, tax_code=OTHER_MST)
    root = etree.fromstring(proof)
    extra = etree.fromstring(etree.tostring(root.find("NoiDung")))
    extra.find("MaSoThue").text = MST
    root.insert(1, extra)
    with pytest.raises(Refused):
        submit(unit, demo_pki, etree.tostring(root, xml_declaration=True, encoding="utf-8"))
    assert_nothing_written(unit)


def test_check_returns_the_proofs_digest(unit, demo_pki):
    proof = signed_04(unit, demo_pki.good)
    checked = registration_form_check(
        data=proof, certificate=demo_pki.good.cert, unit_code="dv0012a", tax_code=MST
    )
    assert checked.sha256 == hashlib.sha256(proof).hexdigest()
    assert checked.made_on == timezone.localdate()


# --- renewal (service) -----------------------------------------------------------------------
def test_renewal_needs_the_04_signed_with_the_new_certificate(employer, demo_pki):
    proof = signed_04(employer, demo_pki.renewed)
    record = certificate_register(
        actor=None, employer=employer, data=demo_pki.renewed.cert_pem, signed_form=proof
    )
    entry = AuditEntry.objects.get(action="certificate.registered")
    assert entry.data["proof_sha256"] == hashlib.sha256(proof).hexdigest()
    assert entry.data["serial"] == record.serial


@pytest.mark.parametrize("signer", ["good", "other"])
def test_renewal_refused_when_signed_by_another_key(signer, employer, demo_pki):
    # Whoever holds only the old key (or a stranger's) cannot register a certificate.
    proof = signed_04(employer, demo_pki.renewed, signer=getattr(demo_pki, signer))
    with pytest.raises(Refused) as refusal:
        certificate_register(
            actor=None, employer=employer, data=demo_pki.renewed.cert_pem, signed_form=proof
        )
    assert codes(refusal) == ["POP_WRONG_KEY"]
    assert employer.certificates.count() == 1
    assert employer.certificates.get().replaced_at is None
    assert not AuditEntry.objects.filter(action="certificate.registered").exists()


def test_renewal_refused_without_the_04(employer, demo_pki):
    with pytest.raises(Refused) as refusal:
        certificate_register(
            actor=None, employer=employer, data=demo_pki.renewed.cert_pem, signed_form=None
        )
    assert codes(refusal) == ["POP_MISSING"]
    assert employer.certificates.count() == 1


# --- the registration page ---------------------------------------------------------------------
def upload(data: bytes, name: str):
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def page_fields(unit, demo_pki, **extra):
    return {
        "unit_code": unit.unit_code,
        "tax_code": MST,
        "unit_name": unit.name,
        "address": "1 Lê Lợi, Quận 1",
        "email": "ketoan@example.vn",
        "phone": "0281234567",
        "procedures": ["600", "600a"],
        "result_delivery": "office",
        "certificate": upload(demo_pki.good.cert_pem, "cert.pem"),
        **extra,
    }


def test_page_downloads_the_04_signs_it_with_the_cli_and_registers(
    client, unit, demo_pki, tmp_path
):
    url = reverse("declarations:register")
    response = client.post(url, page_fields(unit, demo_pki, action="download_04"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    unsigned = tmp_path / "04.xml"
    unsigned.write_bytes(response.content)
    root = etree.fromstring(response.content)
    assert root.tag == "ToKhai04DKIVAN"
    assert root.findtext("NoiDung/ChungThuSo/SoSerial") == format(
        demo_pki.good.cert.serial_number, "X"
    )
    assert not Registration.objects.exists()
    (tmp_path / "key.pem").write_bytes(demo_pki.good.key_pem)
    (tmp_path / "cert.pem").write_bytes(demo_pki.good.cert_pem)
    call_command(
        "sign_form",
        "--key",
        str(tmp_path / "key.pem"),
        "--cert",
        str(tmp_path / "cert.pem"),
        str(unsigned),
        str(tmp_path / "04-signed.xml"),
        stdout=io.StringIO(),
    )
    signed = (tmp_path / "04-signed.xml").read_bytes()
    response = client.post(
        url, page_fields(unit, demo_pki, signed_form=upload(signed, "04-signed.xml"))
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    assert bytes(Registration.objects.get().signed_form) == signed


def test_page_refuses_a_04_signed_by_another_key(client, unit, demo_pki):
    proof = signed_04(unit, demo_pki.good, signer=demo_pki.renewed)
    response = client.post(
        reverse("declarations:register"),
        page_fields(unit, demo_pki, signed_form=upload(proof, "04.xml")),
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-code="POP_WRONG_KEY"' in page and "chứng thư số khác" in page
    assert_nothing_written(unit)


def test_page_refuses_a_missing_04(client, unit, demo_pki):
    response = client.post(reverse("declarations:register"), page_fields(unit, demo_pki))
    assert response.status_code == 400
    assert 'data-code="POP_MISSING"' in response.content.decode()
    assert_nothing_written(unit)


def test_page_reads_no_more_than_the_limit(client, unit, demo_pki):
    big = b"<ToKhai04DKIVAN>" + b" " * MAX_BYTES + b"</ToKhai04DKIVAN>"
    response = client.post(
        reverse("declarations:register"),
        page_fields(unit, demo_pki, signed_form=upload(big, "04.xml")),
    )
    assert response.status_code == 200  # a form error, nothing sent to the service
    assert response.context["form"].errors["signed_form"]
    assert_nothing_written(unit)


# --- the renewal page --------------------------------------------------------------------------
@pytest.fixture
def member(client, employer):
    user = employer_user(employer)
    client.force_login(user)
    return user


def test_renewal_page_downloads_the_04_and_renews(client, member, employer, demo_pki):
    url = reverse("declarations:certificates")
    response = client.post(
        url,
        {"certificate": upload(demo_pki.renewed.cert_pem, "new.pem"), "action": "download_04"},
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    root = etree.fromstring(response.content)
    assert root.findtext("NoiDung/MaDonVi") == employer.unit_code
    assert root.findtext("NoiDung/ChungThuSo/SoSerial") == format(
        demo_pki.renewed.cert.serial_number, "X"
    )
    from declarations.employers.registration_form import registration_form_sign

    signed = registration_form_sign(
        response.content, key_pem=demo_pki.renewed.key_pem, cert_pem=demo_pki.renewed.cert_pem
    )
    response = client.post(
        url,
        {
            "certificate": upload(demo_pki.renewed.cert_pem, "new.pem"),
            "signed_form": upload(signed, "04.xml"),
        },
    )
    assert response.status_code == 302
    current = employer.certificates.get(replaced_at__isnull=True)
    assert current.serial == format(demo_pki.renewed.cert.serial_number, "X")
    entry = AuditEntry.objects.get(action="certificate.registered")
    assert entry.actor == member
    assert entry.data["proof_sha256"] == hashlib.sha256(signed).hexdigest()


def test_renewal_page_refuses_a_04_signed_by_another_key(client, member, employer, demo_pki):
    proof = signed_04(employer, demo_pki.renewed, signer=demo_pki.good)
    response = client.post(
        reverse("declarations:certificates"),
        {
            "certificate": upload(demo_pki.renewed.cert_pem, "new.pem"),
            "signed_form": upload(proof, "04.xml"),
        },
    )
    assert response.status_code == 400
    assert 'data-code="POP_WRONG_KEY"' in response.content.decode()
    assert RegisteredCertificate.objects.filter(employer=employer).count() == 1
    assert not AuditEntry.objects.filter(action="certificate.registered").exists()
