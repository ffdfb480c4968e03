"""Writes about providers: contracts, API clients and secrets, webhooks. Audited."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from accounts import audit

from .models import ApiClient, ClientSecret, Contract, ContractState, Provider, WebhookEndpoint

MAX_LIVE_SECRETS = 2


class SecretLimitReached(Exception):
    """A client already holds two live secrets; revoke one first."""


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
    """Create an OAuth2 client (client credentials) for ``provider`` with its first secret."""
    unknown = set(scopes) - set(settings.IVAN_SCOPES)
    if unknown:
        raise ValueError(f"unknown scopes: {sorted(unknown)}")
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
    live = ClientSecret.objects.select_for_update().filter(client=client, revoked_at__isnull=True)
    if live.count() >= MAX_LIVE_SECRETS:
        raise SecretLimitReached(client.application.client_id)
    return _issue(actor=actor, client=client, label=label)


@transaction.atomic
def client_secret_revoke(*, actor, secret: ClientSecret) -> ClientSecret:
    """Revoke one secret; tokens already issued run out at their expiry."""
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
