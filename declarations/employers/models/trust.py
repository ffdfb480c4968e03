"""The licensed certification authorities (tổ chức cung cấp dịch vụ chứng thực chữ ký số
công cộng) as data, and the last good CRL the portal holds for each of their certificates.

Central IT fills a CA's certificate(s) and CRL URL(s) and switches it on; the refresh job
(:mod:`declarations.employers.authorities`) keeps each CRL current. ``TRUSTED_CA_DIR`` keeps
working beside them (:func:`declarations.employers.pki.trust.trust_store` reads both).
"""

import hashlib
import re

from cryptography import x509
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


class CertificateAuthority(models.Model):
    """One licensed CA: its certificate(s) (a key rollover gives two), where its CRLs are
    published, whether its OCSP responders are asked."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    certificates_pem = models.TextField(
        _("CA certificates (PEM)"),
        blank=True,
        help_text=_("One or more PEM blocks: the CA's own certificate(s)."),
    )
    crl_urls = models.TextField(
        _("CRL URLs"),
        blank=True,
        help_text=_(
            "One URL a line (http or https): each is downloaded and checked against the CA's certificates."
        ),
    )
    ocsp_enabled = models.BooleanField(
        _("ask OCSP"),
        default=False,
        help_text=_("Ask the OCSP responder a certificate names (AIA), before the CRL."),
    )
    active = models.BooleanField(_("active"), default=False)
    placeholder = models.BooleanField(
        _("placeholder"),
        default=False,
        help_text=_("Seeded without verified data: fill the certificate and URLs, then activate."),
    )
    notes = models.TextField(_("notes"), blank=True)
    # The grace for "no CRL yet" counts from here (set when the CA is switched on).
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last refresh attempt"), null=True, blank=True)
    last_error = models.TextField(_("last refresh error"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "declarations_certificateauthority"  # the table from before the split
        verbose_name = _("certification authority")
        verbose_name_plural = _("certification authorities")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        if self.active and self.activated_at is None:
            self.activated_at = timezone.now()
        elif not self.active:
            self.activated_at = None
        super().save(*args, **kwargs)

    def certificates(self) -> list[x509.Certificate]:
        """The CA certificates in :attr:`certificates_pem` (unreadable blocks skipped)."""
        found = []
        for block in _PEM_BLOCK.findall(self.certificates_pem.encode()):
            try:
                found.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                continue
        return found

    def crl_url_list(self) -> list[str]:
        return [
            line.strip()
            for line in self.crl_urls.splitlines()
            if line.strip().lower().startswith(("http://", "https://"))
        ]


def issuer_key(name: x509.Name) -> str:
    """What a CRL is filed under: the SHA-256 of its issuer's name (DER)."""
    return hashlib.sha256(name.public_bytes()).hexdigest()


class CaRevocationList(models.Model):
    """The last good CRL of one CA certificate (by issuer name): verified against that
    certificate, never replaced by an older one."""

    authority = models.ForeignKey(
        CertificateAuthority, models.CASCADE, related_name="crls", verbose_name=_("CA")
    )
    issuer_key = models.CharField(_("issuer (SHA-256 of the name)"), max_length=64)
    issuer = models.CharField(_("issuer"), max_length=500)
    der = models.BinaryField(_("CRL (DER)"))
    this_update = models.DateTimeField(_("this update"))
    next_update = models.DateTimeField(_("next update"))
    entries = models.PositiveIntegerField(_("revoked certificates"), default=0)
    source_url = models.CharField(_("downloaded from"), max_length=500, blank=True)
    fetched_at = models.DateTimeField(_("fetched at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "declarations_carevocationlist"  # the table from before the split
        verbose_name = _("certificate revocation list")
        verbose_name_plural = _("certificate revocation lists")
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "issuer_key"], name="declarations_crl_one_per_issuer"
            )
        ]

    def __str__(self):
        return f"{self.authority.code}: {self.this_update:%Y-%m-%d %H:%M}"

    def crl(self) -> x509.CertificateRevocationList:
        return x509.load_der_x509_crl(bytes(self.der))
