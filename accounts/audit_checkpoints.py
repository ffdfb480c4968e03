"""Keyed audit checkpoints: the chain's head, signed with a key outside the database and
kept where a database writer cannot rewrite it.

The hash chain alone proves nothing to someone who can write the database: edit an entry,
recompute every later hash and the head, and the chain verifies again. So every
``AUDIT_CHECKPOINT_MINUTES`` the sealer (:func:`checkpoint_write`, after ``seal()``) signs
"the chain had ``seq`` entries ending in ``hash``" with the Ed25519 key of
``accounts.checkpoint_keys`` and keeps the checkpoint

- in ``AuditCheckpoint`` (convenient, not trusted on its own: a database writer could
  forge rows, so each one is trusted only when its signature verifies),
- as one JSON line appended to ``AUDIT_CHECKPOINT_FILE`` (``O_APPEND``; append-only at the
  file-system level in production), and
- at every registered *witness* through the outbox (the central store: closure_sync
  registers it, so accounts need not know the central API), idempotent by ``seq``.

``verify_chain()`` then checks the recomputed chain against every checkpoint it can read
(:func:`checkpoints_gather`) and names the first one it contradicts.

Checkpoints are written by the sealer only: ``record()`` does no more work than before.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.outbox.handlers import HANDLERS
from core.outbox.services import outbox_enqueue

from . import checkpoint_keys
from .models import AuditChainHead, AuditCheckpoint

log = structlog.get_logger(__name__)

OUTBOX_KIND = "audit.checkpoint"
_SIGNED_PREFIX = b"bhxh-audit-checkpoint:v1\n"

# Problem codes of a check against the checkpoints (stored on AuditVerification).
CONTRADICTED = "contradicted"  # the recomputed chain has another hash at that place
FORGED = "forged"  # the signature does not verify with any trusted public key
MISSING = "missing"  # a signed checkpoint the database shows but no trusted copy has
TRUNCATED = "truncated"  # the checkpoint counts more entries than the chain now has
CONFLICT = "conflict"  # two validly signed checkpoints for one place disagree
UNREADABLE = "unreadable"  # a line of the file or an answer of a witness is malformed
UNCONFIGURED = "unconfigured"  # AUDIT_CHECKPOINT_REQUIRED and no key, keys or file
PROBLEMS = (CONTRADICTED, FORGED, MISSING, TRUNCATED, CONFLICT, UNREADABLE, UNCONFIGURED)


@dataclass(frozen=True)
class Checkpoint:
    source: str
    seq: int
    hash: str
    at: datetime
    key_id: str
    signature: str  # base64 of the Ed25519 signature over signed_bytes()

    def signed_bytes(self) -> bytes:
        body = {
            "source": self.source,
            "seq": self.seq,
            "hash": self.hash,
            "at": self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "key_id": self.key_id,
        }
        return _SIGNED_PREFIX + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "seq": self.seq,
            "hash": self.hash,
            "at": self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "key_id": self.key_id,
            "signature": self.signature,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Checkpoint:
        """Raises ValueError when ``data`` is not a checkpoint."""
        try:
            at = datetime.fromisoformat(data["at"])
            checkpoint = cls(
                source=str(data["source"]),
                seq=int(data["seq"]),
                hash=str(data["hash"]),
                at=at if at.tzinfo else at.replace(tzinfo=UTC),
                key_id=str(data["key_id"]),
                signature=str(data["signature"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a checkpoint: {exc}") from None
        if checkpoint.seq < 1 or len(checkpoint.hash) != 64:
            raise ValueError("not a checkpoint: bad seq or hash")
        return checkpoint

    @classmethod
    def from_row(cls, row: AuditCheckpoint) -> Checkpoint:
        return cls(
            source=settings.AUDIT_CHECKPOINT_SOURCE,
            seq=row.seq,
            hash=row.hash,
            at=row.at,
            key_id=row.key_id,
            signature=row.signature,
        )

    def signed_by(self, keys: dict) -> bool:
        try:
            signature = base64.b64decode(self.signature, validate=True)
        except ValueError:
            return False
        return checkpoint_keys.signature_valid(keys, self.key_id, signature, self.signed_bytes())


def checkpoint_sign(*, seq: int, head_hash: str, at: datetime) -> Checkpoint:
    key = checkpoint_keys.signing_key()
    unsigned = Checkpoint(
        source=settings.AUDIT_CHECKPOINT_SOURCE,
        seq=seq,
        hash=head_hash,
        at=at,
        key_id=checkpoint_keys.key_id(key.public_key()),
        signature="",
    )
    signature = base64.b64encode(key.sign(unsigned.signed_bytes())).decode()
    return replace(unsigned, signature=signature)


# --- witnesses: places outside this database that keep checkpoints --------------------------


class WitnessUnavailable(Exception):
    """The witness could not be asked now (network, credentials): not a verdict."""


@dataclass(frozen=True)
class Witness:
    name: str
    outbox_kind: str
    fetch: Callable[..., list[dict]]  # fetch(source=...) -> checkpoint dicts
    enabled: Callable[[], bool] = lambda: True


_WITNESSES: dict[str, Witness] = {}


def witness_register(
    name: str,
    *,
    outbox_kind: str,
    fetch: Callable[..., list[dict]],
    enabled: Callable[[], bool] = lambda: True,
) -> None:
    """Register a place that receives every checkpoint through the outbox (handler of
    ``outbox_kind``, idempotent by the checkpoint's ``seq``) and lists them back."""
    _WITNESSES[name] = Witness(name, outbox_kind, fetch, enabled)


def _witnesses() -> list[Witness]:
    return [w for w in _WITNESSES.values() if w.enabled() and w.outbox_kind in HANDLERS]


# --- writing ----------------------------------------------------------------------------------


def _file_append(checkpoint: Checkpoint) -> None:
    """One line, one ``write()`` on an ``O_APPEND`` descriptor, flushed to disk."""
    path = settings.AUDIT_CHECKPOINT_FILE
    if not path:
        if settings.AUDIT_CHECKPOINT_REQUIRED:
            raise checkpoint_keys.CheckpointKeyError("AUDIT_CHECKPOINT_FILE is not set")
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(checkpoint.as_dict(), sort_keys=True, separators=(",", ":")) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def checkpoint_write(*, now: datetime | None = None, force: bool = False) -> AuditCheckpoint | None:
    """Sign the chain's head when ``AUDIT_CHECKPOINT_MINUTES`` have passed since the last
    checkpoint (at once with ``force``) and the head has moved; return the new checkpoint,
    or None.

    Holds the head row (as the sealer does), so the head cannot move meanwhile. The file
    line is written last inside the transaction: if it fails nothing is kept and the next
    run tries again; if the commit fails after it, the file holds a checkpoint the
    database lacks, which is harmless (the next one repeats the same place and hash).
    """
    now = now or timezone.now()
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None or head.last_seq == 0:
            return None
        last = AuditCheckpoint.objects.order_by("-seq").first()
        interval = timedelta(minutes=settings.AUDIT_CHECKPOINT_MINUTES)
        if last is not None and (
            last.seq >= head.last_seq or (now - last.at < interval and not force)
        ):
            return None
        checkpoint = checkpoint_sign(seq=head.last_seq, head_hash=head.last_hash, at=now)
        row = AuditCheckpoint.objects.create(
            seq=checkpoint.seq,
            hash=checkpoint.hash,
            at=checkpoint.at,
            key_id=checkpoint.key_id,
            signature=checkpoint.signature,
        )
        for witness in _witnesses():
            outbox_enqueue(
                kind=witness.outbox_kind,
                key=f"{witness.outbox_kind}:{checkpoint.source}:{checkpoint.seq}",
                payload=checkpoint.as_dict(),
            )
        _file_append(checkpoint)
    log.info("audit_checkpoint_written", seq=row.seq, key_id=row.key_id)
    return row


def checkpoint_write_safely() -> AuditCheckpoint | None:
    """:func:`checkpoint_write` for the beat job: a missing key is logged, not raised, so
    the sealing around it goes on (and ``audit_verify`` reports the gap)."""
    try:
        return checkpoint_write()
    except (checkpoint_keys.CheckpointKeyError, OSError) as exc:
        log.error("audit_checkpoint_unconfigured", error=str(exc))
        return None


# --- reading, for verification -------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    code: str
    source: str
    seq: int | None = None
    at: datetime | None = None
    detail: str = ""


@dataclass
class CheckpointSet:
    """What the verifier may rely on: validly signed checkpoints by place (with the copy
    they came from), the problems found on the way, and which copies were read."""

    trusted: dict[int, tuple[Checkpoint, str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)


def _file_read() -> tuple[list[Checkpoint], list[Problem]] | None:
    path = settings.AUDIT_CHECKPOINT_FILE
    if not path:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], []
    checkpoints, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            checkpoints.append(Checkpoint.from_dict(json.loads(line)))
        except ValueError as exc:
            problems.append(Problem(UNREADABLE, "file", detail=f"line {number}: {exc}"))
    return checkpoints, problems


def checkpoints_gather() -> CheckpointSet:
    """Read the checkpoints of every copy and keep those whose signature verifies."""
    found = CheckpointSet()
    source_name = settings.AUDIT_CHECKPOINT_SOURCE
    keys = checkpoint_keys.public_keys()
    if settings.AUDIT_CHECKPOINT_REQUIRED and not (keys and settings.AUDIT_CHECKPOINT_FILE):
        found.problems.append(
            Problem(UNCONFIGURED, "settings", detail="no checkpoint public keys or no file")
        )
    copies: list[tuple[str, list[Checkpoint]]] = []
    from_file = _file_read()
    if from_file is not None:
        found.sources.append("file")
        copies.append(("file", from_file[0]))
        found.problems.extend(from_file[1])
    for witness in _witnesses():
        try:
            answers = witness.fetch(source=source_name)
        except WitnessUnavailable as exc:
            found.unavailable.append(witness.name)
            log.warning(
                "audit_checkpoint_witness_unavailable", witness=witness.name, error=str(exc)
            )
            continue
        found.sources.append(witness.name)
        listed = []
        for answer in answers:
            try:
                listed.append(Checkpoint.from_dict(answer))
            except ValueError as exc:
                found.problems.append(Problem(UNREADABLE, witness.name, detail=str(exc)))
        copies.append((witness.name, listed))
    trusted_places = {cp.seq for _name, listed in copies for cp in listed}
    in_database = [Checkpoint.from_row(row) for row in AuditCheckpoint.objects.order_by("seq")]
    copies.append(("database", in_database))

    for copy, listed in copies:
        for cp in listed:
            if cp.source != source_name:
                continue
            if not cp.signed_by(keys):
                found.problems.append(
                    Problem(FORGED, copy, cp.seq, cp.at, f"key {cp.key_id!r} did not sign it")
                )
                continue
            # The file line is written before the row commits, so every row must be in
            # it; a witness may still be waiting for the outbox, so its gaps prove nothing.
            if copy == "database" and "file" in found.sources and cp.seq not in trusted_places:
                found.problems.append(
                    Problem(MISSING, copy, cp.seq, cp.at, "in no copy outside the database")
                )
            known = found.trusted.get(cp.seq)
            if known is None:
                found.trusted[cp.seq] = (cp, copy)
            elif known[0].hash != cp.hash:
                found.problems.append(
                    Problem(CONFLICT, copy, cp.seq, cp.at, f"{known[1]} holds another hash")
                )
    return found


def checkpoint_last() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-seq").first()
