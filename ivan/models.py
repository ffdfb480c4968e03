"""I-VAN providers, their operators, and which provider carries each employer."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from declarations.models import Employer


class Provider(models.Model):
    """A contracted I-VAN service provider, known by its MaIVAN code."""

    code = models.CharField(_("provider code (MaIVAN)"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("I-VAN provider")
        verbose_name_plural = _("I-VAN providers")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} – {self.name}"


class ProviderMember(models.Model):
    """A user who operates for a provider (I-VAN client role)."""

    provider = models.ForeignKey(Provider, models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="provider_links"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "user"], name="provider_member_uniq")
        ]

    def __str__(self):
        return f"{self.user} @ {self.provider.code}"


class EmployerChannel(models.Model):
    """The I-VAN provider an employer currently transacts through (none: the portal)."""

    employer = models.OneToOneField(Employer, models.CASCADE, related_name="ivan_channel")
    provider = models.ForeignKey(Provider, models.PROTECT, related_name="employer_channels")

    def __str__(self):
        return f"{self.employer.unit_code} → {self.provider.code}"
