"""A CA's remote-signing service (CSC API v2): its users, their signing credentials (the
private key encrypted at rest), the relying parties (OAuth2 clients), their access tokens
and the authorizations its users approve on their phone (here, the approval page).

Another party: none of these tables is the portal's, nothing here points at one.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CscAccount(models.Model):
    """A user of the signing service (the certificate holder), with their own password."""

    username = models.CharField(_("user ID"), max_length=64, unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    password = models.CharField(max_length=256)  # a Django password hash, never the password
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("signing-service account")

    def __str__(self):
        return self.username


class CscCredential(models.Model):
    """One signing key and its certificate (chain), held for one account."""

    credential_id = models.CharField(_("credential ID"), max_length=64, unique=True)
    account = models.ForeignKey(CscAccount, on_delete=models.PROTECT, related_name="credentials")
    description = models.CharField(_("description"), max_length=255, blank=True)
    certificate = models.BinaryField()  # DER of the end-entity certificate
    chain = models.JSONField(default=list)  # base64 DER of the issuers, nearest first
    private_key = models.BinaryField()  # PKCS#8 DER encrypted with CSC_SERVICE_STORAGE_KEYS
    key_bits = models.PositiveIntegerField()
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("signing credential")

    def __str__(self):
        return self.credential_id


class CscClient(models.Model):
    """A relying party (the portal) allowed to call the API (OAuth2 client credentials)."""

    client_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    secret_hash = models.CharField(max_length=256)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.client_id


class CscAccessToken(models.Model):
    """A bearer token issued to a client; only its SHA-256 is kept."""

    token_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(CscClient, on_delete=models.CASCADE, related_name="tokens")
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"token of {self.client_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class AuthorizationState(models.TextChoices):
    PENDING = "pending", _("waiting for the holder")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")
    EXPIRED = "expired", _("expired")


class CscAuthorization(models.Model):
    """One ``credentials/authorize`` request (SCAL2: bound to its hashes), the holder's
    answer and the SAD it yields: single use, short-lived, for exactly these hashes."""

    handle = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(CscClient, on_delete=models.PROTECT, related_name="authorizations")
    credential = models.ForeignKey(
        CscCredential, on_delete=models.PROTECT, related_name="authorizations"
    )
    hashes = models.JSONField()  # base64 SHA-256 digests, as the client sent them
    num_signatures = models.PositiveIntegerField()
    description = models.CharField(max_length=500, blank=True)
    state = models.CharField(
        max_length=10, choices=AuthorizationState.choices, default=AuthorizationState.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    answer_by = models.DateTimeField()  # the holder must answer before this
    decided_at = models.DateTimeField(null=True, blank=True)
    sad_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    sad_expires_at = models.DateTimeField(null=True, blank=True)
    sad_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["credential", "state"], name="csc_auth_cred_state_idx")]

    def __str__(self):
        return self.handle
