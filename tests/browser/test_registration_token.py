"""Headless Chromium, a real USB token (SoftHSM2) and the real local signer on the public
registration page: the employer fills in the 04/ĐK-IVAN, chooses "sign with the token", the
page finds the (not yet registered) certificate on the token through the signer, the 04 is
signed with it (confirmed on the signer's console, PIN typed) and the registration is
recorded with that certificate: the signature is its proof of possession."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from declarations.employers.models import EStatus, Registration
from declarations.signing.models import SigningSession, State
from tests.declarations.conftest import MST
from tests.factories import EmployerFactory
from tests.signer.process import CONFIRM_PROMPT, PIN_PROMPT

pytestmark = pytest.mark.browser


def test_registration_signed_with_the_usb_token_is_recorded(
    reference_data_tx, page, token_signer, artifacts_dir
):
    token, signer, pki = token_signer
    unit = EmployerFactory(unit_code="DV0780T", tax_code=MST, wage_zone="I", contact_email="")

    page.context.clear_cookies()  # nobody signed in: the public page
    page.goto("/giao-dich/dang-ky/")
    page.fill("#id_unit_code", unit.unit_code)
    page.fill("#id_tax_code", MST)
    page.fill("#id_unit_name", unit.name)
    page.fill("#id_address", "1 Lê Lợi, Quận 1")
    page.fill("#id_email", "ketoan@dv0780t.example.vn")
    page.fill("#id_phone", "0281234567")
    page.check("input[name=procedures][value='600']")
    page.click("#sign-04-token")  # no certificate file: it comes from the token

    # The signing page of this browser's session finds the certificate on the token, the
    # one not registered yet chosen.
    page.wait_for_url("**/giao-dich/ky-so/*/")
    page.wait_for_function("() => !document.getElementById('sign-token').disabled")
    assert page.locator("#certificate").input_value() == "77"  # the token's CKA_ID
    assert "04/ĐK-IVAN" in page.get_by_test_id("document").inner_text()
    page.screenshot(path=str(artifacts_dir / "registration-token.png"), full_page=True)
    page.click("#sign-token")

    # One form, one round: confirmed on the console, the PIN typed.
    signer.type("y", after=CONFIRM_PROMPT)
    signer.type(token.pin, after=PIN_PROMPT)

    page.get_by_test_id("registered").wait_for()
    registration = Registration.objects.get()
    assert registration.employer_id == unit.pk and registration.procedures == "600"
    cert_der = x509.load_pem_x509_certificate(pki.good.cert_pem).public_bytes(Encoding.DER)
    assert bytes(registration.cert_der) == cert_der
    assert registration.cert_serial in page.get_by_test_id("registered").inner_text()
    unit.refresh_from_db()
    assert unit.e_status == EStatus.PENDING
    session = SigningSession.objects.get()
    assert session.user is None and session.state == State.DONE
    assert signer.output.count("Đã ký") == 1
    page.screenshot(path=str(artifacts_dir / "registration-token-sent.png"), full_page=True)
