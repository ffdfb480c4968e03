"""Webhooks to providers, signed in the Standard Webhooks style and sent from the outbox.

Each event is an outbox row (written with the data it reports); the handler signs it at
every attempt (``webhook-id``, ``webhook-timestamp``, ``webhook-signature: v1,<base64
HMAC-SHA256 of "id.timestamp.body">``) and posts it. The outbox retries with exponential
backoff and jitter and dead-letters it after the last try; staff can replay it.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import requests
from django.conf import settings
from standardwebhooks.webhooks import Webhook

from core.outbox.handlers import PermanentFailure, handler
from core.outbox.services import outbox_enqueue
from declarations.employers.models import Provider
from ivan.models import WebhookEndpoint

KIND = "ivan.webhook"


def webhook_event(*, provider: Provider, event_type: str, data: dict, event_id: str | None = None):
    """Queue ``event_type`` for the provider's active webhook, if it registered one.

    Call inside the transaction that made the change; returns the outbox row or None.
    """
    endpoint = WebhookEndpoint.objects.filter(provider=provider, active=True).first()
    if endpoint is None:
        return None
    return endpoint_event(endpoint=endpoint, event_type=event_type, data=data, event_id=event_id)


def endpoint_event(
    *, endpoint: WebhookEndpoint, event_type: str, data: dict, event_id: str | None = None
):
    """Queue ``event_type`` for an active endpoint already at hand (see webhook_event)."""
    event_id = event_id or f"evt_{uuid.uuid4().hex}"
    body = json.dumps(
        {
            "id": event_id,
            "type": event_type,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "data": data,
        },
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
        default=str,
    )
    return outbox_enqueue(
        kind=KIND,
        key=f"webhook:{endpoint.pk}:{event_id}",
        payload={"endpoint": endpoint.pk, "id": event_id, "body": body},
        max_attempts=settings.IVAN_WEBHOOK_MAX_ATTEMPTS,
    )


def signed_headers(*, secret: str, event_id: str, body: str, at: datetime) -> dict[str, str]:
    signature = Webhook(secret).sign(msg_id=event_id, timestamp=at, data=body)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


@handler(KIND)
def deliver_webhook(message) -> None:
    endpoint = WebhookEndpoint.objects.filter(pk=message.payload["endpoint"]).first()
    if endpoint is None or not endpoint.active:
        raise PermanentFailure("webhook endpoint removed or replaced")
    body = message.payload["body"]
    headers = signed_headers(
        secret=endpoint.secret, event_id=message.payload["id"], body=body, at=datetime.now(UTC)
    )
    response = requests.post(
        endpoint.url,
        data=body.encode("utf-8"),
        headers=headers,
        timeout=settings.IVAN_WEBHOOK_TIMEOUT_SECONDS,
        allow_redirects=False,
    )
    if response.status_code == 410:
        raise PermanentFailure("receiver answered 410 Gone")
    if not 200 <= response.status_code < 300:
        raise ConnectionError(f"receiver answered {response.status_code}")
