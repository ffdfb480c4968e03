"""``Idempotency-Key`` for provider calls: the first answer is stored and replayed.

The key is looked up first: a key stored before answers its answer again (the same key with
another body is refused, ``IVAN_IDEMPOTENCY_CONFLICT``). A new key is stored with its answer
in the work's own statement (``Store``: the dossier, its receipt and the answer go in
together or not at all, no transaction around the call), or, when the work wrote nothing
(a refusal, a repeat), by one INSERT … ON CONFLICT DO NOTHING. A concurrent call with the
same key waits on the unique constraint for the first to commit, then fails (its own rows,
a dossier too, are not stored) and answers the first's answer.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, connection

from core.db import Children, instances_fetch, row_insert_if_absent, select_columns
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


class Store:
    """Handed to the work: ``rows(answer)`` gives the record to write in the work's own
    statement with the rows the answer describes (None without a key)."""

    def __init__(self, client: ApiClient, key: str, fingerprint: str):
        self.client, self.key, self.fingerprint = client, key, fingerprint
        self.record: IdempotencyRecord | None = None

    def rows(self, answer: Answer) -> list[Children]:
        self.record = self._record(answer)
        return [Children([self.record])]

    def _record(self, answer: Answer) -> IdempotencyRecord:
        return IdempotencyRecord(
            client=self.client,
            key=self.key,
            request_hash=self.fingerprint,
            status_code=answer.status_code,
            response=answer.body,
        )

    @property
    def written(self) -> bool:
        return self.record is not None and self.record.pk is not None


def _stored_query(client: ApiClient, key: str):
    return IdempotencyRecord.objects.filter(client=client, key=key)


@functools.cache
def _stored_sql() -> str:
    """:func:`_stored_query` written out, the read every submission with a key pays (see
    core.db); tests/ivan/test_query_budget.py holds the two to the same answers."""
    q = connection.ops.quote_name
    return (
        f"SELECT {select_columns(IdempotencyRecord, 'r')} "  # noqa: S608  (names from the model)
        f"FROM {q(IdempotencyRecord._meta.db_table)} r "
        "WHERE r.client_id = %(client)s AND r.key = %(key)s"
    )


def _record_find(client: ApiClient, key: str) -> IdempotencyRecord | None:
    if connection.vendor != "postgresql":
        return _stored_query(client, key).first()
    found = instances_fetch(_stored_sql(), {"client": client.pk, "key": key}, (IdempotencyRecord,))
    return found[0][0] if found else None


def _stored(client: ApiClient, key: str, fingerprint: str) -> Answer | None:
    record = _record_find(client, key)
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise IdempotencyConflict(key)
    return Answer(record.status_code, record.response, replayed=True)


def idempotent_call(
    *,
    client: ApiClient,
    key: str | None,
    fingerprint: str,
    work: Callable[[Store | None], Answer],
) -> Answer:
    """Run ``work`` once per (client, key); without a key, just run it (given None)."""
    if not key:
        return work(None)
    found = _stored(client, key, fingerprint)
    if found is not None:
        return found
    store = Store(client, key, fingerprint)
    try:
        answer = work(store)
    except IntegrityError:
        # The key was stored meanwhile by a concurrent call: our statement, dossier and
        # all, did not go in.
        found = _stored(client, key, fingerprint)
        if found is None:
            raise
        return found
    if store.written or row_insert_if_absent(store._record(answer), ("client", "key")):
        return answer
    return _stored(client, key, fingerprint) or answer
