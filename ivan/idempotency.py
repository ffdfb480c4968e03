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

from django.db import connection, transaction
from django.utils import timezone

from portal.db import hot_cursor

from .models import ApiClient, IdempotencyRecord

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
        record_id = _claim(client=client, key=key, fingerprint=fingerprint)
        if record_id is None:
            earlier = IdempotencyRecord.objects.select_for_update().get(client=client, key=key)
            if earlier.request_hash != fingerprint:
                raise IdempotencyConflict(key)
            return Answer(earlier.status_code, earlier.response, replayed=True)
        answer = work()
        _answer_store(record_id, answer)
        return answer


# Waits, like a plain INSERT, for an uncommitted row with the same key; then inserts (it rolled
# back) or does nothing (it committed), so no savepoint is needed to survive the conflict.
_CLAIM = (
    "INSERT INTO ivan_idempotencyrecord"
    " (client_id, key, request_hash, status_code, response, created_at)"
    " VALUES (%s, %s, %s, 0, %s, %s)"
    " ON CONFLICT (client_id, key) DO NOTHING RETURNING id"
)


def _claim(*, client: ApiClient, key: str, fingerprint: str) -> int | None:
    """Insert the (client, key) record; None when it exists."""
    with hot_cursor(connection) as cursor:
        cursor.execute(_CLAIM, [client.pk, key, fingerprint, "{}", timezone.now()])
        row = cursor.fetchone()
    return row[0] if row else None


_ANSWER = "UPDATE ivan_idempotencyrecord SET status_code = %s, response = %s WHERE id = %s"


def _answer_store(record_id: int, answer: Answer) -> None:
    """The answer on the claimed record, converted as the model field converts it."""
    response = IdempotencyRecord._meta.get_field("response")
    with hot_cursor(connection) as cursor:
        cursor.execute(
            _ANSWER,
            [answer.status_code, response.get_db_prep_save(answer.body, connection), record_id],
        )
