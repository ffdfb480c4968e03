"""The portal's client of a CA's remote-signing service (Cloud Signature Consortium API
v2.0.0.2): list the holder's credentials, ask the holder's approval of exactly these
hashes (SCAL2), poll for it, and have the hashes signed with the SAD it yields.

Providers are settings (``SIGNING_CSC_PROVIDERS``, README "Ký số từ xa (CSC)"). The portal
authenticates as an OAuth2 client (client credentials, §8.4.4); its token is kept per
process until shortly before it expires. Every failure is a :class:`CscError` with one of
the ``signing.csc_*`` codes; the service's own error text goes to the log, not the page.

    provider = csc_providers()["vnpt-smartca"]
    [cred] = csc_credentials_list(provider, user_ref="0101300842")
    request_id = csc_authorize_start(provider, credential_id=cred.id, user_ref=…,
                                     hashes=[digest], description="600 — 03/2026")
    answer = csc_authorize_check(provider, request_id=request_id)   # poll: pending…
    signatures = csc_sign_hash(provider, credential_id=cred.id, sad=answer.sad,
                               hashes=[digest])
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from dataclasses import dataclass, field
from typing import Literal

import httpx
import structlog
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.refusals import Refused, codes_register

log = structlog.get_logger(__name__)

SHA256 = "2.16.840.1.101.3.4.2.1"
SHA256_WITH_RSA = "1.2.840.113549.1.1.11"
# authorize answered at once (200 with the SAD, no approval step): the request id carries it.
_IMMEDIATE = "sad:"

UNREACHABLE = "signing.csc_unreachable"
REFUSED = "signing.csc_refused"
TIMEOUT = "signing.csc_timeout"
REJECTED = "signing.csc_rejected"
BAD_ANSWER = "signing.csc_bad_answer"

codes_register(
    "signing_csc",
    "Remote signing through a CA's service (CSC API)",
    {
        UNREACHABLE: _(
            "The remote signing service {provider} cannot be reached now. Try again later; "
            "nothing was signed or sent."
        ),
        REFUSED: _(
            "The signature was refused on your remote signing app; nothing was signed or sent."
        ),
        TIMEOUT: _(
            "The signature was not approved on your remote signing app in time. Start "
            "signing again; nothing was sent."
        ),
        REJECTED: _("The remote signing service {provider} refused the request (error {error})."),
        BAD_ANSWER: _(
            "The remote signing service {provider} sent an answer the portal cannot read."
        ),
    },
    intro=(
        "The portal asks the CA's remote-signing service (CSC API v2) for the holder's "
        "approval of the digests and for their signatures; these are its failures."
    ),
)


class CscError(Refused):
    """A remote-signing call failed; nothing was signed (or nothing of it is used)."""


@dataclass(frozen=True)
class CscProvider:
    key: str
    name: str
    base_url: str  # the CSC API root, ending in /csc/v2 or the like
    client_id: str
    client_secret: str = field(repr=False)
    timeout: float = 10.0
    token_url: str = ""  # default: <the "oauth2" URI of info>/oauth2/token


@dataclass(frozen=True)
class CscCredential:
    id: str
    certificate: bytes  # DER of the end-entity certificate
    chain: tuple[bytes, ...]  # DER of the issuers, as the service lists them
    key_algorithm: str  # "RSA" or "EC", from the certificate's key
    key_algorithms: tuple[str, ...] = ()  # the OIDs of key/algo
    key_bits: int | None = None
    scal: str = "1"
    auth_mode: str = ""
    description: str = ""


@dataclass(frozen=True)
class CscAuthorization:
    state: Literal["pending", "approved", "refused", "expired"]
    sad: str | None = field(default=None, repr=False)
    expires_in: int | None = None
    request_id: str = ""  # the handle to poll next (a service may hand out a new one)


def csc_providers() -> dict[str, CscProvider]:
    """The configured providers by key (validated when the settings load)."""
    return {
        key: CscProvider(
            key=key,
            name=entry["name"],
            base_url=entry["base_url"].rstrip("/"),
            client_id=entry["client_id"],
            client_secret=entry["client_secret"],
            timeout=float(entry.get("timeout", 10.0)),
            token_url=entry.get("token_url", ""),
        )
        for key, entry in settings.SIGNING_CSC_PROVIDERS.items()
    }


# --- HTTP ----------------------------------------------------------------------------------
_tokens: dict[tuple[str, str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


def _bad(provider: CscProvider, why: str) -> CscError:
    log.warning("csc_bad_answer", provider=provider.key, detail=why[:300])
    return CscError(BAD_ANSWER, provider=provider.name)


def _send(provider: CscProvider, method: str, url: str, **kwargs) -> httpx.Response:
    try:
        with httpx.Client(timeout=provider.timeout, follow_redirects=False) as http:
            response = http.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        log.warning("csc_unreachable", provider=provider.key, url=url, detail=repr(exc)[:300])
        raise CscError(UNREACHABLE, provider=provider.name) from None
    if response.status_code >= 500 or response.status_code == 429:
        log.warning("csc_unavailable", provider=provider.key, url=url, status=response.status_code)
        raise CscError(UNREACHABLE, provider=provider.name)
    return response


def _json(provider: CscProvider, response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        raise _bad(provider, f"HTTP {response.status_code}: not JSON") from None
    if not isinstance(data, dict):
        raise _bad(provider, f"HTTP {response.status_code}: not a JSON object")
    return data


def _rejected(provider: CscProvider, response: httpx.Response) -> CscError:
    try:
        data = response.json()
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    error = str(data.get("error") or f"HTTP {response.status_code}")[:60]
    log.warning(
        "csc_rejected",
        provider=provider.key,
        status=response.status_code,
        error=error,
        description=str(data.get("error_description", ""))[:300],
    )
    return CscError(REJECTED, provider=provider.name, error=error)


def _token_url(provider: CscProvider) -> str:
    if provider.token_url:
        return provider.token_url
    info = _json(provider, _send(provider, "POST", f"{provider.base_url}/info", json={}))
    base = info.get("oauth2") or info.get("oauth2Issuer")
    if not isinstance(base, str) or not base.startswith(("http://", "https://")):
        raise _bad(provider, "info names no oauth2 server")
    return base.rstrip("/") + "/oauth2/token"


def _token(provider: CscProvider, *, fresh: bool = False) -> str:
    cache_key = (provider.key, provider.base_url, provider.client_id)
    with _tokens_lock:
        cached = _tokens.get(cache_key)
        if cached and not fresh and cached[1] > time.monotonic():
            return cached[0]
    response = _send(
        provider,
        "POST",
        _token_url(provider),
        # The client's id and secret in the form body, as in the CSC API's own example.
        data={
            "grant_type": "client_credentials",
            "client_id": provider.client_id,
            "client_secret": provider.client_secret,
        },
    )
    if response.status_code != 200:
        raise _rejected(provider, response)
    data = _json(provider, response)
    token = data.get("access_token")
    if (
        not isinstance(token, str)
        or not token
        or str(data.get("token_type", "")).lower() != "bearer"
    ):
        raise _bad(provider, "token answer without a bearer access_token")
    lifetime = data.get("expires_in", 3600)
    lifetime = lifetime if isinstance(lifetime, int) and lifetime > 0 else 3600
    with _tokens_lock:
        # Renewed a little before the service's end of it, so no call carries a dying token.
        _tokens[cache_key] = (token, time.monotonic() + max(lifetime - 30, lifetime / 2))
    return token


def csc_tokens_forget() -> None:
    """Drop the cached access tokens (after changing a provider's secret; tests)."""
    with _tokens_lock:
        _tokens.clear()


def _call(provider: CscProvider, method: str, body: dict) -> httpx.Response:
    """POST a CSC method with the bearer token; a token the service no longer accepts is
    renewed once."""
    url = f"{provider.base_url}/{method}"
    response = _send(
        provider, "POST", url, json=body, headers={"Authorization": f"Bearer {_token(provider)}"}
    )
    if response.status_code == 401:
        token = _token(provider, fresh=True)
        response = _send(
            provider, "POST", url, json=body, headers={"Authorization": f"Bearer {token}"}
        )
    if response.status_code == 401:
        raise _rejected(provider, response)
    return response


# --- answers -------------------------------------------------------------------------------
def _der(provider: CscProvider, value) -> bytes:
    try:
        der = base64.b64decode(value, validate=True) if isinstance(value, str) else b""
        x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError):
        raise _bad(provider, "a certificate is not base64 DER") from None
    return der


def _credential(provider: CscProvider, credential_id: str, info: dict) -> CscCredential:
    cert = info.get("cert") if isinstance(info.get("cert"), dict) else {}
    certificates = cert.get("certificates")
    if not isinstance(certificates, list) or not certificates:
        raise _bad(provider, f"credential {credential_id[:40]} carries no certificate")
    ders = [_der(provider, c) for c in certificates]
    public_key = x509.load_der_x509_certificate(ders[0]).public_key()
    key = info.get("key") if isinstance(info.get("key"), dict) else {}
    algos = key.get("algo") if isinstance(key.get("algo"), list) else []
    auth = info.get("auth") if isinstance(info.get("auth"), dict) else {}
    return CscCredential(
        id=credential_id,
        certificate=ders[0],
        chain=tuple(ders[1:]),
        key_algorithm="RSA"
        if isinstance(public_key, rsa.RSAPublicKey)
        else "EC"
        if isinstance(public_key, ec.EllipticCurvePublicKey)
        else type(public_key).__name__,
        key_algorithms=tuple(str(a) for a in algos),
        key_bits=key.get("len") if isinstance(key.get("len"), int) else None,
        scal=str(info.get("SCAL", "1")),
        auth_mode=str(auth.get("mode") or info.get("authMode") or ""),
        description=str(info.get("description", ""))[:255],
    )


_INFO_OPTIONS = {"certificates": "chain", "certInfo": False, "authInfo": True}


def csc_credential_info(provider: CscProvider, *, credential_id: str) -> CscCredential:
    response = _call(provider, "credentials/info", {"credentialID": credential_id, **_INFO_OPTIONS})
    if response.status_code != 200:
        raise _rejected(provider, response)
    return _credential(provider, credential_id, _json(provider, response))


def csc_credentials_list(provider: CscProvider, *, user_ref: str) -> list[CscCredential]:
    """The holder's usable credentials with their certificate chains (the info of each
    is asked separately when the service does not return it with the list)."""
    response = _call(
        provider,
        "credentials/list",
        {"userID": user_ref, "credentialInfo": True, "onlyValid": True, **_INFO_OPTIONS},
    )
    if response.status_code != 200:
        raise _rejected(provider, response)
    data = _json(provider, response)
    ids = data.get("credentialIDs")
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise _bad(provider, "credentials/list without credentialIDs")
    infos = data.get("credentialInfos")
    by_id = (
        {i.get("credentialID"): i for i in infos if isinstance(i, dict)}
        if isinstance(infos, list)
        else {}
    )
    return [
        _credential(provider, i, by_id[i])
        if i in by_id
        else csc_credential_info(provider, credential_id=i)
        for i in ids
    ]


def _hashes(hashes: list[bytes]) -> list[str]:
    if not hashes or any(len(h) != 32 for h in hashes):
        raise ValueError("SHA-256 digests (32 bytes each) are expected")
    return [base64.b64encode(h).decode() for h in hashes]


def csc_authorize_start(
    provider: CscProvider,
    *,
    credential_id: str,
    user_ref: str,
    hashes: list[bytes],
    description: str,
) -> str:
    """Ask the holder to approve signing exactly ``hashes`` (SCAL2); the request id to poll.
    ``user_ref`` is logged only: the credential names its holder at the service."""
    response = _call(
        provider,
        "credentials/authorize",
        {
            "credentialID": credential_id,
            "numSignatures": len(hashes),
            "hashes": _hashes(hashes),
            "hashAlgorithmOID": SHA256,
            "description": description[:500],
        },
    )
    if response.status_code not in (200, 202):
        raise _rejected(provider, response)
    data = _json(provider, response)
    if response.status_code == 200 and isinstance(data.get("SAD"), str) and data["SAD"]:
        return _IMMEDIATE + data["SAD"]
    handle = data.get("handle")
    if response.status_code != 202 or not isinstance(handle, str) or not handle:
        raise _bad(provider, "credentials/authorize without handle or SAD")
    log.info("csc_authorize_started", provider=provider.key, credential_id=credential_id,
             user_ref=user_ref, hashes=len(hashes))  # fmt: skip
    return handle


def csc_authorize_check(provider: CscProvider, *, request_id: str) -> CscAuthorization:
    """Where the holder's approval stands; the SAD once approved (handed out once)."""
    if request_id.startswith(_IMMEDIATE):
        return CscAuthorization("approved", sad=request_id[len(_IMMEDIATE) :], request_id="")
    response = _call(provider, "credentials/authorizeCheck", {"handle": request_id})
    if response.status_code in (400, 403):
        error = _json(provider, response).get("error")
        if error == "access_denied":
            return CscAuthorization("refused", request_id=request_id)
        if error == "expired_token":
            return CscAuthorization("expired", request_id=request_id)
        raise _rejected(provider, response)
    if response.status_code not in (200, 202):
        raise _rejected(provider, response)
    data = _json(provider, response)
    if response.status_code == 202:
        handle = data.get("handle")
        return CscAuthorization(
            "pending", request_id=handle if isinstance(handle, str) and handle else request_id
        )
    sad = data.get("SAD")
    if not isinstance(sad, str) or not sad:
        raise _bad(provider, "authorizeCheck 200 without SAD")
    expires_in = data.get("expiresIn")
    return CscAuthorization(
        "approved",
        sad=sad,
        expires_in=expires_in if isinstance(expires_in, int) else None,
        request_id=request_id,
    )


def csc_sign_hash(
    provider: CscProvider, *, credential_id: str, sad: str, hashes: list[bytes]
) -> list[bytes]:
    """RSA PKCS#1 v1.5 signatures (sha256WithRSAEncryption) of ``hashes``, in their order."""
    response = _call(
        provider,
        "signatures/signHash",
        {
            "credentialID": credential_id,
            "SAD": sad,
            "hashes": _hashes(hashes),
            "signAlgo": SHA256_WITH_RSA,  # implies SHA-256: no hashAlgorithmOID (§11.10)
        },
    )
    if response.status_code != 200:
        raise _rejected(provider, response)
    values = _json(provider, response).get("signatures")
    if not isinstance(values, list) or len(values) != len(hashes):
        raise _bad(provider, "signHash answered another number of signatures")
    try:
        return [base64.b64decode(v, validate=True) for v in values]
    except (binascii.Error, ValueError, TypeError):
        raise _bad(provider, "a signature is not base64") from None
