"""The signing page in Chromium when the local signer is not running: a Vietnamese message
saying how to start it, with the failure's code, and nothing signed or sent."""

from __future__ import annotations

import socket

import pytest

from declarations.dossiers.models import Dossier
from declarations.employers.models import EStatus
from tests.browser.conftest import compose_as_member
from tests.declarations.conftest import MST, register_cert
from tests.factories import EmployerFactory

pytestmark = pytest.mark.browser


def test_the_page_says_how_to_start_the_signer_when_it_is_not_running(
    reference_data_tx, page, unit_pki, live_server, settings
):
    with socket.socket() as free:  # a port nothing listens on
        free.bind(("127.0.0.1", 0))
        settings.SIGNING_LOCAL_SIGNER_URL = f"http://127.0.0.1:{free.getsockname()[1]}"
    _, pki = unit_pki
    unit = EmployerFactory(
        unit_code="DV0778T", tax_code=MST, wage_zone="I", e_status=EStatus.ACTIVE
    )
    register_cert(unit, pki.good)
    compose_as_member(page, unit, "donvi_khong_ky")
    page.click("#sign-in-portal")
    page.wait_for_selector("#error:not([hidden])")
    error = page.locator("#error")
    assert error.get_attribute("data-code") == "signer.unreachable"
    assert "bhxh-signer" in error.inner_text() and "chưa chạy" in error.inner_text()
    assert page.locator("#sign-token").is_disabled()
    assert not Dossier.objects.exists()


def test_a_declined_request_and_a_wrong_pin_are_told_and_nothing_is_sent(
    reference_data_tx, page, token_signer
):
    from tests.signer.process import CONFIRM_PROMPT, PIN_PROMPT

    _token, signer, pki = token_signer
    unit = EmployerFactory(
        unit_code="DV0779T", tax_code=MST, wage_zone="I", e_status=EStatus.ACTIVE
    )
    register_cert(unit, pki.good)
    compose_as_member(page, unit, "donvi_tu_choi")
    page.click("#sign-in-portal")
    page.wait_for_function("() => !document.getElementById('sign-token').disabled")

    page.click("#sign-token")
    signer.type("n", after=CONFIRM_PROMPT)
    page.wait_for_selector("#error:not([hidden])")
    assert page.locator("#error").get_attribute("data-code") == "signer.declined"
    assert "chưa được xác nhận" in page.locator("#error").inner_text()

    page.click("#sign-token")
    signer.type("y", after=CONFIRM_PROMPT, count=2)
    signer.type("000000", after=PIN_PROMPT)
    page.wait_for_function(
        "() => document.getElementById('error').dataset.code === 'signer.pin_wrong'"
    )
    assert "PIN" in page.locator("#error").inner_text()
    assert not page.locator("#sign-token").is_disabled()  # the user may sign again
    assert not Dossier.objects.exists()
