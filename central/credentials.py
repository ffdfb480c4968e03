"""Credential files (like the real SMS.INI) and the HMAC request signature.

A credential file is an INI file with a ``[current]`` section and optionally a
``[previous]`` one, each holding ``key_id``, ``secret``, ``valid_from``, ``valid_until``
(ISO 8601 with offset)::

    [current]
    key_id = 2026Q4
    secret = …
    valid_from = 2026-10-01T00:00:00+07:00
    valid_until = 2027-01-15T00:00:00+07:00

A request carries ``X-Central-Key``, ``X-Central-Timestamp`` (Unix seconds),
``X-Central-Nonce`` and ``X-Central-Signature``: hex HMAC-SHA256 over the method, the path
(with query), the timestamp, the nonce and the SHA-256 of the body, one per line.
"""

from __future__ import annotations

import configparser
import hashlib
import hmac
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

HEADER_KEY = "X-Central-Key"
HEADER_TIMESTAMP = "X-Central-Timestamp"
HEADER_NONCE = "X-Central-Nonce"
HEADER_SIGNATURE = "X-Central-Signature"


class CredentialError(ValueError):
    """The credential file is missing, malformed or holds no usable key."""


@dataclass(frozen=True)
class Credential:
    key_id: str
    secret: str
    valid_from: datetime
    valid_until: datetime

    def valid_at(self, moment: datetime) -> bool:
        return self.valid_from <= moment < self.valid_until


def _parse_moment(value: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise CredentialError(f"{field}: not an ISO 8601 date-time: {value!r}") from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def credentials_parse(text: str) -> list[Credential]:
    """The keys of a credential file, current first. Raises CredentialError when malformed."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise CredentialError(f"not a valid INI file: {exc}") from None
    if not parser.has_section("current"):
        raise CredentialError("the file has no [current] section")
    keys = []
    for section in ("current", "previous"):
        if not parser.has_section(section):
            continue
        s = parser[section]
        missing = [f for f in ("key_id", "secret", "valid_from", "valid_until") if not s.get(f)]
        if missing:
            raise CredentialError(f"[{section}] lacks {', '.join(missing)}")
        if len(s["secret"]) < 16:
            raise CredentialError(f"[{section}] secret is shorter than 16 characters")
        cred = Credential(
            key_id=s["key_id"].strip(),
            secret=s["secret"].strip(),
            valid_from=_parse_moment(s["valid_from"], f"[{section}] valid_from"),
            valid_until=_parse_moment(s["valid_until"], f"[{section}] valid_until"),
        )
        if cred.valid_until <= cred.valid_from:
            raise CredentialError(f"[{section}] valid_until is not after valid_from")
        keys.append(cred)
    return keys


def credentials_render(current: Credential, previous: Credential | None = None) -> str:
    """The INI text of a credential file."""
    out = []
    for name, cred in (("current", current), ("previous", previous)):
        if cred is None:
            continue
        out.append(
            f"[{name}]\nkey_id = {cred.key_id}\nsecret = {cred.secret}\n"
            f"valid_from = {cred.valid_from.isoformat()}\n"
            f"valid_until = {cred.valid_until.isoformat()}\n"
        )
    return "\n".join(out)


class CredentialFile:
    """A credential file on disk, re-read whenever it is replaced (no restart needed)."""

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()
        self._stamp = None
        self._keys: list[Credential] = []

    def credentials(self) -> list[Credential]:
        try:
            st = os.stat(self.path)
        except OSError as exc:
            raise CredentialError(f"credential file unreadable: {exc}") from None
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            if stamp != self._stamp:
                with open(self.path, encoding="utf-8") as fh:
                    self._keys = credentials_parse(fh.read())
                self._stamp = stamp
            return self._keys

    def signing_key(self, moment: datetime | None = None) -> Credential:
        """The key to sign with now: the current one, or the previous while the current
        one is not yet valid."""
        moment = moment or timezone.now()
        for cred in self.credentials():
            if cred.valid_at(moment):
                return cred
        raise CredentialError("no key in the credential file is valid now")


_FILES: dict[str, CredentialFile] = {}


def credential_file(path: str) -> CredentialFile:
    """One watcher per path per process."""
    if path not in _FILES:
        _FILES[path] = CredentialFile(path)
    return _FILES[path]


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def signature_compute(
    *, secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes
) -> str:
    message = "\n".join([method.upper(), path, timestamp, nonce, body_digest(body)])
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def request_sign(*, credential: Credential, method: str, path: str, body: bytes) -> dict:
    """The headers that authenticate one request."""
    timestamp = str(int(timezone.now().timestamp()))
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
