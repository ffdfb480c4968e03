"""I-VAN providers' contracts, members and API clients (the providers themselves are
in ``declarations.employers``: an employer's channel is part of who the employer is)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from declarations.employers.models import Provider


class ContractState(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    ENDED = "ended", _("Ended")


class ContractQuerySet(models.QuerySet):
    def in_force(self, on=None):
        """Contracts that let a provider work on ``on`` (today by default)."""
        day = on or timezone.localdate()
        return self.filter(
            Q(state=ContractState.ACTIVE),
            Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        )


class Contract(models.Model):
    """A service contract (hợp đồng) between the agency and a provider."""

    provider = models.ForeignKey(Provider, models.CASCADE, related_name="contracts")
    number = models.CharField(_("contract number"), max_length=60)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ContractState.choices, default=ContractState.ACTIVE
    )

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["provider__code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "number"], name="contract_number_uniq")
        ]

    def __str__(self):
        return f"{self.provider.code} {self.number}"


class ProviderMember(models.Model):
    """A user who operates for a provider (I-VAN client role)."""

    provider = models.ForeignKey(Provider, models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="provider_links"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "user"], name="provider_member_uniq")
        ]

    def __str__(self):
        return f"{self.user} @ {self.provider.code}"


class ApiClient(models.Model):
    """An OAuth2 client of a provider (client credentials). Sandbox clients run the whole
    pipeline, but their dossiers never reach an office queue."""

    provider = models.ForeignKey(Provider, models.CASCADE, related_name="api_clients")
    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, models.CASCADE, related_name="ivan_client"
    )
    sandbox = models.BooleanField(_("sandbox"), default=False)
    scopes = models.CharField(
        _("allowed scopes"),
        max_length=300,
        help_text=_("Space-separated scopes this client may request."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Scope:
        provider_user = "provider__members__user"

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        permissions = [("manage_api_clients", "May issue, rotate and revoke I-VAN API clients")]

    def __str__(self):
        kind = "sandbox" if self.sandbox else "live"
        return f"{self.provider.code} {self.application.client_id} ({kind})"

    @property
    def allowed_scopes(self) -> set[str]:
        return set(self.scopes.split())


class ClientSecretQuerySet(models.QuerySet):
    def live(self, at=None):
        """Secrets that authenticate at ``at`` (now): not revoked and not past their expiry."""
        moment = at or timezone.now()
        return self.filter(
            Q(revoked_at__isnull=True), Q(expires_at__isnull=True) | Q(expires_at__gt=moment)
        )


class ClientSecret(models.Model):
    """One secret of an API client. At most two are live at once, so a provider can roll
    its secret without downtime: issue the new one, switch over, revoke the old one (or let
    it run out at the expiry set at the rotation)."""

    client = models.ForeignKey(ApiClient, models.CASCADE, related_name="secrets")
    secret_hash = models.CharField(max_length=200)
    label = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = ClientSecretQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.client} secret {self.label or self.pk}"


class WebhookEndpoint(models.Model):
    """Where a provider wants its events delivered (Standard Webhooks signatures)."""

    provider = models.ForeignKey(Provider, models.CASCADE, related_name="webhooks")
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=100)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Scope:
        provider_user = "provider__members__user"

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return f"{self.provider.code} → {self.url}"


class IdempotencyRecord(models.Model):
    """The first answer to a request carrying an ``Idempotency-Key``, replayed on repeats."""

    client = models.ForeignKey(ApiClient, models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="idempotency_key_uniq")
        ]

    def __str__(self):
        return f"{self.client_id}:{self.key}"


class ApiCall(models.Model):
    """One API call of a provider, for its statistics (volume, refusals, latency)."""

    client = models.ForeignKey(ApiClient, models.CASCADE, related_name="calls")
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=60)
    status_code = models.PositiveSmallIntegerField()
    error_code = models.CharField(max_length=60, blank=True)
    duration_ms = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["client", "at"])]

    def __str__(self):
        return f"{self.client_id} {self.action} {self.status_code}"
