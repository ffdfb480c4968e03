"""The agency's signed documents (agency_documents): every notice becomes a document signed
by its office's key on the HSM (XAdES-BES XML, PAdES PDF with a QR code), issued by an
outbox row after the notice's transaction, once; the key never leaves the token."""

from __future__ import annotations

import io
import os
import tempfile
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from core import agency_signing
from core.outbox.models import OutboxMessage
from declarations.dossiers.agency_documents import (
    OUTBOX_KIND,
    code_display,
    code_normalize,
    verification_url,
)
from declarations.dossiers.models import DossierStatus, IssuedDocument
from declarations.dossiers.notices import document_from_outbox
from declarations.intake.pipeline import intake_submit
from tests.declarations.conftest import worker


@pytest.fixture
def hsm(settings):
    from tests.agency_hsm import agency_hsm

    made = agency_hsm()
    made.configure(settings)
    yield made
    agency_signing.agency_sessions_close()


def xml_verified(data: bytes, cert):
    """signxml's XAdES verifier with the agency's certificate as the only trusted one."""
    from signxml.xades import XAdESSignatureConfiguration, XAdESVerifier

    return XAdESVerifier().verify(
        data, x509_cert=cert, expect_config=XAdESSignatureConfiguration(expect_references=3)
    )


def pdf_status(data: bytes, trust_root_der: bytes):
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    (signature,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(trust_root_der)], allow_fetching=False
    )
    return agency_signing.coroutine_run(async_validate_pdf_signature(signature, context))


def qr_texts(pdf: bytes) -> list[str]:
    """Every QR code printed in the PDF's images, decoded."""
    import zxingcpp
    from pypdf import PdfReader

    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for image in page.images:
            found += [r.text for r in zxingcpp.read_barcodes(image.image)]
    return found


def test_a_receipt_becomes_a_document_signed_by_the_office_on_the_hsm(hsm, receive):
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    result = receive()
    document = IssuedDocument.objects.get(notice=result.receipt)
    assert document.kind == "receipt" and document.number == result.receipt.number
    assert document.office_id == result.dossier.office_id
    assert document.employer_id == result.dossier.employer_id
    assert document.signed and document.signer_fingerprint == document.certificate.fingerprint
    # XML: enveloped over the whole document, XAdES-BES, by the agency's key.
    xml = bytes(document.xml)
    (whole, *_properties) = xml_verified(xml, hsm.cert)
    assert whole.signed_xml.tag == "ThongBaoBHXH"
    assert whole.signed_xml.findtext("ThongTinVanBan/MaXacThuc") == document.code
    assert b"<xades:SigningTime>" in xml and b"<xades:SigningCertificateV2>" in xml
    # PDF: PAdES, whole file, trusted through the agency's CA, carrying the QR of its page.
    status = pdf_status(bytes(document.pdf), hsm.ca.cert_der)
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert qr_texts(bytes(document.pdf)) == [verification_url(document.code)]


def test_the_public_summary_names_no_worker(hsm, receive):
    result = receive()
    document = IssuedDocument.objects.get(notice=result.receipt)
    shown = " ".join(f"{label} {value}" for label, value in document.summary)
    assert result.dossier.transaction_code in shown
    assert "Nguyễn Văn 1" not in shown and "7900000001" not in shown
    # The document itself (the holder's copy) is the full notice.
    assert "Số lao động" in bytes(document.xml).decode()


def test_the_outbox_handler_is_idempotent(hsm, receive):
    result = receive()
    message = OutboxMessage.objects.get(key=f"document-notice-{result.receipt.number}")
    assert message.kind == OUTBOX_KIND and message.state == "sent"
    first = IssuedDocument.objects.get(notice=result.receipt)
    document_from_outbox(message)
    document_from_outbox(message)
    again = IssuedDocument.objects.get(notice=result.receipt)
    assert again.pk == first.pk and again.code == first.code
    assert bytes(again.pdf) == bytes(first.pdf)


def test_signing_waits_for_the_commit(hsm, signed):
    """Inside intake's transaction only the outbox row is written; nothing is signed."""
    result = intake_submit(data=signed([worker(1)]), channel="cli")  # the test's transaction
    assert OutboxMessage.objects.filter(key=f"document-notice-{result.receipt.number}").exists()
    assert not IssuedDocument.objects.exists()


def test_without_a_token_the_document_is_issued_unsigned(settings, receive):
    settings.AGENCY_SIGNING_PKCS11_MODULE = ""
    result = receive()
    document = IssuedDocument.objects.get(notice=result.receipt)
    assert not document.signed and document.certificate is None
    assert b"Signature" not in bytes(document.xml)
    assert b"/ByteRange" not in bytes(document.pdf)
    assert qr_texts(bytes(document.pdf)) == [verification_url(document.code)]


def test_results_and_books_and_cards_are_documents_too(
    hsm, receive, django_capture_on_commit_callbacks
):
    from declarations.review.services import dossier_transition
    from tests.factories import UserFactory, grant

    result = receive()
    officer = UserFactory()
    grant(officer, "receiving_officer", result.dossier.office, valid_from=date(2015, 1, 1))
    dossier = result.dossier
    with django_capture_on_commit_callbacks(execute=True):
        dossier = dossier_transition(actor=officer, dossier=dossier, to=DossierStatus.IN_REVIEW)
        dossier = dossier_transition(actor=officer, dossier=dossier, to=DossierStatus.ACCEPTED)
    accepted = dossier.notices.get(kind="accepted")
    kinds = set(IssuedDocument.objects.filter(notice=accepted).values_list("kind", flat=True))
    assert kinds == {"accepted", "book_issued", "card_issued"}
    cards = IssuedDocument.objects.get(notice=accepted, kind="card_issued")
    xml_verified(bytes(cards.xml), hsm.cert)
    assert "Nguyễn Văn 1" in bytes(cards.xml).decode()  # the holder's list names the people
    assert dict(cards.summary)["Số thẻ BHYT được cấp"] == "1"  # the public page counts them


def test_a_paper_receipt_is_a_document(hsm, employer, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from declarations.dossiers.services import paper_dossier_register
    from tests.factories import UserFactory

    with django_capture_on_commit_callbacks(execute=True):
        dossier = paper_dossier_register(
            actor=UserFactory(),
            employer=employer,
            procedure_code="600",
            period="10/2026",
            received_at=timezone.now(),
        )
    notice = dossier.notices.get(kind="paper_receipt")
    assert IssuedDocument.objects.get(notice=notice).signed


def test_the_employer_downloads_the_signed_pdf(hsm, receive, client):
    from tests.factories import employer_user

    result = receive()
    document = IssuedDocument.objects.get(notice=result.receipt)
    client.force_login(employer_user(result.dossier.employer))
    page = client.get(f"/giao-dich/thong-bao/{result.receipt.pk}/")
    assert code_display(document.code) in page.content.decode()
    response = client.get(f"/giao-dich/thong-bao/{result.receipt.pk}/pdf/")
    assert response.content == bytes(document.pdf)
    assert client.get(f"/giao-dich/thong-bao/{result.receipt.pk}/xml/").content == bytes(
        document.xml
    )


def test_another_unit_cannot_download_the_document(hsm, receive, client):
    from tests.factories import EmployerFactory, employer_user

    result = receive()
    client.force_login(employer_user(EmployerFactory(unit_code="DV0999Z")))
    assert client.get(f"/giao-dich/thong-bao/{result.receipt.pk}/xml/").status_code == 404
    assert client.get(f"/giao-dich/thong-bao/{result.receipt.pk}/pdf/").status_code == 404


def test_codes_are_typed_forgivingly():
    assert code_normalize("7k3m-q9tx 2hbd") == "7K3MQ9TX2HBD"
    assert code_normalize("OIL0-0000-0000") == "0110" + "0" * 8  # O is 0, I and L are 1
    assert code_normalize("7K3M-Q9TX") is None
    assert code_normalize("7K3M-Q9TX-2HBU") is None  # U is not in the alphabet


def test_the_key_never_leaves_the_token_and_no_key_file_exists(hsm, receive):
    import pkcs11
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from pkcs11 import Attribute, ObjectClass
    from pkcs11 import exceptions as ck

    receive()  # the token has signed in this process
    agency_signing.agency_sessions_close()  # PKCS#11 logins are per process
    token = pkcs11.lib(hsm.module).get_token(token_label=hsm.token_label)
    with token.open(user_pin=hsm.pin) as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label="bhxh-agency")
        assert key[Attribute.SENSITIVE] is True
        assert key[Attribute.EXTRACTABLE] is False and key[Attribute.NEVER_EXTRACTABLE] is True
        with pytest.raises(ck.AttributeSensitive):
            key[Attribute.PRIVATE_EXPONENT]
    # No setting holds a key; no file the web process reads (media, temporary files) is one
    # of the agency's key, whatever its name.
    for name in dir(django_settings):
        if name.isupper():
            assert "PRIVATE KEY" not in str(getattr(django_settings, name))
    agency_public = hsm.cert.public_key().public_numbers()
    folders = {Path(django_settings.MEDIA_ROOT), Path(tempfile.gettempdir())}
    if django_settings.FILE_UPLOAD_TEMP_DIR:
        folders.add(Path(django_settings.FILE_UPLOAD_TEMP_DIR))
    for folder in folders:
        for root, _dirs, files in os.walk(folder):
            for name in files:
                path = Path(root) / name
                try:
                    if path.stat().st_size > 64 * 1024:
                        continue
                    data = path.read_bytes()
                except OSError:
                    continue
                if b"PRIVATE KEY-----" not in data:
                    continue
                try:
                    found = load_pem_private_key(data, password=None)
                except (ValueError, TypeError):
                    continue  # encrypted or not one key
                if isinstance(found, rsa.RSAPrivateKey):
                    assert found.public_key().public_numbers() != agency_public, path


def test_the_session_is_kept_and_reopened_after_a_failure(hsm):
    first = agency_signing.raw_sign(b"abc")[0]
    kept = agency_signing._CURRENT
    assert agency_signing.raw_sign(b"abc")[0] == first  # PKCS#1 v1.5: deterministic
    assert agency_signing._CURRENT is kept  # no new session, no new login
    kept.session.close()  # the token went away under the kept session
    assert agency_signing.raw_sign(b"abc")[0] == first
    assert agency_signing._CURRENT is not kept
