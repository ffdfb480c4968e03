"""Registered signing certificates (chứng thư số) and trial credentials of employers."""

import hashlib

from cryptography import x509
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from declarations.employers.models.employers import Employer

_SCOPE_PATHS = {
    "office": "employer__managing_office",
    "employer_user": "employer__members__user",
    "provider_user": "employer__ivan_channel__provider__members__user",
}


class RegisteredCertificate(models.Model):
    """A certificate an employer signs with. Renewal or replacement closes the old one
    (``replaced_at``) but keeps it, so dossiers signed while it was in force still verify."""

    employer = models.ForeignKey(Employer, models.CASCADE, related_name="certificates")
    der = models.BinaryField(_("certificate (DER)"))
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, db_index=True)
    serial = models.CharField(_("serial number"), max_length=80)
    issuer = models.CharField(_("issuing CA"), max_length=500)
    subject = models.CharField(_("subject"), max_length=500)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    replaced_at = models.DateTimeField(_("replaced at"), null=True, blank=True)
    replaces = models.OneToOneField(
        "self", models.SET_NULL, null=True, blank=True, related_name="replaced_by"
    )

    class Scope:
        office = _SCOPE_PATHS["office"]
        employer_user = _SCOPE_PATHS["employer_user"]
        provider_user = _SCOPE_PATHS["provider_user"]

    class Meta:
        db_table = "declarations_registeredcertificate"  # the table from before the split
        verbose_name = _("registered certificate")
        verbose_name_plural = _("registered certificates")
        ordering = ["-registered_at"]

    def __str__(self):
        return f"{self.serial} ({self.employer.unit_code})"

    @staticmethod
    def fingerprint_of(der: bytes) -> str:
        return hashlib.sha256(der).hexdigest()

    def certificate(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(bytes(self.der))

    @property
    def in_force(self) -> bool:
        return self.replaced_at is None


class TrialCredential(models.Model):
    """A trial credential (mã giao dịch thử nghiệm) an office issues instead of a certificate.

    Dossiers sent with it are accepted but need one paper set before the result is released.
    """

    employer = models.ForeignKey(Employer, models.CASCADE, related_name="trial_credentials")
    secret_hash = models.CharField(max_length=200)
    expires_on = models.DateField(_("expires on"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)

    class Scope:
        office = _SCOPE_PATHS["office"]
        employer_user = _SCOPE_PATHS["employer_user"]

    class Meta:
        db_table = "declarations_trialcredential"  # the table from before the split
        verbose_name = _("trial credential")
        ordering = ["-issued_at"]

    def __str__(self):
        return f"{self.employer.unit_code} → {self.expires_on}"
