"""PKCS#11 access to the employer's token: presence, certificates, login and signing.

One lock around every call into the module: tokens are serial devices and a removed token
makes the library re-initialise, which must not race another thread's session."""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC

import pkcs11
from cryptography import x509
from pkcs11 import Attribute, CertificateType, KeyType, Mechanism, ObjectClass, TokenFlag
from pkcs11 import exceptions as ck

from bhxh_signer.errors import SignerError

log = logging.getLogger("bhxh_signer")

# DER DigestInfo prefix of SHA-256 (RFC 8017 §9.2): CKM_RSA_PKCS over prefix + digest is
# RSASSA-PKCS1-v1_5 with SHA-256, i.e. an XMLDSig RSA-SHA256 SignatureValue.
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")

# The PIN pad of a token with a protected authentication path asks for the PIN itself.
PROTECTED = pkcs11.PROTECTED_AUTH
LOGIN_PAD = "pad"
LOGIN_CONSOLE = "console"

_PIN_WRONG = (ck.PinIncorrect, ck.PinInvalid, ck.PinLenRange)
_PIN_LOCKED = (ck.PinLocked, ck.PinExpired)
# Everything else a token can say while it goes away (CKR_TOKEN_NOT_PRESENT, CKR_DEVICE_REMOVED,
# a slot or session that no longer exists, a device error) means "no usable token".


@dataclass(frozen=True)
class Certificate:
    id: bytes
    label: str
    der: bytes

    @property
    def x509(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.der)

    def describe(self) -> dict[str, str]:
        cert = self.x509
        return {
            "id": self.id.hex(),
            "label": self.label,
            "subject": cert.subject.rfc4514_string(),
            "issuer": cert.issuer.rfc4514_string(),
            "serial": format(cert.serial_number, "x"),
            "not_after": cert.not_valid_after_utc.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "der": base64.b64encode(self.der).decode("ascii"),
        }


class TokenAccess:
    """The token of one PKCS#11 module (the first initialised one, or the one labelled
    ``token_label``) and, once the user has logged in, its logged-in session."""

    def __init__(self, module: str, *, token_label: str | None = None):
        self._lib = pkcs11.lib(module)
        self._label = token_label
        self._lock = threading.RLock()
        self._session = None  # the logged-in session, kept until the token goes away

    # -- presence -------------------------------------------------------------------------

    def _scan(self):
        for slot in self._lib.get_slots(token_present=True):
            try:
                token = slot.get_token()  # C_GetTokenInfo: fails once the token is gone
            except ck.PKCS11Error:
                continue
            if not token.flags & TokenFlag.TOKEN_INITIALIZED:
                continue
            if self._label is None or token.label == self._label:
                return token
        return None

    def _token(self):
        token = self._scan()
        if token is None:
            # Gone, or plugged in after start: a removed token's sessions are dead anyway,
            # and a fresh C_Initialize is how a module notices a token that just arrived.
            self._session = None
            self._lib.reinitialize()
            token = self._scan()
        return token

    @contextmanager
    def _guard(self) -> Iterator:
        """The lock, the present token, and PKCS#11 errors mapped to the protocol's codes."""
        with self._lock:
            try:
                token = self._token()
                if token is None:
                    raise SignerError("signer.token_absent", "no initialised token")
                yield token
            except SignerError:
                raise
            except _PIN_WRONG as exc:
                raise SignerError("signer.pin_wrong", type(exc).__name__) from exc
            except _PIN_LOCKED as exc:
                raise SignerError("signer.pin_locked", type(exc).__name__) from exc
            except ck.PKCS11Error as exc:
                # CKR_TOKEN_NOT_PRESENT, CKR_DEVICE_REMOVED, a slot or session gone, a device
                # error: the session is unusable; the next request looks for the token anew.
                self._session = None
                raise SignerError("signer.token_absent", type(exc).__name__) from exc

    def status(self) -> dict:
        with self._lock:
            try:
                token = self._token()
            except ck.PKCS11Error:
                token = None
            return {"token_present": token is not None, "token_label": token and token.label}

    # -- certificates ---------------------------------------------------------------------

    def certificates(self) -> list[Certificate]:
        """The token's X.509 certificates whose CKA_ID names a key on the token (the signing
        certificates; CA certificates stored beside them have no key)."""
        with self._guard() as token:
            if self._session is not None:
                return self._certificates(self._session)
            with token.open() as session:
                return self._certificates(session)

    @staticmethod
    def _certificates(session) -> list[Certificate]:
        # Private keys are visible only after login; the public key of the pair is not.
        key_ids = {
            key[Attribute.ID]
            for cls in (ObjectClass.PRIVATE_KEY, ObjectClass.PUBLIC_KEY)
            for key in session.get_objects({Attribute.CLASS: cls})
        }
        found = []
        for obj in session.get_objects(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            }
        ):
            cert_id = obj[Attribute.ID]
            if cert_id and cert_id in key_ids:
                found.append(Certificate(cert_id, obj[Attribute.LABEL], obj[Attribute.VALUE]))
        return found

    def certificate(self, cert_id: bytes) -> Certificate:
        """The signing certificate ``cert_id`` (as :meth:`certificates` lists it), looked up
        by its CKA_ID: every request asks, and listing the whole token took most of the
        signer's own time before the prompt."""
        with self._guard() as token:
            if self._session is not None:
                found = self._certificate(self._session, cert_id)
            else:
                with token.open() as session:
                    found = self._certificate(session, cert_id)
        if found is None:
            raise SignerError("signer.certificate_unknown", cert_id.hex())
        return found

    @staticmethod
    def _certificate(session, cert_id: bytes) -> Certificate | None:
        if not cert_id:
            return None
        has_key = any(
            list(session.get_objects({Attribute.CLASS: cls, Attribute.ID: cert_id}))
            for cls in (ObjectClass.PRIVATE_KEY, ObjectClass.PUBLIC_KEY)
        )
        if not has_key:
            return None
        # Each search run to its end: an abandoned one keeps the session's operation lock.
        certs = list(
            session.get_objects(
                {
                    Attribute.CLASS: ObjectClass.CERTIFICATE,
                    Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                    Attribute.ID: cert_id,
                }
            )
        )
        if not certs:
            return None
        return Certificate(cert_id, certs[0][Attribute.LABEL], certs[0][Attribute.VALUE])

    # -- login and signing ----------------------------------------------------------------

    def login_way(self) -> str | None:
        """How to log in: None (a logged-in session exists), LOGIN_PAD (the token has a
        protected authentication path and asks for the PIN itself) or LOGIN_CONSOLE."""
        with self._guard() as token:
            if self._session is not None:
                return None
            if token.flags & TokenFlag.PROTECTED_AUTHENTICATION_PATH:
                return LOGIN_PAD
            return LOGIN_CONSOLE

    def login(self, pin) -> None:
        """Log in with ``pin`` (a string, or PROTECTED for the token's PIN pad); the session
        stays logged in until the token goes away or the signer stops."""
        with self._guard() as token:
            try:
                self._session = token.open(user_pin=pin)
            except ck.UserAlreadyLoggedIn:
                self._session = token.open()  # another session of ours logged the token in

    def sign(self, cert_id: bytes, digests: list[bytes]) -> list[bytes]:
        """RSASSA-PKCS1-v1_5 signatures over DigestInfo(SHA-256, digest), one per digest."""
        with self._guard():
            if self._session is None:
                raise SignerError("signer.declined", "not logged in")
            try:
                key = self._session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=cert_id)
            except ck.NoSuchKey as exc:
                raise SignerError("signer.certificate_unknown", cert_id.hex()) from exc
            except ck.MultipleObjectsReturned as exc:
                raise SignerError("signer.bad_request", "several keys share this id") from exc
            if key.key_type != KeyType.RSA:
                raise SignerError("signer.bad_request", "the certificate's key is not RSA")
            return [
                key.sign(SHA256_DIGEST_INFO + digest, mechanism=Mechanism.RSA_PKCS)
                for digest in digests
            ]
