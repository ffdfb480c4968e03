"""CA operations: download each licensed CA's CRL, verify it, keep the last good one.

For every active CA held as data (:class:`~declarations.models.CertificateAuthority`) with
certificate(s) and CRL URL(s), each URL is downloaded (``TRUST_CRL_TIMEOUT_SECONDS``, at
most ``TRUST_CRL_MAX_BYTES``), parsed (DER or PEM) and kept only when it is signed by one
of the CA's certificates, carries a nextUpdate, does not claim a thisUpdate in the future
and is not older than the CRL already kept for that certificate (a replayed old CRL could
un-revoke certificates). Anything else is recorded as the CA's ``last_error`` and the last
good CRL stays in use. The beat job ``trust-crl-refresh`` and ``manage.py trust_refresh``
both come here; every new CRL, every new failure and the recovery are audit entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests
import structlog
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import audit
from declarations.employers.models import CaRevocationList, CertificateAuthority
from declarations.employers.models.trust import issuer_key
from declarations.employers.pki.trust import trust_changed

log = structlog.get_logger(__name__)

CLOCK_SKEW = timedelta(minutes=5)


class _Bad(Exception):
    """A CRL that is not kept, and why."""


@dataclass
class RefreshOutcome:
    code: str
    stored: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def crl_download(url: str) -> bytes:
    """The bytes at ``url``, within the timeout and size limits."""
    limit = settings.TRUST_CRL_MAX_BYTES
    try:
        with requests.get(
            url,
            timeout=(10, settings.TRUST_CRL_TIMEOUT_SECONDS),
            stream=True,
            headers={"User-Agent": "bhxh-portal trust_refresh"},
        ) as reply:
            if reply.status_code != 200:
                raise _Bad(f"HTTP {reply.status_code}")
            chunks, size = [], 0
            for chunk in reply.iter_content(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise _Bad(f"larger than {limit} bytes")
                chunks.append(chunk)
    except requests.RequestException as exc:
        raise _Bad(f"download failed ({exc.__class__.__name__})") from None
    return b"".join(chunks)


def _crl_parse(raw: bytes) -> x509.CertificateRevocationList:
    try:
        if raw.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_crl(raw.strip())
        return x509.load_der_x509_crl(raw)
    except ValueError:
        raise _Bad("not a CRL (DER or PEM)") from None


def _crl_check(crl, certificates, *, now: datetime) -> x509.Certificate:
    """The CA certificate that signed ``crl``, or why it is not kept."""
    issuer = next(
        (
            cert
            for cert in certificates
            if crl.issuer == cert.subject and crl.is_signature_valid(cert.public_key())
        ),
        None,
    )
    if issuer is None:
        raise _Bad("not signed by a certificate of this CA")
    if crl.next_update_utc is None:
        raise _Bad("no nextUpdate")
    if crl.last_update_utc > now + CLOCK_SKEW:
        raise _Bad(f"thisUpdate in the future ({crl.last_update_utc:%Y-%m-%d %H:%M} UTC)")
    return issuer


def authority_refresh(*, authority_id: int, now: datetime | None = None) -> RefreshOutcome:
    """Fetch the CRLs of one CA and keep each one that is good and newer than the one held."""
    now = now or timezone.now()
    authority = CertificateAuthority.objects.get(pk=authority_id)
    outcome = RefreshOutcome(authority.code)
    certificates, urls = authority.certificates(), authority.crl_url_list()
    if not (authority.active and certificates and urls):
        return outcome
    fetched = []
    for url in urls:  # downloads outside any transaction: nothing is locked meanwhile
        try:
            crl = _crl_parse(crl_download(url))
            _crl_check(crl, certificates, now=now)
        except _Bad as exc:
            outcome.errors.append(f"{url}: {exc}")
            continue
        fetched.append((url, crl))
    with transaction.atomic():
        authority = CertificateAuthority.objects.select_for_update().get(pk=authority_id)
        held = {row.issuer_key: row for row in authority.crls.select_for_update()}
        for url, crl in fetched:
            _crl_keep(authority, held, url, crl, now=now, outcome=outcome)
        _attempt_record(authority, outcome, now=now)
        if outcome.stored:
            trust_changed()
    log.info(
        "trust_crl_refresh",
        ca=outcome.code,
        stored=outcome.stored,
        unchanged=outcome.unchanged,
        errors=len(outcome.errors),
    )
    return outcome


def _crl_keep(authority, held, url, crl, *, now, outcome) -> None:
    key = issuer_key(crl.issuer)
    row = held.get(key)
    this_update = crl.last_update_utc
    if row is not None and this_update < row.this_update:
        outcome.errors.append(
            f"{url}: older than the CRL kept (thisUpdate {this_update:%Y-%m-%d %H:%M} UTC "
            f"< {row.this_update:%Y-%m-%d %H:%M} UTC)"
        )
        return
    if row is not None and this_update == row.this_update:
        outcome.unchanged += 1  # the same CRL again (or from a mirror)
        return
    previous = row.this_update if row is not None else None
    row = row or CaRevocationList(authority=authority, issuer_key=key)
    row.issuer = crl.issuer.rfc4514_string()[:500]
    row.der = crl.public_bytes(serialization.Encoding.DER)
    row.this_update = this_update
    row.next_update = crl.next_update_utc
    row.entries = len(crl)
    row.source_url = url[:500]
    row.fetched_at = now
    row.save()
    held[key] = row
    outcome.stored += 1
    audit.record(
        None,
        "trust.crl_updated",
        authority,
        data={
            "issuer": row.issuer,
            "this_update": this_update.isoformat(),
            "next_update": row.next_update.isoformat(),
            "previous_this_update": previous.isoformat() if previous else None,
            "entries": row.entries,
            "url": url,
        },
    )


def _attempt_record(authority, outcome: RefreshOutcome, *, now) -> None:
    error = "\n".join(outcome.errors)
    if error and error != authority.last_error:
        audit.record(None, "trust.crl_refresh_failed", authority, data={"errors": outcome.errors})
    elif not error and authority.last_error:
        audit.record(None, "trust.crl_refresh_recovered", authority, data={})
    # update(): the attempt is no change of what the trust store holds (updated_at stays).
    CertificateAuthority.objects.filter(pk=authority.pk).update(
        last_attempt_at=now, last_error=error
    )


def authorities_to_refresh(codes: list[str] | None = None) -> list[int]:
    """The CAs a refresh run covers: active, with CRL URLs (``codes`` to choose some)."""
    found = CertificateAuthority.objects.filter(active=True).exclude(crl_urls="")
    if codes:
        found = found.filter(code__in=codes)
    return list(found.order_by("code").values_list("pk", flat=True))


def trust_refresh(*, codes: list[str] | None = None) -> list[RefreshOutcome]:
    """Refresh every CA in turn (the command; the beat job fans out one task per CA)."""
    return [authority_refresh(authority_id=pk) for pk in authorities_to_refresh(codes)]
