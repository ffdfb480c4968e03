"""The portal's client of the central store's API: signed requests over keep-alive HTTP."""

from __future__ import annotations

import json
import threading
from urllib.parse import urlencode, urlsplit

import httpx
import orjson
from django.conf import settings

from closure_protocol.credentials import CredentialError, credential_file
from closure_protocol.signing import request_sign
from core.refusals import Refused

from . import errors


class CentralUnavailable(Exception):
    """The central store could not be reached or answered a server error: retry later.

    ``code`` says why for the pages (:mod:`closure_sync.errors`); the text is the
    technical detail, for the log only."""

    def __init__(self, detail: str, *, code: str = errors.UNAVAILABLE):
        super().__init__(detail)
        self.code = code


def failure_code(exc: Exception) -> str:
    """The code to show for a failed call to the central store."""
    if isinstance(exc, CentralUnavailable):
        return exc.code
    if isinstance(exc, Refused):
        return exc.code
    return errors.FAILED


_local = threading.local()


def _http() -> httpx.Client:
    # One keep-alive client per thread, rebuilt when the configured timeout changes.
    timeout = settings.CLOSURE_PUSH_TIMEOUT_SECONDS
    client = getattr(_local, "client", None)
    if client is None or getattr(_local, "timeout", None) != timeout:
        if client is not None:
            client.close()
        client = httpx.Client(
            timeout=httpx.Timeout(timeout), limits=httpx.Limits(max_keepalive_connections=4)
        )
        _local.client, _local.timeout = client, timeout
    return client


def _request(
    method: str, path: str, *, params: dict | None = None, payload=None, raw: bytes | None = None
) -> dict:
    base = settings.CLOSURE_CENTRAL_URL.rstrip("/")
    full_path = urlsplit(base).path + path
    if params:
        full_path += "?" + urlencode(params)
    if raw is not None:
        body = raw
    else:
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    try:
        credential = credential_file(settings.CLOSURE_CREDENTIALS_FILE).signing_key()
    except (CredentialError, OSError) as exc:
        raise CentralUnavailable(f"credential file: {exc}", code=errors.CREDENTIALS) from exc
    headers = request_sign(credential=credential, method=method, path=full_path, body=body)
    headers["Content-Type"] = "application/json"
    url = base[: len(base) - len(urlsplit(base).path)] + full_path
    try:
        response = _http().request(method, url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise CentralUnavailable(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise CentralUnavailable(f"HTTP {response.status_code}")
    try:
        data = orjson.loads(response.content)
        if not isinstance(data, dict):
            raise ValueError("not an object")
    except ValueError as exc:
        raise CentralUnavailable(f"HTTP {response.status_code}: not JSON") from exc
    if response.status_code == 401 and data.get("code") in {
        "central.auth.stale",
        "central.auth.replay",
        "central.auth.unknown_key",
    }:
        # Clock drift, a reused nonce or a key being rotated: worth trying again later.
        raise CentralUnavailable(f"{data.get('code')}: {data.get('message')}")
    if response.status_code >= 400:
        # Retrying will not help (auth, malformed). ``reason`` is the central store's own
        # code, ``detail`` its message: for the log, not in the page's message.
        raise Refused(
            errors.REFUSED,
            reason=data.get("code", f"http.{response.status_code}"),
            detail=data.get("message", ""),
        )
    return data


def batch_push(records: list[dict]) -> list[dict]:
    """POST one batch; one result per record, in order."""
    return _request("POST", "/central/api/v1/closures/batch", payload={"records": records})[
        "results"
    ]


def batch_push_json(records_json: str) -> list[dict]:
    """POST one batch given as the JSON text of the records array (no re-encoding)."""
    raw = b'{"records": ' + records_json.encode() + b"}"
    return _request("POST", "/central/api/v1/closures/batch", raw=raw)["results"]


def search(**params) -> dict:
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return _request("GET", "/central/api/v1/closures/search", params=clean)


def fetch(*, book_number: str) -> list[dict]:
    return _request("GET", "/central/api/v1/closures/fetch", params={"book_number": book_number})[
        "results"
    ]


def audit_checkpoint_push(checkpoint: dict) -> dict:
    """POST one signed audit checkpoint (write-once at the central store)."""
    return _request("POST", "/central/api/v1/audit-checkpoints", payload=checkpoint)


def audit_checkpoints_page(*, source: str, after: int = 0) -> dict:
    """One page of a source's checkpoints: ``{"results": [...], "next_after": seq | None}``."""
    return _request(
        "GET", "/central/api/v1/audit-checkpoints", params={"source": source, "after": after}
    )
