"""The hostile corpus: each hostile dossier is refused with its own error code and leaves
no row behind (no dossier, file, notice, outbox message or audit entry)."""

from __future__ import annotations

import base64

import pytest
from lxml import etree

from accounts.models import AuditEntry
from core.outbox.models import OutboxMessage
from declarations.dossiers.models import Dossier, DossierFile, Notice
from declarations.employers.pki.signatures import DS
from declarations.intake.pipeline import intake_submit
from tests.declarations import hostile as h
from tests.declarations.conftest import register_cert, worker

TINY_DOSSIER = b"<Hoso><NoiDung/></Hoso>"


def refused_with(data: bytes, code: str, **kwargs):
    result = intake_submit(data=data, channel="cli", **kwargs)
    codes = [e.code for e in result.errors]
    assert not result.ok, "hostile dossier was accepted"
    assert code in codes, f"expected {code}, got {codes}"
    assert not Dossier.objects.exists()
    assert not DossierFile.objects.exists()
    assert not Notice.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert not AuditEntry.objects.filter(action="dossier.received").exists()
    for error in result.errors_as_dicts():
        assert error["message"] and error["code"]
    return result


# --- parser attacks -------------------------------------------------------------------------
PARSER_ATTACKS = {
    "xxe_file": (
        b'<?xml version="1.0"?><!DOCTYPE Hoso [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<Hoso><NoiDung>&x;</NoiDung></Hoso>",
        "XML_ENTITY_EXTERNAL",
    ),
    "xxe_network": (
        b'<?xml version="1.0"?><!DOCTYPE Hoso [<!ENTITY x SYSTEM "http://203.0.113.9/x">]>'
        b"<Hoso><NoiDung>&x;</NoiDung></Hoso>",
        "XML_ENTITY_NETWORK",
    ),
    "xxe_parameter_entity": (
        b'<?xml version="1.0"?><!DOCTYPE Hoso [<!ENTITY % p SYSTEM "http://203.0.113.9/p.dtd"> %p;]>'
        b"<Hoso/>",
        "XML_ENTITY_NETWORK",
    ),
    "billion_laughs": (
        b'<?xml version="1.0"?><!DOCTYPE Hoso [<!ENTITY a "lol">'
        + b"".join(
            b'<!ENTITY %s "%s">' % (chr(98 + i).encode(), (b"&" + chr(97 + i).encode() + b";") * 10)
            for i in range(9)
        )
        + b"]><Hoso>&j;</Hoso>",
        "XML_ENTITY_EXPANSION",
    ),
    "quadratic_blowup": (
        b'<?xml version="1.0"?><!DOCTYPE Hoso [<!ENTITY a "'
        + b"x" * 50_000
        + b'">]><Hoso>'
        + b"&a;" * 2_000
        + b"</Hoso>",
        "XML_ENTITY_DECLARED",
    ),
    "external_dtd": (
        b'<?xml version="1.0"?><!DOCTYPE Hoso SYSTEM "http://203.0.113.9/hoso.dtd"><Hoso/>',
        "XML_DTD_EXTERNAL",
    ),
    "plain_doctype": (b"<!DOCTYPE Hoso><Hoso/>", "XML_DTD"),
    "not_xml": (b"PK\x03\x04 this is a zip", "XML_MALFORMED"),
    "empty": (b"\xef\xbb\xbf  ", "XML_EMPTY"),
    "processing_instruction": (b"<?xml version='1.0'?><Hoso><?php x ?></Hoso>", "XML_COMMENT"),
}


@pytest.mark.parametrize("name", PARSER_ATTACKS)
def test_parser_attacks_are_refused(name, employer):
    data, code = PARSER_ATTACKS[name]
    refused_with(data, code)


def test_over_size_is_refused_before_parsing(employer, settings):
    settings.INTAKE_MAX_BYTES = 10_000
    refused_with(b"<Hoso>" + b" " * 10_001 + b"</Hoso>", "XML_TOO_LARGE")


# --- signature wrapping and tampering --------------------------------------------------------
def _move_signature_into_noidung(root):
    sig = h.envelope_signature(root)
    root.find("NoiDung").append(sig)


def _copy_signature(root):
    root.find("CKy_Dvi").append(h.deep(h.envelope_signature(root)))


def _wrap_original_in_object(root):
    sig = h.envelope_signature(root)
    original = h.deep(root)
    original.remove(original.find("CKy_Dvi"))
    obj = etree.SubElement(sig, f"{{{DS}}}Object")
    obj.append(original)
    root.find("NoiDung/ThongTinHoSo/KyKeKhai").text = "11/2026"


def _reference_elsewhere(root):
    sig = h.envelope_signature(root)
    root.find("NoiDung/ThongTinDonVi").set("Id", "unit")
    sig.find("ds:SignedInfo/ds:Reference", h.NS).set("URI", "#unit")


def _second_reference(root):
    info = h.envelope_signature(root).find("ds:SignedInfo", h.NS)
    info.append(h.deep(info.find("ds:Reference", h.NS)))


def _two_signed_infos(root):
    sig = h.envelope_signature(root)
    sig.insert(1, h.deep(sig.find("ds:SignedInfo", h.NS)))


def _xslt_transform(root):
    transforms = h.envelope_signature(root).find("ds:SignedInfo/ds:Reference/ds:Transforms", h.NS)
    etree.SubElement(
        transforms, f"{{{DS}}}Transform", Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"
    )


def _second_unsigned_file(root):
    files = root.find("NoiDung/ThongTinHoSo/ToKhais")
    files.append(h.deep(files[0]))
    root.find("NoiDung/ThongTinHoSo/SoLuongFile").text = "2"


def _alter_period(root):
    root.find("NoiDung/ThongTinHoSo/KyKeKhai").text = "09/2026"


def _sha1_signature(root):
    h.envelope_signature(root).find("ds:SignedInfo/ds:SignatureMethod", h.NS).set(
        "Algorithm", "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
    )


def _sha1_digest(root):
    h.envelope_signature(root).find("ds:SignedInfo/ds:Reference/ds:DigestMethod", h.NS).set(
        "Algorithm", "http://www.w3.org/2000/09/xmldsig#sha1"
    )


def _bad_signature_base64(root):
    h.envelope_signature(root).find("ds:SignatureValue", h.NS).text = "@@not base64@@"


def _flipped_signature_value(root):
    node = h.envelope_signature(root).find("ds:SignatureValue", h.NS)
    raw = bytearray(base64.b64decode(node.text))
    raw[10] ^= 0xFF
    node.text = base64.b64encode(bytes(raw)).decode()


def _no_certificate(root):
    sig = h.envelope_signature(root)
    key_info = sig.find("ds:KeyInfo", h.NS)
    key_info.getparent().remove(key_info)


def _comment_in_signed_text(root):
    root.find("NoiDung/ThongTinDonVi/TenDoiTuong").append(etree.Comment("x"))


def _signature_removed(root):
    root.find("CKy_Dvi").clear()


ENVELOPE_ATTACKS = {
    "signature_moved": (_move_signature_into_noidung, "SIG_LOCATION"),
    "signature_copied": (_copy_signature, "SIG_LOCATION"),
    "signed_original_wrapped_in_object": (_wrap_original_in_object, "SIG_OBJECT"),
    "reference_to_id_elsewhere": (_reference_elsewhere, "SIG_REFERENCE"),
    "second_reference": (_second_reference, "SIG_REFERENCE"),
    "two_signed_infos": (_two_signed_infos, "SIG_MALFORMED"),
    "xslt_transform": (_xslt_transform, "SIG_REFERENCE"),
    "second_unsigned_file_beside_signed": (_second_unsigned_file, "SIG_DIGEST"),
    "value_changed_after_signing": (_alter_period, "SIG_DIGEST"),
    "sha1_signature_method": (_sha1_signature, "SIG_ALGORITHM"),
    "sha1_digest_method": (_sha1_digest, "SIG_ALGORITHM"),
    "bad_base64_signature_value": (_bad_signature_base64, "SIG_BASE64"),
    "signature_value_altered": (_flipped_signature_value, "SIG_INVALID"),
    "no_certificate": (_no_certificate, "SIG_CERT_MISSING"),
    "comment_inside_signed_text": (_comment_in_signed_text, "XML_COMMENT"),
    "signature_removed": (_signature_removed, "SIG_MISSING"),
}


@pytest.mark.parametrize("name", ENVELOPE_ATTACKS)
def test_envelope_signature_attacks_are_refused(name, signed):
    change, code = ENVELOPE_ATTACKS[name]
    refused_with(h.tamper(signed(), change), code)


def test_keyvalue_swapped_for_another_key(signed, demo_pki):
    other = demo_pki.other.key.public_key().public_numbers()

    def swap(root):
        key_info = h.envelope_signature(root).find("ds:KeyInfo", h.NS)
        value = etree.Element(f"{{{DS}}}KeyValue")
        rsa = etree.SubElement(value, f"{{{DS}}}RSAKeyValue")
        etree.SubElement(rsa, f"{{{DS}}}Modulus").text = base64.b64encode(
            other.n.to_bytes(256, "big")
        ).decode()
        etree.SubElement(rsa, f"{{{DS}}}Exponent").text = "AQAB"
        key_info.insert(0, value)

    refused_with(h.tamper(signed(), swap), "SIG_KEYVALUE_MISMATCH")


def test_certificate_swapped_in_x509data(signed, demo_pki):
    def swap(root):
        node = h.envelope_signature(root).find(".//ds:X509Certificate", h.NS)
        node.text = base64.b64encode(demo_pki.renewed.cert_der).decode()

    refused_with(h.tamper(signed(), swap), "CERT_NOT_REGISTERED")


# --- the embedded forms ---------------------------------------------------------------------
def _row_salary_changed(form):
    form.find("NoiDung/LaoDong/TienLuong").text = "99000000"


def _form_signature_moved(form):
    sig = form.find("Cky/ds:Signature", h.NS)
    form.find("NoiDung").append(sig)


def _second_unsigned_row(form):
    noi_dung = form.find("NoiDung")
    noi_dung.append(h.deep(noi_dung[0]))


def _form_wrapped_in_object(form):
    sig = form.find("Cky/ds:Signature", h.NS)
    original = h.deep(form)
    original.remove(original.find("Cky"))
    etree.SubElement(sig, f"{{{DS}}}Object").append(original)
    form.find("NoiDung/LaoDong/HoTen").text = "Kẻ Mạo Danh"


def _form_unsigned(form):
    form.find("Cky").clear()


def _unknown_element(form):
    etree.SubElement(form.find("NoiDung/LaoDong"), "Bogus").text = "1"


FORM_ATTACKS = {
    "row_altered_after_signing": (_row_salary_changed, "SIG_DIGEST"),
    "form_signature_moved": (_form_signature_moved, "SIG_LOCATION"),
    "second_unsigned_row_beside_signed": (_second_unsigned_row, "SIG_DIGEST"),
    "form_wrapped_in_object": (_form_wrapped_in_object, "SIG_OBJECT"),
    "form_unsigned": (_form_unsigned, "SIG_MISSING"),
    "wrong_xsd_form": (_unknown_element, "XSD_FORM"),
}


@pytest.mark.parametrize("name", FORM_ATTACKS)
def test_form_attacks_are_refused(name, signed, demo_pki):
    change, code = FORM_ATTACKS[name]
    result = refused_with(h.tamper_form(signed(), change, issued=demo_pki.good), code)
    assert result.errors[0].location.form == "D02-LT"


def test_row_altered_in_envelope_without_resigning(signed, demo_pki):
    def change(content):
        return content.replace(b"6000000", b"6500000")

    data = h.parse(signed())
    node = h.form_node(data)
    node.find("NoiDungFile").text = base64.b64encode(
        change(base64.b64decode(node.findtext("NoiDungFile")))
    ).decode()
    refused_with(h.dump(data), "SIG_DIGEST")


def test_form_signed_with_another_employers_certificate(employer, demo_pki, trust_dir):
    from declarations.employers.pki.signing import sign_element
    from tests.declarations.conftest import dossier_xml

    root = h.parse(dossier_xml(employer))
    node = h.form_node(root)
    form = etree.fromstring(base64.b64decode(node.findtext("NoiDungFile")))
    other = demo_pki.other
    form = sign_element(form, key_pem=other.key_pem, cert_pem=other.cert_pem, container="Cky")
    content = etree.tostring(form, xml_declaration=True, encoding="utf-8")
    node.find("NoiDungFile").text = base64.b64encode(content).decode()
    node.find("DoDaiFile").text = str(len(content))
    root.remove(root.find("CKy_Dvi"))
    good = demo_pki.good
    data = h.dump(
        sign_element(root, key_pem=good.key_pem, cert_pem=good.cert_pem, container="CKy_Dvi")
    )
    refused_with(data, "CERT_NOT_REGISTERED")


# --- certificates ---------------------------------------------------------------------------
def test_another_employers_certificate(signed, demo_pki):
    refused_with(signed(issued=demo_pki.other), "CERT_NOT_REGISTERED")


@pytest.mark.parametrize(
    ("which", "code"),
    [
        ("expired", "CERT_EXPIRED"),
        ("future", "CERT_NOT_YET_VALID"),
        ("revoked", "CERT_REVOKED"),
        ("self_signed", "CERT_UNTRUSTED"),
    ],
)
def test_certificate_problems_have_their_own_codes(which, code, signed, employer, demo_pki):
    issued = getattr(demo_pki, which)
    register_cert(employer, issued)  # as if it had slipped through registration
    refused_with(signed(issued=issued), code)


def test_ca_removed_from_trust_store_makes_certificate_untrusted(signed, trust_dir):
    (trust_dir / "demo-ca.pem").unlink()
    refused_with(signed(), "CERT_UNTRUSTED")


# The signer's claimed time decides nothing: see test_trusted_time.py.


# --- envelope, files, procedure ---------------------------------------------------------------
def test_too_many_files(signed):
    extra = [("PDF", f"scan{n}.pdf", "pdf", b"%PDF-1.4 demo") for n in range(6)]
    refused_with(signed(extra_files=extra), "FILE_TOO_MANY")


def test_files_too_large_in_all(signed, settings):
    extra = [("PDF", "scan.pdf", "pdf", b"%PDF" + b"0" * 30_000)]
    data = signed(extra_files=extra)
    settings.INTAKE_MAX_FILES_BYTES = 20_000  # the envelope is read, its files are too big
    refused_with(data, "FILE_TOO_LARGE")


def test_bad_base64_file(signed, demo_pki):
    def change(root):
        h.form_node(root).find("NoiDungFile").text = "***not base64***"

    refused_with(h.resign(signed(), change, issued=demo_pki.good), "FILE_BASE64")


def test_file_type_not_allowed(signed):
    refused_with(signed(extra_files=[("EXE", "run.exe", "exe", b"MZ")]), "FILE_TYPE")


def test_unknown_procedure(signed, demo_pki):
    def change(root):
        root.find("NoiDung/ThongTinHoSo/MaThuTuc").text = "999"

    refused_with(h.resign(signed(), change, issued=demo_pki.good), "PROC_UNKNOWN")


def test_wrong_envelope_schema(signed, demo_pki):
    def change(root):
        noi_dung = root.find("NoiDung")
        noi_dung.remove(noi_dung.find("ThongTinDonVi"))

    result = refused_with(h.resign(signed(), change, issued=demo_pki.good), "XSD_ENVELOPE")
    assert result.errors[0].location.line


def test_form_not_of_the_procedure(signed):
    from declarations.intake.envelope import d02lt_build

    extra = [("D05-TS", "D05.xml", "xml", d02lt_build([worker(9)]))]
    refused_with(signed(extra_files=extra), "FORM_UNKNOWN")


def test_refusals_before_the_signatures_keep_their_place(signed, demo_pki):
    """The envelope's signature is checked while its employer is looked up; a document
    that fails both is refused for what came first, as when they ran one after the other."""

    def unknown(root):
        root.find("NoiDung/ThongTinDonVi/MaSoBHXH").text = "ZZ9999Z"  # digest now wrong too

    result = refused_with(h.tamper(signed(), unknown), "EMPLOYER_UNKNOWN")
    assert [e.code for e in result.errors] == ["EMPLOYER_UNKNOWN"]

    def swap(root):  # not the registered certificate, and not the key that signed
        node = h.envelope_signature(root).find(".//ds:X509Certificate", h.NS)
        node.text = base64.b64encode(demo_pki.other.cert_der).decode()
        root.find("NoiDung/ThongTinHoSo/KyKeKhai").text = "11/2026"

    result = refused_with(h.tamper(signed(), swap), "CERT_NOT_REGISTERED")
    assert [e.code for e in result.errors] == ["CERT_NOT_REGISTERED"]


def test_unknown_employer(signed, demo_pki):
    def change(root):
        root.find("NoiDung/ThongTinDonVi/MaSoBHXH").text = "ZZ9999Z"

    refused_with(h.resign(signed(), change, issued=demo_pki.good), "EMPLOYER_UNKNOWN")
