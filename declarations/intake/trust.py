"""The trust store of licensed CAs (tổ chức cung cấp dịch vụ chứng thực chữ ký số).

``TRUSTED_CA_DIR`` is a folder of PEM (or DER) CA certificates and CRL files. A signer's
certificate is trusted when it chains to one of those CAs, each link valid at the time that
matters (the signing time), and no CRL of an issuer in the chain lists it.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtensionOID, NameOID
from django.conf import settings
from stdnum.vn import mst as mst_check

from .errors import Refused, err

MAX_CHAIN = 5
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


@dataclass
class _Store:
    cas: list[x509.Certificate]
    crls: list[x509.CertificateRevocationList]
    stamp: tuple
    path: str = ""


_cache: dict[str, _Store] = {}
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
    """The CAs and CRLs in ``TRUSTED_CA_DIR`` (re-read when the folder changes)."""
    path = Path(directory or settings.TRUSTED_CA_DIR)
    key = str(path)
    stamp = _stamp(path)
    with _lock:
        store = _cache.get(key)
        if store is None or store.stamp != stamp:
            store = _cache[key] = _load_dir(path)
        return store


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


_verdicts: dict[tuple, bool] = {}


def chain_check(cert: x509.Certificate, *, at: datetime, store: _Store | None = None) -> None:
    """Chain ``cert`` to a trusted CA valid at ``at`` and check no CRL revokes any link.

    A success is remembered for the same certificate, trust store contents and day (the
    envelope and each form of a dossier are usually signed with one certificate)."""
    store = store or trust_store()
    # The certificate itself is the key (hashed and compared by its DER bytes; the same
    # object for a dossier's signatures): no digest computed per signature.
    key = (cert, store.path, store.stamp, at.date())
    if _verdicts.get(key):
        return
    _chain_walk(cert, at=at, store=store)
    if len(_verdicts) > 10_000:
        _verdicts.clear()
    _verdicts[key] = True


def _chain_walk(cert: x509.Certificate, *, at: datetime, store: _Store) -> list:
    chain = [cert]
    current = cert
    for _ in range(MAX_CHAIN):
        issuers = [
            ca for ca in store.cas if _is_ca(ca) and _valid_at(ca, at) and _issued_by(current, ca)
        ]
        if not issuers:
            raise Refused(err("CERT_UNTRUSTED"))
        issuer = issuers[0]
        _revocation_check(current, issuer, store=store)
        chain.append(issuer)
        if issuer.issuer == issuer.subject:
            return chain
        current = issuer
    raise Refused(err("CERT_UNTRUSTED"))


def _revocation_check(cert, issuer, *, store: _Store) -> None:
    """A certificate listed on its issuer's CRL is refused, whatever the claimed signing time."""
    for crl in store.crls:
        if crl.issuer != issuer.subject or not crl.is_signature_valid(issuer.public_key()):
            continue
        revoked = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if revoked is not None:
            raise Refused(err("CERT_REVOKED"))


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
