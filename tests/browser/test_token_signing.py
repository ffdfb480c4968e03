"""Headless Chromium, a real USB token (SoftHSM2) and the real local signer: the employer
composes a dossier, signs it with the token through the signer (confirming on its console,
typing the PIN once) and gets the receipt; nothing else signs it."""

from __future__ import annotations

import pytest

from declarations.dossiers.models import Dossier
from declarations.employers.models import EStatus
from tests.browser.conftest import compose_as_member
from tests.declarations.conftest import MST, register_cert
from tests.factories import EmployerFactory
from tests.signer.process import CONFIRM_PROMPT, PIN_PROMPT

pytestmark = pytest.mark.browser


def test_compose_sign_with_the_usb_token_receipt(
    reference_data_tx, page, token_signer, artifacts_dir
):
    token, signer, pki = token_signer
    unit = EmployerFactory(
        unit_code="DV0777T", tax_code=MST, wage_zone="I", e_status=EStatus.ACTIVE
    )
    register_cert(unit, pki.good)
    compose_as_member(page, unit, "donvi_token")
    page.click("#sign-in-portal")

    # The page finds the token's certificate through the signer, the registered one chosen.
    page.wait_for_function("() => !document.getElementById('sign-token').disabled")
    assert page.locator("#certificate").input_value() == "77"
    page.screenshot(path=str(artifacts_dir / "token-signing.png"), full_page=True)
    page.click("#sign-token")

    # Round 1 (the forms): confirmed, PIN typed; round 2 (the envelope): confirmed only.
    signer.type("y", after=CONFIRM_PROMPT)
    signer.type(token.pin, after=PIN_PROMPT)
    signer.type("y", after=CONFIRM_PROMPT, count=2)

    code = page.get_by_test_id("transaction-code").inner_text()
    dossier = Dossier.objects.get(transaction_code=code)
    assert dossier.employer_id == unit.pk and dossier.worker_count == 1
    assert signer.output.count(PIN_PROMPT) == 1
    assert signer.output.count("Đã ký") == 2
    page.screenshot(path=str(artifacts_dir / "token-signing-receipt.png"), full_page=True)
