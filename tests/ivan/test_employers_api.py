"""Employers through a provider: 04/ĐK-IVAN, 05/SD-IVAN, 06/NG-IVAN; audited."""

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import load_pem_x509_certificate

from accounts.models import AuditEntry
from declarations.employers.models import EmployerChannel, EStatus, Registration
from declarations.employers.services import registration_approve
from ivan.client import ApiError
from tests.declarations.conftest import OTHER_MST, signed_04
from tests.factories import EmployerFactory

pytestmark = pytest.mark.django_db(transaction=True)

FIELDS = {
    "unit_name": "Công ty TNHH Mới",
    "address": "5 Nguyễn Huệ, Quận 1",
    "tax_code": "0101300842",
    "email": "ketoan@moi.example.vn",
    "phone": "0283 822 1234",
    "procedures": "600, 600a",
}


def test_register_then_approval_makes_the_provider_the_channel(api, carried, pki_demo, sign):
    unit = EmployerFactory(unit_code="NEW001A", tax_code="0101300842")
    carried(None, "OTHER1A")  # loads money tables and trust (fixture side effects)
    client = api("VNPT")
    answer = client.register_employer(
        certificate_pem=pki_demo.good.cert_pem,
        signed_form=signed_04(unit, pki_demo.good),
        unit_code="NEW001A",
        **FIELDS,
    )
    assert answer["status"] == "pending" and answer["unit_code"] == "NEW001A"
    registration = Registration.objects.get(pk=answer["id"])
    assert registration.provider.code == "VNPT"
    unit.refresh_from_db()
    assert unit.e_status == EStatus.PENDING
    # Not carried yet: the provider cannot submit until the office approves.
    with pytest.raises(ApiError) as refused:
        client.submit_dossier(sign(unit))
    assert refused.value.code == "CHANNEL_FORBIDDEN"
    registration_approve(actor=None, registration=registration)
    assert EmployerChannel.objects.get(employer=unit).provider.code == "VNPT"
    assert client.submit_dossier(sign(unit))["unit_code"] == "NEW001A"
    assert AuditEntry.objects.filter(action="ivan.employer.registration_filed").count() == 1


def test_register_accepts_base64_der_and_refuses_a_foreign_certificate(api, carried, pki_demo):
    carried(None, "OTHER1A")
    unit = EmployerFactory(unit_code="NEW002A", tax_code="0101300842")
    client = api("VNPT")
    der = load_pem_x509_certificate(pki_demo.good.cert_pem).public_bytes(serialization.Encoding.DER)
    body = {
        **FIELDS,
        "unit_code": "NEW002A",
        "certificate": base64.b64encode(der).decode(),
        "signed_form": base64.b64encode(signed_04(unit, pki_demo.good)).decode(),
    }
    assert client.request("POST", "employers/registrations", json=body).status_code == 202
    other = EmployerFactory(unit_code="NEW003A", tax_code="0101300842")
    with pytest.raises(ApiError) as refused:
        client.register_employer(
            certificate_pem=pki_demo.other.cert_pem,
            signed_form=signed_04(other, pki_demo.other),
            unit_code="NEW003A",
            **FIELDS,
        )
    assert (refused.value.status, refused.value.code) == (422, "CERT_MST_MISMATCH")
    proof = signed_04(other, pki_demo.good)
    with pytest.raises(ApiError) as refused:
        client.register_employer(
            certificate_pem=pki_demo.good.cert_pem,
            signed_form=proof,
            unit_code="NEW003A",
            **{**FIELDS, "tax_code": "0312345675"},
        )
    assert (refused.value.status, refused.value.code) == (422, "EMPLOYER_TAX_MISMATCH")
    with pytest.raises(ApiError) as refused:
        client.register_employer(
            certificate_pem=b"garbage!", signed_form=proof, unit_code="NEW003A", **FIELDS
        )
    assert refused.value.status == 400
    with pytest.raises(ApiError) as refused:
        client.register_employer(
            certificate_pem=pki_demo.good.cert_pem,
            signed_form=proof,
            unit_code="NOSUCH1",
            **FIELDS,
        )
    assert refused.value.status == 404


def test_register_needs_its_scope(api, pki_demo, carried):
    carried(None, "OTHER1A")
    EmployerFactory(unit_code="NEW004A")
    client = api("VNPT", scopes=["employers:read"])
    with pytest.raises(ApiError) as refused:
        client.register_employer(
            certificate_pem=pki_demo.good.cert_pem,
            signed_form=b"<ToKhai04DKIVAN/>",
            unit_code="NEW004A",
            **FIELDS,
        )
    assert (refused.value.status, refused.value.code) == (403, "IVAN_SCOPE_MISSING")


def test_change_contact_and_certificate(api, carried, pki_demo):
    unit = carried("VNPT", "CHG001A")
    client = api("VNPT")
    answer = client.change_employer(
        "CHG001A",
        contact_email="nhansu@chg.example.vn",
        result_delivery="post",
        postal_address="9 Lý Thường Kiệt",
        certificate=pki_demo.renewed.cert_pem.decode(),
        signed_form=signed_04(unit, pki_demo.renewed),
    )
    assert answer["unit_code"] == "CHG001A"
    unit.refresh_from_db()
    assert (unit.contact_email, unit.result_delivery) == ("nhansu@chg.example.vn", "post")
    assert unit.certificates.filter(replaced_at__isnull=True).count() == 1
    assert unit.certificates.count() == 2
    entry = AuditEntry.objects.get(action="ivan.employer.changed")
    assert entry.data["before"]["result_delivery"] == "office"
    renewed = AuditEntry.objects.get(action="certificate.registered")
    assert renewed.data["proof_sha256"]
    with pytest.raises(ApiError) as refused:
        client.change_employer("CHG001A", contact_email="not-an-email")
    assert refused.value.status == 400


def test_stop_removes_the_channel(api, carried, sign):
    unit = carried("VNPT", "STP001A")
    client = api("VNPT")
    answer = client.stop_employer("STP001A", reason="Chuyển nhà cung cấp")
    assert answer["e_status"] == "stopped"
    assert not EmployerChannel.objects.filter(employer=unit).exists()
    assert AuditEntry.objects.filter(action="ivan.employer.stopped").count() == 1
    with pytest.raises(ApiError) as refused:
        client.submit_dossier(sign(unit))
    assert refused.value.code == "CHANNEL_FORBIDDEN"
    # Now another provider may file its registration.
    assert api("BKAV").request("GET", "employers").json()["results"] == []


# --- proof of key possession (the 04/ĐK-IVAN signed with the certificate) ---------------------
def test_register_refuses_a_04_signed_by_another_key_and_writes_nothing(api, carried, pki_demo):
    carried(None, "OTHER1A")
    unit = EmployerFactory(unit_code="POP001A", tax_code="0101300842")
    client = api("VNPT")
    with pytest.raises(ApiError) as refused:
        client.register_employer(
            certificate_pem=pki_demo.good.cert_pem,
            signed_form=signed_04(unit, pki_demo.good, signer=pki_demo.renewed),
            unit_code="POP001A",
            **FIELDS,
        )
    assert (refused.value.status, refused.value.code) == (422, "POP_WRONG_KEY")
    assert refused.value.problem["errors"][0]["location"] == "signed_form"
    assert not Registration.objects.exists()
    assert not AuditEntry.objects.filter(
        action__in=["registration.submitted", "ivan.employer.registration_filed"]
    ).exists()


@pytest.mark.parametrize(
    ("proof", "status", "code"),
    [
        ("another_mst", 422, "POP_MISMATCH"),
        ("tampered", 422, "SIG_DIGEST"),
        ("not_base64", 400, "IVAN_VALIDATION"),
        ("absent", 400, "IVAN_VALIDATION"),
    ],
)
def test_register_refuses_a_bad_or_missing_proof(proof, status, code, api, carried, pki_demo):
    carried(None, "OTHER1A")
    unit = EmployerFactory(unit_code="POP002A", tax_code="0101300842")
    client = api("VNPT")
    body = {**FIELDS, "unit_code": "POP002A", "certificate": pki_demo.good.cert_pem.decode()}
    good = signed_04(unit, pki_demo.good)
    body["signed_form"] = {
        "another_mst": base64.b64encode(signed_04(unit, pki_demo.good, tax_code=OTHER_MST)),
        "tampered": base64.b64encode(good.replace(b"ketoan@example.vn", b"other@example.vn")),
        "not_base64": b"%%% not base64 %%%",
    }.get(proof, b"").decode()
    if proof == "absent":
        del body["signed_form"]
    with pytest.raises(ApiError) as refused:
        client.request("POST", "employers/registrations", json=body)
    assert (refused.value.status, refused.value.code) == (status, code)
    location = "signed_form" if status == 422 else None
    assert location is None or refused.value.problem["errors"][0]["location"] == location
    assert not Registration.objects.exists()


def test_change_with_a_certificate_needs_its_proof(api, carried, pki_demo):
    unit = carried("VNPT", "CHG002A")
    client = api("VNPT")
    for proof, code in (
        (None, "POP_MISSING"),
        (signed_04(unit, pki_demo.renewed, signer=pki_demo.good), "POP_WRONG_KEY"),
    ):
        with pytest.raises(ApiError) as refused:
            client.change_employer(
                "CHG002A",
                contact_email="nhansu@chg.example.vn",
                certificate=pki_demo.renewed.cert_pem.decode(),
                signed_form=proof,
            )
        assert (refused.value.status, refused.value.code) == (422, code)
        assert refused.value.problem["errors"][0]["location"] == "signed_form"
    # Nothing was written: neither the certificate nor the contact change, nor an audit.
    unit.refresh_from_db()
    assert unit.contact_email != "nhansu@chg.example.vn"
    assert unit.certificates.count() == 1
    assert not AuditEntry.objects.filter(
        action__in=["certificate.registered", "ivan.employer.changed"]
    ).exists()
