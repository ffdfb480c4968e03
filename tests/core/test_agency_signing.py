"""The agency's PAdES signature with its key in a PKCS#11 token (SoftHSM2): pyHanko's own
validation against the test CA says intact, trusted and covering the whole file; a changed
byte breaks it; a wrong PIN or a missing key is a coded refusal; the key cannot be read out."""

from __future__ import annotations

import io

import pkcs11
import pytest
from asn1crypto import x509 as asn1_x509
from django.utils import translation
from pkcs11 import Attribute, ObjectClass
from pkcs11 import exceptions as ck
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from core import agency_signing, pdf
from core.refusals import Refused
from declarations.employers.pki import demo_ca
from tests.agency_hsm import KEY_LABEL, agency_hsm


@pytest.fixture
def hsm(settings):
    made = agency_hsm()
    made.configure(settings)
    return made


def a_pdf() -> bytes:
    return pdf.render([pdf.text("Thông báo thử của cơ quan BHXH", 12)], title="Thử", footer="Thử")


def validate(body: bytes, trust_root):
    reader = PdfFileReader(io.BytesIO(body))
    (signature,) = reader.embedded_signatures
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(trust_root.cert_der)], allow_fetching=False
    )
    return signature, agency_signing.coroutine_run(async_validate_pdf_signature(signature, context))


def test_the_pdf_carries_a_valid_pades_signature_of_the_agency(hsm):
    signed = agency_signing.pdf_sign(a_pdf(), reason="Tổng hợp báo cáo tài khoản quý 1/2030")
    signature, status = validate(signed, hsm.ca)
    assert status.intact and status.valid and status.trusted
    assert status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES, not PKCS#7
    assert signature.sig_object["/Name"] == "Bảo hiểm xã hội Việt Nam"
    assert signature.sig_object["/Reason"] == "Tổng hợp báo cáo tài khoản quý 1/2030"
    assert signature.sig_object["/Location"] == "Hà Nội"
    assert status.signing_cert.subject.native["common_name"] == "Bảo hiểm xã hội Việt Nam"


def test_another_ca_does_not_trust_it(hsm):
    signed = agency_signing.pdf_sign(a_pdf(), reason="Thử")
    _, status = validate(signed, demo_ca.ca_create(name="Another CA"))
    assert status.intact and not status.trusted and not status.bottom_line


def test_a_changed_byte_fails_validation(hsm):
    signed = bytearray(agency_signing.pdf_sign(a_pdf(), reason="Thử"))
    # A byte inside the first content stream: the file still parses, its digest differs.
    at = signed.index(b"stream") + 40
    signed[at] ^= 0x01
    _, status = validate(bytes(signed), hsm.ca)
    assert not status.intact and not status.bottom_line


def test_a_wrong_pin_is_a_coded_refusal_in_vietnamese(hsm, settings):
    hsm.configure(settings, pin="000000")
    with pytest.raises(Refused) as refused:
        agency_signing.pdf_sign(a_pdf(), reason="Thử")
    assert refused.value.code == "AGENCY_SIGN_PIN"
    with translation.override("vi"):
        assert "từ chối mã PIN" in str(refused.value.message)


def test_a_key_missing_from_the_token_is_named(hsm, settings):
    settings.AGENCY_SIGNING_KEY_LABEL = "bhxh-{office}"
    with pytest.raises(Refused) as refused:
        agency_signing.pdf_sign(a_pdf(), reason="Thử", office="79")
    assert refused.value.code == "AGENCY_SIGN_KEY"
    assert refused.value.params == {"label": "bhxh-79"}


def test_an_unknown_token_is_a_coded_refusal(hsm, settings):
    settings.AGENCY_SIGNING_TOKEN_LABEL = "NO SUCH TOKEN"
    with pytest.raises(Refused) as refused:
        agency_signing.pdf_sign(a_pdf(), reason="Thử")
    assert refused.value.code == "AGENCY_SIGN_TOKEN"


def test_without_a_module_the_signer_is_not_configured(settings):
    settings.AGENCY_SIGNING_PKCS11_MODULE = ""
    assert not agency_signing.agency_signer_configured()


def test_the_private_key_cannot_leave_the_token(hsm):
    token = pkcs11.lib(hsm.module).get_token(token_label=hsm.token_label)
    with token.open(user_pin=hsm.pin) as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=KEY_LABEL)
        assert key[Attribute.SENSITIVE] is True
        assert key[Attribute.EXTRACTABLE] is False
        assert key[Attribute.NEVER_EXTRACTABLE] is True  # made on the token, never outside
        with pytest.raises(ck.AttributeSensitive):
            key[Attribute.PRIVATE_EXPONENT]
