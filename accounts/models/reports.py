"""Quarterly account reports (báo cáo tài khoản hằng quý) of each province."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .core import Office, User


class AccountReport(models.Model):
    """One province's report for one quarter: figures computed from the audit log,
    frozen when the province submits it to central IT."""

    province = models.ForeignKey(
        Office, models.PROTECT, related_name="+", verbose_name=_("province")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    is_first = models.BooleanField(_("first report"), default=False)
    figures = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)

    class Scope:
        office = "province"

    class Meta:
        verbose_name = _("quarterly account report")
        verbose_name_plural = _("quarterly account reports")
        ordering = ["-year", "-quarter", "province__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "year", "quarter"], name="account_report_uniq"
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="account_report_quarter"
            ),
        ]

    def __str__(self):
        return f"{self.province.code} Q{self.quarter}/{self.year}"
