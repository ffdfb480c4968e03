"""Effective-dated money tables: contribution rates, base salary, regional minimum wage."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from declarations.employers.models.employers import WageZone


class ContributionRate(models.Model):
    """One fund's rate for one party (tỷ lệ đóng), in force from ``valid_from``."""

    fund = models.CharField(_("fund"), max_length=40)
    party = models.CharField(
        _("party"), max_length=10, choices=[("employer", _("Employer")), ("employee", _("Worker"))]
    )
    percent = models.DecimalField(_("percent"), max_digits=5, decimal_places=2)
    valid_from = models.DateField(_("valid from"))

    class Meta:
        db_table = "declarations_contributionrate"  # the table from before the split
        ordering = ["-valid_from", "party", "fund"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "party", "valid_from"], name="rate_uniq")
        ]

    def __str__(self):
        return f"{self.fund}/{self.party} {self.percent}% from {self.valid_from}"


class BaseSalary(models.Model):
    """Base salary (lương cơ sở) in force from ``valid_from``."""

    amount = models.PositiveBigIntegerField(_("amount"))
    valid_from = models.DateField(_("valid from"), unique=True)

    class Meta:
        db_table = "declarations_basesalary"  # the table from before the split
        ordering = ["-valid_from"]

    def __str__(self):
        return f"{self.amount} from {self.valid_from}"


class RegionalMinimumWage(models.Model):
    """Regional minimum wage (lương tối thiểu vùng) of one zone from ``valid_from``."""

    zone = models.CharField(_("zone"), max_length=3, choices=WageZone.choices)
    amount = models.PositiveBigIntegerField(_("amount"))
    valid_from = models.DateField(_("valid from"))

    class Meta:
        db_table = "declarations_regionalminimumwage"  # the table from before the split
        ordering = ["-valid_from", "zone"]
        constraints = [models.UniqueConstraint(fields=["zone", "valid_from"], name="min_wage_uniq")]

    def __str__(self):
        return f"{self.zone}: {self.amount} from {self.valid_from}"


class LateInterestRate(models.Model):
    """Interest on contributions paid late (lãi chậm đóng), per day, in force from
    ``valid_from``: a back-payment (601) owes it for every day past each month's due date."""

    daily_percent = models.DecimalField(_("percent per day"), max_digits=6, decimal_places=4)
    valid_from = models.DateField(_("valid from"), unique=True)
    source = models.CharField(_("legal basis"), max_length=200, blank=True)

    class Meta:
        ordering = ["-valid_from"]

    def __str__(self):
        return f"{self.daily_percent}%/day from {self.valid_from}"
