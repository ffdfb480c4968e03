"""The agency's own signature on the documents it issues (chữ ký số của cơ quan BHXH): PAdES
(pyHanko) on PDFs and raw RSA signatures for XML (XAdES, see
:mod:`declarations.dossiers.agency_documents`), with the office's private key held in a
PKCS#11 token (an HSM; SoftHSM2 in the tests and the demo). The web process holds a session
on the token and asks it to sign; the key never leaves it and no key file exists for the
process to read.

Settings (``portal/settings/base.py``, from the environment): the PKCS#11 module, the token
label, its PIN (a secret, no default), and the key label (``{office}`` in it picks one key
per office, else one agency key); the certificate is the one on the token under the key's
label. With no module set the signer is not configured and :func:`agency_signer_configured`
says so: callers then issue the document unsigned and say it (never a 500).

    if agency_signer_configured():
        body = pdf_sign(body, reason="Tổng hợp báo cáo tài khoản Q1/2026")
        value, key = raw_sign(signed_info_c14n, office="79")  # RSA PKCS#1 v1.5, SHA-256

One logged-in session per process is kept (:func:`_session`): opening a session and logging
in costs more than the signature itself. It is opened again after a fork (a PKCS#11 module
must be initialised anew in a child process), after a failure, and when the settings name
another token or PIN; signatures on it are made one at a time (a PKCS#11 session runs one
operation at a time).

A token that cannot be opened, a wrong PIN or a missing key is a :class:`Refused` with an
``AGENCY_SIGN_*`` code."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import io
import logging
import os
import threading
from dataclasses import dataclass, field

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from core.refusals import Refused, codes_register

log = logging.getLogger(__name__)

codes_register(
    "agency_signing",
    "The agency's signature (HSM)",
    {
        "AGENCY_SIGN_TOKEN": _(
            "The agency's signing token cannot be reached; the document was not issued."
        ),
        "AGENCY_SIGN_PIN": _(
            "The agency's signing token refused its PIN; the document was not issued."
        ),
        "AGENCY_SIGN_KEY": _(
            "The agency's signing key {label} is not on its token; the document was not issued."
        ),
        "AGENCY_SIGN_FAILED": _("The agency's token could not sign the document; try again."),
    },
    intro="Documents the agency signs (PAdES, its key in an HSM) are not handed out when "
    "the signature cannot be made; the page says why and the operator fixes the token.",
)

FIELD_NAME = "ChuKyCoQuanBHXH"


@dataclass(frozen=True)
class AgencySigner:
    module: str
    token_label: str
    pin: str
    key_label: str
    name: str
    location: str


def agency_signer_configured() -> bool:
    """Whether this deployment signs with the agency's key (a PKCS#11 module is set)."""
    return bool(settings.AGENCY_SIGNING_PKCS11_MODULE)


def agency_signer(*, office: str | None = None) -> AgencySigner:
    """The configured signer; ``office`` (an office code) fills ``{office}`` in the key
    label, so a deployment with one key per office names them ``bhxh-{office}``."""
    label = settings.AGENCY_SIGNING_KEY_LABEL
    if "{office}" in label:
        label = label.replace("{office}", office or "TW")
    return AgencySigner(
        module=settings.AGENCY_SIGNING_PKCS11_MODULE,
        token_label=settings.AGENCY_SIGNING_TOKEN_LABEL,
        pin=settings.AGENCY_SIGNING_PIN,
        key_label=label,
        name=settings.AGENCY_SIGNING_NAME,
        location=settings.AGENCY_SIGNING_LOCATION,
    )


def coroutine_run(coroutine):
    """Run one of pyHanko's coroutines to its end. Its synchronous wrappers call
    ``asyncio.run``, which refuses to start inside a thread whose event loop is running (an
    ASGI server, a browser driver): there the coroutine gets a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# --- the token session, kept per process ---------------------------------------------------------
@dataclass
class TokenKey:
    """One private key on the token (a handle, never its value) and its certificate."""

    label: str
    handle: object
    certificate_der: bytes
    _open: _OpenSession = field(repr=False)
    pdf_signer: object = field(default=None, repr=False)  # built once (_pdf_signer)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the certificate (hex), as the documents record their signer."""
        return hashlib.sha256(self.certificate_der).hexdigest()

    def certificate(self):
        """The certificate as a ``cryptography`` object."""
        from cryptography import x509

        return x509.load_der_x509_certificate(self.certificate_der)


@dataclass
class _OpenSession:
    config: tuple[str, str, str]  # module, token label, PIN
    pid: int
    session: object
    keys: dict[str, TokenKey] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)


_CURRENT: _OpenSession | None = None
_GUARD = threading.Lock()


def _session_open(signer: AgencySigner) -> object:
    import pkcs11
    from pkcs11 import exceptions as ck
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import open_pkcs11_session

    try:
        return open_pkcs11_session(
            signer.module,
            token_criteria=TokenCriteria(label=signer.token_label),
            user_pin=signer.pin,
        )
    except (ck.PinIncorrect, ck.PinInvalid, ck.PinLenRange, ck.PinLocked) as exc:
        log.warning("agency_sign_pin_refused", extra={"error": type(exc).__name__})
        raise Refused("AGENCY_SIGN_PIN") from None
    except (pkcs11.PKCS11Error, OSError, RuntimeError) as exc:
        log.warning("agency_sign_token_unreachable", extra={"error": type(exc).__name__})
        raise Refused("AGENCY_SIGN_TOKEN") from None


def _session(signer: AgencySigner) -> _OpenSession:
    """The process's logged-in session for ``signer``'s token, opened on first use."""
    global _CURRENT
    config = (signer.module, signer.token_label, signer.pin)
    with _GUARD:
        current = _CURRENT
        if current is not None and current.pid != os.getpid():
            # Forked: the parent's handles mean nothing here; the module starts anew.
            _CURRENT = current = None
            _module_reinitialize(signer.module)
        if current is not None and current.config != config:
            _close(current)
            _CURRENT = current = None
        if current is None:
            current = _CURRENT = _OpenSession(config, os.getpid(), _session_open(signer))
        return current


def _module_reinitialize(module: str) -> None:
    import pkcs11

    try:
        pkcs11.lib(module).reinitialize()
    except (pkcs11.PKCS11Error, OSError, RuntimeError):
        log.warning("agency_sign_module_reinitialize_failed")


def _close(current: _OpenSession) -> None:
    import pkcs11

    # Logged out or closed already (the token went away): nothing more to close.
    with contextlib.suppress(pkcs11.PKCS11Error):
        current.session.close()


def agency_sessions_close() -> None:
    """Close (and log out of) the kept session: the token's settings changed, or a caller
    opens the token itself (PKCS#11 logins are per process, not per session)."""
    global _CURRENT
    with _GUARD:
        if _CURRENT is not None and _CURRENT.pid == os.getpid():
            _close(_CURRENT)
        _CURRENT = None


@receiver(setting_changed)
def _on_setting_changed(setting, **kwargs):
    if setting.startswith("AGENCY_SIGNING_"):
        agency_sessions_close()


def _key_find(current: _OpenSession, label: str) -> TokenKey:
    from pkcs11 import Attribute, ObjectClass
    from pkcs11 import exceptions as ck

    found = current.keys.get(label)
    if found is not None:
        return found
    session = current.session
    try:
        handle = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=label)
    except (ck.NoSuchKey, ck.MultipleObjectsReturned):
        raise Refused("AGENCY_SIGN_KEY", label=label) from None
    certs = list(
        session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.LABEL: label})
    )
    if len(certs) != 1:
        raise Refused("AGENCY_SIGN_KEY", label=label)
    key = TokenKey(label, handle, bytes(certs[0][Attribute.VALUE]), current)
    current.keys[label] = key
    return key


def _with_session(signer: AgencySigner, work):
    """``work(session)`` on the kept session; on a token error the session is opened again
    once (logged out by another session's close, the token reinserted, the HSM restarted)."""
    import pkcs11

    for attempt in (1, 2):
        current = _session(signer)
        try:
            with current.lock:
                return work(current)
        except Refused:
            raise
        except pkcs11.PKCS11Error as exc:
            agency_sessions_close()
            if attempt == 2:
                log.warning("agency_sign_failed", extra={"error": type(exc).__name__})
                raise Refused("AGENCY_SIGN_FAILED") from None
    raise AssertionError("unreachable")


def token_key(*, office: str | None = None) -> TokenKey:
    """The office's key on the token (its handle, never its value) and its certificate."""
    signer = agency_signer(office=office)
    return _with_session(signer, lambda current: _key_find(current, signer.key_label))


def raw_sign(data: bytes, *, office: str | None = None) -> tuple[bytes, TokenKey]:
    """(RSA-SHA256 signature of ``data`` made by the token, the key that made it); retried
    once on a fresh session when the kept one fails."""
    from pkcs11 import Mechanism

    signer = agency_signer(office=office)

    def work(current):
        key = _key_find(current, signer.key_label)
        return key.handle.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS), key

    return _with_session(signer, work)


# --- PDF ---------------------------------------------------------------------------------------
# Room for the signature container in the PDF (a CMS with one 2048-bit signature and the
# certificate is ≈ 3 KB): reserved at once instead of pyHanko's dry run that sizes it, which
# built the whole CMS a second time (half the signing time).
PDF_SIGNATURE_BYTES = 8192


def _pdf_signer(key: TokenKey, office: str | None):
    """A pyHanko signer whose raw signatures the token makes (through :func:`raw_sign`),
    kept on the key: its certificate is parsed once."""
    if key.pdf_signer is not None:
        return key.pdf_signer
    from asn1crypto import algos, cms
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign import signers
    from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert = asn1_x509.Certificate.load(key.certificate_der)
    mechanism = algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"})
    # The PAdES B-B signed attributes but the document's digest, and the signer's
    # identifier, encoded once: pyHanko builds them anew for every signature, and
    # asn1crypto's encoding of those trees was most of the time of a notice's signature.
    fixed = [
        simple_cms_attribute("content_type", "data").dump(),
        simple_cms_attribute("signing_certificate_v2", as_signing_certificate_v2(cert)).dump(),
        simple_cms_attribute(
            "cms_algorithm_protection",
            cms.CMSAlgorithmProtection(
                {
                    "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                    "signature_algorithm": mechanism,
                }
            ),
        ).dump(),
    ]
    sid = cms.SignerIdentifier(
        {
            "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                {"issuer": cert.issuer, "serial_number": cert.serial_number}
            )
        }
    ).dump()
    signature_bytes = cert.public_key.bit_size // 8

    class TokenPdfSigner(signers.Signer):
        async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False):
            if dry_run:
                return bytes(signature_bytes)
            return raw_sign(data, office=office)[0]

        async def async_sign(
            self,
            data_digest: bytes,
            digest_algorithm: str,
            dry_run=False,
            use_pades=False,
            timestamper=None,
            signed_attr_settings=None,
            is_pdf_sig=True,
            encap_content_info=None,
        ):
            if digest_algorithm != "sha256" or timestamper or encap_content_info or not use_pades:
                return await super().async_sign(
                    data_digest,
                    digest_algorithm,
                    dry_run=dry_run,
                    use_pades=use_pades,
                    timestamper=timestamper,
                    signed_attr_settings=signed_attr_settings,
                    is_pdf_sig=is_pdf_sig,
                    encap_content_info=encap_content_info,
                )
            signed_attrs = cms.CMSAttributes(
                [
                    cms.CMSAttribute.load(fixed[0]),
                    simple_cms_attribute("message_digest", data_digest),
                    cms.CMSAttribute.load(fixed[1]),
                    cms.CMSAttribute.load(fixed[2]),
                ]
            )
            signature = await self.async_sign_raw(signed_attrs.dump(), "sha256", dry_run=dry_run)
            signer_info = cms.SignerInfo(
                {
                    "version": "v1",
                    "sid": cms.SignerIdentifier.load(sid),
                    "digest_algorithm": {"algorithm": "sha256"},
                    "signature_algorithm": mechanism,
                    "signed_attrs": signed_attrs,
                    "signature": signature,
                }
            )
            return cms.ContentInfo(
                {
                    "content_type": "signed_data",
                    "content": cms.SignedData(
                        {
                            "version": "v1",
                            "digest_algorithms": [{"algorithm": "sha256"}],
                            "encap_content_info": {"content_type": "data"},
                            "certificates": [cms.CertificateChoices("certificate", cert)],
                            "signer_infos": [signer_info],
                        }
                    ),
                }
            )

    key.pdf_signer = TokenPdfSigner(
        signing_cert=cert,
        cert_registry=SimpleCertificateStore.from_certs([cert]),
        signature_mechanism=mechanism,
    )
    return key.pdf_signer


def pdf_sign(pdf: bytes, *, reason: str, office: str | None = None) -> bytes:
    """``pdf`` with the agency's PAdES signature (B-B, SHA-256) appended as an incremental
    update covering the whole file; signer name, place and reason in Vietnamese."""
    # Imported here: pyHanko is heavy and only the pages that issue signed PDFs need it.
    import pkcs11
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError

    signer = agency_signer(office=office)
    key = token_key(office=office)  # a missing token, PIN or key is named before any work
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=signer.name,
        location=signer.location,
        reason=reason,
    )
    out = io.BytesIO()
    try:
        coroutine_run(
            signers.async_sign_pdf(
                IncrementalPdfFileWriter(io.BytesIO(pdf)),
                meta,
                signer=_pdf_signer(key, office),
                output=out,
                bytes_reserved=PDF_SIGNATURE_BYTES,
            )
        )
    except (SigningError, pkcs11.PKCS11Error) as exc:
        log.warning("agency_sign_failed", extra={"error": type(exc).__name__})
        raise Refused("AGENCY_SIGN_FAILED") from None
    return out.getvalue()
