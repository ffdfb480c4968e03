"""Documents the agency issues and signs (văn bản do cơ quan BHXH phát hành): every notice as
signed XML (XAdES) and signed PDF (PAdES) with a short public verification code (mã xác thực)
that anyone may look up on ``/xac-thuc/`` (docs/verification.md says what that page shows).

Written only by :func:`declarations.dossiers.agency_documents.document_issue`."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt notice")
    PAPER_RECEIPT = "paper_receipt", _("Paper receipt slip")
    E_FILING_REMINDER = "e_filing", _("Reminder to file electronically")
    PAPER_SET_RECEIVED = "paper_set", _("Paper set received, result released")
    ACCEPTED = "accepted", _("Result notice: accepted")
    REJECTED = "rejected", _("Result notice: rejected")
    SUPPLEMENT = "supplement", _("Request for a supplement")
    BOOK_ISSUED = "book_issued", _("Social-insurance books issued")
    CARD_ISSUED = "card_issued", _("Health-insurance cards issued")
    STATEMENT = "statement", _("Monthly contribution statement (C12-TS)")


class AgencyCertificate(models.Model):
    """A certificate of an agency key that signed documents here: the one trust anchor the
    verification page checks a dropped file against (never a certificate the file brings)."""

    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64)  # unique: Meta
    der = models.BinaryField(_("certificate (DER)"))
    subject = models.CharField(_("subject"), max_length=300)
    key_label = models.CharField(_("key label"), max_length=100)
    first_used_at = models.DateTimeField(_("first used"), default=timezone.now)

    class Meta:
        verbose_name = _("agency certificate")
        verbose_name_plural = _("agency certificates")
        constraints = [
            models.UniqueConstraint(fields=["fingerprint"], name="agency_certificate_once")
        ]

    def __str__(self):
        return f"{self.subject} ({self.fingerprint[:16]})"


class IssuedDocument(models.Model):
    """One document the agency issued: its signed XML and PDF as handed out, their digests,
    the public summary shown on the verification page, and who signed it."""

    kind = models.CharField(_("kind"), max_length=16, choices=DocumentKind.choices)
    # Crockford base32 without separators (12 letters, 60 bits); shown as XXXX-XXXX-XXXX.
    code = models.CharField(_("verification code"), max_length=16)  # unique: Meta
    number = models.CharField(_("number"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    office = models.ForeignKey(
        "accounts.Office", models.PROTECT, related_name="+", verbose_name=_("issuing office")
    )
    employer = models.ForeignKey(
        "employers.Employer",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    notice = models.ForeignKey(
        "dossiers.Notice",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
        db_index=False,  # documents_notice_idx (partial)
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    # [[label, value], …]: what the public page shows (no personal data, see the docs).
    summary = models.JSONField(default=list, blank=True)
    xml = models.BinaryField(_("XML as issued"))
    xml_sha256 = models.CharField(max_length=64)
    pdf = models.BinaryField(_("PDF as issued"))
    pdf_sha256 = models.CharField(max_length=64)
    signed = models.BooleanField(_("signed by the agency"), default=False)
    certificate = models.ForeignKey(
        AgencyCertificate, models.PROTECT, null=True, blank=True, related_name="documents"
    )
    signer_fingerprint = models.CharField(_("signer certificate"), max_length=64, blank=True)

    class Scope:
        office = "office"
        employer_user = "employer__members__user"
        provider_user = "employer__ivan_channel__provider__members__user"

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        ordering = ["-issued_at"]
        # Unique text columns as constraints: no LIKE twin of the index (as Dossier's).
        constraints = [
            models.UniqueConstraint(fields=["code"], name="issued_document_code_uniq"),
            # One document per kind and number: issuing again finds the first.
            models.UniqueConstraint(fields=["kind", "number"], name="issued_document_once"),
        ]
        indexes = [
            # A dropped file is found by its digest.
            models.Index(fields=["xml_sha256"], name="issued_document_xml_idx"),
            models.Index(fields=["pdf_sha256"], name="issued_document_pdf_idx"),
            models.Index(
                fields=["notice"],
                name="issued_document_notice_idx",
                condition=models.Q(notice__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.title} {self.number}"

    @property
    def code_display(self) -> str:
        """The code as printed: groups of four letters."""
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))


class DocumentLookup(models.Model):
    """How many times a document was looked up on one day: a count, no visitor's identity."""

    document = models.ForeignKey(IssuedDocument, models.CASCADE, related_name="lookups")
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "day"], name="document_lookup_day_once")
        ]

    def __str__(self):
        return f"{self.document_id} {self.day}: {self.count}"
