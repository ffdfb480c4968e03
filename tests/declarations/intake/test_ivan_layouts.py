"""Today's I-VAN and remote-signing layouts (see ivan_layouts.py) are accepted by rule: each
verifies; signed by an untrusted, expired or replaced certificate it is refused with the
trust or validity code, never a ``SIG_*`` one; hostile variants of them are still refused;
unknown envelope elements are kept and ignored; unknown forms and procedures are refused
after the signature's verdict."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from declarations.dossiers.models import Dossier, DossierFile, Notice
from declarations.employers.pki.parsing import parse_untrusted
from declarations.employers.pki.signatures import signature_inspect, signature_verify
from declarations.intake.pipeline import intake_submit
from tests.declarations import hostile as h
from tests.declarations.conftest import dossier_xml, register_cert, worker
from tests.declarations.ivan_layouts import (
    LAYOUTS,
    OBJECT_ID,
    SIGNATURE_ID,
    net_sign,
    net_sign_dossier,
)

CLAIM = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)


def codes(result):
    return [e.code for e in result.errors]


def nothing_written():
    assert not Dossier.objects.exists()
    assert not DossierFile.objects.exists()
    assert not Notice.objects.exists()


@pytest.fixture
def layout_signed(employer, demo_pki):
    def make(layout, *, issued=None, unsigned=None, **kwargs):
        return net_sign_dossier(
            unsigned if unsigned is not None else dossier_xml(employer),
            issued=issued or demo_pki.good,
            layout=layout,
            signing_time=CLAIM,
            **kwargs,
        )

    return make


@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_is_received(layout, bom, layout_signed):
    data = layout_signed(layout, bom=bom)
    assert data.startswith(b"\xef\xbb\xbf") == bom
    assert f'Id="{SIGNATURE_ID}"'.encode() in data  # a GUID starting with a digit
    result = intake_submit(data=data, channel="cli")
    assert result.ok, codes(result)
    dossier = Dossier.objects.get()
    assert dossier.claimed_signing_time == CLAIM and dossier.time_source == "receipt"
    assert dossier.signed_at >= CLAIM + timedelta(minutes=4)  # the receipt, not the claim


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_claims_are_read_and_marked_signed_when_covered(layout, employer, demo_pki):
    data = net_sign(
        dossier_xml(employer), container="CKy_Dvi", issued=demo_pki.good, layout=layout,
        signing_time=CLAIM, key_value=True,
    )  # fmt: skip
    root = parse_untrusted(data, limit=10**7)
    facts = signature_inspect(root, container="CKy_Dvi", form=None)
    assert facts.claimed_time == CLAIM
    assert facts.claim_signed == (layout in ("smartca", "ds_object"))
    assert facts.references == (2 if layout in ("smartca", "ds_object") else 1)
    signed = signature_verify(root, container="CKy_Dvi", certificate=facts.certificate)
    assert signed.find("CKy_Dvi") is not None and signed.find("CKy_Dvi/*") is None


@pytest.mark.parametrize(
    ("which", "code"),
    [
        ("expired", "CERT_EXPIRED"),
        ("self_signed", "CERT_UNTRUSTED"),
        ("revoked", "CERT_REVOKED"),
        ("future", "CERT_NOT_YET_VALID"),
    ],
)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_signed_by_a_bad_certificate_gets_the_trust_code(
    layout, which, code, layout_signed, employer, demo_pki
):
    issued = getattr(demo_pki, which)
    register_cert(employer, issued)
    result = intake_submit(data=layout_signed(layout, issued=issued), channel="cli")
    assert codes(result) == [code]
    nothing_written()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_with_a_ca_out_of_the_trust_store_is_untrusted(layout, layout_signed, trust_dir):
    (trust_dir / "demo-ca.pem").unlink()
    result = intake_submit(data=layout_signed(layout), channel="cli")
    assert codes(result) == ["CERT_UNTRUSTED"]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_with_a_changed_value_is_a_digest_error(layout, layout_signed):
    data = layout_signed(layout).replace(b"<KyKeKhai>10/2026<", b"<KyKeKhai>11/2026<")
    result = intake_submit(data=data, channel="cli")
    assert codes(result) == ["SIG_DIGEST"]
    nothing_written()


def _edit_claim(root):
    sig = h.envelope_signature(root)
    node = next(n for n in sig.iter() if etree.QName(n).localname in ("SigningTime", "ThoiGianKy"))
    node.text = "2020-01-01T00:00:00Z"


def test_covered_claim_edited_is_a_digest_error(layout_signed):
    result = intake_submit(data=h.tamper(layout_signed("smartca"), _edit_claim), channel="cli")
    assert codes(result) == ["SIG_DIGEST"]


def test_uncovered_claim_edited_stays_a_claim(layout_signed):
    result = intake_submit(
        data=h.tamper(layout_signed("smartca_named"), _edit_claim), channel="cli"
    )
    assert result.ok and [w.code for w in result.warnings] == ["SIG_TIME_CLAIM_FAR"]
    assert Dossier.objects.get().claimed_signing_time == datetime(2020, 1, 1, tzinfo=UTC)


# --- hostile variants of the new layouts ----------------------------------------------------------
def _object(root):
    return next(o for o in h.envelope_signature(root) if etree.QName(o).localname == "Object")


def _reference_to_unit(root):
    root.find("NoiDung/ThongTinDonVi").set("Id", "unit")
    info = h.envelope_signature(root).find("ds:SignedInfo", h.NS)
    info.findall("ds:Reference", h.NS)[1].set("URI", "#unit")


def _duplicate_object_id(root):
    root.find("NoiDung/ThongTinDonVi").set("Id", OBJECT_ID)


def _document_wrapped_in_object(root):
    copy = h.deep(root)
    copy.remove(copy.find("CKy_Dvi"))
    _object(root).append(copy)


def _enveloped_transform_on_object(root):
    ref = h.envelope_signature(root).find("ds:SignedInfo", h.NS).findall("ds:Reference", h.NS)[1]
    transforms = etree.SubElement(ref, "{http://www.w3.org/2000/09/xmldsig#}Transforms")
    ref.insert(0, transforms)
    etree.SubElement(
        transforms,
        "{http://www.w3.org/2000/09/xmldsig#}Transform",
        Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature",
    )


def _foreign_child_of_signature(root):
    etree.SubElement(h.envelope_signature(root), "Extra").text = "x"


def _two_enveloped_references(root):
    info = h.envelope_signature(root).find("ds:SignedInfo", h.NS)
    info.findall("ds:Reference", h.NS)[1].set("URI", "")


def _text_in_object(root):
    _object(root).text = "unsigned words"


def _object_reference_to_nowhere(root):
    info = h.envelope_signature(root).find("ds:SignedInfo", h.NS)
    info.findall("ds:Reference", h.NS)[1].set("URI", "#no-such-id")


LAYOUT_ATTACKS = {
    "object_reference_to_an_element_outside_the_signature": (_reference_to_unit, "SIG_REFERENCE"),
    "object_id_duplicated_in_the_document": (_duplicate_object_id, "SIG_REFERENCE"),
    "signed_original_wrapped_in_the_object": (_document_wrapped_in_object, "SIG_OBJECT"),
    "enveloped_transform_on_the_object_reference": (
        _enveloped_transform_on_object,
        "SIG_REFERENCE",
    ),
    "foreign_element_in_the_signature": (_foreign_child_of_signature, "SIG_MALFORMED"),
    "two_enveloped_references": (_two_enveloped_references, "SIG_REFERENCE"),
    "text_in_the_object": (_text_in_object, "SIG_OBJECT"),
    "object_reference_to_nowhere": (_object_reference_to_nowhere, "SIG_REFERENCE"),
}


@pytest.mark.parametrize("name", LAYOUT_ATTACKS)
def test_hostile_variants_of_the_new_layouts_are_refused(name, layout_signed):
    change, code = LAYOUT_ATTACKS[name]
    result = intake_submit(data=h.tamper(layout_signed("smartca"), change), channel="cli")
    assert code in codes(result), codes(result)
    nothing_written()


# --- the envelope: unknown elements kept, unknown forms and procedures after the signature -----
def _with_unknown_elements(unsigned: bytes) -> bytes:
    root = etree.fromstring(unsigned)
    info = root.find("NoiDung/ThongTinHoSo")
    info.insert(2, etree.Element("QuyTrinhISO"))
    info[2].text = "1"
    etree.SubElement(root.find("NoiDung"), "GhiChuIVAN").text = "phiên bản 5.2"
    for node in root.iterfind("NoiDung/ThongTinHoSo/ToKhais/FileToKhai"):
        etree.SubElement(node, "MoTaToKhai").text = "Danh sách lao động tham gia BHXH"
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


@pytest.mark.parametrize("layout", ["smartca", "properties"])
def test_unknown_envelope_elements_are_kept_and_ignored(layout, layout_signed, employer):
    data = layout_signed(layout, unsigned=_with_unknown_elements(dossier_xml(employer)))
    result = intake_submit(data=data, channel="cli")
    assert result.ok, codes(result)
    stored = bytes(Dossier.objects.get().envelope)
    assert b"<QuyTrinhISO>1</QuyTrinhISO>" in stored and b"<MoTaToKhai>" in stored


def test_unknown_element_inside_a_value_is_still_a_schema_error(layout_signed, employer):
    root = etree.fromstring(dossier_xml(employer))
    etree.SubElement(root.find("NoiDung/ThongTinHoSo/MaThuTuc"), "Extra").text = "a"
    data = layout_signed("smartca", unsigned=etree.tostring(root, encoding="utf-8"))
    assert codes(intake_submit(data=data, channel="cli"))[0] == "XSD_ENVELOPE"


def test_known_element_twice_is_still_a_schema_error(layout_signed, employer):
    root = etree.fromstring(dossier_xml(employer))
    info = root.find("NoiDung/ThongTinHoSo")
    info.insert(1, h.deep(info.find("MaThuTuc")))
    data = layout_signed("smartca", unsigned=etree.tostring(root, encoding="utf-8"))
    assert codes(intake_submit(data=data, channel="cli"))[0] == "XSD_ENVELOPE"


def _form_01b_hsb() -> bytes:
    root = etree.Element("ToKhai01BHSB")
    etree.SubElement(etree.SubElement(root, "NoiDung"), "HoTen").text = "Trần Thị B"
    etree.SubElement(root, "Cky")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def test_a_form_we_do_not_have_yet_is_form_unknown(layout_signed, employer):
    unsigned = dossier_xml(employer, extra_files=[("01B-HSB", "01B.xml", "xml", _form_01b_hsb())])
    result = intake_submit(data=layout_signed("smartca", unsigned=unsigned), channel="cli")
    assert codes(result) == ["FORM_UNKNOWN"]
    nothing_written()


def test_a_procedure_we_do_not_have_is_proc_unknown_after_the_signature(
    layout_signed, employer, demo_pki
):
    def to_630a(data):
        root = etree.fromstring(data)
        root.find("NoiDung/ThongTinHoSo/MaThuTuc").text = "630a"
        return etree.tostring(root, encoding="utf-8")

    unsigned = to_630a(dossier_xml(employer, rows=[worker(1)]))
    good = layout_signed("smartca", unsigned=unsigned)
    assert codes(intake_submit(data=good, channel="cli")) == ["PROC_UNKNOWN"]
    # The same, signed by a certificate whose CA is untrusted: the signature's verdict first.
    register_cert(employer, demo_pki.self_signed)
    bad = layout_signed("smartca", unsigned=unsigned, issued=demo_pki.self_signed)
    assert codes(intake_submit(data=bad, channel="cli")) == ["CERT_UNTRUSTED"]
    # And a forged one: a signature error, never a procedure error.
    tampered = good.replace(b"<KyKeKhai>10/2026<", b"<KyKeKhai>12/2026<")
    assert codes(intake_submit(data=tampered, channel="cli")) == ["SIG_DIGEST"]
    nothing_written()


def test_form_signed_in_a_new_layout_inside_a_standard_envelope(employer, demo_pki):
    """Forms and envelope may come from different software: each judged by the same rule."""
    from declarations.employers.pki.signing import sign_element

    root = etree.fromstring(
        net_sign_dossier(dossier_xml(employer), issued=demo_pki.good, layout="ds_object")[3:]
    )
    root.remove(root.find("CKy_Dvi"))
    good = demo_pki.good
    data = etree.tostring(
        sign_element(root, key_pem=good.key_pem, cert_pem=good.cert_pem, container="CKy_Dvi"),
        encoding="utf-8",
    )
    result = intake_submit(data=data, channel="cli")
    assert result.ok, codes(result)
    form = base64.b64decode(h.form_node(h.parse(data)).findtext("NoiDungFile"))
    assert b"xmlns:xsi" in form and f'URI="#{OBJECT_ID}"'.encode() in form
