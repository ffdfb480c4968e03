"""``manage.py agency_token`` puts the agency's key on a SoftHSM2 token for the demo: the
key made on the token (no key file anywhere in its folder), the certificate beside it, and
the settings to export printed; the settings refuse a module without its PIN."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.portal.test_settings import run
from tests.signer.softhsm import softhsm_missing, softhsm_module

ROOT = Path(__file__).resolve().parents[2]


def test_the_command_makes_the_key_on_the_token(tmp_path):
    if softhsm_missing():
        pytest.skip(softhsm_missing())
    folder = tmp_path / "agency-token"
    done = subprocess.run(
        [sys.executable, "manage.py", "agency_token", "--dir", str(folder), "--pin", "13579"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DEMO_PKI_DIR": str(tmp_path / "no-demo-pki")},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "export AGENCY_SIGNING_PIN='13579'" in done.stdout
    assert "export AGENCY_SIGNING_TOKEN_LABEL='BHXH AGENCY'" in done.stdout
    listed = subprocess.run(
        ["pkcs11-tool", "--module", softhsm_module(), "--token-label", "BHXH AGENCY"]
        + ["--login", "--pin", "13579", "--list-objects"],
        env={**os.environ, "SOFTHSM2_CONF": str(folder / "softhsm2.conf")},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "Private Key Object" in listed and "Certificate Object" in listed
    assert "Access:     sensitive, always sensitive, never extractable, local" in listed
    assert "Usage:      sign\n" in listed  # the agency key signs, it decrypts nothing
    for path in folder.rglob("*"):
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes(), path


def test_a_module_without_its_pin_fails_at_start():
    result = run(
        "import django; django.setup()",
        "portal.settings.test",
        AGENCY_SIGNING_PKCS11_MODULE="/nowhere/libpkcs11.so",
        AGENCY_SIGNING_TOKEN_LABEL="BHXH",
    )
    assert result.returncode != 0
    assert "AGENCY_SIGNING_PIN" in result.stderr
