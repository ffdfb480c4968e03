"""Requests to extract data from the central database (đề nghị khai thác dữ liệu)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .core import Office, User


class DataRequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for approval")
    REJECTED = "rejected", _("Rejected")
    FORWARDED = "forwarded", _("Approved, forwarded to central IT")
    FULFILLED = "fulfilled", _("Fulfilled")


class DataRequest(models.Model):
    """Official letter + indicators form → leader approval → central IT → export file."""

    office = models.ForeignKey(
        Office, models.PROTECT, related_name="+", verbose_name=_("requesting office")
    )
    requested_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    letter_number = models.CharField(_("official letter number"), max_length=60)
    letter_date = models.DateField(_("official letter date"))
    letter_file = models.FileField(_("official letter"), upload_to="data-requests/letters/")
    indicators = models.JSONField(_("indicators"), default=list)
    purpose = models.TextField(_("purpose"))
    recipient = models.CharField(_("recipient"), max_length=200)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DataRequestStatus.choices,
        default=DataRequestStatus.SUBMITTED,
    )
    approved_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("leader's note"), max_length=300, blank=True)
    fulfilled_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    export_file = models.FileField(_("export file"), upload_to="data-requests/exports/", blank=True)

    class Scope:
        office = "office"

    class Meta:
        verbose_name = _("data extraction request")
        verbose_name_plural = _("data extraction requests")
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.letter_number} ({self.office.code})"

    @property
    def approved(self) -> bool:
        return self.approved_at is not None and self.status in {
            DataRequestStatus.FORWARDED,
            DataRequestStatus.FULFILLED,
        }
