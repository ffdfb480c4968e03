"""Payments received: one row per bank transfer credited to the agency's collection account."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from declarations.employers.models import Employer


class PaymentStatus(models.TextChoices):
    MATCHED = "matched", _("Matched to a unit")
    UNMATCHED = "unmatched", _("Not matched yet")


class Payment(models.Model):
    """One bank transfer (ủy nhiệm chi, UNC) received for contributions. ``employer`` is
    empty until the transfer is matched, by account and reference or by collection staff."""

    employer = models.ForeignKey(
        Employer, models.PROTECT, null=True, blank=True, related_name="+", db_constraint=False
    )
    unc_number = models.CharField(_("transfer number (UNC)"), max_length=40)
    paid_on = models.DateField(_("date credited"))
    amount = models.BigIntegerField(_("amount"))
    payer_account = models.CharField(_("payer's account"), max_length=40, blank=True)
    payer_name = models.CharField(_("payer"), max_length=255, blank=True)
    description = models.CharField(_("transfer details"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.UNMATCHED
    )
    matched_at = models.DateTimeField(null=True, blank=True)
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Scope:
        office = "employer__managing_office"
        employer_user = "employer__members__user"

    class Meta:
        ordering = ["-paid_on", "-id"]
        indexes = [models.Index(fields=["employer", "paid_on"], name="payment_unit_day")]
        constraints = [
            # A bank's transfer number is unique on its day: the same statement twice stores nothing.
            models.UniqueConstraint(fields=["unc_number", "paid_on"], name="payment_unc_once")
        ]

    def __str__(self):
        return f"{self.unc_number} {self.paid_on} {self.amount}"
