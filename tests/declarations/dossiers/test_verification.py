"""The public verification page (/xac-thuc/): a code or a dropped file says genuine only for
a document the agency issued, byte for byte, signed by the agency's own key; rate-limited
per address, counted per document and day, with nobody's address kept or logged."""

from __future__ import annotations

import hashlib
import io
import logging

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from lxml import etree

from core import agency_signing
from declarations.dossiers.agency_documents import code_display, verification_url
from declarations.dossiers.models import DocumentLookup, IssuedDocument
from declarations.dossiers.notices import notice_pdf
from declarations.dossiers.verification import verify_file
from declarations.employers.pki import demo_ca
from declarations.intake.pipeline import intake_submit
from tests.declarations.conftest import worker

GENUINE = "Văn bản thật, do cơ quan BHXH ký số"
NOT_GENUINE = "Văn bản KHÔNG xác thực"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def hsm(settings):
    from tests.agency_hsm import agency_hsm

    made = agency_hsm()
    made.configure(settings)
    yield made
    agency_signing.agency_sessions_close()


@pytest.fixture
def document(hsm, signed, django_capture_on_commit_callbacks) -> IssuedDocument:
    with django_capture_on_commit_callbacks(execute=True):
        result = intake_submit(data=signed([worker(1)]), channel="cli")
    assert result.ok, result.errors_as_dicts()
    return IssuedDocument.objects.get(notice=result.receipt)


@pytest.fixture
def other_key():
    """Another key and certificate, under the agency's very name."""
    return demo_ca.ca_create(name="Bảo hiểm xã hội Việt Nam")


def drop(client, data: bytes, name: str, **extra):
    return client.post("/xac-thuc/", {"tep": SimpleUploadedFile(name, data)}, **extra)


def page_text(response) -> str:
    return response.content.decode()


def xml_signed_by(other, document) -> bytes:
    """The document's XML, its signature replaced by one of ``other``'s key."""
    from signxml.xades import XAdESSigner

    root = etree.fromstring(bytes(document.xml))
    for signature in root.findall("{http://www.w3.org/2000/09/xmldsig#}Signature"):
        root.remove(signature)
    signed = XAdESSigner(signature_algorithm="rsa-sha256", digest_algorithm="sha256").sign(
        root, key=other.key, cert=[other.cert_pem.decode()]
    )
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def pdf_signed_by(other, document) -> bytes:
    """The same notice's PDF (same code and QR), PAdES-signed with ``other``'s key."""
    from asn1crypto import keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert = asn1_x509.Certificate.load(other.cert_der)
    key = keys.PrivateKeyInfo.load(
        other.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    signer = signers.SimpleSigner(
        signing_cert=cert, signing_key=key, cert_registry=SimpleCertificateStore.from_certs([cert])
    )
    body = notice_pdf(
        document.notice, verification=(verification_url(document.code), document.code)
    )
    out = io.BytesIO()
    meta = signers.PdfSignatureMetadata(
        field_name="ChuKyCoQuanBHXH", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    agency_signing.coroutine_run(
        signers.async_sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(body)), meta, signer=signer, output=out
        )
    )
    return out.getvalue()


def flipped(data: bytes, at: int) -> bytes:
    changed = bytearray(data)
    changed[at] ^= 0x01
    return bytes(changed)


# --- by code -------------------------------------------------------------------------------------
def test_the_qr_link_says_genuine_with_office_unit_and_summary(client, document):
    response = client.get(f"/xac-thuc/{document.code}/")
    assert response.status_code == 200
    text = page_text(response)
    assert GENUINE in text and "Genuine: signed by the social insurance agency" in text
    assert document.office.name in text and document.employer.unit_code in text
    assert "Bảo hiểm xã hội Việt Nam" in text  # the signer, from the agency's certificate
    assert document.notice.dossier.transaction_code in text
    assert timezone.localtime(document.issued_at).strftime("%d/%m/%Y %H:%M") in text
    assert "Nguyễn Văn 1" not in text and "7900000001" not in text  # no worker named


def test_a_typed_code_is_forgiven_its_case_and_dashes(client, document):
    typed = code_display(document.code).lower()
    response = client.get("/xac-thuc/", {"ma": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/xac-thuc/{document.code}/"


def test_an_unknown_code_is_not_found(client, document):
    other = "7K3MQ9TX2HBD" if document.code != "7K3MQ9TX2HBD" else "7K3MQ9TX2HBE"
    response = client.get(f"/xac-thuc/{other}/")
    assert response.status_code == 404
    assert "Không tìm thấy văn bản với mã này" in page_text(response)


def test_a_malformed_code_is_a_coded_refusal(client, db):
    response = client.get("/xac-thuc/", {"ma": "ABC"})
    assert response.status_code == 200
    assert 'data-code="VERIFY_CODE_FORMAT"' in page_text(response)
    assert client.get("/xac-thuc/ABC/").status_code == 404


def test_an_unsigned_document_says_so(client, settings, signed, django_capture_on_commit_callbacks):
    settings.AGENCY_SIGNING_PKCS11_MODULE = ""
    with django_capture_on_commit_callbacks(execute=True):
        result = intake_submit(data=signed([worker(1)]), channel="cli")
    document = IssuedDocument.objects.get(notice=result.receipt)
    text = page_text(client.get(f"/xac-thuc/{document.code}/"))
    assert "không có chữ ký số" in text and GENUINE not in text
    assert drop(client, bytes(document.pdf), "tb.pdf").context["verdict"].state == "unsigned"


# --- by file -------------------------------------------------------------------------------------
@pytest.mark.parametrize("field", ["xml", "pdf"])
def test_the_issued_file_is_genuine(client, document, field):
    response = drop(client, bytes(getattr(document, field)), f"tb.{field}")
    assert response.status_code == 200
    assert response.context["verdict"].state == "genuine"
    assert GENUINE in page_text(response)


@pytest.mark.parametrize("field", ["xml", "pdf"])
def test_a_changed_byte_is_not_genuine(client, document, field):
    data = bytes(getattr(document, field))
    # A byte of the content: the unit's name in the XML, inside the first stream of the PDF.
    at = data.index(b"TZH490L") + 2 if field == "xml" else data.index(b"stream") + 40
    response = drop(client, flipped(data, at), f"tb.{field}")
    assert response.context["verdict"].state == "not_genuine"
    assert NOT_GENUINE in page_text(response)


@pytest.mark.parametrize("field", ["xml", "pdf"])
def test_a_signature_by_another_key_is_not_genuine(client, document, other_key, field):
    forged = (xml_signed_by if field == "xml" else pdf_signed_by)(other_key, document)
    response = drop(client, forged, f"tb.{field}")
    assert response.context["verdict"].state == "not_genuine"
    assert NOT_GENUINE in page_text(response)


@pytest.mark.parametrize("field", ["xml", "pdf"])
def test_even_a_forged_record_needs_the_agency_signature(document, other_key, field):
    """Were the digest of a file signed by another key slipped into the records, the
    signature check against the agency's certificate still refuses it."""
    forged = (xml_signed_by if field == "xml" else pdf_signed_by)(other_key, document)
    IssuedDocument.objects.filter(pk=document.pk).update(
        **{f"{field}_sha256": hashlib.sha256(forged).hexdigest()}
    )
    verdict = verify_file(forged)
    assert verdict.state == "not_genuine" and verdict.reason == "signature"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a document",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        b"%PDF-1.7\n garbage",
    ],
)
def test_hostile_or_broken_files_are_not_genuine_never_an_error(client, db, data):
    response = drop(client, data, "x.xml")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.context["verdict"].state == "not_genuine"


# --- limits, counts, privacy -----------------------------------------------------------------------
def test_lookups_are_rate_limited_per_address(client, settings, document):
    settings.VERIFY_LOOKUPS_PER_MINUTE = 3
    for _ in range(3):
        assert (
            client.get(f"/xac-thuc/{document.code}/", REMOTE_ADDR="198.51.100.7").status_code == 200
        )
    refused = client.get(f"/xac-thuc/{document.code}/", REMOTE_ADDR="198.51.100.7")
    assert refused.status_code == 429
    assert 'data-code="VERIFY_RATE_LIMITED"' in page_text(refused)
    assert "thử lại sau một phút" in page_text(refused)
    dropped = drop(client, bytes(document.xml), "tb.xml", REMOTE_ADDR="198.51.100.7")
    assert dropped.status_code == 429  # a dropped file counts the same
    other = client.get(f"/xac-thuc/{document.code}/", REMOTE_ADDR="198.51.100.8")
    assert other.status_code == 200  # another address is not held back
    # The limiter keeps no address, not even in the cache.
    assert not any("198.51.100" in str(key) for key in _cache_keys())


def _cache_keys():
    backend = cache._cache if hasattr(cache, "_cache") else None
    if isinstance(backend, dict):  # locmem
        return list(backend)
    try:
        return [
            k.decode() if isinstance(k, bytes) else k for k in cache._cache.get_client().keys("*")
        ]
    except AttributeError:
        return []


def test_every_lookup_is_counted_per_day(client, document):
    client.get(f"/xac-thuc/{document.code}/")
    client.get(f"/xac-thuc/{document.code}/")
    drop(client, bytes(document.pdf), "tb.pdf")
    (row,) = DocumentLookup.objects.filter(document=document)
    assert row.day == timezone.localdate() and row.count == 3
    # What a count row holds: the document, the day, the number; no visitor.
    assert {f.name for f in DocumentLookup._meta.concrete_fields} == {
        "id",
        "document",
        "day",
        "count",
    }


def test_the_request_log_does_not_name_the_visitor(client, document, caplog):
    caplog.set_level(logging.INFO)
    client.get("/", REMOTE_ADDR="203.0.113.9")
    assert "203.0.113.9" in caplog.text  # elsewhere the request log names the address
    caplog.clear()
    client.get(
        f"/xac-thuc/{document.code}/", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Phone/1.0"
    )
    drop(client, bytes(document.xml), "tb.xml", REMOTE_ADDR="203.0.113.9")
    assert "request_started" in caplog.text
    assert "203.0.113.9" not in caplog.text and "Phone/1.0" not in caplog.text


def test_the_page_needs_no_login_and_is_in_english_too(client, document):
    client.cookies["django_language"] = "en"
    text = page_text(client.get(f"/xac-thuc/{document.code}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Genuine: signed by the social insurance agency" in text
