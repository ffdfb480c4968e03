"""Fixtures of the local signer's tests: a SoftHSM token holding the demo employer's key and
certificate, and the signer running against it. The browser tests import them too."""

from __future__ import annotations

import os

import pytest

from declarations.employers.pki import demo_ca
from tests.signer.process import SignerProcess
from tests.signer.softhsm import SoftHsmToken, softhsm_missing, softhsm_token_create

PORTAL_ORIGIN = "https://portal.example"
DEMO_MST = "0101300842"  # the demo employer TZH490L's tax code (tests/declarations/conftest.py)
KEY_ID = "a1b2c3"


@pytest.fixture(scope="session")
def signer_pki():
    """A CA and the demo employer's certificate, as the demo PKI makes them."""
    ca = demo_ca.ca_create()
    return ca, demo_ca.employer_cert_create(ca, mst=DEMO_MST, name="Công ty Thử nghiệm")


def softhsm_required() -> None:
    reason = softhsm_missing()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"SoftHSM needed by the signer tests: {reason}")
    pytest.skip(reason)


@pytest.fixture
def softhsm_token(tmp_path, signer_pki) -> SoftHsmToken:
    """A SoftHSM token in a temporary folder with the demo employer's key and certificate
    under CKA_ID ``KEY_ID`` (user PIN ``token.pin``)."""
    softhsm_required()
    _, issued = signer_pki
    token = softhsm_token_create(tmp_path / "softhsm", label="BHXH DEMO", pin="246810")
    token.key_import(
        key_pem=issued.key_pem, cert_pem=issued.cert_pem, key_id=KEY_ID, label="TZH490L"
    )
    return token


@pytest.fixture
def local_signer(softhsm_token):
    """The local signer running against ``softhsm_token``, allowing ``PORTAL_ORIGIN``."""
    signer = SignerProcess(
        module=softhsm_token.module,
        env=softhsm_token.env,
        origins=[PORTAL_ORIGIN],
        confirm_timeout=20,
    )
    yield signer
    signer.stop()
