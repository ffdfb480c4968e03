"""Tờ khai 05/SD-IVAN (change) and 06/NG-IVAN (stop) as documents the employer signs.

The portal builds the unsigned form from the page's fields (:func:`change_form_build`,
:func:`stop_form_build`); the employer signs it at ``<Root>/Cky`` with its registered
certificate in force (a USB token through the local signer, or a CA's remote signing
service), or sends it with its trial credential. :func:`channel_form_read` reads the result
as untrusted input — hardened parse, signature shape, the signer's certificate the unit's
registered one in force, XMLDSig — and returns only what was signed: the unit named must be
the employer, the form recent. Shapes::

    <ToKhai05SDIVAN>
      <MauSo>05/SD-IVAN</MauSo>
      <NoiDung>
        <TenDonVi/> <MaDonVi/> <MaSoThue/>
        <ThayDoi> <DiaChi/>? <Email/>? <DienThoai/>?
                  <NhanKetQua><HinhThuc>office|post</HinhThuc><DiaChiNhan/></NhanKetQua>? </ThayDoi>
        <NgayLap>dd/mm/yyyy</NgayLap>
      </NoiDung>
      <Cky/>
    </ToKhai05SDIVAN>

    <ToKhai06NGIVAN>
      <MauSo>06/NG-IVAN</MauSo>
      <NoiDung>
        <TenDonVi/> <MaDonVi/> <MaSoThue/>
        <NhaCungCap><MaIVAN/><TenIVAN/></NhaCungCap>?            (absent: the portal itself)
        <LyDo/> <NgayLap>dd/mm/yyyy</NgayLap>
      </NoiDung>
      <Cky/>
    </ToKhai06NGIVAN>
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cryptography import x509
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from lxml import etree
from stdnum.vn import mst

from core.refusals import Refused, codes_register, err
from declarations.employers.pki.parsing import parse_untrusted
from declarations.employers.pki.signatures import signature_inspect, signature_verify

CHANGE_FORM = "05/SD-IVAN"
STOP_FORM = "06/NG-IVAN"
ROOTS = {CHANGE_FORM: "ToKhai05SDIVAN", STOP_FORM: "ToKhai06NGIVAN"}
FORM_OF_ROOT = {root: form for form, root in ROOTS.items()}
MAX_BYTES = 128 * 1024
MAX_AGE_DAYS = 30
# Cell of the 05 (under ThayDoi) → the employer's field it changes.
CHANGE_CELLS = {
    "DiaChi": "address",
    "Email": "contact_email",
    "DienThoai": "contact_phone",
    "NhanKetQua/HinhThuc": "result_delivery",
    "NhanKetQua/DiaChiNhan": "postal_address",
}
# The same fields as TK3-TS names them (its checks are shared: declarations.employers.unit_data).
TK3_TAGS = {
    "address": "DiaChi",
    "contact_email": "Email",
    "contact_phone": "DienThoai",
    "result_delivery": "PhuongThucNhanKetQua",
    "postal_address": "DiaChiNhanKetQua",
}

codes_register(
    "channel_forms",
    "Changes (05/SD-IVAN) and stops (06/NG-IVAN) of e-transactions signed in the portal",
    {
        "CHANNEL_FORM_SHAPE": _("The {form} is not a form the portal made: {detail}"),
        "CHANNEL_FORM_SIGNER": _(
            "The {form} is not signed with your unit's registered certificate in force "
            "(signed with serial {value})."
        ),
        "CHANNEL_FORM_NO_CERTIFICATE": _(
            "Your unit has no registered certificate in force to sign the {form} with."
        ),
        "CHANNEL_FORM_MISMATCH": _("The {form} names {field} {value}, not your unit's {expected}."),
        "CHANNEL_FORM_STALE": _(
            "The {form} was made on {value}: it must be made within the last {days} days."
        ),
        "CHANNEL_NO_CHANGE": _(
            "The 05/SD-IVAN changes nothing: every value is the one the unit already has."
        ),
        "CHANNEL_NOT_TRANSACTING": _(
            "The unit does not transact electronically now (not registered, or stopped): "
            "there is no registration to change or stop."
        ),
    },
    intro=(
        "The employer's 05/SD-IVAN and 06/NG-IVAN, signed in the portal with the registered "
        "certificate (or sent with the trial credential), are read only as signed."
    ),
)


@dataclass(frozen=True)
class ChannelForm:
    """A read 05 or 06: its ``form``, the values signed (05: employer field → value; 06:
    ``provider`` code and ``reason``), its bytes' SHA-256, whether it was signed."""

    form: str
    values: dict
    sha256: str
    signed: bool


def _head(root_tag: str, form: str, employer) -> tuple[etree._Element, etree._Element]:
    root = etree.Element(root_tag)
    etree.SubElement(root, "MauSo").text = form
    content = etree.SubElement(root, "NoiDung")
    for tag, value in (
        ("TenDonVi", employer.name),
        ("MaDonVi", employer.unit_code),
        ("MaSoThue", employer.tax_code),
    ):
        etree.SubElement(content, tag).text = (value or "")[:300]
    return root, content


def _tail(root: etree._Element, content: etree._Element, made_on: date | None) -> bytes:
    etree.SubElement(content, "NgayLap").text = (made_on or timezone.localdate()).strftime(
        "%d/%m/%Y"
    )
    etree.SubElement(root, "Cky")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def change_form_build(*, employer, changes: dict[str, str], made_on: date | None = None) -> bytes:
    """The unsigned 05/SD-IVAN of ``employer`` declaring ``changes`` (employer field →
    new value; only the fields of :data:`CHANGE_CELLS`)."""
    root, content = _head(ROOTS[CHANGE_FORM], CHANGE_FORM, employer)
    block = etree.SubElement(content, "ThayDoi")
    for cell, attr in CHANGE_CELLS.items():
        if attr not in changes:
            continue
        parent = block
        if "/" in cell:
            outer, cell = cell.split("/")
            parent = block.find(outer)
            if parent is None:
                parent = etree.SubElement(block, outer)
        etree.SubElement(parent, cell).text = (changes[attr] or "")[:300]
    return _tail(root, content, made_on)


def stop_form_build(*, employer, provider=None, reason: str = "", made_on: date | None = None):
    """The unsigned 06/NG-IVAN: ``employer`` stops transacting through ``provider`` (an
    object with ``code`` and ``name``; None: the portal itself)."""
    root, content = _head(ROOTS[STOP_FORM], STOP_FORM, employer)
    if provider is not None:
        carrier = etree.SubElement(content, "NhaCungCap")
        etree.SubElement(carrier, "MaIVAN").text = provider.code
        etree.SubElement(carrier, "TenIVAN").text = (provider.name or "")[:300]
    etree.SubElement(content, "LyDo").text = (reason or "")[:300]
    return _tail(root, content, made_on)


def _text(node: etree._Element, path: str) -> str:
    return " ".join((node.findtext(path) or "").split())


def _values(signed: etree._Element, form: str) -> dict:
    if form == STOP_FORM:
        return {
            "provider": _text(signed, "NoiDung/NhaCungCap/MaIVAN"),
            "reason": _text(signed, "NoiDung/LyDo"),
        }
    block = signed.find("NoiDung/ThayDoi")
    if block is None:
        raise Refused(err("CHANNEL_FORM_SHAPE", form=form, detail="NoiDung/ThayDoi"))
    return {
        attr: _text(block, cell)
        for cell, attr in CHANGE_CELLS.items()
        if block.find(cell) is not None
    }


def channel_form_read(
    *,
    data: bytes,
    employer,
    certificates: list[x509.Certificate] | None,
    today: date | None = None,
) -> ChannelForm:
    """Read a 05 or 06 of ``employer``: signed at ``Cky`` with one of ``certificates`` (the
    unit's registered ones in force), or, when ``certificates`` is None (a trial credential
    checked by the caller), unsigned. Only what the verifier returns as signed is read."""
    root = parse_untrusted(data, limit=MAX_BYTES)
    form = FORM_OF_ROOT.get(root.tag)
    if form is None:
        raise Refused(err("CHANNEL_FORM_SHAPE", form="05/06", detail=f"<{root.tag[:40]}>"))
    if certificates is None:
        if root.find(".//{http://www.w3.org/2000/09/xmldsig#}Signature") is not None:
            raise Refused(err("CHANNEL_FORM_SHAPE", form=form, detail="Signature"))
        signed = root
    else:
        facts = signature_inspect(root, container="Cky", form=form)
        if facts.certificate not in certificates:
            serial = format(facts.certificate.serial_number, "X")
            raise Refused(err("CHANNEL_FORM_SIGNER", form=form, value=serial))
        # Verified with the registered certificate, not the one the document carries.
        pinned = certificates[certificates.index(facts.certificate)]
        signed = signature_verify(root, container="Cky", certificate=pinned, form=form)
    if signed.tag != root.tag or _text(signed, "MauSo") != form:
        raise Refused(err("CHANNEL_FORM_SHAPE", form=form, detail="MauSo"))
    found_unit = _text(signed, "NoiDung/MaDonVi")
    if found_unit.upper() != employer.unit_code.upper():
        raise Refused(
            err(
                "CHANNEL_FORM_MISMATCH",
                form=form,
                field="MaDonVi",
                value=found_unit or "—",
                expected=employer.unit_code,
            )
        )
    found_mst = _text(signed, "NoiDung/MaSoThue")
    if mst.compact(found_mst) != mst.compact(employer.tax_code):
        raise Refused(
            err(
                "CHANNEL_FORM_MISMATCH",
                form=form,
                field="MaSoThue",
                value=found_mst or "—",
                expected=employer.tax_code,
            )
        )
    made_text = _text(signed, "NoiDung/NgayLap")
    try:
        made_on = datetime.strptime(made_text, "%d/%m/%Y").date()
    except ValueError:
        raise Refused(err("CHANNEL_FORM_SHAPE", form=form, detail=f"NgayLap {made_text}")) from None
    today = today or timezone.localdate()
    if made_on > today or made_on < today - timedelta(days=MAX_AGE_DAYS):
        raise Refused(err("CHANNEL_FORM_STALE", form=form, value=made_text, days=MAX_AGE_DAYS))
    return ChannelForm(
        form=form,
        values=_values(signed, form),
        sha256=hashlib.sha256(data).hexdigest(),
        signed=certificates is not None,
    )
