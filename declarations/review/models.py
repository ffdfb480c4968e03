"""Review of dossiers by the office: supplement pauses of the legal clock and the daily
post dispatch of results (gửi kết quả qua bưu điện)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from declarations.dossiers.models.dossiers import Dossier, Notice


class DossierPause(models.Model):
    """The clock stopped while a supplement (bổ sung) is awaited: requested → arrived."""

    # No database constraint: dossiers are partitioned by month (core.partitions checks).
    dossier = models.ForeignKey(Dossier, models.CASCADE, related_name="pauses", db_constraint=False)
    requested_at = models.DateTimeField(_("supplement requested"))
    resumed_at = models.DateTimeField(_("supplement arrived"), null=True, blank=True)

    class Meta:
        db_table = "declarations_dossierpause"  # the table from before the split
        ordering = ["requested_at"]

    def __str__(self):
        return f"{self.dossier_id}: {self.requested_at:%d/%m/%Y} → {self.resumed_at or '…'}"


class PostDispatch(models.Model):
    """An accepted result to send by post, on the day's dispatch list until marked sent."""

    dossier = models.OneToOneField(
        Dossier, models.CASCADE, related_name="post_dispatch", db_constraint=False
    )
    notice = models.ForeignKey(Notice, models.PROTECT, related_name="+")
    office = models.ForeignKey("accounts.Office", models.PROTECT, related_name="+")
    listed_on = models.DateField(_("listed on"), db_index=True)
    address = models.CharField(_("postal address"), max_length=300)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Scope:
        office = "office"

    class Meta:
        db_table = "declarations_postdispatch"  # the table from before the split
        verbose_name = _("post dispatch")
        verbose_name_plural = _("post dispatches")
        ordering = ["listed_on", "id"]
        permissions = [
            ("view_review_report", "May view the directors' periodic e-transaction report"),
        ]

    def __str__(self):
        return f"{self.listed_on:%d/%m/%Y} {self.dossier_id}"


class OfficeDashboardSnapshot(models.Model):
    """An office's dashboard figures as counted at ``computed_at``: open dossiers by state,
    the deadline's counts, the window's decisions by week. Kept fresh by the periodic
    refresh (and by a page that finds it missing or old), so a visit reads one small row
    instead of counting the office's work (declarations.review.dashboard)."""

    office = models.OneToOneField("accounts.Office", models.CASCADE, related_name="+")
    day = models.DateField(_("day"))  # the local day the deadline's counts were taken for
    weeks = models.PositiveSmallIntegerField(_("weeks"))
    computed_at = models.DateTimeField(_("computed at"))
    figures = models.JSONField(_("figures"))

    class Meta:
        verbose_name = _("office dashboard snapshot")
        verbose_name_plural = _("office dashboard snapshots")

    def __str__(self):
        return f"{self.office_id} @ {self.computed_at:%d/%m/%Y %H:%M}"
