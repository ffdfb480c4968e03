"""The keys of the audit checkpoints: an Ed25519 private key in a file outside the database
signs them; the public keys (current and previous, also outside the database) verify them.

A key is named by its id: the first 16 hex digits of the SHA-256 of its raw public key.
Rotation (README "Trust"): put the new public key beside the old one, then replace the
private key file; checkpoints signed with the old key keep verifying while its public key
stays in ``AUDIT_CHECKPOINT_PUBLIC_KEYS``.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import structlog
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

log = structlog.get_logger(__name__)

_PEM_PUBLIC = re.compile(rb"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)


class CheckpointKeyError(RuntimeError):
    """No usable signing key: not configured, unreadable or not Ed25519."""


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _load_private(data: bytes, path: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise CheckpointKeyError(f"{path}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointKeyError(f"{path}: not an Ed25519 key")
    return key


def key_generate(path: str | Path, *, public_dir: str | Path | None = None) -> Ed25519PrivateKey:
    """Write a new private key to ``path`` (mode 0600, never over an existing file) and its
    public key as ``<key id>.pem`` into ``public_dir``. Used for development and rotation."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    if public_dir:
        public_dir = Path(public_dir)
        public_dir.mkdir(parents=True, exist_ok=True)
        (public_dir / f"{key_id(key.public_key())}.pem").write_bytes(public_pem(key.public_key()))
    return key


def signing_key() -> Ed25519PrivateKey:
    """The private key of ``AUDIT_CHECKPOINT_KEY_FILE``; created on first use only when
    ``AUDIT_CHECKPOINT_KEY_AUTOCREATE`` (development)."""
    path = settings.AUDIT_CHECKPOINT_KEY_FILE
    if not path:
        raise CheckpointKeyError("AUDIT_CHECKPOINT_KEY_FILE is not set")
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        if not settings.AUDIT_CHECKPOINT_KEY_AUTOCREATE:
            raise CheckpointKeyError(f"{path}: no such key file") from None
        public_dir = settings.AUDIT_CHECKPOINT_PUBLIC_KEYS
        if public_dir and Path(public_dir).is_file():
            public_dir = None  # a file of keys is the operator's: do not write into it
        try:
            key = key_generate(path, public_dir=public_dir or None)
        except FileExistsError:  # another process created it meanwhile
            return _load_private(Path(path).read_bytes(), path)
        log.warning("audit_checkpoint_key_created", path=str(path), key_id=key_id(key.public_key()))
        return key
    except OSError as exc:
        raise CheckpointKeyError(f"{path}: {exc}") from None
    return _load_private(data, path)


def public_keys() -> dict[str, Ed25519PublicKey]:
    """Every public key that verifies checkpoints, by key id: those of
    ``AUDIT_CHECKPOINT_PUBLIC_KEYS`` (a folder of .pem files or one file of PEM blocks) and
    the current private key's own."""
    keys: dict[str, Ed25519PublicKey] = {}
    where = settings.AUDIT_CHECKPOINT_PUBLIC_KEYS
    blobs: list[bytes] = []
    if where:
        place = Path(where)
        if place.is_dir():
            blobs = [p.read_bytes() for p in sorted(place.glob("*.pem"))]
        elif place.is_file():
            blobs = [place.read_bytes()]
    for blob in blobs:
        for pem in _PEM_PUBLIC.findall(blob):
            try:
                key = serialization.load_pem_public_key(pem)
            except ValueError:
                log.warning("audit_checkpoint_public_key_unreadable", where=str(where))
                continue
            if isinstance(key, Ed25519PublicKey):
                keys[key_id(key)] = key
    own = settings.AUDIT_CHECKPOINT_KEY_FILE
    if own and Path(own).is_file():
        try:
            public = _load_private(Path(own).read_bytes(), own).public_key()
            keys[key_id(public)] = public
        except CheckpointKeyError:
            log.warning("audit_checkpoint_key_unreadable", path=str(own))
    return keys


def signature_valid(keys: dict[str, Ed25519PublicKey], kid: str, signature: bytes, data: bytes):
    """True when the key ``kid`` is known and made ``signature`` over ``data``."""
    key = keys.get(kid)
    if key is None:
        return False
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
