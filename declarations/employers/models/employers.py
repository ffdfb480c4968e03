"""Employers (đơn vị sử dụng lao động) and the people who act for them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.vn import mst

from accounts.models import Office


def validate_mst(value: str) -> None:
    """A Vietnamese tax code (MST): 10 digits, or 13 for a branch, with its check digit."""

    if not mst.is_valid(value or ""):
        raise ValidationError(
            _("%(value)s is not a valid tax code (MST)."), params={"value": value}
        )


class WageZone(models.TextChoices):
    """Regional minimum-wage zone (vùng lương tối thiểu)."""

    I = "I", "I"  # noqa: E741
    II = "II", "II"
    III = "III", "III"
    IV = "IV", "IV"


class EStatus(models.TextChoices):
    """Where an employer stands with e-transactions (giao dịch điện tử)."""

    NOT_REGISTERED = "not_registered", _("Not registered")
    PENDING = "pending", _("Registration awaiting approval")
    ACTIVE = "active", _("Transacting electronically")
    TRIAL = "trial", _("Trial credential")
    STOPPED = "stopped", _("Stopped")


class ResultDelivery(models.TextChoices):
    """How the unit receives paper results (trả kết quả)."""

    AT_OFFICE = "office", _("At the office")
    BY_POST = "post", _("By post")


class Employer(models.Model):
    """An employer unit (đơn vị) managed by one office, known by its unit code (mã đơn vị)."""

    unit_code = models.CharField(_("unit code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=255)
    tax_code = models.CharField(
        _("tax code (MST)"), max_length=14, db_index=True, validators=[validate_mst]
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    managing_office = models.ForeignKey(
        Office, models.PROTECT, related_name="employers", verbose_name=_("managing office")
    )
    wage_zone = models.CharField(_("wage zone"), max_length=3, choices=WageZone.choices)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    e_status = models.CharField(
        _("e-transaction status"),
        max_length=16,
        choices=EStatus.choices,
        default=EStatus.NOT_REGISTERED,
        db_index=True,
    )
    # First day the unit transacted electronically, and the day it stopped (adoption
    # figures over time are computed from these two dates).
    e_registered_on = models.DateField(_("e-transactions since"), null=True, blank=True)
    e_stopped_on = models.DateField(_("e-transactions stopped on"), null=True, blank=True)
    result_delivery = models.CharField(
        _("result delivery"),
        max_length=8,
        choices=ResultDelivery.choices,
        default=ResultDelivery.AT_OFFICE,
    )
    postal_address = models.CharField(_("postal address"), max_length=300, blank=True)
    # Changed by the unit through procedure 604 (TK3-TS), each change kept in EmployerDataChange.
    # A database default too: rows written by SQL (bulk loads, benchmarks) need not name them.
    bank_account = models.CharField(_("bank account"), max_length=30, blank=True, db_default="")
    bank_name = models.CharField(_("bank"), max_length=200, blank=True, db_default="")
    contact_person = models.CharField(
        _("contact person"), max_length=100, blank=True, db_default=""
    )

    class Scope:
        office = "managing_office"
        employer_user = "members__user"
        provider_user = "ivan_channel__provider__members__user"
        provider = "ivan_channel__provider"

    class Meta:
        db_table = "declarations_employer"  # the table from before the split
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        ordering = ["unit_code"]

    def __str__(self):
        return f"{self.unit_code} – {self.name}"


class EmployerMember(models.Model):
    """A user who acts for an employer (người dùng của đơn vị)."""

    employer = models.ForeignKey(Employer, models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="employer_links"
    )

    class Meta:
        db_table = "declarations_employermember"  # the table from before the split
        constraints = [
            models.UniqueConstraint(fields=["employer", "user"], name="employer_member_uniq")
        ]

    def __str__(self):
        return f"{self.user} @ {self.employer.unit_code}"


class EmployerDataChange(models.Model):
    """One field of a unit's data changed by an accepted 604 dossier (TK3-TS): what it was,
    what it became, from when. Rows are appended, never edited, so staff see every change."""

    employer = models.ForeignKey(Employer, models.PROTECT, related_name="data_changes")
    # The dossier by id and transaction code, not by foreign key: employers sit below dossiers.
    dossier_id = models.BigIntegerField(_("dossier"), null=True, blank=True, db_index=True)
    transaction_code = models.CharField(_("transaction code"), max_length=32, blank=True)
    field = models.CharField(_("field"), max_length=40)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    effective_on = models.DateField(_("effective from"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Scope:
        office = "employer__managing_office"
        employer_user = "employer__members__user"

    class Meta:
        verbose_name = _("change of unit data")
        verbose_name_plural = _("changes of unit data")
        ordering = ["employer", "-recorded_at", "-id"]

    def __str__(self):
        return f"{self.employer.unit_code} {self.field}: {self.old_value} → {self.new_value}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("a change of unit data is never edited; append a new one")
        super().save(*args, **kwargs)
