"""OCSP (RFC 6960) for the certificates of a CA that has OCSP switched on.

Asked only when the certificate names a responder (its Authority Information Access) and
its CA, as data, says ``ocsp_enabled``: folder-only CAs are never asked, and intake without
OCSP pays nothing for it. An answer is believed only when it is signed by the issuer
itself or by a responder certificate the issuer gave the OCSP-signing purpose, names this
certificate and is current. Answers are cached for ``TRUST_OCSP_CACHE_SECONDS`` (the
Django cache, so every process shares them when it is Redis); a responder that does not
answer (or answers nonsense) gives ``None`` — the caller then falls back to the CRL — and is
not asked again for a minute.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
import structlog
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, ExtensionOID
from django.conf import settings
from django.core.cache import cache

log = structlog.get_logger(__name__)

MAX_RESPONSE_BYTES = 1024 * 1024
CLOCK_SKEW = timedelta(minutes=5)
UNREACHABLE = "unreachable"
UNREACHABLE_SECONDS = 60


@dataclass(frozen=True)
class OcspAnswer:
    status: str  # "good", "revoked" or "unknown"
    revoked_at: datetime | None
    good_until: datetime  # how long the answer is taken as it is


class OcspFailure(Exception):
    """No usable answer: unreachable, not signed by whom it should be, about another
    certificate, out of date."""


def ocsp_url(cert: x509.Certificate) -> str | None:
    """The first http(s) OCSP responder the certificate names, if any."""
    try:
        access = cert.extensions.get_extension_for_oid(
            ExtensionOID.AUTHORITY_INFORMATION_ACCESS
        ).value
    except x509.ExtensionNotFound:
        return None
    for item in access:
        if item.access_method == AuthorityInformationAccessOID.OCSP and isinstance(
            item.access_location, x509.UniformResourceIdentifier
        ):
            url = item.access_location.value
            if url.lower().startswith(("http://", "https://")):
                return url
    return None


def _cache_key(cert: x509.Certificate, issuer: x509.Certificate) -> str:
    issuer_id = issuer.fingerprint(hashes.SHA256()).hex()[:32]
    return f"declarations:ocsp:{issuer_id}:{cert.serial_number:x}"


def ocsp_answer(
    cert: x509.Certificate, issuer: x509.Certificate, *, now: datetime
) -> OcspAnswer | None:
    """The responder's word on ``cert`` (cached), or None when there is none to rely on."""
    url = ocsp_url(cert)
    if url is None:
        return None
    key = _cache_key(cert, issuer)
    try:
        cached = cache.get(key)
    except Exception:  # noqa: BLE001  (a cache outage only costs a request)
        cached = None
    if cached == UNREACHABLE:
        return None
    if cached is not None:
        status, revoked_at, good_until = cached
        if good_until > now:
            return OcspAnswer(status, revoked_at, good_until)
    try:
        answer = _ask(url, cert, issuer, now=now)
    except OcspFailure as exc:
        log.warning("ocsp_no_answer", url=url, serial=f"{cert.serial_number:x}", error=str(exc))
        _cache_set(key, UNREACHABLE, UNREACHABLE_SECONDS)
        return None
    seconds = max(1, int((answer.good_until - now).total_seconds()))
    _cache_set(key, (answer.status, answer.revoked_at, answer.good_until), seconds)
    return answer


def _cache_set(key, value, seconds) -> None:
    with contextlib.suppress(Exception):  # a cache outage only costs a later request
        cache.set(key, value, seconds)


def _ask(url: str, cert, issuer, *, now: datetime) -> OcspAnswer:
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()  # noqa: S303  (the CertID hash RFC 6960 responders expect)
    try:
        reply = requests.post(
            url,
            data=request.public_bytes(serialization.Encoding.DER),
            headers={
                "Content-Type": "application/ocsp-request",
                "Accept": "application/ocsp-response",
            },
            timeout=settings.TRUST_OCSP_TIMEOUT_SECONDS,
            stream=True,
        )
        body = reply.raw.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
    except requests.RequestException as exc:
        raise OcspFailure(f"unreachable: {exc.__class__.__name__}") from None
    if reply.status_code != 200:
        raise OcspFailure(f"HTTP {reply.status_code}")
    if len(body) > MAX_RESPONSE_BYTES:
        raise OcspFailure("response too large")
    try:
        parsed = ocsp.load_der_ocsp_response(body)
    except ValueError:
        raise OcspFailure("not an OCSP response") from None
    if parsed.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise OcspFailure(f"responder status {parsed.response_status.name}")
    signer = _responder(parsed, issuer, now=now)
    _signature_verify(signer.public_key(), parsed)
    return _single(parsed, cert, issuer, now=now)


def _key_hash(cert: x509.Certificate) -> bytes:
    # SHA-1 of the subjectPublicKey BIT STRING: what ResponderID byKey carries.
    return x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest


def _names(parsed, cert: x509.Certificate) -> bool:
    if parsed.responder_key_hash is not None:
        return parsed.responder_key_hash == _key_hash(cert)
    return parsed.responder_name == cert.subject


def _responder(parsed, issuer: x509.Certificate, *, now: datetime) -> x509.Certificate:
    """The issuer, or a responder certificate it issued for OCSP signing, valid now."""
    if _names(parsed, issuer):
        return issuer
    for candidate in parsed.certificates:
        if not _names(parsed, candidate) or candidate.issuer != issuer.subject:
            continue
        try:
            candidate.verify_directly_issued_by(issuer)
            usage = candidate.extensions.get_extension_for_oid(
                ExtensionOID.EXTENDED_KEY_USAGE
            ).value
        except Exception:  # noqa: BLE001, S112  (not issued by the issuer, or no EKU)
            continue
        valid = candidate.not_valid_before_utc <= now <= candidate.not_valid_after_utc
        if ExtendedKeyUsageOID.OCSP_SIGNING in usage and valid:
            return candidate
    raise OcspFailure("not signed by the issuer or a responder it authorised")


def _signature_verify(key, parsed) -> None:
    algorithm = parsed.signature_hash_algorithm
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(parsed.signature, parsed.tbs_response_bytes, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(parsed.signature, parsed.tbs_response_bytes, ec.ECDSA(algorithm))
        else:
            raise OcspFailure("unsupported responder key")
    except OcspFailure:
        raise
    except Exception:  # noqa: BLE001  (InvalidSignature, unsupported algorithm)
        raise OcspFailure("signature does not verify") from None


def _single(parsed, cert, issuer, *, now: datetime) -> OcspAnswer:
    # The request's CertID used SHA-1; the answer about it echoes that CertID.
    digest = hashes.Hash(hashes.SHA1())  # noqa: S303  (RFC 6960 CertID, not a signature)
    digest.update(issuer.subject.public_bytes())
    name_hash = digest.finalize()
    for single in parsed.responses:
        if (
            not isinstance(single.hash_algorithm, hashes.SHA1)
            or single.serial_number != cert.serial_number
            or single.issuer_name_hash != name_hash
            or single.issuer_key_hash != _key_hash(issuer)
        ):
            continue
        if single.this_update_utc > now + CLOCK_SKEW:
            raise OcspFailure("answer from the future")
        if single.next_update_utc is not None and single.next_update_utc < now - CLOCK_SKEW:
            raise OcspFailure("answer out of date")
        good_until = now + timedelta(seconds=settings.TRUST_OCSP_CACHE_SECONDS)
        if single.next_update_utc is not None:
            good_until = min(good_until, single.next_update_utc + CLOCK_SKEW)
        status = {
            ocsp.OCSPCertStatus.GOOD: "good",
            ocsp.OCSPCertStatus.REVOKED: "revoked",
        }.get(single.certificate_status, "unknown")
        revoked_at = single.revocation_time_utc if status == "revoked" else None
        return OcspAnswer(status, revoked_at, good_until)
    raise OcspFailure("the answer is about another certificate")
