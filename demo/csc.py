"""The demo's CA remote-signing service (csc_service, at /csc/ in development): the demo
units' keys and certificates — the ones registered with the agency — enrolled there for
user IDs equal to their MST, and this portal registered as its client with the secret of
the dev settings' ``demo-ca`` provider. Through the service's own commands only (the
portal imports nothing of it); then each unit's account there recorded on the portal's side
(the signing page offers it). Run by ``manage.py demo_csc`` (scripts/dev.sh)."""

from __future__ import annotations

import io
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from declarations.employers.models import Employer, RegisteredCertificate
from declarations.employers.pki.trust import load_certificate
from declarations.signing.services import remote_account_register

from .employers import DEMO_UNITS

PROVIDER = "demo-ca"


def csc_demo_seed() -> list[str]:
    """Enrol what is missing (running twice changes nothing); the user IDs enrolled."""
    provider = settings.SIGNING_CSC_PROVIDERS.get(PROVIDER)
    if not apps.is_installed("csc_service") or provider is None:
        return []
    quiet = io.StringIO()
    call_command(
        "csc_client_register",
        provider["client_id"],
        name="Cổng giao dịch điện tử BHXH",
        secret=provider["client_secret"],
        stdout=quiet,
    )
    folder = Path(settings.DEMO_PKI_DIR)
    enrolled = []
    for unit in Employer.objects.filter(unit_code__in=DEMO_UNITS).order_by("unit_code"):
        key, cert = folder / f"{unit.unit_code}.key.pem", folder / f"{unit.unit_code}.cert.pem"
        if not (key.exists() and cert.exists()):
            continue  # seed_demo writes the demo PKI first
        call_command(
            "csc_account_create",
            unit.tax_code,
            password=settings.DEMO_PASSWORD,  # the demo users' password
            full_name=unit.name,
            stdout=quiet,
        )
        call_command(
            "csc_credential_enrol",
            unit.tax_code,
            key=str(key),
            cert=str(cert),
            chain=str(folder / "ca" / "ca.pem"),
            credential_id=f"{unit.unit_code}-SIGN",
            description=f"Chứng thư số {unit.name}",
            stdout=quiet,
        )
        _account_record(unit, cert.read_bytes())
        enrolled.append(unit.tax_code)
    return enrolled


def _account_record(unit: Employer, cert_pem: bytes) -> None:
    """The unit's account at the service on the portal's side, for the enrolled key's
    certificate as registered with the agency (seed_demo registers it) and in force."""
    der = load_certificate(cert_pem).public_bytes(Encoding.DER)
    now = timezone.now()
    certificate = unit.certificates.filter(
        fingerprint=RegisteredCertificate.fingerprint_of(der),
        replaced_at__isnull=True,
        not_before__lte=now,
        not_after__gte=now,
    ).first()
    if certificate is None:
        return
    remote_account_register(
        employer=unit,
        certificate=certificate,
        provider=PROVIDER,
        user_ref=unit.tax_code,
        credential_id=f"{unit.unit_code}-SIGN",
    )
