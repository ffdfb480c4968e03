"""Dossier events → webhooks to providers (subscribed to ``declarations.events``).

A dossier's events go to the provider that carries its employer now and to the provider
that submitted it (when different); each is one outbox row written in the transaction of
the change, so nothing is sent for a change that rolled back.
"""

from __future__ import annotations

from declarations.models import Dossier, Employer

from .models import EmployerChannel, Provider
from .webhooks import webhook_event

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


def providers_of(dossier) -> list[Provider]:
    ids = {dossier.provider_id} if dossier.provider_id else set()
    channel = _channel_of(dossier)
    if channel is not None:
        ids.add(channel.provider_id)
    return list(Provider.objects.filter(pk__in=ids)) if ids else []


def _channel_of(dossier) -> EmployerChannel | None:
    """The employer's channel, as intake already read it with the employer (no query), or
    from the database."""
    if Dossier.employer.is_cached(dossier):
        employer = dossier.employer
        if Employer.ivan_channel.is_cached(employer):
            return getattr(employer, "ivan_channel", None)
    return EmployerChannel.objects.filter(employer_id=dossier.employer_id).first()


def on_dossier_event(event: str, *, dossier, notice=None, data=None) -> None:
    """Queue one webhook per provider concerned (no-op when it registered no URL)."""
    if event not in EVENTS:
        return
    providers = providers_of(dossier)
    if not providers:
        return
    payload = dossier_payload(dossier, notice, data)
    for provider in providers:
        webhook_event(provider=provider, event_type=event, data=payload)
