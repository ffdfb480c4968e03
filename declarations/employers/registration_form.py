"""Tờ khai 04/ĐK-IVAN as a signed document: the proof that whoever registers a certificate
(or renews one) holds its private key.

The portal builds the unsigned 04 from the registration's fields
(:func:`registration_form_build`, offered for download); the employer signs it at
``ToKhai04DKIVAN/Cky`` with the certificate being registered (``manage.py sign_form``, a
token or a remote-signing service) and sends it with the registration.
:func:`registration_form_check` reads it as untrusted input — hardened parse, signature
shape, XSD, XMLDSig — and then only what was signed: the signer's certificate must be the
very certificate registered (the same bytes), the 04 must name the same unit, MST and
certificate serial, and it must be recent.

Shape (``declarations/intake/schemas/04dkivan.xsd``)::

    <ToKhai04DKIVAN>
      <MauSo>04/ĐK-IVAN</MauSo>
      <NoiDung>
        <TenDonVi/> <MaDonVi/> <MaSoThue/> <DiaChi/> <Email/> <DienThoai/> <ThuTuc/>
        <NhaCungCap><MaIVAN/><TenIVAN/></NhaCungCap>            (absent: the portal itself)
        <NhanKetQua><HinhThuc>office|post</HinhThuc><DiaChiNhan/></NhanKetQua>
        <ChungThuSo><SoSerial/><ToChucCap/><HieuLucTu/><HieuLucDen/></ChungThuSo>
        <NgayLap>dd/mm/yyyy</NgayLap>
      </NoiDung>
      <Cky><ds:Signature/></Cky>
    </ToKhai04DKIVAN>
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.utils import timezone
from lxml import etree
from stdnum.vn import mst

from core.refusals import Refused, err
from declarations.employers.pki.parsing import parse_untrusted, xml_schema
from declarations.employers.pki.signatures import signature_inspect, signature_verify
from declarations.employers.pki.signing import sign_form

FORM = "04/ĐK-IVAN"
ROOT = "ToKhai04DKIVAN"
SCHEMA = Path(__file__).resolve().parent / "schemas" / "04dkivan.xsd"
# A signed 04 is a few kilobytes; anything near this is not one.
MAX_BYTES = 128 * 1024
# The 04 must have been made (NgayLap) within this many days, and not after today.
MAX_AGE_DAYS = 30


@dataclass(frozen=True)
class Proof:
    """A verified 04/ĐK-IVAN: its bytes as received, their SHA-256, the day it was made."""

    data: bytes
    sha256: str
    made_on: date


def certificate_serial(certificate: x509.Certificate) -> str:
    """The serial as the portal writes it (upper-case hex, as ``RegisteredCertificate``)."""
    return format(certificate.serial_number, "X")


def _day(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y")


def registration_form_build(
    *,
    unit_code: str,
    unit_name: str,
    tax_code: str,
    certificate: x509.Certificate,
    address: str = "",
    email: str = "",
    phone: str = "",
    procedures: str = "",
    provider=None,
    result_delivery: str = "office",
    postal_address: str = "",
    made_on: date | None = None,
) -> bytes:
    """The unsigned 04/ĐK-IVAN for these registration fields and ``certificate``
    (``provider``: an object with ``code`` and ``name``, or None for the portal itself)."""
    root = etree.Element(ROOT)
    etree.SubElement(root, "MauSo").text = FORM
    content = etree.SubElement(root, "NoiDung")
    for tag, value in (
        ("TenDonVi", unit_name),
        ("MaDonVi", unit_code.strip().upper()),
        ("MaSoThue", tax_code),
        ("DiaChi", address),
        ("Email", email),
        ("DienThoai", phone),
        ("ThuTuc", procedures),
    ):
        etree.SubElement(content, tag).text = (value or "")[:300]
    if provider is not None:
        carrier = etree.SubElement(content, "NhaCungCap")
        etree.SubElement(carrier, "MaIVAN").text = provider.code
        etree.SubElement(carrier, "TenIVAN").text = (provider.name or "")[:300]
    delivery = etree.SubElement(content, "NhanKetQua")
    etree.SubElement(delivery, "HinhThuc").text = result_delivery or "office"
    etree.SubElement(delivery, "DiaChiNhan").text = (postal_address or "")[:300]
    cert = etree.SubElement(content, "ChungThuSo")
    etree.SubElement(cert, "SoSerial").text = certificate_serial(certificate)
    etree.SubElement(cert, "ToChucCap").text = certificate.issuer.rfc4514_string()[:500]
    etree.SubElement(cert, "HieuLucTu").text = _day(certificate.not_valid_before_utc)
    etree.SubElement(cert, "HieuLucDen").text = _day(certificate.not_valid_after_utc)
    etree.SubElement(content, "NgayLap").text = (made_on or timezone.localdate()).strftime(
        "%d/%m/%Y"
    )
    etree.SubElement(root, "Cky")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def registration_form_of_employer(
    *, employer, certificate: x509.Certificate, provider=None, made_on: date | None = None
) -> bytes:
    """The unsigned 04 for a (renewed) certificate of a known employer, from its record."""
    last = employer.registrations.filter(status="approved").order_by("-submitted_at").first()
    return registration_form_build(
        unit_code=employer.unit_code,
        unit_name=employer.name,
        tax_code=employer.tax_code,
        certificate=certificate,
        address=employer.address,
        email=employer.contact_email,
        phone=employer.contact_phone,
        procedures=last.procedures if last else "",
        provider=provider,
        result_delivery=employer.result_delivery,
        postal_address=employer.postal_address,
        made_on=made_on,
    )


def registration_form_sign(data: bytes, *, key_pem: bytes, cert_pem: bytes) -> bytes:
    """Sign a 04 at ``ToKhai04DKIVAN/Cky`` (the CLI, the demo, the tests; employers use
    their own tools)."""

    return sign_form(data, key_pem=key_pem, cert_pem=cert_pem)


def registration_form_signed(*, employer, key_pem: bytes, cert_pem: bytes, provider=None) -> bytes:
    """The 04 of ``employer`` for ``cert_pem``, signed with ``key_pem`` (seeding, tests)."""
    certificate = x509.load_pem_x509_certificate(cert_pem)
    unsigned = registration_form_of_employer(
        employer=employer, certificate=certificate, provider=provider
    )
    return registration_form_sign(unsigned, key_pem=key_pem, cert_pem=cert_pem)


def _text(root: etree._Element, path: str) -> str:
    return (root.findtext(path) or "").strip()


def registration_form_check(
    *,
    data: bytes | None,
    certificate: x509.Certificate,
    unit_code: str,
    tax_code: str,
    today: date | None = None,
) -> Proof:
    """Check a signed 04 as the proof of possession of ``certificate``'s key.

    Raises :class:`~core.refusals.Refused` with ``POP_MISSING``, the parser's ``XML_*``,
    the signature's ``SIG_*``, ``XSD_FORM``, ``POP_WRONG_KEY`` (signed with another key),
    ``POP_MISMATCH`` (names another unit, MST or certificate) or ``POP_STALE``.
    """
    if not data:
        raise Refused(err("POP_MISSING", form=FORM))
    root = parse_untrusted(data, limit=MAX_BYTES, form=FORM)
    facts = signature_inspect(root, container="Cky", form=FORM)
    schema = xml_schema(SCHEMA)
    if not schema.validate(root):
        raise Refused(
            [
                err("XSD_FORM", line=entry.line, form=FORM, detail=entry.message)
                for entry in list(schema.error_log)[:20]
            ]
        )
    expected_der = certificate.public_bytes(Encoding.DER)
    if facts.certificate.public_bytes(Encoding.DER) != expected_der:
        raise Refused(err("POP_WRONG_KEY", form=FORM, value=certificate_serial(facts.certificate)))
    # From here on, only the tree the verifier returns as signed is read.
    signed = signature_verify(root, container="Cky", certificate=facts.certificate, form=FORM)
    if signed.tag != ROOT:
        raise Refused(err("XSD_FORM", form=FORM, detail=f"root {signed.tag}"))
    mismatches = []
    found_unit = _text(signed, "NoiDung/MaDonVi")
    if found_unit.upper() != unit_code.strip().upper():
        mismatches.append(("MaDonVi", found_unit, unit_code))
    found_mst = _text(signed, "NoiDung/MaSoThue")
    if mst.compact(found_mst) != mst.compact(tax_code):
        mismatches.append(("MaSoThue", found_mst, tax_code))
    found_serial = _text(signed, "NoiDung/ChungThuSo/SoSerial")
    try:
        same_serial = int(found_serial, 16) == certificate.serial_number
    except ValueError:
        same_serial = False
    if not same_serial:
        mismatches.append(("SoSerial", found_serial, certificate_serial(certificate)))
    if mismatches:
        raise Refused(
            [
                err("POP_MISMATCH", form=FORM, field=name, value=found or "—", expected=expected)
                for name, found, expected in mismatches
            ]
        )
    made_text = _text(signed, "NoiDung/NgayLap")
    try:
        made_on = datetime.strptime(made_text, "%d/%m/%Y").date()
    except ValueError:  # the XSD checked the shape, not the calendar (31/02)
        raise Refused(
            err("XSD_FORM", form=FORM, field="NgayLap", detail=f"NgayLap {made_text}")
        ) from None
    today = today or timezone.localdate()
    if made_on > today or made_on < today - timedelta(days=MAX_AGE_DAYS):
        raise Refused(
            err("POP_STALE", form=FORM, field="NgayLap", value=made_text, days=MAX_AGE_DAYS)
        )
    return Proof(data=bytes(data), sha256=hashlib.sha256(data).hexdigest(), made_on=made_on)
