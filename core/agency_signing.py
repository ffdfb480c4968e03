"""The agency's own signature on the PDFs it issues (chữ ký số của cơ quan BHXH): PAdES
(pyHanko) with the office's private key held in a PKCS#11 token (an HSM; SoftHSM2 in the
tests and the demo). The web process holds a session on the token and asks it to sign; the
key never leaves it and no key file exists for the process to read.

Settings (``portal/settings/base.py``, from the environment): the PKCS#11 module, the token
label, its PIN (a secret, no default), and the key label (``{office}`` in it picks one key
per office, else one agency key); the certificate is the one on the token under the key's
label. With no module set the signer is not configured and :func:`agency_signer_configured`
says so: callers then issue the PDF unsigned and say it (never a 500).

    if agency_signer_configured():
        body = pdf_sign(body, reason="Tổng hợp báo cáo tài khoản Q1/2026")

A token that cannot be opened, a wrong PIN or a missing key is a :class:`Refused` with an
``AGENCY_SIGN_*`` code."""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import logging
from dataclasses import dataclass

from django.conf import settings
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


def pdf_sign(pdf: bytes, *, reason: str, office: str | None = None) -> bytes:
    """``pdf`` with the agency's PAdES signature (B-B, SHA-256) appended as an incremental
    update covering the whole file; signer name, place and reason in Vietnamese."""
    # Imported here: pyHanko is heavy and only the pages that issue signed PDFs need it.
    import pkcs11
    from asn1crypto import x509 as asn1_x509
    from pkcs11 import Attribute, ObjectClass
    from pkcs11 import exceptions as ck
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    signer = agency_signer(office=office)
    try:
        session = open_pkcs11_session(
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
    try:
        # Key and certificate looked up first, so a missing one is named, not a generic failure.
        try:
            session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=signer.key_label)
        except (ck.NoSuchKey, ck.MultipleObjectsReturned):
            raise Refused("AGENCY_SIGN_KEY", label=signer.key_label) from None
        certs = list(
            session.get_objects(
                {Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.LABEL: signer.key_label}
            )
        )
        if len(certs) != 1:
            raise Refused("AGENCY_SIGN_KEY", label=signer.key_label)
        p11 = PKCS11Signer(
            session,
            key_label=signer.key_label,
            signing_cert=asn1_x509.Certificate.load(certs[0][Attribute.VALUE]),
        )
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            name=signer.name,
            location=signer.location,
            reason=reason,
        )
        out = io.BytesIO()
        coroutine_run(
            signers.async_sign_pdf(
                IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=p11, output=out
            )
        )
        return out.getvalue()
    except (SigningError, pkcs11.PKCS11Error) as exc:
        log.warning("agency_sign_failed", extra={"error": type(exc).__name__})
        raise Refused("AGENCY_SIGN_FAILED") from None
    finally:
        session.close()
