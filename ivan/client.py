"""Reference client for I-VAN providers: copy it into your own software.

It obtains a token with the client-credentials grant (and renews it before it expires),
submits a signed dossier envelope with an ``Idempotency-Key`` (safe to retry after a
timeout: the portal answers a repeat with the first receipt), answers a supplement request
with a signed supplement the same way, polls a dossier, pages
through lists with the cursor, and verifies the signature of the webhooks the portal
sends (Standard Webhooks: ``webhook-id``, ``webhook-timestamp``, ``webhook-signature``).

Only ``requests`` and the standard library are needed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field

import requests


class ApiError(Exception):
    """A refusal from the portal: ``code`` is the stable error code of the problem document."""

    def __init__(self, status: int, problem: dict):
        self.status = status
        self.problem = problem
        self.code = problem.get("code", "")
        self.retry_after = problem.get("_retry_after")
        super().__init__(f"{status} {self.code}: {problem.get('detail', '')}")


@dataclass
class IvanClient:
    base_url: str  # e.g. "https://portal.example/api/ivan/v1"
    client_id: str
    client_secret: str
    scopes: tuple[str, ...] = ("dossiers:submit", "dossiers:read", "notices:read")
    timeout: float = 30.0
    session: requests.Session = field(default_factory=requests.Session)
    _token: str | None = None
    _token_expires: float = 0.0

    # --- tokens ---------------------------------------------------------------------------
    def token(self) -> str:
        """A valid access token, fetched again a minute before the old one expires."""
        if self._token and time.monotonic() < self._token_expires - 60:
            return self._token
        response = self.session.post(
            f"{self.base_url}/oauth/token",
            data={"grant_type": "client_credentials", "scope": " ".join(self.scopes)},
            auth=(self.client_id, self.client_secret),
            timeout=self.timeout,
        )
        if response.status_code != 200:
            raise ApiError(
                response.status_code, {"code": "TOKEN_REFUSED", "detail": response.text[:200]}
            )
        body = response.json()
        self._token = body["access_token"]
        self._token_expires = time.monotonic() + int(body.get("expires_in", 3600))
        return self._token

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token()}", **kwargs.pop("headers", {})}
        response = self.session.request(
            method,
            f"{self.base_url}/{path.lstrip('/')}",
            headers=headers,
            timeout=self.timeout,
            **kwargs,
        )
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"code": "HTTP_ERROR", "detail": response.text[:200]}
            problem["_retry_after"] = response.headers.get("Retry-After")
            raise ApiError(response.status_code, problem)
        return response

    # --- calls ----------------------------------------------------------------------------
    def me(self) -> dict:
        return self.request("GET", "me").json()

    def submit_dossier(self, envelope_xml: bytes, idempotency_key: str | None = None) -> dict:
        """Submit a signed envelope; returns the receipt. Keep the key to retry safely."""
        key = idempotency_key or str(uuid.uuid4())
        return self.request(
            "POST",
            "dossiers",
            data=envelope_xml,
            headers={"Content-Type": "application/xml", "Idempotency-Key": key},
        ).json()

    def submit_supplement(
        self, transaction_code: str, envelope_xml: bytes, idempotency_key: str | None = None
    ) -> dict:
        """Answer the supplement request of dossier ``transaction_code`` (its status is
        ``supplement_requested``) with a new signed envelope; returns the supplement's own
        receipt (status ``supplement``, ``supplement_of`` naming the dossier)."""
        key = idempotency_key or str(uuid.uuid4())
        return self.request(
            "POST",
            f"dossiers/{transaction_code}/supplements",
            data=envelope_xml,
            headers={"Content-Type": "application/xml", "Idempotency-Key": key},
        ).json()

    def dossier(self, transaction_code: str) -> dict:
        return self.request("GET", f"dossiers/{transaction_code}").json()

    def wait_for_status(
        self,
        transaction_code: str,
        statuses: set[str],
        timeout: float = 60.0,
        interval: float = 2.0,
    ) -> dict:
        """Poll a dossier until its status is one of ``statuses``."""
        deadline = time.monotonic() + timeout
        while True:
            current = self.dossier(transaction_code)
            if current.get("status") in statuses or time.monotonic() > deadline:
                return current
            time.sleep(interval)

    def iterate(self, path: str, **params):
        """Every item of a cursor-paginated list."""
        url = path
        while url:
            page = self.request("GET", url, params=params).json()
            params = {}
            yield from page["results"]
            url = page.get("next")
            if url and url.startswith(self.base_url):
                url = url[len(self.base_url) :]

    def submit_dossier_file(
        self, envelope_xml: bytes, idempotency_key: str | None = None, name: str = "hoso.xml"
    ) -> dict:
        """The same as :meth:`submit_dossier`, as a multipart upload (field ``file``)."""
        key = idempotency_key or str(uuid.uuid4())
        return self.request(
            "POST",
            "dossiers",
            files={"file": (name, envelope_xml, "application/xml")},
            headers={"Idempotency-Key": key},
        ).json()

    def dossiers(self, **filters):
        """Every dossier of your employers (newest first); filters: status, procedure,
        unit_code, received_from, received_to."""
        return self.iterate("dossiers", **filters)

    def notices(self, *, after: int = 0, kind: str | None = None) -> tuple[list[dict], int]:
        """Receipts and result notices with an id above ``after``, oldest first, and the
        ``after`` to keep for the next pull (only what is new comes back then)."""
        params = {"after": after, **({"kind": kind} if kind else {})}
        page = self.request("GET", "notices", params=params).json()
        return page["results"], page["after"]

    def register_employer(self, *, certificate_pem: bytes, signed_form: bytes, **fields) -> dict:
        """File 04/ĐK-IVAN for an employer (unit_code, unit_name, address, tax_code, email,
        phone, procedures, result_delivery, postal_address), with ``signed_form``: the 04
        XML signed with the certificate being registered (proof of possession)."""
        body = {
            **fields,
            "certificate": certificate_pem.decode("ascii"),
            "signed_form": base64.b64encode(signed_form).decode("ascii"),
        }
        return self.request("POST", "employers/registrations", json=body).json()

    def change_employer(self, unit_code: str, *, signed_form: bytes | None = None, **changes):
        """File 05/SD-IVAN: contact_email, contact_phone, address, result_delivery,
        postal_address, certificate (PEM text) with ``signed_form`` (the 04 XML signed
        with the new certificate)."""
        if signed_form is not None:
            changes["signed_form"] = base64.b64encode(signed_form).decode("ascii")
        return self.request("POST", f"employers/{unit_code}/changes", json=changes).json()

    def stop_employer(self, unit_code: str, reason: str = "") -> dict:
        """File 06/NG-IVAN: the employer stops transacting through you."""
        return self.request("POST", f"employers/{unit_code}/stop", json={"reason": reason}).json()

    def register_webhook(self, url: str) -> dict:
        """Register the receiving URL; keep the returned ``secret`` to verify deliveries."""
        return self.request("PUT", "webhook", json={"url": url}).json()


# --- webhooks -------------------------------------------------------------------------------
class WebhookVerificationError(Exception):
    pass


def verify_webhook(
    secret: str, headers: dict, body: bytes, *, tolerance: int = 300, now: float | None = None
) -> dict:
    """Check a webhook's signature and freshness; return the event. Raises on any mismatch.

    The signature is HMAC-SHA256, keyed with the base64-decoded secret (after ``whsec_``),
    over ``"{webhook-id}.{webhook-timestamp}.{body}"``, sent as ``v1,<base64>`` (several
    space-separated signatures may be sent during a secret rotation).
    """
    h = {k.lower(): v for k, v in headers.items()}
    msg_id, stamp, signatures = (
        h.get("webhook-id"),
        h.get("webhook-timestamp"),
        h.get("webhook-signature"),
    )
    if not (msg_id and stamp and signatures):
        raise WebhookVerificationError("missing webhook headers")
    try:
        sent_at = int(stamp)
    except ValueError:
        raise WebhookVerificationError("bad timestamp") from None
    if abs((now or time.time()) - sent_at) > tolerance:
        raise WebhookVerificationError("timestamp outside the tolerance")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{sent_at}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return json.loads(body)
    raise WebhookVerificationError("no matching signature")
