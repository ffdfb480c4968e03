"""Incidents (sự cố) that excuse paper filing, and each province's paper cut-off date."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Office


class Incident(models.Model):
    """A recorded network or software failure that made e-filing impossible."""

    office = models.ForeignKey(Office, models.PROTECT, related_name="incidents")
    kind = models.CharField(
        _("kind"), max_length=10, choices=[("network", _("Network")), ("software", _("Software"))]
    )
    started_at = models.DateTimeField(_("start"))
    ended_at = models.DateTimeField(_("end"), null=True, blank=True)
    scope = models.CharField(_("scope"), max_length=300)
    cause = models.TextField(_("cause"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Scope:
        office = "office"

    class Meta:
        db_table = "declarations_incident"  # the table from before the split
        verbose_name = _("incident")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.started_at:%d/%m/%Y %H:%M} ({self.office.code})"


class PaperCutoff(models.Model):
    """From ``starts_on`` the offices under ``office`` accept no paper dossiers (rule 3)."""

    office = models.ForeignKey(Office, models.CASCADE, related_name="paper_cutoffs")
    starts_on = models.DateField(_("no paper from"))

    class Meta:
        db_table = "declarations_papercutoff"  # the table from before the split
        verbose_name = _("paper cut-off")
        verbose_name_plural = _("paper cut-offs")
        ordering = ["starts_on"]

    def __str__(self):
        return f"{self.office.code}: {self.starts_on}"
