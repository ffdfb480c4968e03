"""Registration for e-transactions (tờ khai 04/ĐK-IVAN) and its approval by the office."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from declarations.employers.models.employers import Employer


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Registration(models.Model):
    """An employer's request to transact electronically (fields of form 04/ĐK-IVAN)."""

    employer = models.ForeignKey(Employer, models.CASCADE, related_name="registrations")
    unit_name = models.CharField(_("unit name"), max_length=255)
    address = models.CharField(_("address"), max_length=300)
    tax_code = models.CharField(_("tax code (MST)"), max_length=14)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=20)
    procedures = models.CharField(_("procedures"), max_length=200)
    provider = models.ForeignKey(
        "employers.Provider",
        models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("I-VAN provider"),
    )
    cert_der = models.BinaryField(_("certificate (DER)"))
    cert_serial = models.CharField(_("certificate serial"), max_length=80)
    cert_issuer = models.CharField(_("issuing CA"), max_length=500)
    cert_valid_from = models.DateTimeField(_("certificate valid from"))
    cert_valid_to = models.DateTimeField(_("certificate valid until"))
    # Proof of possession: the 04/ĐK-IVAN document as signed with the certificate registered.
    signed_form = models.BinaryField(_("signed 04/ĐK-IVAN"), blank=True, default=b"")
    result_delivery = models.CharField(_("result delivery"), max_length=8, default="office")
    postal_address = models.CharField(_("postal address"), max_length=300, blank=True)
    status = models.CharField(
        max_length=10, choices=RegistrationStatus.choices, default=RegistrationStatus.PENDING
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)

    class Scope:
        office = "employer__managing_office"
        employer_user = "employer__members__user"

    class Meta:
        db_table = "declarations_registration"  # the table from before the split
        verbose_name = _("e-transaction registration")
        ordering = ["-submitted_at"]

    def __str__(self):
        return f"04/ĐK-IVAN {self.employer.unit_code} ({self.status})"
