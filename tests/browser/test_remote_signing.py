"""Headless Chromium and the CA's remote signing service (csc_service, reached by the portal
over HTTP only): the employer composes a dossier and signs it remotely; the holder approves
each request on the service's approval page in a second browser (their "phone"), and the
portal's page, polling, opens the receipt. A refusal there shows its coded Vietnamese
message on the portal's page and stores nothing."""

from __future__ import annotations

import shutil
import socket

import pytest
from cryptography import x509

from declarations.dossiers.models import Dossier
from declarations.employers.models import EStatus
from declarations.signing.csc_client import csc_tokens_forget
from declarations.signing.models import SigningSession, State
from declarations.signing.services import remote_account_register
from tests.browser.conftest import compose_as_member
from tests.csc_service.fixtures import (  # noqa: F401  (fixtures)
    CREDENTIAL_ID,
    HOLDER,
    HOLDER_PASSWORD,
    csc_pki,
    csc_service,
)
from tests.declarations.conftest import register_cert
from tests.factories import EmployerFactory

pytestmark = pytest.mark.browser


class _Issued:
    def __init__(self, cert):
        self.cert = cert


@pytest.fixture
def remote_unit(reference_data_tx, csc_service, tmp_path, settings):  # noqa: F811
    """TZH490L with the certificate enrolled at the service registered with the agency, its
    CA trusted, and its account at the service recorded; no local signer running."""
    from declarations.intake.money_tables import money_tables_seed

    money_tables_seed()  # an earlier transactional test may have emptied the tables
    csc_tokens_forget()
    trusted = tmp_path / "trusted"
    trusted.mkdir()
    shutil.copy(csc_service.folder / "ca" / "ca.pem", trusted / "csc-ca.pem")
    shutil.copy(csc_service.folder / "ca" / "ca.crl", trusted / "csc-ca.crl")
    settings.TRUSTED_CA_DIR = trusted
    with socket.socket() as free:  # the page's token lookup finds nothing listening
        free.bind(("127.0.0.1", 0))
        settings.SIGNING_LOCAL_SIGNER_URL = f"http://127.0.0.1:{free.getsockname()[1]}"
    unit = EmployerFactory(
        unit_code="TZH490L", tax_code=HOLDER, wage_zone="I", e_status=EStatus.ACTIVE
    )
    cert = x509.load_pem_x509_certificate((csc_service.folder / "TZH490L.cert.pem").read_bytes())
    remote_account_register(
        employer=unit,
        certificate=register_cert(unit, _Issued(cert)),
        provider="demo-ca",
        user_ref=HOLDER,
        credential_id=CREDENTIAL_ID,
    )
    yield unit
    csc_tokens_forget()


@pytest.fixture
def phone(browser, live_server, remote_unit):
    """The holder's "phone": another browser, signed in at the service's approval pages
    with the account the CA gave (not a portal account)."""
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    phone = context.new_page()
    phone.set_default_timeout(15000)
    phone.goto("/csc/dang-nhap/")
    phone.fill("#id_username", HOLDER)
    phone.fill("#id_password", HOLDER_PASSWORD)
    phone.click("main button[type=submit]")
    phone.wait_for_url("**/csc/phe-duyet/")
    yield phone
    context.close()


def compose_and_sign_remotely(page, unit) -> None:
    compose_as_member(page, unit, f"donvi_{unit.unit_code.lower()}")
    page.click("#sign-in-portal")
    page.wait_for_selector("#sign-remote")
    # No local signer here: said in the token's section, not as an error of the page.
    page.wait_for_selector("[data-testid=signer-status][data-code='signer.unreachable']")
    assert page.locator("#error").is_hidden()
    assert "CA thử nghiệm — 0101300842" in page.locator("#method-remote").inner_text()
    page.click("#sign-remote")
    page.get_by_test_id("progress").filter(has_text="1").wait_for()  # step 1 of 2 waits


def answer_next_request(phone, decision: str) -> str:
    """Open the request waiting on the approval list and answer it; its description."""
    link = phone.locator("[data-testid=requests] a")
    # The request reaches the list once the portal's page has polled and asked for it.
    for _ in range(40):
        phone.goto("/csc/phe-duyet/")
        if link.count():
            break
        phone.wait_for_timeout(500)
    link.click()
    description = phone.get_by_test_id("request").inner_text()
    phone.click(f"button[value={decision}]")
    phone.get_by_test_id("state").wait_for()
    return description


def test_compose_sign_remotely_with_approval_receipt(page, phone, remote_unit, artifacts_dir):
    compose_and_sign_remotely(page, remote_unit)
    page.screenshot(path=str(artifacts_dir / "remote-signing-wait.png"), full_page=True)

    # Round 1 (the forms), then round 2 (the envelope): each approved on the "phone".
    asked = answer_next_request(phone, "approve")
    assert "Bên yêu cầu" in asked and "Cổng BHXH" in asked  # who asks to sign what
    assert "đơn vị TZH490L" in asked
    phone.screenshot(path=str(artifacts_dir / "remote-signing-approval.png"), full_page=True)
    answer_next_request(phone, "approve")

    code = page.get_by_test_id("transaction-code").inner_text()
    dossier = Dossier.objects.get(transaction_code=code)
    assert dossier.employer_id == remote_unit.pk and dossier.worker_count == 1
    assert SigningSession.objects.get().state == State.DONE
    page.screenshot(path=str(artifacts_dir / "remote-signing-receipt.png"), full_page=True)


def test_a_refusal_on_the_phone_is_told_and_nothing_is_stored(page, phone, remote_unit):
    compose_and_sign_remotely(page, remote_unit)
    answer_next_request(phone, "refuse")

    page.wait_for_function(
        "() => document.getElementById('error').dataset.code === 'signing.csc_refused'"
    )
    error = page.locator("#error")
    assert error.is_visible() and "từ chối" in error.inner_text()
    assert not page.locator("#sign-remote").is_disabled()  # the user may sign again
    assert not Dossier.objects.exists()
    assert SigningSession.objects.get().state == State.FAILED
