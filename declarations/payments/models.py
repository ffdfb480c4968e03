"""Payments received: one row per bank transfer credited to the agency's collection account,
the imports of the bank statements they came from, the units' known bank accounts and, for
a transfer not matched yet, the units it could be for (its place in the queue)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Office
from declarations.employers.models import Employer


class ImportState(models.TextChoices):
    PREVIEWED = "previewed", pgettext_lazy("payment import", "Waiting for confirmation")
    REFUSED = "refused", pgettext_lazy("payment import", "Refused")
    STORED = "stored", pgettext_lazy("payment import", "Stored")


class MatchMethod(models.TextChoices):
    ACCOUNT = "account", _("By the payer's account")
    REFERENCE = "reference", _("By the reference in the details")
    MANUAL = "manual", _("By hand")


class PaymentImport(models.Model):
    """One bank statement of an office's collection account (sao kê), CSV, .xlsx or
    camt.053: its checked lines (the preview), then, once confirmed, the transfers stored
    from it. Transfers no unit is identified for wait at this office."""

    office = models.ForeignKey(Office, models.PROTECT, related_name="+", verbose_name=_("office"))
    file_name = models.CharField(_("file name"), max_length=200)
    file_format = models.CharField(_("format"), max_length=8)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    state = models.CharField(
        _("state"), max_length=10, choices=ImportState.choices, default=ImportState.PREVIEWED
    )
    # The checked lines as the preview shows them ({line, unc, paid_on, amount, …, match});
    # the confirmation stores from these, matched again at that moment.
    lines = models.JSONField(default=list)
    # Refused lines: {line, field, code, params}; messages rendered when shown.
    problems = models.JSONField(default=list)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    new_count = models.PositiveIntegerField(_("new"), default=0)
    already_count = models.PositiveIntegerField(_("already stored"), default=0)
    matched_count = models.PositiveIntegerField(_("matched"), default=0)
    total_amount = models.BigIntegerField(_("total of the new transfers"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    stored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    stored_at = models.DateTimeField(_("stored at"), null=True, blank=True)

    class Scope:
        office = "office"

    class Meta:
        verbose_name = _("bank statement import")
        verbose_name_plural = _("bank statement imports")
        ordering = ["-id"]
        permissions = [
            ("import_statement", "Import the collection account's bank statements"),
            ("match_payment", "Match received transfers to the units of one's offices"),
            ("match_unassigned", "Match the transfers no unit is identified for"),
        ]

    def __str__(self):
        return f"{self.file_name} #{self.pk}"


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
    source = models.ForeignKey(
        PaymentImport, models.PROTECT, null=True, blank=True, related_name="payments"
    )
    match_method = models.CharField(
        _("matched"), max_length=10, choices=MatchMethod.choices, blank=True, default=""
    )

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


class PaymentCandidate(models.Model):
    """A unit an unmatched transfer could be for (its account or its details point there):
    the transfer waits in the queue of that unit's office."""

    payment = models.ForeignKey(Payment, models.CASCADE, related_name="candidates")
    employer = models.ForeignKey(Employer, models.CASCADE, related_name="+")
    reason = models.CharField(max_length=10, choices=MatchMethod.choices)

    class Scope:
        office = "employer__managing_office"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "employer", "reason"], name="payment_candidate_once"
            )
        ]

    def __str__(self):
        return f"{self.payment_id} → {self.employer_id} ({self.reason})"


class KnownAccount(models.Model):
    """A bank account a unit pays from (tài khoản của đơn vị), as written on the statements
    (digits and letters only). Learnt when staff match a transfer by hand; the unit's own
    declared account (604) counts too, without a row here."""

    employer = models.ForeignKey(Employer, models.CASCADE, related_name="+")
    account = models.CharField(_("account"), max_length=40, db_index=True)
    learned_from = models.ForeignKey(
        Payment, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    learned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    learned_at = models.DateTimeField(default=timezone.now)

    class Scope:
        office = "employer__managing_office"
        employer_user = "employer__members__user"

    class Meta:
        verbose_name = _("unit's bank account")
        verbose_name_plural = _("units' bank accounts")
        constraints = [
            models.UniqueConstraint(fields=["employer", "account"], name="known_account_once")
        ]

    def __str__(self):
        return f"{self.account} ({self.employer_id})"
