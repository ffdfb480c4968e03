"""``manage.py agency_token``: the agency's signing key on a SoftHSM2 token for the demo
(made on the token, not extractable), certified by the demo CA; prints the settings that
make the portal sign its PDFs with it."""

import os
import secrets
import sysconfig
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from declarations.employers.pki import demo_ca
from demo.agency_token import agency_key_provision, softhsm_token_init

LABEL = "BHXH AGENCY"


def _softhsm_module() -> str:
    """Where the distribution's softhsm2 package puts its PKCS#11 module."""
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    for folder in (Path("/usr/lib") / multiarch / "softhsm", Path("/usr/lib/softhsm")):
        if (folder / "libsofthsm2.so").exists():
            return str(folder / "libsofthsm2.so")
    return ""


def _demo_ca() -> demo_ca.Issued:
    """The demo CA of seed_demo (so the portal's trust store knows the issuer), else a new
    one written beside the token."""
    folder = Path(settings.DEMO_PKI_DIR)
    key_file, cert_file = folder / "ca-key.pem", folder / "ca" / "ca.pem"
    if key_file.exists() and cert_file.exists():
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        return demo_ca.Issued(key, x509.load_pem_x509_certificate(cert_file.read_bytes()))
    return demo_ca.ca_create()


class Command(BaseCommand):
    help = "Put the agency's signing key on a SoftHSM2 token for the demo (key made on the token)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(Path(settings.BASE_DIR) / "var" / "agency-token"))
        parser.add_argument("--pin", default=os.environ.get("AGENCY_SIGNING_PIN", ""))
        parser.add_argument("--key-label", default="bhxh-agency")
        parser.add_argument("--module", default=os.environ.get("SOFTHSM2_MODULE", ""))

    def handle(self, *args, dir, pin, key_label, module, **options):
        module = module or _softhsm_module()
        if not module:
            raise CommandError("libsofthsm2.so not found: apt-get install softhsm2, or --module")
        pin = pin or secrets.token_hex(4)
        folder = Path(dir).resolve()
        conf = softhsm_token_init(folder, label=LABEL, pin=pin, so_pin=secrets.token_hex(8))
        # SoftHSM reads its configuration when the module is first loaded in this process.
        os.environ["SOFTHSM2_CONF"] = str(conf)
        ca = _demo_ca()
        (folder / "ca.pem").write_bytes(ca.cert_pem)
        cert = agency_key_provision(
            module=module, token_label=LABEL, pin=pin, ca=ca, key_label=key_label
        )
        self.stdout.write(
            f"Token {LABEL!r} in {folder}: key {key_label!r}, {cert.subject.rfc4514_string()}"
        )
        self.stdout.write(f"Trust root to check its PDFs against: {folder / 'ca.pem'}")
        self.stdout.write("Start the portal with:")
        for name, value in (
            ("SOFTHSM2_CONF", conf),
            ("AGENCY_SIGNING_PKCS11_MODULE", module),
            ("AGENCY_SIGNING_TOKEN_LABEL", LABEL),
            ("AGENCY_SIGNING_PIN", pin),
            ("AGENCY_SIGNING_KEY_LABEL", key_label),
        ):
            self.stdout.write(f"  export {name}='{value}'")
