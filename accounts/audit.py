"""The audit API: ``record()`` is the one way any app writes to the audit log.

It writes inside the caller's transaction (so the entry commits or rolls back with the
change it describes) and extends a SHA-256 hash chain: each entry's hash covers its own
content and the previous entry's hash. ``verify_chain()`` recomputes the chain and names the
first entry that no longer matches.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEntry, Office, User

GENESIS_HASH = "0" * 64


def _canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _entry_hash(
    *,
    prev_hash: str,
    at: datetime,
    actor_id,
    actor_repr: str,
    action: str,
    target_type: str,
    target_id: str,
    target_repr: str,
    office_id,
    data,
) -> str:
    body = _canonical_json(
        {
            "prev": prev_hash,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor_id,
            "actor_repr": actor_repr,
            "action": action,
            "target": [target_type, target_id, target_repr],
            "office": office_id,
            "data": data,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _describe_target(target) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    if isinstance(target, str):
        return "", "", target[:300]
    meta = getattr(target, "_meta", None)
    kind = meta.label_lower if meta else type(target).__name__
    return kind, str(getattr(target, "pk", "") or ""), str(target)[:300]


def record(
    actor: User | None,
    action: str,
    target=None,
    office: Office | None = None,
    data: dict | None = None,
) -> AuditEntry:
    """Append one audit entry in the caller's transaction and return it.

    ``actor`` may be None for system jobs; ``target`` a model instance or a short text;
    ``data`` any JSON-serialisable facts (stored as the canonical JSON round-trip so the
    hash recomputes identically after reading it back).
    """
    actor = actor if (actor is not None and getattr(actor, "pk", None)) else None
    clean_data = json.loads(_canonical_json(data or {}))
    target_type, target_id, target_repr = _describe_target(target)
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = AuditChainHead.objects.create(pk=1)
            head = AuditChainHead.objects.select_for_update().get(pk=1)
        at = timezone.now()
        fields = {
            "at": at,
            "actor_id": actor.pk if actor else None,
            "actor_repr": (actor.get_username() if actor else "system")[:200],
            "action": action,
            "target_type": target_type,
            "target_id": target_id,
            "target_repr": target_repr,
            "office_id": office.pk if office else None,
            "data": clean_data,
        }
        digest = _entry_hash(prev_hash=head.last_hash, **fields)
        entry = AuditEntry.objects.create(prev_hash=head.last_hash, hash=digest, **fields)
        AuditChainHead.objects.filter(pk=1).update(last_id=entry.pk, last_hash=digest)
    return entry


@dataclass(frozen=True)
class ChainReport:
    """Result of a chain check: how many entries were checked and the first broken one."""

    checked: int
    last_verified_id: int | None
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Recompute the chain from the first entry; stop at the first broken link."""
    prev_hash = GENESIS_HASH
    checked = 0
    last_ok = None
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=chunk_size):
        if entry.prev_hash != prev_hash:
            return ChainReport(checked, last_ok, entry.pk, "previous hash does not match")
        expected = _entry_hash(
            prev_hash=entry.prev_hash,
            at=entry.at,
            actor_id=entry.actor_id,
            actor_repr=entry.actor_repr,
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            target_repr=entry.target_repr,
            office_id=entry.office_id,
            data=entry.data,
        )
        if expected != entry.hash:
            return ChainReport(checked, last_ok, entry.pk, "content does not match its hash")
        prev_hash = entry.hash
        last_ok = entry.pk
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_id and head.last_id != (last_ok or 0):
        missing = head.last_id
        return ChainReport(checked, last_ok, missing, "entries after this point were removed")
    return ChainReport(checked, last_ok)
