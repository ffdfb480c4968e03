"""The signed layouts of hash-then-sign, built by the same code as ``sign_dossier``.

signxml's signer is run with :class:`DigestRelay` in place of the private key: asked to sign
a SignedInfo, it records the SHA-256 of its canonical bytes and answers with the signature
the employer's signer gave for that digest (a placeholder while there is none). The forms
are signed first (round 1), then the envelope, which covers the signed forms (round 2), so
the envelope's digest is known only once the forms' values are in. The steps are the two
halves of ``sign_dossier`` (tests hold the result byte-identical to it). The signing time is fixed
when the session starts: it is in each form's Object, and so under the envelope's digest.
"""

from __future__ import annotations

import base64
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


def form_digests(data: bytes, *, cert_pem: bytes, signing_time: datetime) -> list[bytes]:
    """Round 1: the SHA-256 of each form's SignedInfo, in document order."""
    relay = DigestRelay()
    dossier_forms_sign(_parsed(data), key=relay, cert_pem=cert_pem, signing_time=signing_time)
    return relay.asked


def forms_signed(
    data: bytes,
    *,
    cert_pem: bytes,
    signing_time: datetime,
    forms: list[bytes],
    form_values: list[bytes],
) -> bytes:
    """The envelope with its forms signed with ``form_values`` (what round 2 signs); the
    forms' digests must be the ones of round 1."""
    relay = DigestRelay(dict(zip(forms, form_values, strict=True)))
    root = _parsed(data)
    dossier_forms_sign(root, key=relay, cert_pem=cert_pem, signing_time=signing_time)
    if relay.asked != forms:
        raise SigningRefused("signing.document_changed")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _envelope_sign(data: bytes, *, cert_pem: bytes, signing_time: datetime, relay) -> bytes:
    # The second half of sign_dossier (without a TSA): the same call, the same serialization.
    signed = sign_element(
        _parsed(data), key=relay, cert_pem=cert_pem, container="CKy_Dvi", signing_time=signing_time
    )
    return etree.tostring(signed, xml_declaration=True, encoding="utf-8")


def envelope_digest(data: bytes, *, cert_pem: bytes, signing_time: datetime) -> bytes:
    """Round 2: the SHA-256 of the envelope's SignedInfo over ``data`` (forms signed)."""
    relay = DigestRelay()
    _envelope_sign(data, cert_pem=cert_pem, signing_time=signing_time, relay=relay)
    return relay.asked[0]


def envelope_assemble(
    data: bytes, *, cert_pem: bytes, signing_time: datetime, digest: bytes, value: bytes
) -> bytes:
    """The signed dossier: the envelope's SignedInfo must be the session's, with its
    verified value."""
    relay = DigestRelay({digest: value})
    signed = _envelope_sign(data, cert_pem=cert_pem, signing_time=signing_time, relay=relay)
    if relay.asked != [digest]:
        raise SigningRefused("signing.document_changed")
    return signed


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


def cert_pem_of(der: bytes) -> bytes:
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
