"""The central store as a witness of portals' audit chains: signed checkpoints kept
write-once and listed back by source. The signature is not checked here (the portal's
verifier does that); keeping the first word is what makes a later rewrite visible.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.db import IntegrityError, transaction

from .models import CentralAuditCheckpoint

DB = "central"
MAX_LIST = 1000
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,60}$")


class CheckpointInvalid(ValueError):
    pass


class CheckpointConflict(Exception):
    """Another checkpoint is stored at this place: the earlier word stands."""

    def __init__(self, stored: dict):
        super().__init__("another checkpoint is stored at this place")
        self.stored = stored


def _clean(data) -> dict:
    if not isinstance(data, dict):
        raise CheckpointInvalid("body must be a checkpoint object")
    source, seq, digest = data.get("source"), data.get("seq"), data.get("hash")
    key_id, signature, at = data.get("key_id"), data.get("signature"), data.get("at")
    if not (isinstance(source, str) and _NAME.match(source)):
        raise CheckpointInvalid("source is missing or malformed")
    if type(seq) is not int or not 1 <= seq < 2**63:
        raise CheckpointInvalid("seq must be a positive integer")
    if not (isinstance(digest, str) and _HEX64.match(digest)):
        raise CheckpointInvalid("hash must be 64 hex digits")
    if not (isinstance(key_id, str) and _NAME.match(key_id)):
        raise CheckpointInvalid("key_id is missing or malformed")
    if not (isinstance(signature, str) and 0 < len(signature) <= 200):
        raise CheckpointInvalid("signature is missing or too long")
    try:
        moment = datetime.fromisoformat(at)
    except (TypeError, ValueError):
        raise CheckpointInvalid("at must be an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise CheckpointInvalid("at must carry its offset")
    return {
        "source": source,
        "seq": seq,
        "hash": digest,
        "at": moment,
        "key_id": key_id,
        "signature": signature,
    }


def checkpoint_dict(row: CentralAuditCheckpoint) -> dict:
    return {
        "source": row.source,
        "seq": row.seq,
        "hash": row.hash,
        "at": row.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "key_id": row.key_id,
        "signature": row.signature,
        "received_at": row.received_at.astimezone(UTC).isoformat(timespec="seconds"),
    }


def checkpoint_store(*, data, key_id: str) -> tuple[dict, bool]:
    """Keep one checkpoint; return it and whether it is new. The same checkpoint again
    (a retried delivery) answers the stored one; another hash at a stored place raises
    :class:`CheckpointConflict`, another signature over the same hash is the earlier one."""
    clean = _clean(data)
    try:
        with transaction.atomic(using=DB):
            row = CentralAuditCheckpoint.objects.using(DB).create(**clean, sent_with_key=key_id)
        return checkpoint_dict(row), True
    except IntegrityError:
        row = CentralAuditCheckpoint.objects.using(DB).get(source=clean["source"], seq=clean["seq"])
    stored = checkpoint_dict(row)
    if row.hash != clean["hash"]:
        raise CheckpointConflict(stored)
    return stored, False


def checkpoints_list(*, source: str, after: int = 0, limit: int = MAX_LIST) -> dict:
    """One page of a source's checkpoints in order of place, after place ``after``."""
    size = min(max(limit, 1), MAX_LIST)
    rows = list(
        CentralAuditCheckpoint.objects.using(DB)
        .filter(source=source, seq__gt=after)
        .order_by("seq")[: size + 1]
    )
    more = len(rows) > size
    rows = rows[:size]
    return {
        "results": [checkpoint_dict(r) for r in rows],
        "next_after": rows[-1].seq if more else None,
    }
