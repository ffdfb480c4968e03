"""Business applications (ứng dụng nghiệp vụ) and the rights users hold in them."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .core import Office, User


class BusinessApplication(models.Model):
    """An application accounts get rights in: this portal's parts and external software,
    shipped as data (fixture ``applications.json``)."""

    code = models.SlugField(_("code"), max_length=40, primary_key=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=160)
    name_en = models.CharField(_("name (English)"), max_length=160)
    internal = models.BooleanField(_("part of this portal"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("business application")
        verbose_name_plural = _("business applications")
        ordering = ["position", "code"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return self.name_en if (get_language() or "vi").startswith("en") else self.name_vi


class ApplicationGrantQuerySet(models.QuerySet):
    def active(self, on=None):
        day = on or timezone.localdate()
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class ApplicationGrant(models.Model):
    """A user's right in one business application at an office, effective-dated."""

    user = models.ForeignKey(User, models.CASCADE, related_name="application_grants")
    application = models.ForeignKey(
        BusinessApplication, models.PROTECT, related_name="grants", verbose_name=_("application")
    )
    office = models.ForeignKey(
        Office, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("office")
    )
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = ApplicationGrantQuerySet.as_manager()

    class Scope:
        office = "office"

    class Meta:
        verbose_name = _("application right")
        verbose_name_plural = _("application rights")
        ordering = ["user_id", "application_id", "valid_from"]

    def __str__(self):
        return f"{self.user} · {self.application_id} · {self.office or '-'}"
