"""Results of audit-chain checks, so the viewer shows the last one without recomputing."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditVerification(models.Model):
    ran_at = models.DateTimeField(_("checked at"), auto_now_add=True)
    checked = models.PositiveIntegerField(_("entries checked"))
    last_verified_id = models.BigIntegerField(_("last verified entry"), null=True, blank=True)
    broken_id = models.BigIntegerField(_("first broken entry"), null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    pending = models.PositiveIntegerField(_("entries awaiting their seal"), default=0)

    class Meta:
        verbose_name = _("audit chain check")
        verbose_name_plural = _("audit chain checks")
        ordering = ["-ran_at", "-id"]

    def __str__(self):
        return f"{self.ran_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'broken'}"

    @property
    def ok(self) -> bool:
        return self.broken_id is None
