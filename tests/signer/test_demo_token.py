"""scripts/demo_token.sh: the demo employer's key on a SoftHSM token, and the one command
that starts the signer against it."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from declarations.employers.pki.demo_ca import demo_pki_write
from tests.signer.conftest import softhsm_required
from tests.signer.process import SignerProcess

ROOT = Path(__file__).resolve().parents[2]


def test_demo_token_holds_the_demo_key_and_the_printed_command_serves_it(tmp_path):
    softhsm_required()
    demo_pki_write(tmp_path / "pki", [("TZH490L", "0101300842", "Công ty Demo")])
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "demo_token.sh"), "TZH490L"],
        env={
            **os.environ,
            "DEMO_PKI_DIR": str(tmp_path / "pki"),
            "DEMO_TOKEN_DIR": str(tmp_path / "token"),
            "DEMO_TOKEN_PIN": "112233",
            "PORT": "8123",
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    command = shlex.split(done.stdout.strip().splitlines()[-1])
    conf = command[0].removeprefix("SOFTHSM2_CONF=")
    module = command[command.index("--module") + 1]
    origins = [command[i + 1] for i, arg in enumerate(command) if arg == "--allow-origin"]
    assert origins == ["http://127.0.0.1:8123", "http://localhost:8123"]

    signer = SignerProcess(
        module=module, env={**os.environ, "SOFTHSM2_CONF": conf}, origins=origins
    )
    try:
        _, _, body = signer.request("GET", "/v1/certificates", origin=origins[0])
    finally:
        signer.stop()

    cert = x509.load_pem_x509_certificate((tmp_path / "pki" / "TZH490L.cert.pem").read_bytes())
    key_sha1 = hashes.Hash(hashes.SHA1())  # noqa: S303  (the CKA_ID convention, not a signature)
    key_sha1.update(cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))
    [listed] = body["certificates"]
    assert listed["id"] == key_sha1.finalize().hex()
    assert listed["label"] == "TZH490L"
    assert "MST:0101300842" in listed["subject"]
