"""Signing sessions (phiên ký) and the remote signing accounts employers registered."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from declarations.employers.models import Employer, RegisteredCertificate, Registration


class Method(models.TextChoices):
    TOKEN = "token", _("USB token (local signer)")
    REMOTE = "remote", _("Remote signing (CA's service)")


class Kind(models.TextChoices):
    DOSSIER = "dossier", _("dossier")
    # The 04/ĐK-IVAN signed with a new certificate: the proof of possession of its renewal.
    RENEWAL = "renewal", _("certificate renewal")
    # The 04/ĐK-IVAN of a registration (public page: the session is bound to the browser).
    REGISTRATION = "registration", _("e-transaction registration")
    # The unit's 05/SD-IVAN and 06/NG-IVAN, signed with its registered certificate.
    CHANGE = "change", _("e-transaction change (05/SD-IVAN)")
    STOP = "stop", _("e-transaction stop (06/NG-IVAN)")


class State(models.TextChoices):
    PREPARED = "prepared", _("prepared")
    ROUND1 = "round1", _("signing the forms")
    ROUND2 = "round2", _("signing the envelope")
    SUBMITTING = "submitting", _("submitting")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class RemoteSigningAccount(models.Model):
    """A registered certificate's key held at a CA's remote signing service (CSC API):
    ``provider`` is a key of the ``SIGNING_CSC_PROVIDERS`` setting, ``user_ref`` the
    employer's account there; ``credential_id`` is found from the certificate when blank."""

    employer = models.ForeignKey(Employer, models.CASCADE, related_name="remote_signing")
    certificate = models.ForeignKey(RegisteredCertificate, models.CASCADE, related_name="+")
    provider = models.CharField(_("remote signing provider"), max_length=40)
    user_ref = models.CharField(_("account at the provider"), max_length=200)
    credential_id = models.CharField(_("credential id"), max_length=200, blank=True)
    registered_at = models.DateTimeField(default=timezone.now)

    class Scope:
        office = "employer__managing_office"
        employer_user = "employer__members__user"

    class Meta:
        verbose_name = _("remote signing account")
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "provider", "user_ref"], name="signing_remote_unique"
            )
        ]

    def __str__(self):
        return f"{self.employer.unit_code} @ {self.provider} ({self.user_ref})"

    @property
    def provider_name(self) -> str:
        """The provider's name as configured (its key when it is no longer configured)."""
        entry = settings.SIGNING_CSC_PROVIDERS.get(self.provider) or {}
        return entry.get("name") or self.provider


class SigningSession(models.Model):
    """One document signed once by one user. Prepared with the unsigned document; started
    with a method and a certificate (checked first), which fixes the signing time and the
    digests of round 1 (the forms); round 2 is the envelope's. Single use: done or failed,
    it signs nothing more; ``expires_at`` bounds each stage."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # A signed-in user's session is bound to the user; a registration's (public page) to
    # the browser: the SHA-256 of its session key.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="+"
    )
    browser = models.CharField(max_length=64, blank=True)
    employer = models.ForeignKey(Employer, models.CASCADE, related_name="signing_sessions")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.DOSSIER)
    # A registration's fields (the 04's content), as the registration page posted them.
    payload = models.JSONField(default=dict, blank=True)
    # A renewal's 04 is built at the start, for the certificate chosen on the token.
    document = models.BinaryField(default=b"")
    document_sha256 = models.CharField(max_length=64, blank=True)
    # What the signer shows about the document (read once, when it is prepared).
    summary = models.CharField(max_length=300, blank=True)
    supplement_of = models.CharField(max_length=32, blank=True)
    method = models.CharField(max_length=10, choices=Method.choices, blank=True)
    certificate = models.ForeignKey(
        RegisteredCertificate, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    certificate_der = models.BinaryField(default=b"")
    remote = models.ForeignKey(
        RemoteSigningAccount, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    remote_request = models.CharField(max_length=200, blank=True)
    signing_time = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PREPARED)
    # Round 1's digests and verified values stay; ``expected`` is the current round's
    # [{"id", "sha256"}] (base64).
    forms = models.JSONField(default=list)
    # The dossier as signed so far, a placeholder where each missing value goes: from the
    # start, its forms (round 1's values go in); from round 1, the envelope too (round 2's).
    forms_signed = models.BinaryField(default=b"")
    form_values = models.JSONField(default=list)
    expected = models.JSONField(default=list)
    error_code = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    dossier_id = models.BigIntegerField(null=True, blank=True)
    registration = models.ForeignKey(
        Registration, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Scope:
        office = "employer__managing_office"
        employer_user = "user"

    class Meta:
        verbose_name = _("signing session")
        indexes = [models.Index(fields=["user", "-created_at"], name="signing_user_recent")]

    def __str__(self):
        return f"{self.pk} ({self.state})"

    @property
    def round(self) -> int:
        return {State.ROUND1: 1, State.ROUND2: 2}.get(self.state, 0)
