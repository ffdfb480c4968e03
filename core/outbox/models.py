"""Outbox messages and their delivery state."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Pending")
    IN_FLIGHT = "in_flight", _("Being sent")
    SENT = "sent", _("Sent")
    DEAD = "dead", _("Dead letter")


class OutboxMessage(models.Model):
    """One external effect to perform exactly once as far as the receiver can tell.

    ``key`` is the idempotency key sent to the receiver (Message-ID, webhook id, push
    reference); a second enqueue with the same key is a no-op.
    """

    kind = models.CharField(_("kind"), max_length=40)
    key = models.CharField(_("idempotency key"), max_length=200)  # unique: Meta
    payload = models.JSONField(default=dict)
    state = models.CharField(
        max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=8)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        ordering = ["id"]
        # A constraint, not ``unique=True``: no LIKE twin of the unique index on PostgreSQL
        # (see declarations.Dossier); ``ON CONFLICT ("key")`` infers this one.
        constraints = [models.UniqueConstraint(fields=["key"], name="outbox_key_uniq")]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_due_idx",
                condition=Q(state__in=["pending", "in_flight"]),
            ),
            models.Index(fields=["kind", "state"]),
        ]

    def __str__(self):
        return f"{self.kind}:{self.key} ({self.state})"
