"""Fixtures of the browser tests: a CA the portal trusts and a unit's key and certificate."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings

from tests.declarations.conftest import Pki
from tests.signer.conftest import softhsm_required
from tests.signer.process import SignerProcess
from tests.signer.softhsm import softhsm_token_create


@pytest.fixture
def unit_pki(tmp_path, settings, reference_data_tx):
    """(folder, pki): the CA trusted by the portal, the unit's key and certificate as files
    in the folder (``unit.key.pem``, ``unit.cert.pem``), and the Pki they come from."""
    from declarations.intake.money_tables import money_tables_seed

    money_tables_seed()  # an earlier transactional test may have emptied the tables
    pki = Pki()
    trusted = tmp_path / "ca"
    trusted.mkdir()
    (trusted / "ca.pem").write_bytes(pki.ca.cert_pem)
    (trusted / "ca.crl").write_bytes(pki.crl)
    settings.TRUSTED_CA_DIR = trusted
    (tmp_path / "unit.key.pem").write_bytes(pki.good.key_pem)
    (tmp_path / "unit.cert.pem").write_bytes(pki.good.cert_pem)
    return tmp_path, pki


@pytest.fixture
def pki_files(unit_pki):
    return unit_pki[0]


@pytest.fixture
def token_signer(unit_pki, live_server, tmp_path):
    """The unit's key and certificate on a SoftHSM token, and the local signer serving it
    to the live portal's origin on the port the portal's page calls (its CSP allows it)."""
    softhsm_required()
    _, pki = unit_pki
    token = softhsm_token_create(tmp_path / "softhsm", label="DV0777T", pin="135790")
    token.key_import(
        key_pem=pki.good.key_pem, cert_pem=pki.good.cert_pem, key_id="77", label="DV0777T"
    )
    signer = SignerProcess(
        module=token.module,
        env=token.env,
        origins=[live_server.url],
        port=urlsplit(settings.SIGNING_LOCAL_SIGNER_URL).port,
    )
    yield token, signer, pki
    signer.stop()


def compose_as_member(page, unit, username: str) -> None:
    """Sign in as a new user of ``unit`` and compose a one-row 600 on the compose page, its
    live checks settled: ready for "sign in the portal" (#sign-in-portal)."""
    from tests.browser.test_declarations_flow import ROW, fill_row, sign_in
    from tests.factories import TEST_PASSWORD, employer_user

    member = employer_user(unit, username=username)
    sign_in(page, member.username, TEST_PASSWORD)
    page.goto("/giao-dich/lap/")
    page.fill("#period", "10/2026")
    fill_row(page, 0, ROW)
    page.wait_for_function("() => !document.querySelector('[data-testid=live] li')")
