"""A demo PKI for tests, the demo and software-certificate users: a CA, its CRL, and
employer certificates carrying the MST in the subject UID (``MST:0101300842``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID


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
    ocsp_url: str | None = None,
) -> Issued:
    """An employer certificate issued by ``ca``: subject UID ``MST:<mst>`` (naming an OCSP
    responder in its Authority Information Access when ``ocsp_url``)."""
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
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=30))
        .not_valid_after(not_after or now + timedelta(days=730))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
    )
    if ocsp_url:
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
                    )
                ]
            ),
            critical=False,
        )
    return Issued(key, builder.sign(ca.key, hashes.SHA256()))


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


def crl_create(
    ca: Issued,
    revoked: list[x509.Certificate],
    *,
    this_update: datetime | None = None,
    next_update: datetime | None = None,
    revoked_at: datetime | None = None,
    signing_key=None,
    encoding: serialization.Encoding = serialization.Encoding.PEM,
) -> bytes:
    """A CRL of ``ca`` listing ``revoked`` (revoked an hour ago unless ``revoked_at``);
    ``signing_key`` signs it in place of the CA's key (a forged CRL)."""
    now = datetime.now(UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(this_update or now - timedelta(days=1))
        .next_update(next_update or now + timedelta(days=30))
    )
    for cert in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(revoked_at or now - timedelta(hours=1))
            .build()
        )
    return builder.sign(signing_key or ca.key, hashes.SHA256()).public_bytes(encoding)


def ocsp_responder_create(ca: Issued, *, name: str = "OCSP Responder") -> Issued:
    """A delegated OCSP responder of ``ca`` (extendedKeyUsage id-kp-OCSPSigning)."""
    key = _key()
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    return Issued(key, cert)


def ocsp_response_create(
    ca: Issued,
    cert: x509.Certificate,
    *,
    status: str = "good",
    revoked_at: datetime | None = None,
    responder: Issued | None = None,
    this_update: datetime | None = None,
    next_update: datetime | None = None,
) -> bytes:
    """A DER OCSP response about ``cert`` (``good``, ``revoked`` or ``unknown``), signed by
    ``responder`` (a delegated responder, or any key to forge one) or by the CA itself."""
    now = datetime.now(UTC)
    cert_status = {
        "good": ocsp.OCSPCertStatus.GOOD,
        "revoked": ocsp.OCSPCertStatus.REVOKED,
        "unknown": ocsp.OCSPCertStatus.UNKNOWN,
    }[status]
    signer = responder or ca
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response(
            cert=cert,
            issuer=ca.cert,
            algorithm=hashes.SHA1(),  # noqa: S303  (the CertID hash responders use)
            cert_status=cert_status,
            this_update=this_update or now - timedelta(minutes=5),
            next_update=next_update or now + timedelta(hours=1),
            revocation_time=(revoked_at or now - timedelta(hours=1))
            if status == "revoked"
            else None,
            revocation_reason=None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, signer.cert)
    )
    if responder is not None:
        builder = builder.certificates([responder.cert])
    return builder.sign(signer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


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


def tsa_cert_create(ca: Issued, *, name: str = "BHXH Demo TSA") -> Issued:
    """A time-stamping authority's certificate (RFC 3161: critical EKU timeStamping)."""
    key = _key()
    now = datetime.now(UTC)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=30))
        .not_valid_after(now + timedelta(days=730))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
        .sign(ca.key, hashes.SHA256())
    )
    return Issued(key, cert)


def agency_cert_create(
    ca: Issued,
    *,
    public_key,
    name: str = "Bảo hiểm xã hội Việt Nam",
    office: str = "",
    days: int = 730,
) -> x509.Certificate:
    """The agency's (or an office's) signing certificate issued by ``ca`` for a key made
    in an HSM: only its ``public_key`` is given, the private key never leaves the token."""
    now = datetime.now(UTC)
    names = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Bảo hiểm xã hội Việt Nam"),
    ]
    if office:
        names.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, office))
    names.append(x509.NameAttribute(NameOID.COMMON_NAME, name))
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name(names))
        .issuer_name(ca.cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(ca.key, hashes.SHA256())
    )
