"""The request signature: ``X-Central-Key``, ``X-Central-Timestamp`` (Unix seconds),
``X-Central-Nonce`` and ``X-Central-Signature``, a hex HMAC-SHA256 over the method, the
path (with query), the timestamp, the nonce and the SHA-256 of the body, one per line."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from .credentials import Credential

HEADER_KEY = "X-Central-Key"
HEADER_TIMESTAMP = "X-Central-Timestamp"
HEADER_NONCE = "X-Central-Nonce"
HEADER_SIGNATURE = "X-Central-Signature"


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def signature_compute(
    *, secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes
) -> str:
    message = "\n".join([method.upper(), path, timestamp, nonce, body_digest(body)])
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def request_sign(*, credential: Credential, method: str, path: str, body: bytes) -> dict:
    """The headers that authenticate one request."""
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(16)
    return {
        HEADER_KEY: credential.key_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature_compute(
            secret=credential.secret,
            method=method,
            path=path,
            timestamp=timestamp,
            nonce=nonce,
            body=body,
        ),
    }
