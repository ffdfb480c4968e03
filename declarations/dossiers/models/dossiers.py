"""Dossiers (hồ sơ), their files and the notices (thông báo) sent about them."""

import base64

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from lxml import etree

from declarations.dossiers.clock import deadline_compute, time_case_of
from declarations.dossiers.models.incidents import Incident
from declarations.employers.models.certificates import RegisteredCertificate, TrialCredential
from declarations.employers.models.employers import Employer
from declarations.employers.pki.parsing import hardened_parser, strip_bom


class DossierStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_REVIEW = "in_review", _("In review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    SUPPLEMENTED = "supplemented", _("Supplemented")
    # A supplement (hồ sơ bổ sung) sent in answer to a request: received with its own
    # receipt, then part of the dossier it answers, never decided by itself.
    SUPPLEMENT = "supplement", _("Supplement to a dossier")


# The one map of allowed status changes (the review issue builds on it).
TRANSITIONS: dict[str, set[str]] = {
    DossierStatus.RECEIVED: {DossierStatus.IN_REVIEW, DossierStatus.REJECTED},
    DossierStatus.IN_REVIEW: {
        DossierStatus.ACCEPTED,
        DossierStatus.REJECTED,
        DossierStatus.SUPPLEMENT_REQUESTED,
    },
    DossierStatus.SUPPLEMENT_REQUESTED: {DossierStatus.SUPPLEMENTED, DossierStatus.REJECTED},
    DossierStatus.SUPPLEMENTED: {DossierStatus.IN_REVIEW, DossierStatus.REJECTED},
    DossierStatus.ACCEPTED: set(),
    DossierStatus.REJECTED: set(),
    DossierStatus.SUPPLEMENT: set(),
}

# Statuses still waiting for the office (the receiving queue); decisions end the clock.
OPEN_STATUSES = (
    DossierStatus.RECEIVED,
    DossierStatus.IN_REVIEW,
    DossierStatus.SUPPLEMENT_REQUESTED,
    DossierStatus.SUPPLEMENTED,
)
DECIDED_STATUSES = (DossierStatus.ACCEPTED, DossierStatus.REJECTED)


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal (browser)")
    CLI = "cli", _("Command line")
    IVAN = "ivan", _("I-VAN provider")
    PAPER = "paper", _("Paper")


class Dossier(models.Model):
    """One dossier received for one procedure; ``transaction_code`` is on its receipt."""

    # No index of its own: dossier_duplicate_idx leads with it.
    employer = models.ForeignKey(Employer, models.PROTECT, related_name="dossiers", db_index=False)
    # No index of its own: two values; the queue's indexes lead with the office.
    procedure_code = models.CharField(_("procedure"), max_length=10)
    period = models.CharField(_("declaration period"), max_length=7, blank=True)
    transaction_code = models.CharField(_("transaction code"), max_length=32)  # unique: Meta
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=DossierStatus.choices,
        default=DossierStatus.RECEIVED,
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # These links are empty for most dossiers: indexed where set only (Meta).
    provider = models.ForeignKey(
        "employers.Provider",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers",
        db_index=False,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    # The trusted time the signature was judged at: the receipt time, or the time of an
    # RFC 3161 timestamp over the signature (``time_source``). Never the signer's claim.
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    time_source = models.CharField(_("trusted time from"), max_length=8, blank=True)
    # The signer's own SigningTime, kept as a claim only (unsigned, proves nothing).
    claimed_signing_time = models.DateTimeField(_("signing time claimed"), null=True, blank=True)
    certificate = models.ForeignKey(
        RegisteredCertificate, models.PROTECT, null=True, blank=True, related_name="dossiers"
    )
    trial_credential = models.ForeignKey(
        TrialCredential,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers",
        db_index=False,
    )
    # Sandbox dossiers (an I-VAN provider's sandbox credentials) run the whole pipeline and
    # get real receipts, but never reach an office queue or a report.
    sandbox = models.BooleanField(_("sandbox"), default=False)
    paper_required = models.BooleanField(_("paper set required"), default=False)
    result_held = models.BooleanField(_("result held"), default=False)
    paper_received_at = models.DateTimeField(_("paper set received"), null=True, blank=True)
    incident = models.ForeignKey(
        Incident,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="paper_dossiers",
        db_index=False,
    )
    paper_form = models.CharField(_("paper receipt form"), max_length=3, blank=True)
    # The dossier a supplement answers (status ``supplement``); empty for every other one.
    supplement_of = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="supplements",
        verbose_name=_("supplement of"),
        db_index=False,
        db_constraint=False,  # dossiers are partitioned by month (docs/scaling.md)
    )
    content_sha256 = models.CharField(max_length=64)  # duplicates: dossier_content_once
    envelope = models.BinaryField(_("envelope as received"), blank=True)
    worker_count = models.PositiveIntegerField(_("workers"), default=0)
    summary = models.JSONField(default=dict, blank=True)
    # Review (xử lý hồ sơ): the receiving office (the employer's managing office at receipt,
    # kept on the row so the queue needs no join), the legal deadline computed with
    # declarations.dossiers.workdays at receipt and whenever the clock pauses or resumes (None while
    # a supplement is awaited), the officer who claimed it, and the decision.
    office = models.ForeignKey(
        "accounts.Office", models.PROTECT, null=True, blank=True, related_name="+"
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="claimed_dossiers",
        verbose_name=_("assigned to"),
        db_index=False,
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    on_time = models.BooleanField(_("decided on time"), null=True, blank=True)
    decision = models.JSONField(default=dict, blank=True)

    class Scope:
        office = "employer__managing_office"
        employer_user = "employer__members__user"
        provider_user = "employer__ivan_channel__provider__members__user"

    class Meta:
        db_table = "declarations_dossier"  # the table from before the split
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-received_at"]
        # Unique text columns as constraints, not ``unique=True``: on PostgreSQL that also
        # builds a second (``varchar_pattern_ops``) index for LIKE 'prefix%', which no query
        # here runs, written on every insert at a random place (the codes are random).
        constraints = [
            # The same bytes from the same unit are one dossier: a repeated upload finds its
            # first (intake's lookup, this index), and two sent at the same moment cannot both
            # be stored. Paper dossiers have no bytes.
            models.UniqueConstraint(
                fields=["employer", "content_sha256", "sandbox"],
                condition=~models.Q(content_sha256=""),
                name="dossier_content_once",
            ),
            models.UniqueConstraint(
                fields=["transaction_code"], name="dossier_transaction_code_uniq"
            ),
        ]
        indexes = [
            models.Index(fields=["status"], name="dossier_status_idx"),
            *(
                models.Index(
                    fields=[link],
                    name=f"dossier_{link}_idx",
                    condition=models.Q(**{f"{link}__isnull": False}),
                )
                for link in (
                    "provider",
                    "submitted_by",
                    "trial_credential",
                    "incident",
                    "assigned_to",
                    "supplement_of",
                )
            ),
            # The receiving queue: open dossiers by deadline, per office (count, small
            # offices) and across offices (the planner walks it in order for busy ones).
            models.Index(
                fields=["office", "procedure_code", "status", "deadline"],
                name="dossier_queue_idx",
                condition=models.Q(sandbox=False, status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["deadline", "received_at", "id"],
                name="dossier_open_deadline_idx",
                condition=models.Q(sandbox=False, status__in=OPEN_STATUSES),
            ),
            # The office dashboard's counts by state.
            models.Index(
                fields=["office", "status"],
                name="dossier_office_status_idx",
                condition=models.Q(sandbox=False),
            ),
            # The dashboard's weekly on-time rate and the directors' report.
            models.Index(
                fields=["office", "decided_at"],
                name="dossier_decided_idx",
                # The dashboard's weekly table groups by state: read from the index alone.
                include=["on_time", "status"],
                condition=models.Q(sandbox=False, decided_at__isnull=False),
            ),
            models.Index(
                fields=["office", "received_at"],
                name="dossier_office_received_idx",
                condition=models.Q(sandbox=False),
            ),
        ]

    def __str__(self):
        return f"{self.transaction_code} ({self.procedure_code})"

    def save(self, *args, **kwargs):
        self.derived_fill()
        super().save(*args, **kwargs)

    def derived_fill(self, reference=None) -> None:
        """Set what a new dossier takes from elsewhere: its office (the employer's managing
        office) and its legal deadline, from ``reference`` (a snapshot of the reference
        tables, :func:`~declarations.intake.reference.reference_tables`) when given, which needs
        no query. A supplement has no deadline of its own: the clock is its original's."""
        if self.office_id is None and self.employer_id is not None:
            self.office_id = self.employer.managing_office_id
        if (
            self._state.adding
            and self.deadline is None
            and self.procedure_code
            and self.supplement_of_id is None
        ):
            if reference is not None:
                self.deadline = reference.deadline(
                    self.procedure_code, self.received_at, time_case_of(self)
                )
            else:
                self.deadline = deadline_compute(self)


class DossierFile(models.Model):
    """A file of a dossier: a signed form (xml) or an attachment (pdf, jpg, xlsx).

    Its bytes stay only in the signed envelope (the original, stored once) and :meth:`data`
    takes them from there; ``content`` holds them for dossiers received before that (they
    were kept decoded beside the envelope: a second copy written with every dossier, and
    read by nothing but :meth:`data`)."""

    # No database constraint: dossiers are partitioned by month (core.partitions checks).
    dossier = models.ForeignKey(Dossier, models.CASCADE, related_name="files", db_constraint=False)
    position = models.PositiveSmallIntegerField(default=0)
    form_code = models.CharField(max_length=20)
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField(blank=True, default=b"")

    class Meta:
        db_table = "declarations_dossierfile"  # the table from before the split
        ordering = ["position"]

    def __str__(self):
        return f"{self.form_code} {self.name}"

    def data(self) -> bytes:
        if self.content or self.size == 0:
            return bytes(self.content)

        root = etree.fromstring(strip_bom(bytes(self.dossier.envelope)), hardened_parser())
        node = root.findall("NoiDung/ThongTinHoSo/ToKhais/FileToKhai")[self.position]
        return base64.b64decode("".join((node.findtext("NoiDungFile") or "").split()))


class NoticeKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt notice")
    PAPER_RECEIPT = "paper_receipt", _("Paper receipt slip")
    E_FILING_REMINDER = "e_filing", _("Reminder to file electronically")
    PAPER_SET_RECEIVED = "paper_set", _("Paper set received, result released")
    ACCEPTED = "accepted", _("Result notice: accepted")
    REJECTED = "rejected", _("Result notice: rejected")
    SUPPLEMENT = "supplement", _("Request for a supplement")


class Notice(models.Model):
    """A notice the portal issued about a dossier; viewable and printable as PDF."""

    # No database constraint: dossiers are partitioned by month (core.partitions checks).
    dossier = models.ForeignKey(
        Dossier, models.CASCADE, related_name="notices", db_constraint=False
    )
    kind = models.CharField(max_length=16, choices=NoticeKind.choices)
    number = models.CharField(_("number"), max_length=40)  # unique: Meta
    form_number = models.CharField(_("form"), max_length=10, blank=True)
    issued_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict)

    class Scope:
        office = "dossier__employer__managing_office"
        employer_user = "dossier__employer__members__user"
        provider_user = "dossier__employer__ivan_channel__provider__members__user"

    class Meta:
        db_table = "declarations_notice"  # the table from before the split
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-issued_at"]
        # As Dossier's transaction code: no LIKE twin of the unique index.
        constraints = [models.UniqueConstraint(fields=["number"], name="notice_number_uniq")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"
