"""Requests for accounts of outside persons or organisations (phê duyệt của lãnh đạo)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .applications import BusinessApplication
from .core import Office, User


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class OutsideAccountRequest(models.Model):
    """A provincial admin asks for an outside account; a central leader decides."""

    office = models.ForeignKey(
        Office, models.PROTECT, related_name="+", verbose_name=_("requesting office")
    )
    requested_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    full_name = models.CharField(_("person"), max_length=200)
    email = models.EmailField(_("e-mail"))
    organisation = models.CharField(_("organisation"), max_length=200)
    application = models.ForeignKey(
        BusinessApplication, models.PROTECT, related_name="+", verbose_name=_("application")
    )
    reason = models.TextField(_("why"))
    valid_until = models.DateField(_("until"))
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decided_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("leader's note"), max_length=300, blank=True)

    class Scope:
        office = "office"

    class Meta:
        verbose_name = _("outside account request")
        verbose_name_plural = _("outside account requests")
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.full_name} ({self.organisation})"
