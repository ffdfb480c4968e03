"""``Idempotency-Key`` for provider calls: the first answer is stored and replayed.

The record is inserted FIRST, inside the transaction that does the work: a concurrent
repeat with the same key blocks on the unique constraint until the first commits, then
reads and replays its answer (or, if the first rolled back, does the work itself). The same
key with another body is refused (``IVAN_IDEMPOTENCY_CONFLICT``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from core.db import row_insert_if_absent, row_update
from ivan.models import ApiClient, IdempotencyRecord

MAX_KEY_LENGTH = 200


class IdempotencyConflict(Exception):
    """The key was used before with a different request body."""


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict
    replayed: bool = False


def request_hash(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\x00")
    return digest.hexdigest()


def idempotent_call(
    *, client: ApiClient, key: str | None, fingerprint: str, work: Callable[[], Answer]
) -> Answer:
    """Run ``work`` once per (client, key); without a key, just run it."""
    if not key:
        return work()
    with transaction.atomic():
        record = IdempotencyRecord(
            client=client, key=key, request_hash=fingerprint, status_code=0, response={}
        )
        if not row_insert_if_absent(record, ("client", "key")):
            # Committed before us (its claim and answer commit together): replay it.
            record = IdempotencyRecord.objects.get(client=client, key=key)
            if record.request_hash != fingerprint:
                raise IdempotencyConflict(key)
            return Answer(record.status_code, record.response, replayed=True)
        answer = work()
        record.status_code, record.response = answer.status_code, answer.body
        row_update(record, ("status_code", "response"))
        return answer
