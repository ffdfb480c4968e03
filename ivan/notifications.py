"""Dossier events → webhooks to providers (subscribed to ``declarations.dossiers.events``).

A dossier's events go to the provider that carries its employer now and to the provider
that submitted it (when different); each is one outbox row written in the transaction of
the change, so nothing is sent for a change that rolled back.
"""

from __future__ import annotations

import functools

from django.db import connection
from django.db.models import Q

from core.db import instances_fetch, select_columns
from declarations.dossiers.models import Dossier
from declarations.employers.models import EmployerChannel
from ivan.models import WebhookEndpoint
from ivan.webhooks import endpoint_event

EVENTS = {"receipt.issued", "notice.issued", "dossier.status_changed", "result.released"}


def dossier_payload(dossier, notice=None, data: dict | None = None) -> dict:
    payload = {
        "transaction_code": dossier.transaction_code,
        "unit_code": dossier.employer.unit_code,
        "procedure": dossier.procedure_code,
        "period": dossier.period,
        "status": dossier.status,
        "sandbox": dossier.sandbox,
        "received_at": dossier.received_at,
    }
    if dossier.supplement_of_id is not None:
        # A supplement names the dossier it answers (loaded with it by intake: no query).
        payload["supplement_of"] = dossier.supplement_of.transaction_code
    if notice is not None:
        payload["notice"] = {
            "id": notice.pk,
            "number": notice.number,
            "kind": notice.kind,
            "issued_at": notice.issued_at,
        }
    if data:
        payload["details"] = data
    return payload


def endpoints_of(dossier) -> list[WebhookEndpoint]:
    """The active webhook of each provider concerned (the one carrying the employer now,
    the one that submitted the dossier), in one query; the oldest one per provider, as
    ``webhook_event`` picks."""
    if _nobody_to_tell(dossier):
        return []
    first: dict[int, WebhookEndpoint] = {}
    carrier = _carrier_loaded(dossier)
    if carrier is not None:
        # The providers are known (intake loaded the employer's channel).
        providers = {p for p in (carrier.provider_id, dossier.provider_id) if p is not None}
        endpoints = _endpoints_of_providers(sorted(providers))
    else:
        endpoints = _endpoints_query(
            employer_id=dossier.employer_id, provider_id=dossier.provider_id or None
        )
    for endpoint in endpoints:
        first.setdefault(endpoint.provider_id, endpoint)
    return list(first.values())


def _providers_endpoints_query(providers: list[int]):
    """The active webhooks of ``providers``; on PostgreSQL the same read runs as
    :func:`_endpoints_sql`."""
    return WebhookEndpoint.objects.filter(provider_id__in=providers, active=True).order_by("pk")


@functools.cache
def _endpoints_sql() -> str:
    """:func:`_providers_endpoints_query` written out, the read every I-VAN dossier pays
    (see core.db); tests/ivan/test_webhooks.py holds the two to the same answers."""
    table = connection.ops.quote_name(WebhookEndpoint._meta.db_table)
    return (
        f"SELECT {select_columns(WebhookEndpoint, 'w')} FROM {table} w "  # noqa: S608  (names from the model)
        "WHERE w.provider_id = ANY(%s) AND w.active ORDER BY w.id"
    )


def _endpoints_of_providers(providers: list[int]) -> list[WebhookEndpoint]:
    if connection.vendor != "postgresql":
        return list(_providers_endpoints_query(providers))
    return [row[0] for row in instances_fetch(_endpoints_sql(), [providers], (WebhookEndpoint,))]


def _endpoints_query(*, employer_id, provider_id):
    # A subquery, not a join: joined, each endpoint would come once per employer its
    # provider carries.
    carrier = EmployerChannel.objects.filter(employer_id=employer_id)
    concerned = Q(provider_id__in=carrier.values("provider_id"))
    if provider_id is not None:
        concerned |= Q(provider_id=provider_id)
    return WebhookEndpoint.objects.filter(concerned, active=True).order_by("pk")


def _carrier_loaded(dossier):
    """The employer's I-VAN channel as already loaded with it (None when not loaded or when
    it has none)."""
    if not Dossier.employer.is_cached(dossier):
        return None
    channel = EmployerChannel.employer.field.remote_field
    return channel.get_cached_value(dossier.employer, default=None)


def _nobody_to_tell(dossier) -> bool:
    """True, without a query, when no provider submitted the dossier and its employer, as
    already loaded with its I-VAN channel (intake reads it), has none. False when not
    known."""
    if dossier.provider_id is not None or not Dossier.employer.is_cached(dossier):
        return False
    employer = dossier.employer
    channel = EmployerChannel.employer.field.remote_field
    return channel.is_cached(employer) and channel.get_cached_value(employer) is None


def concerns(event: str, dossier) -> bool:
    """False when :func:`on_dossier_event` would send nothing for this event, known without
    a query: not a webhook event, or no provider submitted the dossier or carries its
    employer (as intake loaded it)."""
    return event in EVENTS and not _nobody_to_tell(dossier)


def on_dossier_event(event: str, *, dossier, notice=None, data=None) -> None:
    """Queue one webhook per provider concerned (no-op when it registered no URL)."""
    if event not in EVENTS:
        return
    endpoints = endpoints_of(dossier)
    if not endpoints:
        return
    payload = dossier_payload(dossier, notice, data)
    for endpoint in endpoints:
        endpoint_event(endpoint=endpoint, event_type=event, data=payload)
