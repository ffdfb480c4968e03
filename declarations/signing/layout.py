"""The signed layouts of hash-then-sign, built by the same code as ``sign_dossier``.

signxml's signer is run with :class:`DigestRelay` in place of the private key: asked to sign
a SignedInfo, it records the SHA-256 of its canonical bytes and answers with the signature
the employer's signer gave for that digest (a placeholder while there is none). The forms
are signed first (round 1), then the envelope, which covers the signed forms (round 2), so
the envelope's digest is known only once the forms' values are in. The steps are the two
halves of ``sign_dossier`` (tests hold the result byte-identical to it). Each half is run once:
its result, serialized with the placeholder, is kept with the session, and the verified
values are put in its place (a SignatureValue is outside the SignedInfo it signs). The
signing time is fixed when the session starts: it is in each form's Object, and so under the
envelope's digest.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from lxml import etree

from core.refusals import err
from declarations.employers.pki.parsing import hardened_parser, strip_bom
from declarations.employers.pki.signing import dossier_forms_sign, sign_element, sign_form
from declarations.intake.envelope import envelope_facts
from declarations.signing.errors import SigningRefused

PLACEHOLDER = b"\0"


class DigestRelay:
    """Stands in for an RSA private key in signxml's signer (RSA-SHA256, PKCS#1 v1.5): the
    digests asked for, in order, and the given values for those it knows."""

    def __init__(self, values: dict[bytes, bytes] | None = None):
        self.values = values or {}
        self.asked: list[bytes] = []

    def sign(self, data: bytes, padding=None, algorithm=None) -> bytes:
        digest = hashlib.sha256(data).digest()
        self.asked.append(digest)
        return self.values.get(digest, PLACEHOLDER)


@dataclass(frozen=True)
class Part:
    """One thing to sign: ``id`` as the signer protocol carries it, and a label to show."""

    id: str
    label: str


@dataclass(frozen=True)
class Document:
    """What the signer is told of an unsigned envelope: its facts and its forms (round 1)."""

    facts: dict
    parts: list[Part]

    def summary(self) -> str:
        f = self.facts
        return (
            f"Hồ sơ {f['procedure']} kỳ {f['period']} — đơn vị {f['unit_code']}: "
            f"{len(self.parts)} tờ khai và hồ sơ"
        )[:300]


def document_read(data: bytes) -> Document:
    """The unsigned envelope's facts and embedded XML forms, in document order."""
    try:
        root = etree.fromstring(strip_bom(data), hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise SigningRefused(err("signing.document_invalid", detail=str(exc)[:200])) from None
    return _document_of(root)


def _document_of(root: etree._Element) -> Document:
    if root.tag != "Hoso":
        raise SigningRefused(err("signing.document_invalid", detail=f"<{root.tag}>"))
    parts = []
    for node in root.iterfind("NoiDung/ThongTinHoSo/ToKhais/FileToKhai"):
        if (node.findtext("LoaiFile") or "").strip().lower() == "xml":
            label = (node.findtext("MaToKhai") or node.findtext("TenFile") or "").strip()
            parts.append(Part(id=f"form-{len(parts) + 1}", label=label[:60]))
    return Document(facts=envelope_facts(root), parts=parts)


def _parsed(data: bytes) -> etree._Element:
    return etree.fromstring(strip_bom(data), hardened_parser())


FORMS = "NoiDung/ThongTinHoSo/ToKhais/FileToKhai"
# A SignatureValue as signxml writes the placeholder's (default namespace, base64 text).
PLACEHOLDER_VALUE = b"<SignatureValue>" + base64.b64encode(PLACEHOLDER) + b"</SignatureValue>"


def _tostring(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _fill(prepared: bytes, value: bytes) -> bytes:
    """``prepared`` (serialized, signed with the placeholder) with ``value`` as its
    SignatureValue. The signature's container is the document's last child (sign_element
    appends it) and only KeyInfo and the signing time follow its SignatureValue: the last
    placeholder value is that signature's. The bytes are then those signxml writes with
    ``value``, without signing the document again."""
    at = prepared.rfind(PLACEHOLDER_VALUE)
    if at < 0:
        raise SigningRefused("signing.document_changed")
    filled = b"<SignatureValue>" + base64.b64encode(value) + b"</SignatureValue>"
    return prepared[:at] + filled + prepared[at + len(PLACEHOLDER_VALUE) :]


def forms_prepare(data: bytes, *, cert_pem: bytes, signing_time: datetime) -> tuple:
    """Round 1: (the SHA-256 of each form's SignedInfo, in document order; the envelope
    with each form signed with the placeholder, kept for :func:`envelope_prepare`)."""
    relay = DigestRelay()
    root = _parsed(data)
    dossier_forms_sign(root, key=relay, cert_pem=cert_pem, signing_time=signing_time)
    return relay.asked, _tostring(root)


def forms_prepare_read(data: bytes, *, cert_pem: bytes, signing_time: datetime) -> tuple:
    """:func:`document_read` and :func:`forms_prepare` over one parse of ``data``:
    (the document, the forms' digests, the envelope with the forms signed with the
    placeholder)."""
    root = _parsed(data)
    document = _document_of(root)
    relay = DigestRelay()
    dossier_forms_sign(root, key=relay, cert_pem=cert_pem, signing_time=signing_time)
    return document, relay.asked, _tostring(root)


def envelope_prepare(
    forms_prepared: bytes, form_values: list[bytes], *, cert_pem: bytes, signing_time: datetime
) -> tuple:
    """Round 2: round 1's values put into the forms of ``forms_prepared`` (each form's
    length updated, as dossier_forms_sign leaves it), then the envelope signed over them
    (the second half of sign_dossier): (the SHA-256 of its SignedInfo; the signed dossier
    with the placeholder, kept for :func:`envelope_fill`)."""
    root = _parsed(forms_prepared)
    nodes = [
        node
        for node in root.iterfind(FORMS)
        if (node.findtext("LoaiFile") or "").strip().lower() == "xml"
    ]
    if len(nodes) != len(form_values):
        raise SigningRefused("signing.document_changed")
    for node, value in zip(nodes, form_values, strict=True):
        content = base64.b64decode("".join((node.findtext("NoiDungFile") or "").split()))
        signed = _fill(content, value)
        node.find("NoiDungFile").text = base64.b64encode(signed).decode()
        node.find("DoDaiFile").text = str(len(signed))
    relay = DigestRelay()
    # Without a TSA, as sign_dossier: the same call, the same serialization.
    signed_root = sign_element(
        root, key=relay, cert_pem=cert_pem, container="CKy_Dvi", signing_time=signing_time
    )
    return relay.asked[0], _tostring(signed_root)


def envelope_fill(prepared: bytes, value: bytes) -> bytes:
    """The signed dossier: round 2's verified value into the session's prepared one."""
    return _fill(prepared, value)


def single_form_digest(data: bytes, *, cert_pem: bytes, signing_time: datetime) -> bytes:
    """A form signed on its own at ``<Root>/Cky`` (the 04/ĐK-IVAN): its SignedInfo's digest."""
    relay = DigestRelay()
    sign_form(data, key=relay, cert_pem=cert_pem, signing_time=signing_time)
    return relay.asked[0]


def single_form_assemble(
    data: bytes, *, cert_pem: bytes, signing_time: datetime, digest: bytes, value: bytes
) -> bytes:
    relay = DigestRelay({digest: value})
    signed = sign_form(data, key=relay, cert_pem=cert_pem, signing_time=signing_time)
    if relay.asked != [digest]:
        raise SigningRefused("signing.document_changed")
    return signed


def value_verify(certificate: x509.Certificate, *, digest: bytes, value: bytes) -> bool:
    """Does ``value`` verify with the certificate's key as RSA-SHA256 (PKCS#1 v1.5) over the
    SignedInfo whose SHA-256 is ``digest``?"""
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(value, digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


@functools.lru_cache(maxsize=64)
def certificate_of(der: bytes) -> x509.Certificate:
    """The certificate of these DER bytes, parsed once per process (each step of a session
    reads the same one)."""
    return x509.load_der_x509_certificate(der)


@functools.lru_cache(maxsize=64)
def cert_pem_of(der: bytes) -> bytes:
    return certificate_of(der).public_bytes(serialization.Encoding.PEM)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
