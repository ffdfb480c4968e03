"""What the signing service does: enrol accounts, clients and credentials; issue and check
OAuth2 tokens; open an authorization (SCAL2, bound to its hashes), let the holder answer
it, hand its SAD out once, and sign exactly those hashes once while the SAD lives.

A refusal is :class:`CscApiError`: the HTTP status and the CSC error (``error``,
``error_description``, CSC API v2.0.0.2 §10.2) the API answers with.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import structlog
from cryptography import x509
from cryptography.hazmat.primitives import hashes as crypto_hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from .keystore import private_key_open, private_key_seal
from .models import (
    AuthorizationState,
    CscAccessToken,
    CscAccount,
    CscAuthorization,
    CscClient,
    CscCredential,
)

log = structlog.get_logger(__name__)

SHA256 = "2.16.840.1.101.3.4.2.1"
RSA = "1.2.840.113549.1.1.1"
SHA256_WITH_RSA = "1.2.840.113549.1.1.11"
KEY_ALGOS = [RSA, SHA256_WITH_RSA]
# At most this many hashes under one authorization (``multisign`` in credentials/info).
MULTISIGN = 20


@dataclass
class CscApiError(Exception):
    status: int
    error: str
    description: str

    def as_dict(self) -> dict:
        return {"error": self.error, "error_description": self.description}


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- enrolment (management commands) --------------------------------------------------------
def account_create(*, username: str, password: str, full_name: str = "") -> CscAccount:
    """Create the account, or set its password and name when it exists."""
    account, _ = CscAccount.objects.update_or_create(
        username=username,
        defaults={"password": make_password(password), "full_name": full_name},
    )
    return account


def client_register(*, client_id: str, secret: str, name: str) -> CscClient:
    """Register a relying party (or set its secret and name again)."""
    if len(secret) < 16:
        raise ValueError("a client secret has at least 16 characters")
    client, _ = CscClient.objects.update_or_create(
        client_id=client_id,
        defaults={"secret_hash": make_password(secret), "name": name, "active": True},
    )
    return client


def _pem_certificates(data: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(data) if b"-----BEGIN" in data else []


def credential_enrol(
    *,
    username: str,
    key_pem: bytes,
    cert_pem: bytes,
    chain_pem: bytes = b"",
    credential_id: str = "",
    description: str = "",
) -> CscCredential:
    """Hold an RSA key and its certificate for ``username`` (whose account must exist).
    Enrolling the same certificate again replaces the stored key and chain."""
    account = CscAccount.objects.get(username=username)
    key = serialization.load_pem_private_key(key_pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("only RSA keys are supported")
    certificate = x509.load_pem_x509_certificate(cert_pem)
    if certificate.public_key().public_numbers() != key.public_key().public_numbers():
        raise ValueError("the certificate is not the key's")
    der = certificate.public_bytes(serialization.Encoding.DER)
    chain = [
        base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
        for c in _pem_certificates(chain_pem)
    ]
    credential_id = credential_id or hashlib.sha256(der).hexdigest()[:20].upper()
    credential, _ = CscCredential.objects.update_or_create(
        credential_id=credential_id,
        defaults={
            "account": account,
            "description": description[:255],
            "certificate": der,
            "chain": chain,
            "private_key": private_key_seal(key),
            "key_bits": key.key_size,
            "enabled": True,
        },
    )
    log.info("csc_credential_enrolled", credential_id=credential_id, username=username)
    return credential


# --- OAuth2 client credentials (RFC 6749 §4.4) ----------------------------------------------
@functools.cache
def _unknown_client_hash() -> str:
    return make_password(secrets.token_urlsafe(16))


def token_issue(*, client_id: str, client_secret: str) -> tuple[str, int]:
    """A bearer token for a client whose secret matches; ``invalid_client`` otherwise."""
    client = CscClient.objects.filter(client_id=client_id, active=True).first()
    # Hash the secret even for an unknown client, so timing does not tell which ids exist.
    ok = check_password(client_secret, client.secret_hash if client else _unknown_client_hash())
    if client is None or not ok:
        log.warning("csc_token_refused", client_id=client_id[:64])
        raise CscApiError(401, "invalid_client", "Client authentication failed")
    token = secrets.token_urlsafe(32)
    lifetime = settings.CSC_SERVICE_TOKEN_SECONDS
    CscAccessToken.objects.create(
        token_hash=_digest(token),
        client=client,
        expires_at=timezone.now() + timedelta(seconds=lifetime),
    )
    CscAccessToken.objects.filter(expires_at__lt=timezone.now() - timedelta(days=1)).delete()
    return token, lifetime


def token_authenticate(authorization_header: str) -> CscClient:
    """The client a ``Bearer`` token was issued to, while it is valid."""
    scheme, _, token = (authorization_header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise CscApiError(401, "invalid_token", "Malformed authorization header")
    row = (
        CscAccessToken.objects.select_related("client")
        .filter(token_hash=_digest(token.strip()))
        .first()
    )
    if row is None or not row.client.active:
        raise CscApiError(401, "invalid_token", "The access token is not valid")
    if row.expires_at <= timezone.now():
        raise CscApiError(401, "expired_token", "The access token has expired")
    return row.client


# --- credentials ---------------------------------------------------------------------------
def credential_get(credential_id) -> CscCredential:
    if not isinstance(credential_id, str) or not credential_id:
        raise CscApiError(
            400, "invalid_request", "Missing (or invalid type) string parameter credentialID"
        )
    credential = (
        CscCredential.objects.select_related("account").filter(credential_id=credential_id).first()
    )
    if credential is None:
        raise CscApiError(400, "invalid_request", "Invalid parameter credentialID")
    return credential


def _hashes_decode(values) -> list[bytes]:
    if not isinstance(values, list) or not values:
        raise CscApiError(
            400, "invalid_request", "Missing (or invalid type) array parameter hashes"
        )
    decoded = []
    for value in values:
        try:
            digest = base64.b64decode(value, validate=True) if isinstance(value, str) else b""
        except (binascii.Error, ValueError):
            digest = b""
        if len(digest) != 32:  # SHA-256 only
            raise CscApiError(400, "invalid_request", "Invalid Base64 hash string parameter")
        decoded.append(digest)
    return decoded


# --- authorization (SCAL2) ------------------------------------------------------------------
def authorization_start(
    *,
    client: CscClient,
    credential_id,
    num_signatures,
    hashes,
    hash_algorithm_oid,
    description="",
) -> CscAuthorization:
    """Open a request the holder answers on the approval page; the client polls its handle."""
    credential = credential_get(credential_id)
    if not credential.enabled:
        raise CscApiError(
            400, "invalid_request", "The credential identified by credentialID is disabled"
        )
    if not isinstance(num_signatures, int) or isinstance(num_signatures, bool):
        raise CscApiError(
            400, "invalid_request", "Missing (or invalid type) integer parameter numSignatures"
        )
    if num_signatures < 1:
        raise CscApiError(400, "invalid_request", "Invalid value for parameter numSignatures")
    if num_signatures > MULTISIGN:
        raise CscApiError(400, "invalid_request", "Numbers of signatures is too high")
    if hash_algorithm_oid != SHA256:
        raise CscApiError(400, "invalid_request", "Invalid parameter hashAlgorithmOID")
    digests = _hashes_decode(hashes)
    if len(digests) != num_signatures or len(set(digests)) != len(digests):
        raise CscApiError(
            400, "invalid_request", "numSignatures must equal the number of distinct hashes"
        )
    if not isinstance(description, str) or len(description) > 500:
        raise CscApiError(400, "invalid_request", "Invalid parameter description")
    now = timezone.now()
    authorization = CscAuthorization.objects.create(
        handle=secrets.token_urlsafe(24),
        client=client,
        credential=credential,
        hashes=[base64.b64encode(d).decode() for d in digests],
        num_signatures=num_signatures,
        description=description,
        answer_by=now + timedelta(seconds=settings.CSC_SERVICE_APPROVAL_SECONDS),
    )
    log.info(
        "csc_authorization_requested",
        authorization_id=authorization.pk,
        credential_id=credential.credential_id,
        client_id=client.client_id,
        hashes=num_signatures,
    )
    return authorization


def _expire_overdue(**filters) -> None:
    CscAuthorization.objects.filter(
        state=AuthorizationState.PENDING, answer_by__lte=timezone.now(), **filters
    ).update(state=AuthorizationState.EXPIRED)


def authorization_decide(*, account: CscAccount, handle: str, approve: bool) -> CscAuthorization:
    """The holder's answer to a pending request for one of their credentials."""
    _expire_overdue(handle=handle)
    with transaction.atomic():
        authorization = (
            CscAuthorization.objects.select_for_update()
            .filter(handle=handle, credential__account=account)
            .first()
        )
        if authorization is None:
            raise CscAuthorization.DoesNotExist
        if authorization.state != AuthorizationState.PENDING:
            return authorization
        authorization.state = AuthorizationState.APPROVED if approve else AuthorizationState.REFUSED
        authorization.decided_at = timezone.now()
        authorization.save(update_fields=["state", "decided_at"])
    log.info(
        "csc_authorization_decided",
        authorization_id=authorization.pk,
        state=authorization.state,
        username=account.username,
    )
    return authorization


def authorization_check(*, client: CscClient, handle) -> tuple[CscAuthorization, str | None]:
    """The request's state; once approved, its SAD, handed out to this client once."""
    if not isinstance(handle, str) or not handle:
        raise CscApiError(
            400, "invalid_request", "Missing (or invalid type) string parameter handle"
        )
    _expire_overdue(handle=handle)
    authorization = CscAuthorization.objects.filter(handle=handle, client=client).first()
    if authorization is None:
        raise CscApiError(400, "invalid_request", "Invalid parameter handle")
    if authorization.state != AuthorizationState.APPROVED:
        return authorization, None
    sad = secrets.token_urlsafe(32)
    # Conditional: of two concurrent polls, one gets the SAD.
    handed = CscAuthorization.objects.filter(pk=authorization.pk, sad_hash__isnull=True).update(
        sad_hash=_digest(sad),
        sad_expires_at=timezone.now() + timedelta(seconds=settings.CSC_SERVICE_SAD_SECONDS),
    )
    if not handed:
        raise CscApiError(400, "invalid_request", "The SAD of this handle was already issued")
    return authorization, sad


def hashes_sign(
    *, client: CscClient, credential_id, sad, hashes, sign_algo, hash_algorithm_oid=None
) -> list[bytes]:
    """RSA PKCS#1 v1.5 signatures over the given SHA-256 digests, when the SAD was issued
    to this client for this credential and these hashes, is unused and still alive."""
    credential = credential_get(credential_id)
    if sign_algo not in (SHA256_WITH_RSA, RSA):
        raise CscApiError(400, "invalid_request", "Invalid parameter signAlgo")
    if hash_algorithm_oid not in (None, SHA256) or (sign_algo == RSA and not hash_algorithm_oid):
        raise CscApiError(400, "invalid_request", "Invalid parameter hashAlgorithmOID")
    if not isinstance(sad, str) or not sad:
        raise CscApiError(400, "invalid_request", "Missing (or invalid type) string parameter SAD")
    digests = _hashes_decode(hashes)
    authorization = CscAuthorization.objects.filter(
        sad_hash=_digest(sad), client=client, credential=credential
    ).first()
    now = timezone.now()
    if authorization is None:
        raise CscApiError(400, "invalid_request", "Invalid parameter SAD")
    if authorization.sad_used_at is not None:
        raise CscApiError(400, "invalid_request", "Invalid parameter SAD: already used")
    if authorization.sad_expires_at <= now:
        raise CscApiError(400, "invalid_request", "Invalid parameter SAD: expired")
    allowed = {base64.b64decode(h) for h in authorization.hashes}
    if not set(digests) <= allowed or len(digests) > authorization.num_signatures:
        log.warning("csc_sign_unauthorized_hash", authorization_id=authorization.pk)
        raise CscApiError(400, "invalid_request", "Hash is not authorized by the SAD")
    used = CscAuthorization.objects.filter(pk=authorization.pk, sad_used_at__isnull=True).update(
        sad_used_at=now
    )
    if not used:
        raise CscApiError(400, "invalid_request", "Invalid parameter SAD: already used")
    key = private_key_open(credential.private_key)
    signatures = [
        key.sign(d, padding.PKCS1v15(), Prehashed(crypto_hashes.SHA256())) for d in digests
    ]
    log.info(
        "csc_hashes_signed",
        authorization_id=authorization.pk,
        credential_id=credential.credential_id,
        count=len(signatures),
    )
    return signatures
