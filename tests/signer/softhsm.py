"""SoftHSM2 tokens for the tests: a real PKCS#11 token in a temporary folder, holding an RSA
key and its certificate under one CKA_ID, made with the tools an employer's IT would use
(``softhsm2-util`` and OpenSC's ``pkcs11-tool``).

    token = softhsm_token_create(tmp_path, pin="123456")
    token.key_import(key_pem=issued.key_pem, cert_pem=issued.cert_pem, key_id="01")
    subprocess.Popen([...], env=token.env)   # SOFTHSM2_CONF points at the token's config
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

MODULE_NAME = "libsofthsm2.so"


def softhsm_module() -> str | None:
    """The SoftHSM2 PKCS#11 module where the distribution installs it (``SOFTHSM2_MODULE``
    overrides)."""
    if os.environ.get("SOFTHSM2_MODULE"):
        return os.environ["SOFTHSM2_MODULE"]
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    for folder in (
        Path("/usr/lib") / multiarch / "softhsm",
        Path("/usr/lib/softhsm"),
        Path("/usr/local/lib/softhsm"),
    ):
        if (folder / MODULE_NAME).exists():
            return str(folder / MODULE_NAME)
    return None


def softhsm_missing() -> str | None:
    """Why SoftHSM tokens cannot be made here (None when they can)."""
    for tool, package in (("softhsm2-util", "softhsm2"), ("pkcs11-tool", "opensc")):
        if shutil.which(tool) is None:
            return f"{tool} not found (Debian package {package})"
    if softhsm_module() is None:
        return f"{MODULE_NAME} not found (Debian package softhsm2)"
    return None


@dataclass
class SoftHsmToken:
    folder: Path
    label: str
    pin: str
    so_pin: str
    module: str

    @property
    def conf(self) -> Path:
        return self.folder / "softhsm2.conf"

    @property
    def tokens_dir(self) -> Path:
        return self.folder / "tokens"

    @property
    def env(self) -> dict[str, str]:
        """The environment of a process that should see this token (and no other)."""
        return {**os.environ, "SOFTHSM2_CONF": str(self.conf)}

    def _run(self, *args: str) -> str:
        done = subprocess.run(
            args, env=self.env, capture_output=True, text=True, timeout=60, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stdout}{done.stderr}")
        return done.stdout

    def key_import(
        self, *, key_pem: bytes, cert_pem: bytes, key_id: str = "01", label: str = "signing"
    ) -> None:
        """Import an RSA private key (PKCS#8 PEM) and its certificate under CKA_ID ``key_id``
        (hex) and CKA_LABEL ``label``, as a CA's token tool would."""
        key_file = self.folder / "import.key.pem"
        cert_file = self.folder / "import.cert.der"
        key_file.touch(mode=0o600)
        key_file.write_bytes(key_pem)
        cert_file.write_bytes(x509.load_pem_x509_certificate(cert_pem).public_bytes(Encoding.DER))
        try:
            self._run(
                "softhsm2-util", "--import", str(key_file), "--token", self.label,
                "--label", label, "--id", key_id, "--pin", self.pin,
            )  # fmt: skip
            self._run(
                "pkcs11-tool", "--module", self.module, "--token-label", self.label,
                "--login", "--pin", self.pin, "--write-object", str(cert_file),
                "--type", "cert", "--id", key_id, "--label", label,
            )  # fmt: skip
        finally:
            key_file.unlink(missing_ok=True)
            cert_file.unlink(missing_ok=True)

    def remove(self) -> None:
        """Pull the token out: its files are gone, the slot stays empty."""
        shutil.rmtree(self.tokens_dir)
        self.tokens_dir.mkdir()


def softhsm_token_create(
    folder: Path, *, label: str = "BHXH TEST", pin: str = "123456", so_pin: str = "12345678"
) -> SoftHsmToken:
    """A fresh, initialised token with ``pin`` as its user PIN, in ``folder``."""
    module = softhsm_module()
    if module is None:
        raise RuntimeError(softhsm_missing())
    folder.mkdir(parents=True, exist_ok=True)
    token = SoftHsmToken(folder=folder, label=label, pin=pin, so_pin=so_pin, module=module)
    token.tokens_dir.mkdir(exist_ok=True)
    token.conf.write_text(
        f"directories.tokendir = {token.tokens_dir}\n"
        "objectstore.backend = file\n"
        "log.level = ERROR\n"
        "slots.removable = true\n"
    )
    token._run(
        "softhsm2-util", "--init-token", "--free", "--label", label,
        "--so-pin", so_pin, "--pin", pin,
    )  # fmt: skip
    return token
