"""Documents the agency issues and signs (văn bản điện tử của cơ quan BHXH): the one entry
point other apps call, :func:`document_issue`, which gives the document its public
verification code (mã xác thực), builds its XML and PDF through the caller's builders, signs
both with the issuing office's key in the HSM (XAdES-BES enveloped XML, PAdES PDF; see
:mod:`core.agency_signing`) and stores them with their digests.

    document = document_issue(
        kind="statement", office=office, employer=unit, number="C12-TZH490L-2026-11",
        title="Thông báo kết quả đóng BHXH, BHYT, BHTN, BHTNLĐ-BNN",
        summary=[("Đơn vị", "Công ty A (TZH490L)"), ("Tháng", "11/2026")],
        xml_build=lambda code: statement_xml(statement, code),
        pdf_build=lambda url, code: statement_pdf(statement, qr=qr_flowable(url, code)),
    )

Issuing is idempotent: a second call with the same kind and number returns the first
document and builds nothing. Without a configured token the document is stored unsigned
(``signed`` False) and the verification page says so. Signing happens outside the
transactions that write notices: they write an outbox row (:func:`notice_documents_enqueue`,
:func:`notice_document_message`) and the ``agency_document`` handler issues the document."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from lxml import etree

from core import agency_signing
from core.outbox.services import outbox_message_build
from core.refusals import Refused
from declarations.dossiers.models import AgencyCertificate, IssuedDocument

OUTBOX_KIND = "agency_document"
# Crockford's base32: no I, L, O, U (read as 1, 1, 0 and not used), easy to type and say.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12  # 60 bits: not guessable at the page's rate limit
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


# --- codes and links ---------------------------------------------------------------------------
def code_new() -> str:
    """A new random verification code (12 letters of Crockford's base32)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def code_normalize(text: str) -> str | None:
    """The code a person typed (any case, spaces or dashes, O for 0, I or L for 1), or None
    when it cannot be one."""
    code = "".join(ch for ch in (text or "").upper() if ch not in " -_.\t").translate(_READ_AS)
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def code_display(code: str) -> str:
    """XXXX-XXXX-XXXX, as printed under the QR code."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def verification_url(code: str) -> str:
    """The public page of a document (what the QR code holds), absolute from SITE_URL."""
    return settings.SITE_URL.rstrip("/") + reverse("verification:code", args=[code])


def qr_flowable(url: str, code: str, size_mm: float = 30):
    """A reportlab flowable: the QR code of ``url`` (a PNG image, so a reader extracts and
    decodes it as printed) with the code in letters under it."""
    import io

    import segno
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Table, TableStyle

    from core import pdf

    png = io.BytesIO()
    segno.make(url, error="m").save(png, kind="png", scale=6, border=4)
    png.seek(0)
    side = size_mm * mm
    box = Table(
        [[Image(png, width=side, height=side)], [pdf.text(code_display(code), 8, center=True)]],
        colWidths=[side + 4 * mm],
    )
    box.setStyle(
        TableStyle(
            [
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return box


# --- XML signature (XAdES-BES, the key on the token) ---------------------------------------------
class _TokenRsaKey:
    """What signxml asks of a private key (``sign``, ``public_key``, ``key_size``), answered
    by the token: the private key is a handle on the HSM, never a value in this process."""

    def __init__(self, key: agency_signing.TokenKey, office: str | None):
        self._key, self._office = key, office
        self._public = key.certificate().public_key()
        self.key_size = self._public.key_size

    def public_key(self):
        return self._public

    def sign(self, data: bytes, padding, algorithm) -> bytes:
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
        from cryptography.hazmat.primitives.hashes import SHA256

        if not isinstance(padding, PKCS1v15) or not isinstance(algorithm, SHA256):
            raise ValueError("the agency's token signs RSA PKCS#1 v1.5 with SHA-256 only")
        value, key = agency_signing.raw_sign(data, office=self._office)
        if key.fingerprint != self._key.fingerprint:  # the token's key changed meanwhile
            raise Refused("AGENCY_SIGN_FAILED")
        return value


def xml_sign(root: etree._Element, *, office: str | None) -> tuple[bytes, agency_signing.TokenKey]:
    """``root`` signed by the office's key: enveloped XMLDSig (whole document, RSA-SHA256,
    C14N 1.1) with XAdES-BES SignedProperties (SigningTime, SigningCertificateV2),
    the certificate in KeyInfo. Returns (the document's bytes, the key that signed)."""
    from cryptography.hazmat.primitives.serialization import Encoding
    from signxml import methods
    from signxml.xades import XAdESSigner

    key = agency_signing.token_key(office=office)
    signer = XAdESSigner(
        method=methods.enveloped,
        signature_algorithm="rsa-sha256",
        digest_algorithm="sha256",
        # Canonical XML 1.1, signxml's default: its XAdES references to SignedProperties
        # and KeyInfo carry no Transforms, so a verifier digests them with the default.
    )
    signed = signer.sign(
        root,
        key=_TokenRsaKey(key, office),
        cert=[key.certificate().public_bytes(Encoding.PEM).decode()],
        always_add_key_value=False,
    )
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8"), key


def _certificate_record(key: agency_signing.TokenKey) -> AgencyCertificate:
    found = AgencyCertificate.objects.filter(fingerprint=key.fingerprint).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return AgencyCertificate.objects.create(
                fingerprint=key.fingerprint,
                der=key.certificate_der,
                subject=key.certificate().subject.rfc4514_string()[:300],
                key_label=key.label,
            )
    except IntegrityError:  # recorded meanwhile by another process
        return AgencyCertificate.objects.get(fingerprint=key.fingerprint)


# --- issuing -----------------------------------------------------------------------------------
def document_issue(
    *,
    kind: str,
    office,
    employer,
    number: str,
    title: str,
    summary: list[tuple[str, str]],
    xml_build: Callable[[str], etree._Element],
    pdf_build: Callable[[str, str], bytes],
    notice=None,
) -> IssuedDocument:
    """Issue one document (phát hành văn bản): code, XML and PDF, both signed by ``office``'s
    key when a token is configured. ``summary``: the (label, value) lines the public page
    shows, nothing personal beyond what the holder has (docs/verification.md). Idempotent
    on (kind, number)."""
    found = IssuedDocument.objects.filter(kind=kind, number=number).first()
    if found is not None:
        return found
    code = code_new()
    root = xml_build(code)
    body = pdf_build(verification_url(code), code)
    certificate, fingerprint = None, ""
    if agency_signing.agency_signer_configured():
        xml, key = xml_sign(root, office=office.code)
        body = agency_signing.pdf_sign(body, reason=f"{title} {number}"[:200], office=office.code)
        certificate, fingerprint = _certificate_record(key), key.fingerprint
    else:
        xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    document = IssuedDocument(
        kind=kind,
        code=code,
        number=number,
        title=title[:200],
        office=office,
        employer=employer,
        notice=notice,
        summary=[[str(label), str(value)] for label, value in summary],
        xml=xml,
        xml_sha256=hashlib.sha256(xml).hexdigest(),
        pdf=body,
        pdf_sha256=hashlib.sha256(body).hexdigest(),
        signed=certificate is not None,
        certificate=certificate,
        signer_fingerprint=fingerprint,
    )
    try:
        with transaction.atomic():
            document.save(force_insert=True)
    except IntegrityError:  # issued meanwhile by another worker: theirs stands
        return IssuedDocument.objects.get(kind=kind, number=number)
    return document


def document_sign_unsigned(
    document: IssuedDocument,
    *,
    xml_build: Callable[[str], etree._Element],
    pdf_build: Callable[[str, str], bytes],
) -> bool:
    """Sign a document issued unsigned (no token then), keeping its code, number and issue
    time: for the demo, whose seed issues its notices before the agency's token exists.
    False when it is signed already or no token is configured."""
    if document.signed or not agency_signing.agency_signer_configured():
        return False
    office = document.office
    xml, key = xml_sign(xml_build(document.code), office=office.code)
    body = agency_signing.pdf_sign(
        pdf_build(verification_url(document.code), document.code),
        reason=f"{document.title} {document.number}"[:200],
        office=office.code,
    )
    certificate = _certificate_record(key)
    # Conditional: a document signed meanwhile by another process keeps its signature.
    return bool(
        IssuedDocument.objects.filter(pk=document.pk, signed=False).update(
            xml=xml,
            xml_sha256=hashlib.sha256(xml).hexdigest(),
            pdf=body,
            pdf_sha256=hashlib.sha256(body).hexdigest(),
            signed=True,
            certificate=certificate,
            signer_fingerprint=key.fingerprint,
        )
    )


# --- notices through the outbox -------------------------------------------------------------------
def notice_document_message(*, number: str, document: str = "notice"):
    """The unsaved outbox row that issues the document of the notice ``number`` (written
    with the notice in one statement by intake; see :func:`core.db.rows_insert_linked`)."""
    return outbox_message_build(
        kind=OUTBOX_KIND,
        key=f"document-{document}-{number}",
        payload={"notice": number, "document": document},
    )
