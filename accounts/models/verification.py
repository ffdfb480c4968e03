"""The audit chain's checkpoints (signed heads) and the results of chain checks, so the
viewer shows the last check without recomputing."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditCheckpoint(models.Model):
    """A signed statement "the chain had ``seq`` entries ending in ``hash`` at ``at``".

    This table is a convenience copy: whoever can write the database can write it too, so
    the verifier trusts a row only when its signature verifies with a public key kept
    outside the database; the trusted copies are the append-only file and the central
    store (``accounts.audit_checkpoints``)."""

    seq = models.BigIntegerField(_("entries in the chain"), unique=True)
    hash = models.CharField(_("head hash"), max_length=64)
    at = models.DateTimeField(_("signed at"))
    key_id = models.CharField(_("key id"), max_length=64)
    signature = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")
        ordering = ["-seq"]

    def __str__(self):
        return f"checkpoint #{self.seq}"


CHECKPOINT_PROBLEMS = {
    "contradicted": _("the recomputed chain contradicts it (entries were rewritten)"),
    "forged": _("its signature does not verify with a trusted public key"),
    "missing": _("it is in the database but in no copy outside it"),
    "truncated": _("it counts more entries than the chain has (entries were removed)"),
    "conflict": _("two signed copies disagree"),
    "unreadable": _("a copy is unreadable"),
    "unconfigured": _("no checkpoint key, public keys or file configured"),
}


class AuditVerification(models.Model):
    ran_at = models.DateTimeField(_("checked at"), auto_now_add=True)
    checked = models.PositiveIntegerField(_("entries checked"))
    last_verified_id = models.BigIntegerField(_("last verified entry"), null=True, blank=True)
    broken_id = models.BigIntegerField(_("first broken entry"), null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    pending = models.PositiveIntegerField(_("entries awaiting their seal"), default=0)
    checkpoints_checked = models.PositiveIntegerField(_("checkpoints checked"), default=0)
    # The first checkpoint the chain contradicts (or that is forged, missing, beyond the
    # chain): its code (see accounts.audit_checkpoints.PROBLEMS), place and time.
    checkpoint_problem = models.CharField(max_length=20, blank=True)
    checkpoint_seq = models.BigIntegerField(_("contradicted checkpoint"), null=True, blank=True)
    checkpoint_at = models.DateTimeField(null=True, blank=True)
    checkpoint_source = models.CharField(max_length=20, blank=True)
    checkpoint_reason = models.CharField(max_length=300, blank=True)
    # Which out-of-database copies were read ("file", "central"), and which not reachable.
    checkpoint_sources = models.CharField(max_length=100, blank=True)
    checkpoint_unavailable = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("audit chain check")
        verbose_name_plural = _("audit chain checks")
        ordering = ["-ran_at", "-id"]

    def __str__(self):
        return f"{self.ran_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'broken'}"

    @property
    def ok(self) -> bool:
        return self.broken_id is None and not self.checkpoint_problem

    @property
    def checkpoint_problem_label(self) -> str:
        return CHECKPOINT_PROBLEMS.get(self.checkpoint_problem, self.checkpoint_problem)
