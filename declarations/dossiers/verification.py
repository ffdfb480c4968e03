"""Public verification of the agency's documents (xác thực văn bản): by code (typed, or the
QR code's link) or by the file itself (XML or PDF). A file is genuine when its bytes are those
of a document the agency issued *and* its signature verifies against the certificate of the
agency key that signed it (pinned: never a certificate the file brings; XAdES for XML with
signxml, PAdES with pyHanko for PDF, covering the whole file).

Look-ups are rate-limited per client address (Django's cache, a keyed hash of the address,
kept a minute) and counted per document and day; the address is never stored nor logged
(the request log drops it for these pages: :func:`_request_log_without_visitor`).
What the page shows is decided in docs/verification.md."""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.refusals import Refused, codes_register
from declarations.dossiers.models import DocumentLookup, IssuedDocument

log = logging.getLogger(__name__)

codes_register(
    "verification",
    "Public verification of the agency's documents",
    {
        "VERIFY_RATE_LIMITED": _(
            "Too many look-ups from your network in the last minute; please try again in a minute."
        ),
        "VERIFY_CODE_FORMAT": _(
            "A verification code has 12 letters and digits, as printed under the QR code "
            "(for example 7K3M-Q9TX-2HBD)."
        ),
        "VERIFY_NOTHING": _("Type a verification code, or choose the XML or PDF file to check."),
    },
    intro="The public page /xac-thuc/ answers anyone without signing in; it refuses only "
    "what it cannot look at.",
)

PATH_PREFIX = "/xac-thuc/"


# --- verdicts ----------------------------------------------------------------------------------
GENUINE, UNSIGNED, NOT_GENUINE, UNKNOWN = "genuine", "unsigned", "not_genuine", "unknown"


@dataclass(frozen=True)
class Verdict:
    """What the page says: ``state`` (genuine, unsigned — issued here without a signature,
    not_genuine, unknown code), the document when one matched, and for a file which kind it
    was and why it failed (``reason``: not_issued, signature, unreadable)."""

    state: str
    document: IssuedDocument | None = None
    file_kind: str = ""
    reason: str = ""
    signer: str = ""


def verify_code(code: str) -> Verdict:
    """The document with this (normalised) code, counted as looked up."""
    document = (
        IssuedDocument.objects.select_related("office", "employer", "certificate")
        .filter(code=code)
        .first()
    )
    if document is None:
        return Verdict(UNKNOWN)
    lookup_count(document)
    return Verdict(
        GENUINE if document.signed else UNSIGNED, document, signer=_signer_name(document)
    )


def verify_file(data: bytes) -> Verdict:
    """A dropped file: the document whose XML or PDF has these exact bytes, and then its
    signature checked against that document's agency certificate."""
    kind = "pdf" if data.lstrip()[:5] == b"%PDF-" else "xml"
    digest = hashlib.sha256(data).hexdigest()
    document = (
        IssuedDocument.objects.select_related("office", "employer", "certificate")
        .filter(Q(xml_sha256=digest) | Q(pdf_sha256=digest))
        .first()
    )
    if document is None:
        return Verdict(NOT_GENUINE, file_kind=kind, reason="not_issued")
    lookup_count(document)
    if not document.signed:
        return Verdict(UNSIGNED, document, file_kind=kind)
    certificate = bytes(document.certificate.der)
    check = _pdf_signed_by if kind == "pdf" else _xml_signed_by
    if not check(data, certificate):
        return Verdict(NOT_GENUINE, document, file_kind=kind, reason="signature")
    return Verdict(GENUINE, document, file_kind=kind, signer=_signer_name(document))


def _signer_name(document: IssuedDocument) -> str:
    if document.certificate is None:
        return ""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    cert = x509.load_der_x509_certificate(bytes(document.certificate.der))
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


def _xml_signed_by(data: bytes, certificate_der: bytes) -> bool:
    """An enveloped XAdES signature over the whole document, by the pinned certificate."""
    from cryptography import x509
    from signxml.exceptions import InvalidInput, InvalidSignature
    from signxml.xades import XAdESSignatureConfiguration, XAdESVerifier

    from declarations.employers.pki.parsing import hardened_parser, strip_bom

    cert = x509.load_der_x509_certificate(certificate_der)
    try:
        results = XAdESVerifier().verify(
            strip_bom(data),
            x509_cert=cert,
            parser=hardened_parser(),
            expect_config=XAdESSignatureConfiguration(location="./", expect_references=3),
        )
    except (InvalidSignature, InvalidInput, ValueError) as exc:
        log.info("verification_xml_refused", extra={"error": type(exc).__name__})
        return False
    except Exception as exc:  # noqa: BLE001  (a hostile file must give "not genuine", never a 500)
        log.info("verification_xml_unreadable", extra={"error": type(exc).__name__})
        return False
    # See what is signed: the first reference is the whole document (URI ""), not a part.
    whole = results[0].signed_xml
    return whole is not None and whole.getparent() is None and whole.tag == "ThongBaoBHXH"


def _pdf_signed_by(data: bytes, certificate_der: bytes) -> bool:
    """One PAdES signature, intact, covering the whole file, made by the pinned certificate
    (the trust root of the validation)."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    from core.agency_signing import coroutine_run

    pinned = asn1_x509.Certificate.load(certificate_der)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
        if len(signatures) != 1:
            return False
        context = ValidationContext(trust_roots=[pinned], allow_fetching=False)
        status = coroutine_run(async_validate_pdf_signature(signatures[0], context))
    except Exception as exc:  # noqa: BLE001  (a hostile file must give "not genuine", never a 500)
        log.info("verification_pdf_unreadable", extra={"error": type(exc).__name__})
        return False
    return bool(
        status.intact
        and status.valid
        and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        and status.signing_cert.sha256 == pinned.sha256
    )


# --- counting and limiting -----------------------------------------------------------------------
def lookup_count(document: IssuedDocument) -> None:
    """One more look-up of ``document`` today (a count per day; nobody's identity)."""
    day = timezone.localdate()
    rows = DocumentLookup.objects.filter(document=document, day=day)
    if rows.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            DocumentLookup.objects.create(document=document, day=day, count=1)
    except IntegrityError:  # the day's row was made meanwhile
        rows.update(count=F("count") + 1)


def rate_check(request) -> None:
    """Refuse (VERIFY_RATE_LIMITED) past VERIFY_LOOKUPS_PER_MINUTE look-ups from one client
    address in the current minute. The cache key is a keyed hash of the address, so not
    even the cache holds it."""
    limit = settings.VERIFY_LOOKUPS_PER_MINUTE
    address = request.META.get("REMOTE_ADDR", "")
    bucket = hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256)
    key = f"verify-rate:{bucket.hexdigest()[:24]}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=90)
    try:
        seen = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=90)
        seen = 1
    if seen > limit:
        raise Refused("VERIFY_RATE_LIMITED")


# --- no visitor in the request log --------------------------------------------------------------
try:
    from django_structlog import signals as _structlog_signals
except ImportError:  # pragma: no cover  (the request log is optional)
    _structlog_signals = None

if _structlog_signals is not None:

    @receiver(_structlog_signals.bind_extra_request_metadata)
    def _request_log_without_visitor(request, logger, log_kwargs, **kwargs):
        """The verification pages' request log lines carry no address and no user agent."""
        if request.path.startswith(PATH_PREFIX):
            import structlog

            structlog.contextvars.unbind_contextvars("ip")
            log_kwargs.pop("user_agent", None)
