"""Private keys at rest: PKCS#8 DER encrypted with the service's storage keys (Fernet:
AES-128-CBC + HMAC-SHA256). The first key of ``CSC_SERVICE_STORAGE_KEYS`` encrypts, every
one decrypts, so a key can be rotated in without re-enrolling."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _ring() -> MultiFernet:
    keys = [k for k in getattr(settings, "CSC_SERVICE_STORAGE_KEYS", []) if k]
    if not keys:
        raise ImproperlyConfigured(
            "CSC_SERVICE_STORAGE_KEYS is empty: the signing service has no key to protect "
            "its credentials' private keys"
        )
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "CSC_SERVICE_STORAGE_KEYS must hold Fernet keys (32 bytes, URL-safe base64)"
        ) from None


def private_key_seal(key: rsa.RSAPrivateKey) -> bytes:
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return _ring().encrypt(der)


def private_key_open(sealed: bytes) -> rsa.RSAPrivateKey:
    try:
        der = _ring().decrypt(bytes(sealed))
    except InvalidToken:
        raise ImproperlyConfigured(
            "A credential's private key cannot be decrypted with CSC_SERVICE_STORAGE_KEYS"
        ) from None
    return serialization.load_der_private_key(der, password=None)
