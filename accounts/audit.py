"""The audit API: ``record()`` is the one way any app writes to the audit log.

``record()`` inserts the entry inside the caller's transaction, so it commits or rolls back
with the change it describes, and takes no lock: audited writers never wait on each other.
``seal()`` (a beat job every few seconds, and before every check) then chains the committed
entries in a SHA-256 hash chain: each sealed entry gets the next place ``seq`` and a hash over
its own content and the previous entry's hash. An entry that commits after a later-numbered
one was sealed simply takes the next place. ``verify_chain()`` recomputes the chain and names
the first entry that no longer matches.

Someone who can write the database could edit an entry and recompute every later hash and
the head; the chain would verify again. So the beat job also signs the head every few
minutes with a key outside the database and keeps that checkpoint outside it
(``accounts.audit_checkpoints``); ``verify_chain()`` names the first checkpoint the
recomputed chain contradicts.

Why not chain inside ``record()``: the chain's end is one row, and locking it in every
audited transaction serialised the whole portal (``benchmarks/audit_chain.py``). The price
is a window of a few seconds in which a fresh entry is not yet sealed; ``verify_chain()``
reports how many are waiting and since when.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from core.db import rows_insert_linked

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
    """Append one audit entry in the caller's transaction and return it (not yet sealed).

    ``actor`` may be None for system jobs; ``target`` a model instance or a short text;
    ``data`` any JSON-serialisable facts (stored as the canonical JSON round-trip so the
    hash recomputes identically after reading it back).
    """
    entry = entry_build(actor, action, target, office, data)
    rows_insert_linked(entry)  # sets entry.pk; the portal's most frequent write (core.db)
    return entry


def entry_build(
    actor: User | None,
    action: str,
    target=None,
    office: Office | None = None,
    data: dict | None = None,
) -> AuditEntry:
    """The entry :func:`record` would write, unsaved: for a caller that writes it in one
    statement with the row it describes, not saved yet (``target_id`` linked to that row's
    key, see :func:`core.db.rows_insert_linked`)."""
    actor = actor if (actor is not None and getattr(actor, "pk", None)) else None
    target_type, target_id, target_repr = _describe_target(target)
    return AuditEntry(
        at=timezone.now(),
        actor_id=actor.pk if actor else None,
        actor_repr=(actor.get_username() if actor else "system")[:200],
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_repr=target_repr,
        office_id=office.pk if office else None,
        data=json.loads(_canonical_json(data or {})),
    )


def _hash_of(entry: AuditEntry, prev_hash: str) -> str:
    return _entry_hash(
        prev_hash=prev_hash,
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


def seal(*, batch_size: int = 2000) -> int:
    """Chain every committed, unsealed entry (oldest id first); return how many were sealed.

    One sealer at a time holds the head row; a concurrent call waits and then finds nothing
    left, so running it from several workers is safe.
    """
    sealed = 0
    while True:
        with transaction.atomic():
            head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
            if head is None:
                AuditChainHead.objects.get_or_create(pk=1)
                head = AuditChainHead.objects.select_for_update().get(pk=1)
            batch = list(AuditEntry.objects.filter(seq__isnull=True).order_by("id")[:batch_size])
            if not batch:
                return sealed
            seq, prev = head.last_seq, head.last_hash
            for entry in batch:
                seq += 1
                entry.seq, entry.prev_hash = seq, prev
                entry.hash = prev = _hash_of(entry, prev)
            AuditEntry.objects.bulk_update(batch, ["seq", "prev_hash", "hash"])
            AuditChainHead.objects.filter(pk=1).update(
                last_seq=seq, last_id=batch[-1].pk, last_hash=prev
            )
            sealed += len(batch)
        if len(batch) < batch_size:
            return sealed


@dataclass(frozen=True)
class ChainReport:
    """Result of a chain check: how many entries were checked, the first broken one, and
    how many entries still wait for their seal (and since when).

    Against the keyed checkpoints (``accounts.audit_checkpoints``): how many agreed, the
    newest that did, and the first problem: a checkpoint the recomputed chain contradicts
    (a rewritten and recomputed chain), a forged or missing one, or one beyond the chain's
    end (truncation), with its place, time and the copy it came from.
    """

    checked: int
    last_verified_id: int | None
    broken_id: int | None = None
    reason: str = ""
    pending: int = 0
    pending_since: datetime | None = None
    checkpoints_checked: int = 0
    last_checkpoint_seq: int | None = None
    checkpoint_problem: str = ""
    checkpoint_seq: int | None = None
    checkpoint_at: datetime | None = None
    checkpoint_source: str = ""
    checkpoint_reason: str = ""
    checkpoint_sources: tuple[str, ...] = ()
    checkpoint_unavailable: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.broken_id is None and not self.checkpoint_problem


def verify_chain(*, chunk_size: int = 2000, checkpoints=None) -> ChainReport:
    """Recompute the sealed chain from its first place; stop at the first broken link, or
    at the first trusted checkpoint the recomputed chain contradicts.

    ``checkpoints``: an ``accounts.audit_checkpoints.CheckpointSet``, read now when not
    given (read before the walk, so that no checkpoint is newer than the chain walked).
    """
    from .audit_checkpoints import CONTRADICTED, TRUNCATED, Problem, checkpoints_gather

    found = checkpoints if checkpoints is not None else checkpoints_gather()
    problems = list(found.problems)
    due = sorted(found.trusted)
    agreed: list[int] = []
    agreed_id = None  # the entry at the newest checkpoint the chain agrees with
    prev_hash = GENESIS_HASH
    checked = 0
    last_ok = None
    chain = None
    sealed = AuditEntry.objects.filter(seq__isnull=False).order_by("seq")
    for entry in sealed.iterator(chunk_size=chunk_size):
        if entry.prev_hash != prev_hash or entry.seq != checked + 1:
            chain = ChainReport(checked, last_ok, entry.pk, "previous hash does not match")
            break
        if _hash_of(entry, entry.prev_hash) != entry.hash:
            chain = ChainReport(checked, last_ok, entry.pk, "content does not match its hash")
            break
        prev_hash = entry.hash
        last_ok = entry.pk
        checked += 1
        while due and due[0] == entry.seq:
            checkpoint, copy = found.trusted[due.pop(0)]
            if checkpoint.hash == prev_hash:
                agreed.append(checkpoint.seq)
                agreed_id = entry.pk
                continue
            detail = (
                f"the chain recomputes to another hash at entry {checkpoint.seq} "
                f"(#{entry.pk}) than the checkpoint signed"
            )
            problems.append(Problem(CONTRADICTED, copy, checkpoint.seq, checkpoint.at, detail))
            chain = ChainReport(checked, agreed_id)
            due = []
            break
        if chain is not None:
            break
    if chain is None:
        head = AuditChainHead.objects.filter(pk=1).first()
        if head is not None and head.last_seq and head.last_seq != checked:
            chain = ChainReport(
                checked, last_ok, head.last_id, "entries after this point were removed"
            )
    if chain is None:
        if due:  # trusted checkpoints beyond the chain's end: entries were removed
            checkpoint, copy = found.trusted[due[0]]
            detail = f"the checkpoint counts {checkpoint.seq} entries, the chain {checked}"
            problems.append(Problem(TRUNCATED, copy, checkpoint.seq, checkpoint.at, detail))
        waiting = AuditEntry.objects.filter(seq__isnull=True).order_by("id")
        oldest = waiting.values_list("at", flat=True).first()
        chain = ChainReport(checked, last_ok, pending=waiting.count(), pending_since=oldest)
    first = min(problems, key=lambda p: 0 if p.seq is None else p.seq, default=None)
    return replace(
        chain,
        checkpoints_checked=len(agreed),
        last_checkpoint_seq=agreed[-1] if agreed else None,
        checkpoint_sources=tuple(found.sources),
        checkpoint_unavailable=tuple(found.unavailable),
        **(
            {
                "checkpoint_problem": first.code,
                "checkpoint_seq": first.seq,
                "checkpoint_at": first.at,
                "checkpoint_source": first.source,
                "checkpoint_reason": first.detail[:300],
            }
            if first
            else {}
        ),
    )
