"""The I-VAN providers (nhà cung cấp dịch vụ I-VAN) and the one each employer transacts through."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from declarations.employers.models.employers import Employer


class Provider(models.Model):
    """A contracted I-VAN service provider (nhà cung cấp dịch vụ I-VAN), known by MaIVAN."""

    code = models.CharField(_("provider code (MaIVAN)"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    website = models.URLField(_("website"), blank=True)
    # Requests per period for this provider's API clients ("600/min"); empty: the default.
    api_rate = models.CharField(_("API rate limit"), max_length=20, blank=True)

    class Meta:
        db_table = "ivan_provider"  # the table from before the split
        verbose_name = _("I-VAN provider")
        verbose_name_plural = _("I-VAN providers")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} – {self.name}"


class EmployerChannel(models.Model):
    """The I-VAN provider an employer currently transacts through (none: the portal)."""

    employer = models.OneToOneField(Employer, models.CASCADE, related_name="ivan_channel")
    provider = models.ForeignKey(Provider, models.PROTECT, related_name="employer_channels")

    class Meta:
        db_table = "ivan_employerchannel"  # the table from before the split

    def __str__(self):
        return f"{self.employer.unit_code} → {self.provider.code}"
