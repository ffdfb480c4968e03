"""The agency's signing key for the demo and the tests: made *inside* a PKCS#11 token
(sensitive, not extractable), its certificate issued by the demo CA from the public key
alone and stored on the token under the key's label (core.agency_signing finds both)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicNumbers
from cryptography.hazmat.primitives.serialization import Encoding
from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass

from declarations.employers.pki import demo_ca


def agency_key_provision(
    *,
    module: str,
    token_label: str,
    pin: str,
    ca: demo_ca.Issued,
    key_label: str = "bhxh-agency",
    name: str = "Bảo hiểm xã hội Việt Nam",
    office: str = "",
) -> x509.Certificate:
    """Generate an RSA-2048 key pair on the token, have ``ca`` certify its public key, and
    store the certificate beside it. Returns the certificate."""
    token = pkcs11.lib(module).get_token(token_label=token_label)
    key_id = key_label.encode()
    with token.open(rw=True, user_pin=pin) as session:
        public, _private = session.generate_keypair(
            KeyType.RSA,
            2048,
            store=True,
            label=key_label,
            id=key_id,
            # The HSM's promise: the private key signs, nothing else, and is never read out.
            private_template={
                Attribute.SENSITIVE: True,
                Attribute.EXTRACTABLE: False,
                Attribute.SIGN: True,
                Attribute.DECRYPT: False,
                Attribute.UNWRAP: False,
            },
        )
        numbers = RSAPublicNumbers(
            int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big"),
            int.from_bytes(public[Attribute.MODULUS], "big"),
        )
        cert = demo_ca.agency_cert_create(
            ca, public_key=numbers.public_key(), name=name, office=office
        )
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: key_label,
                Attribute.ID: key_id,
                Attribute.SUBJECT: cert.subject.public_bytes(),
                Attribute.VALUE: cert.public_bytes(Encoding.DER),
            }
        )
    return cert


def softhsm_token_init(folder: Path, *, label: str, pin: str, so_pin: str) -> Path:
    """A fresh SoftHSM2 token in ``folder`` (its old tokens removed); returns the config
    file to point ``SOFTHSM2_CONF`` at."""
    tokens = folder / "tokens"
    shutil.rmtree(tokens, ignore_errors=True)
    tokens.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        ["softhsm2-util", "--init-token", "--free", "--label", label]  # noqa: S607
        + ["--so-pin", so_pin, "--pin", pin],
        env={**os.environ, "SOFTHSM2_CONF": str(conf)},
        check=True,
        capture_output=True,
        timeout=60,
    )
    return conf
