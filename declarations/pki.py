"""A demo PKI for tests, the demo and software-certificate users: a CA, its CRL, and
employer certificates carrying the MST in the subject UID (``MST:0101300842``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@dataclass
class Issued:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)


def _key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def ca_create(*, name: str = "BHXH Demo CA", days: int = 3650, key=None) -> Issued:
    key = key or _key()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=3650))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return Issued(key, cert)


def employer_cert_create(
    ca: Issued,
    *,
    mst: str,
    name: str,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    signing: bool = True,
    key=None,
) -> Issued:
    """An employer certificate issued by ``ca``: subject UID ``MST:<mst>``."""
    key = key or _key()
    now = datetime.now(UTC)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.USER_ID, f"MST:{mst}"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    usage = (
        x509.KeyUsage(True, True, False, False, False, False, False, False, False)
        if signing
        else x509.KeyUsage(False, False, True, False, False, False, False, False, False)
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=30))
        .not_valid_after(not_after or now + timedelta(days=730))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .sign(ca.key, hashes.SHA256())
    )
    return Issued(key, cert)


def self_signed_create(*, mst: str, name: str) -> Issued:
    key = _key()
    now = datetime.now(UTC)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.USER_ID, f"MST:{mst}"),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=30))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return Issued(key, cert)


def crl_create(ca: Issued, revoked: list[x509.Certificate]) -> bytes:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(now - timedelta(days=1))
        .next_update(now + timedelta(days=30))
    )
    for cert in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(now - timedelta(hours=1))
            .build()
        )
    return builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def demo_pki_write(out: Path, employers: list[tuple[str, str, str]]) -> dict[str, Path]:
    """Write a CA (``ca/ca.pem`` + ``ca/ca.crl``: the TRUSTED_CA_DIR) and, per employer
    (unit code, MST, name), ``<unit>.key.pem`` and ``<unit>.cert.pem``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "ca").mkdir(exist_ok=True)
    ca = ca_create()
    (out / "ca" / "ca.pem").write_bytes(ca.cert_pem)
    (out / "ca-key.pem").write_bytes(ca.key_pem)
    (out / "ca" / "ca.crl").write_bytes(crl_create(ca, []))
    written = {"ca": out / "ca"}
    for unit_code, mst, name in employers:
        issued = employer_cert_create(ca, mst=mst, name=name)
        (out / f"{unit_code}.key.pem").write_bytes(issued.key_pem)
        (out / f"{unit_code}.cert.pem").write_bytes(issued.cert_pem)
        written[unit_code] = out / f"{unit_code}.cert.pem"
    return written
