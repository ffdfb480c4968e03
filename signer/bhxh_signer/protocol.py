"""The body of ``POST /v1/sign``, checked field by field (anything else: signer.bad_request)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from bhxh_signer.errors import SignerError

ALGORITHM = "rsa-pkcs1-sha256"
MAX_DIGESTS = 50
MAX_SUMMARY = 300
MAX_ID = 200


@dataclass(frozen=True)
class SignRequest:
    certificate_id: bytes
    digests: list[tuple[str, bytes]]  # (id, 32-byte SHA-256)
    summary: str


def _bad(detail: str) -> SignerError:
    return SignerError("signer.bad_request", detail)


def sign_request_parse(raw: bytes) -> SignRequest:
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _bad("body is not UTF-8 JSON") from exc
    if not isinstance(body, dict):
        raise _bad("body is not an object")
    cert_id = body.get("certificate_id")
    if not isinstance(cert_id, str) or not 0 < len(cert_id) <= MAX_ID:
        raise _bad("certificate_id")
    try:
        cert_bytes = bytes.fromhex(cert_id)
    except ValueError as exc:
        raise _bad("certificate_id is not hex") from exc
    if body.get("algorithm") != ALGORITHM:
        raise _bad("algorithm")
    summary = body.get("summary")
    if not isinstance(summary, str) or len(summary) > MAX_SUMMARY:
        raise _bad("summary")
    digests = body.get("digests")
    if not isinstance(digests, list) or not 1 <= len(digests) <= MAX_DIGESTS:
        raise _bad("digests: 1 to 50")
    parsed: list[tuple[str, bytes]] = []
    for item in digests:
        if not isinstance(item, dict):
            raise _bad("digest is not an object")
        digest_id, value = item.get("id"), item.get("sha256")
        if not isinstance(digest_id, str) or not 0 < len(digest_id) <= MAX_ID:
            raise _bad("digest id")
        if not isinstance(value, str):
            raise _bad("digest sha256")
        try:
            digest = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _bad("digest sha256 is not base64") from exc
        if len(digest) != 32:
            raise _bad("digest sha256 is not 32 bytes")
        parsed.append((digest_id, digest))
    if len({digest_id for digest_id, _ in parsed}) != len(parsed):
        raise _bad("digest ids repeat")
    return SignRequest(certificate_id=cert_bytes, digests=parsed, summary=summary)


def origin_normalise(origin: str) -> str:
    """``scheme://host[:port]`` as browsers send it in ``Origin``; anything else is refused
    at start-up (a path or a wildcard is a mistake, not a wish)."""
    parts = urlsplit(origin.strip())
    if (
        parts.scheme not in {"http", "https"}
        or not parts.hostname
        or parts.path not in {"", "/"}
        or parts.query
        or parts.fragment
        or parts.username
        or "*" in origin
    ):
        raise ValueError(f"not an origin (scheme://host[:port]): {origin!r}")
    default = {"http": 80, "https": 443}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{parts.hostname}{port}"
