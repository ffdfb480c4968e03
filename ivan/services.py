"""Writes about providers: contracts, API clients and secrets, webhooks. Audited."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AccessToken, Application, RefreshToken

from accounts import audit
from core.refusals import Refused, codes_register
from declarations.employers import services as employer_services
from declarations.employers.models import Employer, EmployerChannel, Provider
from declarations.employers.services import registration_submit
from ivan.models import ApiClient, ClientSecret, Contract, ContractState, WebhookEndpoint

MAX_LIVE_SECRETS = 2

codes_register(
    "ivan_clients",
    "I-VAN API clients (issued by central IT)",
    {
        "IVAN_SECRET_LIMIT": _(
            "Client {client_id} already has two live secrets; revoke one before issuing another."
        ),
        "IVAN_SECRET_EXPIRY_PAST": _("The old secret's expiry must be in the future."),
        "IVAN_SECRET_ALREADY_REVOKED": _("This secret is already revoked."),
        "IVAN_SCOPE_UNKNOWN": _("Unknown scope: {value}."),
        "IVAN_SCOPE_NONE": _("Choose at least one scope."),
        "IVAN_PROVIDER_NO_CONTRACT": _(
            "Provider {value} holds no contract in force; its clients would get no token."
        ),
    },
)


class SecretLimitReached(Refused):
    """A client already holds two live secrets; revoke one first."""

    def __init__(self, client_id: str):
        super().__init__("IVAN_SECRET_LIMIT", client_id=client_id)


@dataclass(frozen=True)
class IssuedSecret:
    client: ApiClient
    client_id: str
    secret: str  # shown once, never stored in clear


def _revoke_tokens(provider: Provider) -> int:
    count, _ = AccessToken.objects.filter(application__ivan_client__provider=provider).delete()
    return count


@transaction.atomic
def contract_set_state(*, actor, contract: Contract, state: str) -> Contract:
    """Suspend, end or reactivate a contract. Suspending or ending stops every token at once."""
    before = contract.state
    contract.state = state
    contract.save(update_fields=["state"])
    revoked = 0
    if state != ContractState.ACTIVE:
        revoked = _revoke_tokens(contract.provider)
    audit.record(
        actor,
        f"ivan.contract.{state}",
        contract,
        None,
        {"before": before, "tokens_revoked": revoked, "provider": contract.provider.code},
    )
    return contract


@transaction.atomic
def api_client_create(
    *, actor, provider: Provider, scopes: list[str], sandbox: bool = False, label: str = ""
) -> IssuedSecret:
    """Create an OAuth2 client (client credentials) for ``provider`` with its first secret.

    Refused for an unknown scope, no scope, or a provider without a contract in force."""
    unknown = sorted(set(scopes) - set(settings.IVAN_SCOPES))
    if unknown:
        raise Refused("IVAN_SCOPE_UNKNOWN", value=", ".join(unknown))
    if not scopes:
        raise Refused("IVAN_SCOPE_NONE")
    if not Contract.objects.in_force().filter(provider=provider).exists():
        raise Refused("IVAN_PROVIDER_NO_CONTRACT", value=provider.code)
    application = Application.objects.create(
        name=f"{provider.code}{' sandbox' if sandbox else ''} {label}".strip(),
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        # The application's own secret is unused: the client's secrets live in ClientSecret.
        client_secret=secrets.token_urlsafe(48),
    )
    client = ApiClient.objects.create(
        provider=provider, application=application, sandbox=sandbox, scopes=" ".join(scopes)
    )
    audit.record(
        actor,
        "ivan.client.created",
        client,
        None,
        {"provider": provider.code, "scopes": scopes, "sandbox": sandbox},
    )
    return _issue(actor=actor, client=client, label=label or "initial")


def _issue(*, actor, client: ApiClient, label: str) -> IssuedSecret:
    secret = secrets.token_urlsafe(32)
    row = ClientSecret.objects.create(client=client, secret_hash=make_password(secret), label=label)
    audit.record(actor, "ivan.secret.issued", client, None, {"secret": row.pk, "label": label})
    return IssuedSecret(client=client, client_id=client.application.client_id, secret=secret)


@transaction.atomic
def client_secret_issue(*, actor, client: ApiClient, label: str = "") -> IssuedSecret:
    """Add a secret for a rotation; refused when two are already live."""
    live = list(ClientSecret.objects.select_for_update().live().filter(client=client))
    if len(live) >= MAX_LIVE_SECRETS:
        raise SecretLimitReached(client.application.client_id)
    return _issue(actor=actor, client=client, label=label)


@transaction.atomic
def client_secret_rotate(
    *, actor, client: ApiClient, old_expires_at: datetime | None = None, label: str = ""
) -> IssuedSecret:
    """Rotation: a new secret, while the live one keeps working until it is revoked or, when
    ``old_expires_at`` is given, until then (both live in between, at most two).

    Refused when two are already live (revoke one first) or the expiry is not ahead."""
    if old_expires_at is not None and old_expires_at <= timezone.now():
        raise Refused("IVAN_SECRET_EXPIRY_PAST")
    live = list(ClientSecret.objects.select_for_update().live().filter(client=client))
    if len(live) >= MAX_LIVE_SECRETS:
        raise SecretLimitReached(client.application.client_id)
    issued = _issue(actor=actor, client=client, label=label or "rotation")
    if old_expires_at is not None:
        for old in live:
            if old.expires_at is None or old.expires_at > old_expires_at:
                old.expires_at = old_expires_at
                old.save(update_fields=["expires_at"])
    audit.record(
        actor,
        "ivan.secret.rotated",
        client,
        None,
        {"old": [s.pk for s in live], "old_expires_at": old_expires_at},
    )
    return issued


@transaction.atomic
def client_secret_revoke(*, actor, secret: ClientSecret) -> ClientSecret:
    """Revoke one secret; tokens already issued run out at their expiry."""
    secret = ClientSecret.objects.select_for_update().select_related("client").get(pk=secret.pk)
    if secret.revoked_at is not None:
        raise Refused("IVAN_SECRET_ALREADY_REVOKED")
    secret.revoked_at = timezone.now()
    secret.save(update_fields=["revoked_at"])
    audit.record(actor, "ivan.secret.revoked", secret.client, None, {"secret": secret.pk})
    return secret


@transaction.atomic
def webhook_register(*, actor, provider: Provider, url: str) -> WebhookEndpoint:
    """Register (or replace) the provider's webhook URL with a fresh signing secret."""
    WebhookEndpoint.objects.filter(provider=provider, active=True).update(active=False)
    endpoint = WebhookEndpoint.objects.create(
        provider=provider,
        url=url,
        secret="whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii"),
    )
    audit.record(actor, "ivan.webhook.registered", endpoint, None, {"url": url})
    return endpoint


# --- employers through a provider (04/ĐK-IVAN, 05/SD-IVAN, 06/NG-IVAN) ------------------------
class EmployerNotCarried(Exception):
    """The employer transacts through another provider (or, for a change, through none)."""


def carrier_id(employer) -> int | None:
    channel = EmployerChannel.objects.filter(employer=employer).only("provider_id").first()
    return channel.provider_id if channel else None


@transaction.atomic
def employer_register(
    *, provider: Provider, employer, data: dict, cert_data: bytes, signed_form: bytes | None
):
    """A provider files 04/ĐK-IVAN for an employer it does not yet carry, with the 04 signed
    by the certificate registered (proof that the employer holds its key).

    Refused when another provider carries the employer (it must stop there first, 06/NG-IVAN).
    The registration names the provider; the office's approval makes it the employer's
    channel (``registration_approve``), so the provider acts for it only once approved.
    """

    Employer.objects.select_for_update().filter(pk=employer.pk).first()
    if carrier_id(employer) not in (None, provider.pk):
        raise EmployerNotCarried(employer.unit_code)
    registration = registration_submit(
        employer=employer,
        data={**data, "provider": provider},
        cert_data=cert_data,
        signed_form=signed_form,
    )
    audit.record(
        None,
        "ivan.employer.registration_filed",
        registration,
        employer.managing_office,
        {"provider": provider.code, "employer": employer.unit_code},
    )
    return registration


CHANGEABLE = employer_services.CHANGEABLE


def employer_change(
    *,
    provider: Provider,
    employer,
    data: dict,
    cert_data: bytes | None = None,
    signed_form: bytes | None = None,
):
    """05/SD-IVAN: change the contact, address, result delivery or the certificate of an
    employer the provider carries (:func:`declarations.employers.services.employer_change`,
    the same as the employer's own 05 signed in the portal)."""
    with transaction.atomic():
        Employer.objects.select_for_update().filter(pk=employer.pk).first()
        if carrier_id(employer) != provider.pk:
            raise EmployerNotCarried(employer.unit_code)
        return employer_services.employer_change(
            actor=None,
            employer=employer,
            data=data,
            cert_data=cert_data,
            signed_form=signed_form,
            action="ivan.employer.changed",
            details={"provider": provider.code},
        )


def employer_stop(*, provider: Provider, employer, reason: str = ""):
    """06/NG-IVAN: the employer stops transacting through the provider. Its channel is
    removed (it may register again, through this or another provider) and its e-status
    becomes stopped (:func:`declarations.employers.services.employer_stop`)."""
    with transaction.atomic():
        Employer.objects.select_for_update().filter(pk=employer.pk).first()
        if carrier_id(employer) != provider.pk:
            raise EmployerNotCarried(employer.unit_code)
        return employer_services.employer_stop(
            actor=None,
            employer=employer,
            reason=reason,
            action="ivan.employer.stopped",
            details={"provider": provider.code},
        )


# --- accounts hook ----------------------------------------------------------------------------
def user_tokens_revoke(*, user, actor, reason: str) -> int:
    """Token revoker for ``accounts.hooks``: a locked person's own OAuth tokens go at once.

    Provider API clients use the client-credentials grant: their tokens belong to the
    provider's software, not to a person, so locking one operator does not stop the
    provider's integration (suspending its contract does, ``contract_set_state``).
    """
    count, _ = AccessToken.objects.filter(user=user).delete()
    refresh, _ = RefreshToken.objects.filter(user=user).delete()
    return count + refresh
