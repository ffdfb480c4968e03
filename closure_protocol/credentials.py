"""Credential files, like the real SMS.INI: a ``[current]`` key and optionally a
``[previous]`` one, each with ``key_id``, ``secret``, ``valid_from``, ``valid_until``
(ISO 8601, with offset)::

    [current]
    key_id = 2026Q4
    secret = …
    valid_from = 2026-10-01T00:00:00+07:00
    valid_until = 2027-01-15T00:00:00+07:00
"""

from __future__ import annotations

import configparser
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

# A date-time written without an offset is Vietnam time.
LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


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
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_ZONE)
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
        moment = moment or datetime.now(UTC)
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
