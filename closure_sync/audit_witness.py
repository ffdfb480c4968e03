"""The central store as a witness of the audit chain: an outbox handler that posts each
checkpoint (write-once there) and a reader that lists them back for ``audit_verify``.
Imported from ``ClosureSyncConfig.ready()``.
"""

from __future__ import annotations

import structlog
from django.conf import settings

from accounts.audit_checkpoints import OUTBOX_KIND, WitnessUnavailable, witness_register
from core.outbox.handlers import PermanentFailure, handler
from core.refusals import Refused

from . import client

log = structlog.get_logger(__name__)


@handler(OUTBOX_KIND)
def checkpoint_push(message) -> None:
    """Send one checkpoint; a refusal (conflict: the central store holds another hash at
    this place, or a malformed checkpoint) is final and logged as an error."""
    try:
        client.audit_checkpoint_push(message.payload)
    except Refused as exc:
        log.error(
            "audit_checkpoint_refused_by_central",
            seq=message.payload.get("seq"),
            code=exc.params.get("reason", exc.code),
        )
        raise PermanentFailure(str(exc)) from exc


def checkpoints_fetch(*, source: str) -> list[dict]:
    """Every checkpoint the central store holds for ``source``, in order of place."""
    found: list[dict] = []
    after = 0
    try:
        while True:
            page = client.audit_checkpoints_page(source=source, after=after)
            found.extend(page["results"])
            if not page.get("next_after"):
                return found
            after = page["next_after"]
    except (client.CentralUnavailable, Refused, KeyError) as exc:
        raise WitnessUnavailable(str(exc)) from exc


witness_register(
    "central",
    outbox_kind=OUTBOX_KIND,
    fetch=checkpoints_fetch,
    enabled=lambda: settings.AUDIT_CHECKPOINT_CENTRAL,
)
