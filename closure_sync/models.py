"""Closure records (chốt sổ), their periods, their push state, and push jobs."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import errors


class ClosureKind(models.TextChoices):
    BHXH = "bhxh", _("Social insurance (BHXH)")
    BHTN = "bhtn", _("Unemployment insurance (BHTN)")


class ClosureStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    SUPERSEDED = "superseded", _("Superseded by a correction")


class ClosureOrigin(models.TextChoices):
    PORTAL = "portal", _("Confirmed in the portal")
    HISTORY = "history", _("Collection-system history")
    RECEIVED = "received", _("Received from the central store")


class PushState(models.TextChoices):
    PENDING = "pending", _("Pending")
    IN_FLIGHT = "in_flight", _("Being pushed")
    PUSHED = "pushed", _("Pushed")
    FAILED = "failed", _("Failed")


# Fields a confirmed (immutable) record may still change: its push state and status.
MUTABLE_AFTER_CONFIRMATION = frozenset(
    {
        "status",
        "push_state",
        "push_attempts",
        "push_next_at",
        "push_lease_until",
        "pushed_at",
        "central_receipt",
        "push_error",
        "push_error_code",
        "at_risk_alerted_at",
        "overdue_alerted_at",
    }
)


class ImmutableClosure(Exception):
    """A confirmed closure cannot be edited; a correction is a new version."""


class ClosureRecord(models.Model):
    """The closed contribution periods of one worker for one kind (BHXH or BHTN).

    Draft until an officer confirms it (ngày chốt sổ); then immutable except for its push
    state. A correction is a new version with the same reference that supersedes it.
    """

    reference = models.CharField(_("closure reference"), max_length=60)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=12, choices=ClosureStatus.choices, default=ClosureStatus.DRAFT
    )
    origin = models.CharField(
        _("origin"), max_length=10, choices=ClosureOrigin.choices, default=ClosureOrigin.PORTAL
    )
    book_number = models.CharField(_("book number"), max_length=20)
    si_number = models.CharField(_("social-insurance number"), max_length=20)
    full_name = models.CharField(_("full name"), max_length=200)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    unit_code = models.CharField(_("unit code"), max_length=20)
    office = models.ForeignKey(
        "accounts.Office",
        on_delete=models.PROTECT,
        related_name="closures",
        verbose_name=_("managing office"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ClosureKind.choices)
    confirmed_on = models.DateField(_("confirmation date"), null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("confirming officer"),
    )
    received_from = models.CharField(_("received from"), max_length=60, blank=True)
    # The collection-system file it came from (imports only): lists an import's records.
    source_import = models.ForeignKey(
        "closure_sync.ClosureImport",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
        verbose_name=_("imported from"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    # Push state (trạng thái chuyển): lives on the record, changed by conditional UPDATEs.
    push_state = models.CharField(
        _("push state"), max_length=10, choices=PushState.choices, default=PushState.PENDING
    )
    push_attempts = models.PositiveIntegerField(_("attempts"), default=0)
    push_next_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    push_lease_until = models.DateTimeField(null=True, blank=True)
    push_deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    pushed_at = models.DateTimeField(_("pushed at"), null=True, blank=True)
    central_receipt = models.CharField(_("central receipt"), max_length=40, blank=True)
    # The technical detail of the last failure (administrators, logs); pages show the
    # message of ``push_error_code`` (closure_sync.errors) instead.
    push_error = models.TextField(_("last error"), blank=True)
    # A database default too: rows written by hand (the benchmark's bulk load) omit it.
    push_error_code = models.CharField(
        _("last error code"), max_length=60, blank=True, default="", db_default=""
    )
    at_risk_alerted_at = models.DateTimeField(null=True, blank=True)
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)

    class Scope:
        office = "office"

    class Meta:
        verbose_name = _("closure record")
        verbose_name_plural = _("closure records")
        ordering = ["-id"]
        permissions = [
            ("confirm_closure", "May confirm closure records (xác nhận chốt sổ)"),
            ("lookup_closure", "May look closures up in the central store (tra cứu)"),
            ("receive_closure", "May receive closures from the central store (nhận)"),
            ("monitor_closure", "Sees closure deadline alerts and compliance"),
            ("rotate_central_credentials", "May rotate the central store's credential file"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reference", "version"], name="closure_ref_version_uniq"
            )
        ]
        indexes = [
            models.Index(
                fields=["push_next_at"],
                name="closure_push_due_idx",
                condition=Q(push_state__in=["pending", "failed", "in_flight"])
                & Q(status__in=["confirmed", "superseded"]),
            ),
            models.Index(fields=["office", "confirmed_on"], name="closure_office_conf_idx"),
            models.Index(fields=["book_number"], name="closure_book_idx"),
        ]

    def __str__(self):
        return f"{self.reference} v{self.version} ({self.book_number})"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        restricted = update_fields is None or not set(update_fields) <= MUTABLE_AFTER_CONFIRMATION
        if self.pk and restricted and self.confirmed_at_db():
            raise ImmutableClosure(f"closure {self.pk} is confirmed and cannot be edited")
        super().save(*args, **kwargs)

    @property
    def is_confirmed(self) -> bool:
        return self.status != ClosureStatus.DRAFT

    @property
    def push_error_message(self) -> str:
        """The last failure as ``[code] message`` for the pages ('' when none)."""
        if not (self.push_error_code or self.push_error):
            return ""
        return errors.message_for(self.push_error_code)

    def confirmed_at_db(self) -> bool:
        return type(self).objects.filter(pk=self.pk).exclude(status=ClosureStatus.DRAFT).exists()


class ClosurePeriod(models.Model):
    """One row of the closure: months from–to at one salary and contribution rate."""

    record = models.ForeignKey(ClosureRecord, on_delete=models.CASCADE, related_name="periods")
    from_month = models.DateField(_("from month"))
    to_month = models.DateField(_("to month"))
    salary = models.DecimalField(_("salary"), max_digits=14, decimal_places=0)
    rate = models.DecimalField(_("rate (%)"), max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["from_month"]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_month__gte=models.F("from_month")), name="closure_period_order"
            ),
            # The natural key of a period (periods of a record never overlap): what makes a
            # re-import of the same lines store nothing new.
            models.UniqueConstraint(
                fields=["record", "from_month"], name="closure_period_start_uniq"
            ),
        ]

    def __str__(self):
        return f"{self.from_month:%m/%Y}–{self.to_month:%m/%Y}"


class JobKind(models.TextChoices):
    MANUAL = "manual", _("Manual push")
    BACKFILL = "backfill", _("Backfill since 2008")


class JobState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class PushJob(models.Model):
    """A manual push or a backfill: its filters, progress, cursor (for resuming) and summary."""

    kind = models.CharField(_("kind"), max_length=10, choices=JobKind.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    office = models.ForeignKey(
        "accounts.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filters = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    pushed = models.PositiveIntegerField(default=0)
    already = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    failures = models.JSONField(default=list)
    cursor = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)  # a code of closure_sync.errors when it failed

    class Scope:
        office = "office"

    class Meta:
        verbose_name = _("push job")
        verbose_name_plural = _("push jobs")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def error_message(self) -> str:
        return errors.message_for(self.error) if self.error else ""

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.processed * 100 / self.total))


class ImportState(models.TextChoices):
    CHECKING = "checking", _("Being checked")
    PREVIEWED = "previewed", _("Checked, waiting for confirmation")
    REFUSED = "refused", _("Refused: lines to correct")
    STORING = "storing", _("Being stored")
    STORED = "stored", _("Stored")


class ClosureImport(models.Model):
    """One file of the collection system's export (.xlsx or CSV): its preview counts and
    refused lines, then, once confirmed, the closures stored from it (``records``)."""

    office = models.ForeignKey(
        "accounts.Office", on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    file = models.FileField(_("file"), upload_to="closure_imports/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=200)
    file_format = models.CharField(_("format"), max_length=4)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    state = models.CharField(
        _("state"), max_length=10, choices=ImportState.choices, default=ImportState.CHECKING
    )
    # When its check or store was last sent to the worker: the sweep sends it again when
    # the worker lost it (closure_sync.imports.tasks).
    queued_at = models.DateTimeField(null=True, blank=True)
    # Why the confirmation stored nothing (a code of closure_sync.imports.codes).
    error = models.CharField(_("error"), max_length=60, blank=True)
    lines = models.PositiveIntegerField(_("lines"), default=0)
    new_lines = models.PositiveIntegerField(_("new"), default=0)
    already_lines = models.PositiveIntegerField(_("already there"), default=0)
    refused_lines = models.PositiveIntegerField(_("refused"), default=0)
    new_closures = models.PositiveIntegerField(_("new closures"), default=0)
    # The first refused lines: {line, column, code, params}; messages rendered when shown.
    problems = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    stored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stored_at = models.DateTimeField(_("stored at"), null=True, blank=True)

    class Scope:
        office = "office"

    class Meta:
        verbose_name = _("closure import")
        verbose_name_plural = _("closure imports")
        ordering = ["-id"]
        constraints = [
            # A file is stored once per office (its hash); the periods' natural key covers
            # the same lines arriving in another file.
            models.UniqueConstraint(
                fields=["office", "sha256"],
                condition=Q(state="stored"),
                name="closure_import_file_once",
            )
        ]

    def __str__(self):
        return f"{self.file_name} #{self.pk}"
