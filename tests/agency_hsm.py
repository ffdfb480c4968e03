"""The agency's signing token for the tests: one SoftHSM2 token per test process (SoftHSM
reads SOFTHSM2_CONF once, when the module is first loaded), its key made on the token by
the demo's provisioning and certified by a test CA.

    hsm = agency_hsm()            # skips when SoftHSM2 is not installed
    hsm.configure(settings)       # the pytest-django ``settings`` fixture
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509

from declarations.employers.pki import demo_ca
from demo.agency_token import agency_key_provision
from tests.signer.softhsm import softhsm_missing, softhsm_token_create

KEY_LABEL = "bhxh-agency"


@dataclass(frozen=True)
class AgencyHsm:
    module: str
    token_label: str
    pin: str
    ca: demo_ca.Issued
    cert: x509.Certificate
    folder: Path

    def configure(self, settings, *, pin: str | None = None) -> None:
        settings.AGENCY_SIGNING_PKCS11_MODULE = self.module
        settings.AGENCY_SIGNING_TOKEN_LABEL = self.token_label
        settings.AGENCY_SIGNING_PIN = self.pin if pin is None else pin
        settings.AGENCY_SIGNING_KEY_LABEL = KEY_LABEL


@functools.cache
def _made() -> AgencyHsm:
    folder = Path(tempfile.mkdtemp(prefix="agency-hsm-"))
    atexit.register(shutil.rmtree, folder, True)
    token = softhsm_token_create(folder, label="BHXH AGENCY TEST", pin="246810")
    os.environ["SOFTHSM2_CONF"] = str(token.conf)
    ca = demo_ca.ca_create(name="BHXH Test Agency CA")
    cert = agency_key_provision(
        module=token.module, token_label=token.label, pin=token.pin, ca=ca, key_label=KEY_LABEL
    )
    return AgencyHsm(token.module, token.label, token.pin, ca, cert, folder)


def agency_hsm() -> AgencyHsm:
    missing = softhsm_missing()
    if missing:
        pytest.skip(missing)
    return _made()
