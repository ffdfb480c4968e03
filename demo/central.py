"""The central store in the demo: a development credential file shared by both sides and
what another province already pushed (a moving worker, for *nhận*).

In development the central store answers from the same server (``/central/``); the
credential file the IT center would issue is made here instead (``manage.py
demo_central``, run by ``scripts/dev.sh``).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from central import services as central_services
from closure_protocol.credentials import (
    Credential,
    CredentialError,
    credential_file,
    credentials_render,
)

# Another province's closures of a worker who moved to Hà Nội (reference, book, name,
# birth, kind, confirmed on, periods: from, to, salary, rate).
MOVED_WORKERS = [
    ("DEMO-7901-M001", "7901234570", "Võ Thị Mai", "1991-03-08", "bhxh", "2024-07-05",
     [("2015-01-01", "2019-12-01", "5200000", "8.00"), ("2020-01-01", "2024-06-01", "7400000", "8.00")]),
    ("DEMO-7901-M002", "7901234570", "Võ Thị Mai", "1991-03-08", "bhtn", "2024-07-05",
     [("2015-01-01", "2024-06-01", "7400000", "1.00")]),
]  # fmt: skip


def _usable(path: str, *, until) -> Credential | None:
    """The key of the file at ``path`` valid now and still on ``until``, if any."""
    try:
        key = credential_file(path).signing_key()
    except (CredentialError, OSError):
        return None
    return key if key.valid_until > until else None


def dev_credentials_ensure(*, now=None) -> Credential:
    """A development key known to both sides: the portal's credential file
    (``CLOSURE_CREDENTIALS_FILE``) and the central store's (``CENTRAL_CREDENTIALS_FILE``,
    or its uploaded keys when no file is set). Kept while valid for a week more."""
    now = now or timezone.now()
    client_path = settings.CLOSURE_CREDENTIALS_FILE
    server_path = settings.CENTRAL_CREDENTIALS_FILE
    key = _usable(client_path, until=now + timedelta(days=7))
    if key is not None and server_path and _usable(server_path, until=now) != key:
        key = None  # the two sides disagree: issue a fresh key to both
    if key is None:
        key = Credential(
            key_id=f"DEV{now:%Y%m%d%H%M}",
            secret=secrets.token_urlsafe(32),
            valid_from=now - timedelta(days=1),
            valid_until=now + timedelta(days=90),
        )
        for path in {client_path, server_path} - {""}:
            _write_private(Path(path), credentials_render(key))
    if not server_path:
        central_services.credential_register(credential=key, uploaded_by="demo")
    return key


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def seed_central_closures() -> int:
    """Store the other province's closures at the central store (idempotent); returns how
    many were stored now."""
    records = [
        {
            "reference": ref,
            "version": 1,
            "office_code": "7901",
            "unit_code": "HCM001A",
            "book_number": book,
            "si_number": book,
            "full_name": name,
            "birth_date": birth,
            "kind": kind,
            "confirmed_on": confirmed_on,
            "confirmed_by": "demo",
            "periods": [
                {"from": a, "to": b, "salary": salary, "rate": rate}
                for a, b, salary, rate in periods
            ],
        }
        for ref, book, name, birth, kind, confirmed_on, periods in MOVED_WORKERS
    ]
    results = central_services.closures_upsert(records=records, key_id="DEMO")
    return sum(r["status"] == "created" for r in results)
