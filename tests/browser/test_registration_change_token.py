"""Headless Chromium, a real USB token (SoftHSM2) and the real local signer on the unit's
e-transaction page: the employer changes its contact and result delivery (05/SD-IVAN), the
page finds the registered certificate on the token through the signer, the 05 is signed with
it (confirmed on the signer's console, PIN typed) and the unit's data change at once."""

from __future__ import annotations

import pytest

from accounts.models import AuditEntry
from declarations.employers.models import EStatus
from declarations.signing.models import Kind, SigningSession, State
from tests.browser.test_declarations_flow import sign_in
from tests.declarations.conftest import MST, register_cert
from tests.factories import TEST_PASSWORD, EmployerFactory, employer_user
from tests.signer.process import CONFIRM_PROMPT, PIN_PROMPT

pytestmark = pytest.mark.browser


def test_a_05_signed_with_the_usb_token_changes_the_unit(
    reference_data_tx, page, token_signer, artifacts_dir
):
    token, signer, pki = token_signer
    unit = EmployerFactory(
        unit_code="DV0781T",
        tax_code=MST,
        wage_zone="I",
        e_status=EStatus.ACTIVE,
        contact_email="cu@dv0781t.example.vn",
    )
    register_cert(unit, pki.good)
    member = employer_user(unit, username="donvi_05")
    sign_in(page, member.username, TEST_PASSWORD)

    page.goto("/giao-dich/ky-so/giao-dich-dien-tu/")
    page.fill("#id_sd-contact_email", "moi@dv0781t.example.vn")
    page.select_option("#id_sd-result_delivery", "post")
    page.fill("#id_sd-postal_address", "12 Lê Lợi, Quận 1")
    page.screenshot(path=str(artifacts_dir / "change-05.png"), full_page=True)
    page.click("#sign-05")

    # The signing page finds the token's certificate, the registered one chosen.
    page.wait_for_url("**/giao-dich/ky-so/*/")
    page.wait_for_function("() => !document.getElementById('sign-token').disabled")
    assert page.locator("#certificate").input_value() == "77"
    assert "05/SD-IVAN" in page.get_by_test_id("document").inner_text()
    page.click("#sign-token")

    # One form, one round: confirmed on the console, the PIN typed.
    signer.type("y", after=CONFIRM_PROMPT)
    signer.type(token.pin, after=PIN_PROMPT)

    page.wait_for_url("**/giao-dich/ky-so/giao-dich-dien-tu/")
    assert "05/SD-IVAN" in page.locator(".messages").inner_text()
    unit.refresh_from_db()
    assert unit.contact_email == "moi@dv0781t.example.vn"
    assert unit.result_delivery == "post" and unit.postal_address == "12 Lê Lợi, Quận 1"
    session = SigningSession.objects.get()
    assert session.kind == Kind.CHANGE and session.state == State.DONE
    assert AuditEntry.objects.filter(action="employer.changed").count() == 1
    assert "05/SD-IVAN" in signer.output and signer.output.count("Đã ký") == 1
    page.screenshot(path=str(artifacts_dir / "change-05-done.png"), full_page=True)
