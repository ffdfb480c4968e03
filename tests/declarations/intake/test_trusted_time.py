"""The time that decides trust: the receipt time, or an RFC 3161 timestamp from a trusted TSA.
The signer's own SigningTime is kept as a claim and never chooses a certificate or judges
its validity or revocation."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from accounts.models import AuditEntry
from core.outbox.models import OutboxMessage
from declarations.dossiers.models import Dossier, DossierFile, Notice
from declarations.employers.pki import demo_ca as pki
from declarations.employers.services import certificate_register
from declarations.intake.pipeline import intake_submit
from tests.declarations import hostile as h
from tests.declarations.conftest import register_cert, signed_04, worker
from tests.declarations.tsa import LocalTsa

SP = "{http://example.org/#signatureProperties}SigningTime"


@pytest.fixture(scope="module")
def tsa(demo_pki):
    """A TSA whose certificate the demo CA (in the trust store) issued."""
    server = LocalTsa(pki.tsa_cert_create(demo_pki.ca))
    yield server
    server.close()


@pytest.fixture(scope="module")
def rogue_tsa():
    """A TSA whose CA is not in the trust store."""
    ca = pki.ca_create(name="Rogue CA")
    server = LocalTsa(pki.tsa_cert_create(ca, name="Rogue TSA"))
    yield server
    server.close()


def nothing_written():
    assert not Dossier.objects.exists()
    assert not DossierFile.objects.exists()
    assert not Notice.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert not AuditEntry.objects.filter(action="dossier.received").exists()


def codes(result):
    return [e.code for e in result.errors]


def _set_claim(moment: datetime):
    def change(root):
        node = h.envelope_signature(root).find(f".//{SP}")
        node.text = moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    return change


def test_signing_time_edited_after_signing_is_kept_as_a_claim_only(signed):
    """Editing the unsigned SigningTime leaves the signature valid: the dossier is judged
    at its receipt, ``signed_at`` is the receipt time, the edit is kept as a claim and
    flagged on the receipt."""
    claim = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    before = datetime.now(UTC)
    result = intake_submit(data=h.tamper(signed(), _set_claim(claim)), channel="cli")
    after = datetime.now(UTC)
    assert result.ok, codes(result)
    dossier = Dossier.objects.get()
    assert before <= dossier.signed_at <= after
    assert dossier.signed_at != claim and dossier.time_source == "receipt"
    assert dossier.claimed_signing_time == claim
    assert [w.code for w in result.warnings] == ["SIG_TIME_CLAIM_FAR"]
    assert result.receipt.data["warnings"][0]["code"] == "SIG_TIME_CLAIM_FAR"


def test_a_claim_close_to_the_receipt_is_no_warning(signed):
    result = intake_submit(data=signed(), channel="cli")
    assert result.ok and result.warnings == []
    assert "warnings" not in result.receipt.data


def test_a_claim_in_the_future_is_a_warning_not_a_refusal(signed):
    result = intake_submit(
        data=signed(signing_time=datetime.now(UTC) + timedelta(hours=3)), channel="cli"
    )
    assert result.ok and [w.code for w in result.warnings] == ["SIG_TIME_CLAIM_FAR"]


def test_no_claim_at_all_is_accepted_and_judged_at_receipt(signed):
    def drop(root):
        sig = h.envelope_signature(root)
        sig.remove(sig.find("ds:Object", h.NS))

    result = intake_submit(data=h.tamper(signed(), drop), channel="cli")
    assert result.ok, codes(result)
    dossier = Dossier.objects.get()
    assert dossier.claimed_signing_time is None and dossier.time_source == "receipt"


def test_old_key_backdated_before_its_replacement_is_refused(employer, demo_pki, signed):
    """The attack: after the employer replaced its certificate, a dossier signed with the
    old key and a SigningTime backdated to before the replacement."""
    replaced_at = datetime.now(UTC)
    certificate_register(
        actor=None,
        employer=employer,
        data=demo_pki.renewed.cert_pem,
        signed_form=signed_04(employer, demo_pki.renewed),
    )
    backdated = replaced_at - timedelta(days=5)
    result = intake_submit(data=signed(signing_time=backdated), channel="cli")
    assert codes(result) == ["CERT_SUPERSEDED"]
    nothing_written()


def test_expired_certificate_with_a_claim_from_its_validity_is_refused(signed, employer, demo_pki):
    expired = demo_pki.expired
    register_cert(employer, expired)
    claim = expired.cert.not_valid_after_utc - timedelta(days=20)
    result = intake_submit(data=signed(issued=expired, signing_time=claim), channel="cli")
    assert codes(result) == ["CERT_EXPIRED"]
    nothing_written()


def test_revoked_certificate_with_a_claim_from_before_revocation_is_refused(
    signed, employer, demo_pki
):
    register_cert(employer, demo_pki.revoked)
    claim = datetime.now(UTC) - timedelta(days=10)  # the CRL says: revoked an hour ago
    result = intake_submit(data=signed(issued=demo_pki.revoked, signing_time=claim), channel="cli")
    assert codes(result) == ["CERT_REVOKED"]
    nothing_written()


# --- RFC 3161 timestamps -----------------------------------------------------------------------
def test_timestamped_dossier_is_judged_at_the_timestamp(signed, tsa):
    claim = datetime(2026, 1, 2, tzinfo=UTC)
    data = signed(signing_time=claim, tsa_url=tsa.url)
    before = datetime.now(UTC)
    result = intake_submit(data=data, channel="cli")
    assert result.ok, codes(result)
    dossier = Dossier.objects.get()
    assert dossier.time_source == "tsa"
    assert before - timedelta(minutes=1) <= dossier.signed_at <= datetime.now(UTC)
    assert dossier.claimed_signing_time == claim


def test_timestamp_from_before_the_replacement_keeps_the_old_certificate_good(
    employer, demo_pki, signed, tsa
):
    """A TSA's token proves the signature existed while the old certificate was in force."""
    data = signed(tsa_url=tsa.url)  # signed and timestamped now, with the first certificate
    certificate_register(
        actor=None,
        employer=employer,
        data=demo_pki.renewed.cert_pem,
        signed_form=signed_04(employer, demo_pki.renewed),
    )
    result = intake_submit(data=data, channel="cli")
    assert result.ok, codes(result)
    dossier = Dossier.objects.get()
    assert dossier.certificate.replaced_at is not None and dossier.time_source == "tsa"

    # Without the timestamp, the same signature is judged now: superseded.
    def drop_token(root):
        sig = h.envelope_signature(root)
        for obj in sig.findall("ds:Object", h.NS):
            if obj.find(".//{*}EncapsulatedTimeStamp") is not None:
                sig.remove(obj)

    again = intake_submit(data=h.tamper(data, drop_token), channel="cli")
    assert codes(again) == ["CERT_SUPERSEDED"]


def test_timestamp_by_an_untrusted_tsa_is_refused(signed, rogue_tsa):
    result = intake_submit(data=signed(tsa_url=rogue_tsa.url), channel="cli")
    assert codes(result) == ["TSA_UNTRUSTED"]
    nothing_written()


def test_timestamp_over_another_signature_is_refused(signed, tsa):
    other = h.parse(signed([worker(7)], tsa_url=tsa.url))
    token = other.find(".//{*}EncapsulatedTimeStamp").text

    def swap(root):
        root.find(".//{*}EncapsulatedTimeStamp").text = token

    data = h.tamper(signed(tsa_url=tsa.url), swap)
    result = intake_submit(data=data, channel="cli")
    assert codes(result) == ["SIG_TIMESTAMP_INVALID"]
    nothing_written()


def test_garbage_timestamp_is_refused(signed, tsa):
    def garble(root):
        root.find(".//{*}EncapsulatedTimeStamp").text = base64.b64encode(b"\x30\x03junk").decode()

    result = intake_submit(data=h.tamper(signed(tsa_url=tsa.url), garble), channel="cli")
    assert codes(result) == ["SIG_TIMESTAMP_INVALID"]
    nothing_written()


def test_two_timestamps_are_malformed(signed, tsa):
    def twice(root):
        sig = h.envelope_signature(root)
        obj = next(
            o
            for o in sig.findall("ds:Object", h.NS)
            if o.find(".//{*}EncapsulatedTimeStamp") is not None
        )
        sig.append(etree.fromstring(etree.tostring(obj)))

    result = intake_submit(data=h.tamper(signed(tsa_url=tsa.url), twice), channel="cli")
    assert codes(result) == ["SIG_MALFORMED"]
