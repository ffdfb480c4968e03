"""RFC 3161 timestamps (dấu thời gian) over a signature: the one time a signer can prove.

A signature may carry a token from a time-stamping authority (TSA) over its SignatureValue,
as XAdES's ``SignatureTimeStamp/EncapsulatedTimeStamp``. Its time is trusted when the token
verifies (rfc3161-client), its imprint is the digest of that SignatureValue (raw, or its
element canonicalized), and the TSA's certificate chains to the trust store, valid and not
revoked at that time. Without a token the only trusted time is the receipt time.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from cryptography import x509
from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response

from core.refusals import Refused, err
from declarations.employers.pki.trust import chain_check

_HASHES = {
    "2.16.840.1.101.3.4.2.1": hashlib.sha256,
    "2.16.840.1.101.3.4.2.2": hashlib.sha384,
    "2.16.840.1.101.3.4.2.3": hashlib.sha512,
}
# TimeStampResp ::= SEQUENCE { status PKIStatusInfo (granted), timeStampToken }
_GRANTED = bytes.fromhex("3003020100")


def _der_length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _as_response(token: bytes) -> bytes:
    """A bare TimeStampToken (what XAdES embeds) as the response rfc3161-client reads."""
    body = _GRANTED + token
    return b"\x30" + _der_length(len(body)) + body


def _decode(token: bytes):
    for candidate in (token, _as_response(token)):
        try:
            return decode_timestamp_response(candidate)
        except Exception:  # noqa: BLE001,S112  (not this encoding: try the next)
            continue
    raise Refused(err("SIG_TIMESTAMP_INVALID", detail="not an RFC 3161 token"))


def _tsa_certificate(response) -> x509.Certificate:
    certs = [x509.load_der_x509_certificate(c) for c in response.signed_data.certificates]
    infos = list(response.signed_data.signer_infos)
    if len(infos) != 1:
        raise Refused(err("SIG_TIMESTAMP_INVALID", detail="signer"))
    info = infos[0]
    for cert in certs:
        if cert.issuer == info.issuer and cert.serial_number == info.serial_number:
            return cert
    raise Refused(err("TSA_UNTRUSTED", detail="the TSA's certificate is not in the token"))


def timestamp_time(token: bytes, *, stamped: tuple[bytes, ...], store) -> datetime:
    """The time the token proves the signature existed at, or :class:`Refused`.

    ``stamped``: the byte strings the imprint may be the digest of (see
    :class:`~.signatures.SignatureFacts`); ``store``: the trust store the TSA chains to."""
    response = _decode(token)
    info = response.tst_info
    hasher = _HASHES.get(info.message_imprint.hash_algorithm.dotted_string)
    if hasher is None:
        raise Refused(err("SIG_TIMESTAMP_INVALID", detail="hash algorithm"))
    imprint = info.message_imprint.message
    if not any(hasher(data).digest() == imprint for data in stamped):
        raise Refused(err("SIG_TIMESTAMP_INVALID", detail="not over this signature"))
    moment = info.gen_time
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    tsa = _tsa_certificate(response)
    try:
        chain_check(tsa, at=moment, store=store)
    except Refused:
        raise Refused(err("TSA_UNTRUSTED", detail=tsa.subject.rfc4514_string()[:200])) from None
    try:
        eku = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        eku = None
    if eku is None or x509.ExtendedKeyUsageOID.TIME_STAMPING not in eku.value:
        raise Refused(err("TSA_UNTRUSTED", detail="not a time-stamping certificate"))
    verifier = VerifierBuilder(tsa_certificate=tsa, roots=list(store.cas)).build()
    try:
        verifier.verify(response, imprint)
    except VerificationError as exc:
        raise Refused(err("SIG_TIMESTAMP_INVALID", detail=str(exc)[:200])) from None
    return moment
