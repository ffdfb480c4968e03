"""Authenticate requests to the central API: key ring, signature, freshness, replay."""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from closure_protocol.credentials import Credential, CredentialError, credential_file
from closure_protocol.signing import (
    HEADER_KEY,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    signature_compute,
)

from .models import CentralCredential, CentralNonce

DB = "central"


@dataclass
class AuthFailure(Exception):
    code: str
    message: str


_CACHE_SECONDS = 5.0
_cache: dict = {"at": -_CACHE_SECONDS, "keys": []}


def _uploaded_keys() -> list[Credential]:
    """Keys uploaded on the rotation page, re-read at most every few seconds per process."""
    if time.monotonic() - _cache["at"] >= _CACHE_SECONDS:
        _cache["keys"] = [
            Credential(row.key_id, row.secret, row.valid_from, row.valid_until)
            for row in CentralCredential.objects.using(DB).all()
        ]
        _cache["at"] = time.monotonic()
    return _cache["keys"]


def key_ring_forget() -> None:
    """Drop this process's cache (after an upload here, or in tests)."""
    _cache["at"] = -_CACHE_SECONDS


def key_ring(moment=None) -> list[Credential]:
    """The keys the central store accepts now: the newest (current) and the one before it
    (previous), each only inside its own validity window."""
    moment = moment or timezone.now()
    keys: dict[str, Credential] = {}
    if settings.CENTRAL_CREDENTIALS_FILE:
        try:
            for cred in credential_file(settings.CENTRAL_CREDENTIALS_FILE).credentials():
                keys[cred.key_id] = cred
        except CredentialError:
            pass
    for cred in _uploaded_keys():
        keys[cred.key_id] = cred
    newest_two = sorted(keys.values(), key=lambda c: c.valid_from, reverse=True)[:2]
    return [c for c in newest_two if c.valid_at(moment)]


def request_authenticate(request) -> Credential:
    """The key a request was signed with; raises AuthFailure (code, message) otherwise."""
    key_id = request.headers.get(HEADER_KEY, "")
    timestamp = request.headers.get(HEADER_TIMESTAMP, "")
    nonce = request.headers.get(HEADER_NONCE, "")
    signature = request.headers.get(HEADER_SIGNATURE, "")
    if not (key_id and timestamp and nonce and signature):
        raise AuthFailure("central.auth.missing", "signature headers missing")
    if not timestamp.isdigit() or not (8 <= len(nonce) <= 64):
        raise AuthFailure("central.auth.malformed", "malformed timestamp or nonce")
    now = timezone.now()
    if abs(now.timestamp() - int(timestamp)) > settings.CENTRAL_MAX_SKEW_SECONDS:
        raise AuthFailure("central.auth.stale", "timestamp outside the accepted window")
    credential = next((c for c in key_ring(now) if c.key_id == key_id), None)
    if credential is None:
        raise AuthFailure("central.auth.unknown_key", "unknown, expired or retired key")
    expected = signature_compute(
        secret=credential.secret,
        method=request.method,
        path=request.get_full_path(),
        timestamp=timestamp,
        nonce=nonce,
        body=request.body,
    )
    if not hmac.compare_digest(expected, signature):
        raise AuthFailure("central.auth.bad_signature", "signature does not match")
    if not _nonce_claim(key_id, nonce, now):
        raise AuthFailure("central.auth.replay", "nonce already used")
    return credential


# One statement, one round trip: its own transaction, which commits without waiting for
# the WAL flush (``set_config(…, true)`` lasts to the end of the statement's transaction).
# The nonce need not survive a database crash: only requests within the skew window could
# be replayed then.
_NONCE_CLAIM = """
INSERT INTO central_centralnonce (key_id, nonce, seen_at)
SELECT %s, %s, %s FROM (SELECT set_config('synchronous_commit', 'off', true)) AS local_setting
ON CONFLICT (key_id, nonce) DO NOTHING
RETURNING 1
"""


def _nonce_claim(key_id: str, nonce: str, now) -> bool:
    """Record a nonce; False when it was already used with this key (a replay)."""
    if connections[DB].vendor == "postgresql":
        with connections[DB].cursor() as cur:
            cur.execute(_NONCE_CLAIM, [key_id, nonce, now])
            return cur.fetchone() is not None
    try:
        with transaction.atomic(using=DB):
            CentralNonce.objects.using(DB).create(key_id=key_id, nonce=nonce, seen_at=now)
    except IntegrityError:
        return False
    return True


def nonces_prune() -> int:
    """Forget nonces older than twice the accepted skew (older requests are stale anyway)."""
    horizon = timezone.now() - timedelta(seconds=2 * settings.CENTRAL_MAX_SKEW_SECONDS)
    deleted, _ = CentralNonce.objects.using(DB).filter(seen_at__lt=horizon).delete()
    return deleted
