"""Collection officers' employers, adoption targets and deployments of portal releases.

A collection officer (cán bộ chuyên quản thu) is assigned employers to bring online; offices
and officers get targets: a share of employers transacting electronically by a date
(e.g. 90% by 31/03/2016). Provinces deploy each portal release by its deadline.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Office
from declarations.employers.models.employers import Employer


class EmployerAssignment(models.Model):
    """The collection officer in charge of an employer (one at a time)."""

    employer = models.OneToOneField(
        Employer, models.CASCADE, related_name="assignment", verbose_name=_("employer")
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="assigned_employers",
        verbose_name=_("collection officer"),
    )
    assigned_on = models.DateField(_("assigned on"), default=timezone.localdate)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )

    class Scope:
        office = "employer__managing_office"

    class Meta:
        db_table = "declarations_employerassignment"  # the table from before the split
        verbose_name = _("employer assignment")
        verbose_name_plural = _("employer assignments")
        ordering = ["employer__unit_code"]
        permissions = [
            ("assign_employers", "May assign employers to collection officers"),
            ("view_adoption", "May view adoption dashboards (tỷ lệ giao dịch điện tử)"),
        ]

    def __str__(self):
        return f"{self.employer.unit_code} → {self.officer}"


class AdoptionTarget(models.Model):
    """A share of employers to transact electronically by a date, for an office or one of
    its officers (chỉ tiêu)."""

    office = models.ForeignKey(
        Office, models.PROTECT, related_name="adoption_targets", verbose_name=_("office")
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="adoption_targets",
        verbose_name=_("collection officer"),
    )
    share = models.DecimalField(
        _("target share (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    due_on = models.DateField(_("due on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Scope:
        office = "office"

    class Meta:
        db_table = "declarations_adoptiontarget"  # the table from before the split
        verbose_name = _("adoption target")
        verbose_name_plural = _("adoption targets")
        ordering = ["due_on", "office__code"]
        permissions = [("set_adoption_targets", "May set adoption targets")]
        constraints = [
            models.CheckConstraint(
                condition=Q(share__gte=0) & Q(share__lte=100), name="adoption_target_share_pct"
            ),
            models.UniqueConstraint(
                fields=["office", "due_on"],
                condition=Q(officer__isnull=True),
                name="adoption_target_office_uniq",
            ),
            models.UniqueConstraint(
                fields=["office", "officer", "due_on"],
                condition=Q(officer__isnull=False),
                name="adoption_target_officer_uniq",
            ),
        ]

    def __str__(self):
        who = self.officer or self.office
        return f"{who}: {self.share}% / {self.due_on:%d/%m/%Y}"


class PortalRelease(models.Model):
    """A release of the portal software that every province must deploy by a deadline."""

    version = models.CharField(_("version"), max_length=30, unique=True)
    released_on = models.DateField(_("released on"))
    deploy_by = models.DateField(_("deploy by"))
    # "báo cáo kết quả … trước ngày …": empty means the results are due with the deployment.
    report_by = models.DateField(_("report results by"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        db_table = "declarations_portalrelease"  # the table from before the split
        verbose_name = _("portal release")
        verbose_name_plural = _("portal releases")
        ordering = ["-released_on", "-id"]
        permissions = [("record_deployment", "May record a province's release deployment")]

    def __str__(self):
        return self.version

    @property
    def results_due(self):
        """The day provinces must report their deployment result by (inclusive)."""
        return self.report_by or self.deploy_by


class ReleaseDeployment(models.Model):
    """A province (provincial office) has deployed a release."""

    release = models.ForeignKey(
        PortalRelease, models.CASCADE, related_name="deployments", verbose_name=_("release")
    )
    province = models.ForeignKey(
        Office, models.PROTECT, related_name="release_deployments", verbose_name=_("province")
    )
    deployed_on = models.DateField(_("deployed on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Scope:
        office = "province"

    class Meta:
        db_table = "declarations_releasedeployment"  # the table from before the split
        verbose_name = _("release deployment")
        verbose_name_plural = _("release deployments")
        ordering = ["release", "province__code"]
        constraints = [
            models.UniqueConstraint(fields=["release", "province"], name="release_province_uniq")
        ]

    def __str__(self):
        return f"{self.release} @ {self.province.code} {self.deployed_on:%d/%m/%Y}"


def _result_path(instance, filename):
    return f"release-results/{instance.release_id}/{instance.province_id}/{filename}"


class ReleaseResult(models.Model):
    """A province's report of its deployment of a release (báo cáo kết quả triển khai),
    due by the release's ``results_due``. A province may correct it; ``submitted_at`` stays
    the first submission (what the due date is judged on)."""

    class Outcome(models.TextChoices):
        DEPLOYED = "deployed", _("Deployed in every office")
        PARTIAL = "partial", _("Deployed in part")
        FAILED = "failed", _("Not deployed")

    release = models.ForeignKey(
        PortalRelease, models.CASCADE, related_name="results", verbose_name=_("release")
    )
    province = models.ForeignKey(
        Office, models.PROTECT, related_name="+", verbose_name=_("province")
    )
    outcome = models.CharField(_("result"), max_length=20, choices=Outcome.choices)
    text = models.TextField(_("report"))
    attachment = models.FileField(_("attachment"), upload_to=_result_path, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    revised_at = models.DateTimeField(_("last corrected at"), null=True, blank=True)

    class Scope:
        office = "province"

    class Meta:
        verbose_name = _("release deployment result")
        verbose_name_plural = _("release deployment results")
        ordering = ["release", "province__code"]
        constraints = [
            models.UniqueConstraint(fields=["release", "province"], name="release_result_uniq")
        ]

    def __str__(self):
        return f"{self.release} @ {self.province.code}: {self.outcome}"


class ReleaseResultReminder(models.Model):
    """A reminder sent to a province that has not reported its result: at most one a day
    (the row is the day's lock; its e-mail goes through the outbox)."""

    release = models.ForeignKey(PortalRelease, models.CASCADE, related_name="+")
    province = models.ForeignKey(Office, models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    recipients = models.PositiveSmallIntegerField(_("recipients"), default=0)

    class Scope:
        office = "province"

    class Meta:
        verbose_name = _("release result reminder")
        verbose_name_plural = _("release result reminders")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "province", "day"], name="release_result_reminder_uniq"
            )
        ]

    def __str__(self):
        return f"{self.release} @ {self.province_id} {self.day:%d/%m/%Y}"


class AdoptionSnapshotRun(models.Model):
    """A day for which every office's adoption figures were taken (see AdoptionSnapshot)."""

    day = models.DateField(_("day"), unique=True)
    taken_at = models.DateTimeField(_("taken at"))

    class Meta:
        db_table = "declarations_adoptionsnapshotrun"  # the table from before the split
        verbose_name = _("adoption snapshot")
        verbose_name_plural = _("adoption snapshots")
        ordering = ["-day"]

    def __str__(self):
        return f"{self.day:%d/%m/%Y} @ {self.taken_at:%H:%M}"


class AdoptionSnapshot(models.Model):
    """How many of an office's employers transacted electronically on a day, taken by the
    periodic job so dashboards read a few hundred rows instead of every employer. An
    office without a row on a day that has a run had no employer. Rows with an officer
    count that collection officer's assigned employers managed by the office."""

    office = models.ForeignKey(Office, models.CASCADE, related_name="+")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="+"
    )
    day = models.DateField(_("day"))
    total = models.PositiveIntegerField(_("employers"))
    electronic = models.PositiveIntegerField(_("transacting electronically"))

    class Meta:
        db_table = "declarations_adoptionsnapshot"  # the table from before the split
        verbose_name = _("adoption snapshot row")
        verbose_name_plural = _("adoption snapshot rows")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "office"],
                condition=Q(officer__isnull=True),
                name="adoption_snapshot_uniq",
            ),
            models.UniqueConstraint(
                fields=["day", "office", "officer"],
                condition=Q(officer__isnull=False),
                name="adoption_snapshot_officer_uniq",
            ),
        ]

    def __str__(self):
        return f"{self.office_id} {self.day:%d/%m/%Y}: {self.electronic}/{self.total}"
