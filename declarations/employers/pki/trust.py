"""The trust store of licensed CAs (tổ chức cung cấp dịch vụ chứng thực chữ ký số).

Two sources, read together by :func:`trust_store`:

- ``TRUSTED_CA_DIR``, a folder of PEM (or DER) CA certificates and CRL files, kept by hand
  (and by the demo); its CRLs are used as they are, whatever their nextUpdate.
- the CAs as data (:class:`~declarations.models.CertificateAuthority`, active ones) with the
  last good CRL the refresh job fetched for each of their certificates. For those CAs a CRL
  past its nextUpdate for longer than ``TRUST_CRL_GRACE_HOURS`` (or none fetched that long
  after the CA was switched on) leaves a certificate's status unknown: refused with
  ``CERT_STATUS_UNKNOWN``. When the CA has OCSP on and the certificate names a responder,
  the responder is asked first (:mod:`.ocsp`); no answer falls back to the CRL.

A signer's certificate is trusted when it chains to one of those CAs, each link valid at
the trusted time ``at`` (receipt time or an RFC 3161 timestamp), and no issuer in the chain
revoked it at or before ``at``.

Intake reads the store once per dossier: the folder's listing (as before) and a version
stamp in the Django cache (shared by all processes when it is Redis), bumped by the admin
and the refresh job whenever the CAs or CRLs change (:func:`trust_changed`). Besides, each
process looks at a summary of the tables (counts, latest changes) every
``TRUST_STORE_RECHECK_SECONDS``: a change no bump announced (another process without the
shared cache, a bulk update) is seen within that time. Never a query per signature.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog
from cryptography import x509
from cryptography.x509.oid import ExtensionOID, NameOID
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import Count, Max
from stdnum.vn import mst as mst_check

from core.refusals import Refused, err
from declarations.employers.models import CaRevocationList, CertificateAuthority
from declarations.employers.models.trust import issuer_key
from declarations.employers.pki.ocsp import ocsp_answer

log = structlog.get_logger(__name__)

MAX_CHAIN = 5
VERSION_KEY = "declarations:trust:version"
_MST = re.compile(r"MST:\s*(\d{10}(?:-?\d{3})?)", re.IGNORECASE)


def load_certificate(data: bytes) -> x509.Certificate:
    """Read a certificate given as PEM, DER or a .cer file (either of those)."""
    text = data.strip()
    try:
        if text.startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(text)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise Refused(err("CERT_MALFORMED")) from None


@dataclass(frozen=True)
class Managed:
    """What the store knows of a CA certificate that comes from the CAs as data."""

    code: str
    crl_expected: bool  # the CA has CRL URLs: its CRL must be kept current
    crl_next_update: datetime | None  # of the last good CRL held, None when none yet
    active_since: datetime | None
    ocsp: bool


@dataclass
class _Store:
    cas: list[x509.Certificate]
    crls: list[x509.CertificateRevocationList]
    stamp: tuple
    path: str = ""
    # CA certificate (compared by its bytes) → Managed, for the CAs held as data
    managed: dict = field(default_factory=dict)


@dataclass(frozen=True)
class _DbPart:
    cas: list
    crls: list
    managed: dict
    db_stamp: tuple
    version: object
    checked: float  # time.monotonic() of the last look at the database
    generation: int = 0  # one per load: what the combined store is keyed on


_EMPTY = _DbPart([], [], {}, (), None, 0.0)
_generations = itertools.count(1)
_folders: dict[str, _Store] = {}
_cache: dict[str, _Store] = {}
_db: _DbPart | None = None
_lock = threading.Lock()


def _load_dir(path: Path) -> _Store:
    cas, crls = [], []
    for entry in sorted(path.iterdir()) if path.is_dir() else []:
        if not entry.is_file():
            continue
        raw = entry.read_bytes()
        if b"-----BEGIN X509 CRL" in raw or entry.suffix.lower() == ".crl":
            try:
                crls.append(
                    x509.load_pem_x509_crl(raw)
                    if raw.lstrip().startswith(b"-----")
                    else x509.load_der_x509_crl(raw)
                )
            except ValueError:
                continue
            continue
        for block in re.findall(
            rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", raw, re.S
        ):
            try:
                cas.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                continue
        if entry.suffix.lower() in {".der", ".cer", ".crt"} and not raw.lstrip().startswith(
            b"-----"
        ):
            try:
                cas.append(x509.load_der_x509_certificate(raw))
            except ValueError:
                continue
    return _Store(cas, crls, _stamp(path), str(path))


def _stamp(path: Path) -> tuple:
    if not path.is_dir():
        return ()
    stamp = []
    for entry in os.scandir(path):
        info = entry.stat()
        stamp.append((entry.name, info.st_mtime_ns, info.st_size))
    return tuple(sorted(stamp))


def trust_store(directory: str | Path | None = None) -> _Store:
    """The CAs and CRLs of ``TRUSTED_CA_DIR`` and of the active CAs held as data (re-read
    when the folder or the data change)."""
    path = Path(directory or settings.TRUSTED_CA_DIR)
    key = str(path)
    folder_stamp = _stamp(path)
    db = _db_part()
    stamp = (folder_stamp, db.generation)
    with _lock:
        store = _cache.get(key)
        if store is None or store.stamp != stamp:
            folder = _folders.get(key)
            if folder is None or folder.stamp != folder_stamp:
                folder = _folders[key] = _load_dir(path)
            store = _cache[key] = _Store(
                folder.cas + db.cas, folder.crls + db.crls, stamp, key, db.managed
            )
        return store


def _version() -> object:
    try:
        return cache.get(VERSION_KEY)
    except Exception:  # noqa: BLE001  (cache down: the periodic database look still works)
        return None


def trust_changed() -> None:
    """Tell every process the CAs or CRLs held as data changed: now (so a reader does not
    keep what it has) and again after the transaction commits (so a reader that looked
    before the commit reads again)."""

    def bump():
        try:
            cache.set(VERSION_KEY, uuid.uuid4().hex, None)
        except Exception:  # noqa: BLE001
            log.warning("trust_version_bump_failed")
        global _db
        _db = None

    bump()
    transaction.on_commit(bump)


def trust_caches_clear() -> None:
    """Forget everything read (the tests, after rolling the data back)."""
    global _db, _version_seen
    _version_seen = (-1e9, None)
    with _lock:
        _db = None
        _cache.clear()
        _folders.clear()
        _verdicts.clear()


# Another process's announcement (trust_changed) is read from the cache at most this often:
# a look-up per dossier cost intake more than the rest of the trust store.
_VERSION_POLL_SECONDS = 1.0
_version_seen: tuple[float, object] = (-1e9, None)


def _version_polled(now: float, *, force: bool = False) -> object:
    global _version_seen
    read_at, version = _version_seen
    if force or now - read_at >= _VERSION_POLL_SECONDS:
        version = _version()
        _version_seen = (now, version)
    return version


def _db_part() -> _DbPart:
    global _db
    now = time.monotonic()
    current = _db
    version = _version_polled(now, force=current is None)
    if (
        current is not None
        and current.version == version
        and now - current.checked < settings.TRUST_STORE_RECHECK_SECONDS
    ):
        return current
    try:
        db_stamp = _db_stamp()
        if current is not None and current.db_stamp == db_stamp:
            fresh = replace(current, version=version, checked=now)
        else:
            fresh = _db_load(db_stamp, version, now)
    except (DatabaseError, RuntimeError) as exc:  # no database (yet), or none allowed here
        log.warning("trust_store_database_unavailable", error=str(exc)[:200])
        return current or _EMPTY
    _db = fresh
    return fresh


def _db_stamp() -> tuple:

    authorities = CertificateAuthority.objects.aggregate(
        n=Count("id"), at=Max("updated_at"), on=Max("activated_at")
    )
    crls = CaRevocationList.objects.aggregate(
        n=Count("id"), at=Max("updated_at"), last=Max("this_update")
    )
    return tuple(authorities.values()) + tuple(crls.values())


def _db_load(db_stamp: tuple, version, now: float) -> _DbPart:
    cas, crls, managed = [], [], {}
    for authority in CertificateAuthority.objects.filter(active=True).prefetch_related("crls"):
        held = {}
        for row in authority.crls.all():
            try:
                held[row.issuer_key] = (row.crl(), row.next_update)
            except ValueError:
                continue
        expected = bool(authority.crl_url_list())
        for cert in authority.certificates():
            cas.append(cert)
            crl, next_update = held.get(issuer_key(cert.subject), (None, None))
            if crl is not None:
                crls.append(crl)
            managed[cert] = Managed(
                authority.code,
                expected,
                next_update,
                authority.activated_at,
                authority.ocsp_enabled,
            )
    return _DbPart(cas, crls, managed, db_stamp, version, now, next(_generations))


def _valid_at(cert: x509.Certificate, at: datetime) -> bool:
    return cert.not_valid_before_utc <= at <= cert.not_valid_after_utc


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:  # noqa: BLE001  (any failure: not the issuer)
        return False
    return True


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return cert.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.ca
    except x509.ExtensionNotFound:
        return False


def validity_check(cert: x509.Certificate, *, at: datetime) -> None:
    """Refuse a certificate outside its validity period at ``at``."""
    if at < cert.not_valid_before_utc:
        raise Refused(
            err("CERT_NOT_YET_VALID", date=cert.not_valid_before_utc.strftime("%d/%m/%Y"))
        )
    if at > cert.not_valid_after_utc:
        raise Refused(err("CERT_EXPIRED", date=cert.not_valid_after_utc.strftime("%d/%m/%Y")))


@dataclass
class _Verdict:
    """A chain found good: for how long (stale CRL deadline, OCSP answer's life) and for
    which trusted times (before the earliest revocation seen that came after ``at``)."""

    good_until: datetime | None = None
    at_before: datetime | None = None

    def holds(self, *, at: datetime, now: datetime) -> bool:
        return (self.good_until is None or now < self.good_until) and (
            self.at_before is None or at < self.at_before
        )

    def limit(self, *, good_until=None, at_before=None) -> None:
        if good_until is not None:
            self.good_until = min(filter(None, (self.good_until, good_until)))
        if at_before is not None:
            self.at_before = min(filter(None, (self.at_before, at_before)))


_verdicts: dict[tuple, _Verdict] = {}


def chain_check(cert: x509.Certificate, *, at: datetime, store: _Store | None = None) -> None:
    """Chain ``cert`` to a trusted CA valid at ``at`` and check no issuer revoked any link
    at or before ``at`` (OCSP when the CA has it on, else the CRLs held) and that the
    revocation data of a CA held as data is not stale beyond the grace period.

    A success is remembered for the same certificate, trust store contents and day (the
    envelope and each form of a dossier are usually signed with one certificate), as long
    as what it rested on holds (see :class:`_Verdict`)."""
    store = store or trust_store()
    now = now_utc()
    # The certificate itself is the key (hashed and compared by its DER bytes; the same
    # object for a dossier's signatures): no digest computed per signature.
    key = (cert, store.path, store.stamp, at.date())
    known = _verdicts.get(key)
    if known is not None and known.holds(at=at, now=now):
        return
    verdict = _Verdict()
    _chain_walk(cert, at=at, store=store, now=now, verdict=verdict)
    if len(_verdicts) > 10_000:
        _verdicts.clear()
    _verdicts[key] = verdict


def _chain_walk(
    cert: x509.Certificate, *, at: datetime, store: _Store, now=None, verdict=None
) -> list:
    now = now or now_utc()
    verdict = verdict if verdict is not None else _Verdict()
    chain = [cert]
    current = cert
    for _ in range(MAX_CHAIN):
        issuers = [
            ca for ca in store.cas if _is_ca(ca) and _valid_at(ca, at) and _issued_by(current, ca)
        ]
        if not issuers:
            raise Refused(err("CERT_UNTRUSTED"))
        issuer = issuers[0]
        _revocation_check(current, issuer, store=store, at=at, now=now, verdict=verdict)
        chain.append(issuer)
        if issuer.issuer == issuer.subject:
            return chain
        current = issuer
    raise Refused(err("CERT_UNTRUSTED"))


def _revocation_check(cert, issuer, *, store: _Store, at: datetime, now: datetime, verdict):
    """Refuse ``cert`` when its issuer revoked it at or before the trusted time ``at``
    (OCSP first when the CA has it on and the certificate names a responder, then every
    CRL of that issuer held), or when the issuer is a CA held as data whose revocation
    data is stale beyond ``TRUST_CRL_GRACE_HOURS``."""
    managed = store.managed.get(issuer)
    fresh_ocsp = None
    if managed is not None and managed.ocsp:
        answer = ocsp_answer(cert, issuer, now=now)
        if answer is not None:
            if answer.status == "revoked":
                if answer.revoked_at is None or answer.revoked_at <= at:
                    raise Refused(err("CERT_REVOKED"))
                verdict.limit(at_before=answer.revoked_at)
            elif answer.status == "unknown":
                raise Refused(err("CERT_STATUS_UNKNOWN", ca=managed.code))
            fresh_ocsp = answer.good_until
    for crl in store.crls:
        if crl.issuer != issuer.subject or not crl.is_signature_valid(issuer.public_key()):
            continue
        revoked = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if revoked is not None:
            if revoked.revocation_date_utc <= at:
                raise Refused(err("CERT_REVOKED"))
            verdict.limit(at_before=revoked.revocation_date_utc)
    if fresh_ocsp is not None:
        verdict.limit(good_until=fresh_ocsp)
        return
    if managed is None or not managed.crl_expected:
        return  # a folder CA, or one held as data without a CRL: today's behaviour
    deadline = crl_deadline(managed, now=now)
    if now > deadline:
        raise Refused(err("CERT_STATUS_UNKNOWN", ca=managed.code))
    verdict.limit(good_until=deadline)


def crl_deadline(managed: Managed, *, now: datetime) -> datetime:
    """When a CA's revocation data stops being good enough: its CRL's nextUpdate (or, with
    none held yet, the time the CA was switched on) plus the grace period."""
    base = managed.crl_next_update or managed.active_since or now
    return base + timedelta(hours=settings.TRUST_CRL_GRACE_HOURS)


def signing_usage_check(cert: x509.Certificate) -> None:
    """The certificate must allow digital signatures (keyUsage digitalSignature or nonRepudiation)."""
    try:
        usage = cert.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE).value
    except x509.ExtensionNotFound:
        raise Refused(err("CERT_KEY_USAGE")) from None
    if not (usage.digital_signature or usage.content_commitment):
        raise Refused(err("CERT_KEY_USAGE"))


def certificate_mst(cert: x509.Certificate) -> str | None:
    """The tax code in the subject's UID attribute (``MST:0101300842`` or a branch ``-999``)."""
    for attr in cert.subject.get_attributes_for_oid(NameOID.USER_ID):
        match = _MST.search(str(attr.value))
        if match:
            return match.group(1).replace("-", "")
    return None


def mst_matches(cert: x509.Certificate, tax_code: str) -> bool:
    """Does the certificate's MST belong to the employer with ``tax_code`` (a branch counts)?"""
    found = certificate_mst(cert)
    wanted = mst_check.compact(tax_code)
    if not found:
        return False
    return found == wanted or found[:10] == wanted


def now_utc() -> datetime:
    return datetime.now(UTC)
