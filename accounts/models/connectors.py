"""How each business application is told about a person's lock or change of rights
(kết nối ứng dụng): SCIM 2.0 where it speaks it, otherwise a task for its administrators.

One :class:`ConnectorChange` per person, application and change; each try to reach a SCIM
application leaves a :class:`ConnectorAttempt`. The quarterly report reads their state.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .applications import BusinessApplication
from .core import Office, User
from .decisions import PersonnelDecision


class ConnectorKind(models.TextChoices):
    SCIM = "scim", _("SCIM 2.0 (automatic)")
    MANUAL = "manual", _("Task for the application's administrators")


class ApplicationConnector(models.Model):
    """How one application is provisioned. The bearer token is never stored here: the
    row names a secret (``token_ref``) that the settings read from the environment."""

    application = models.OneToOneField(
        BusinessApplication,
        models.CASCADE,
        primary_key=True,
        related_name="connector",
        verbose_name=_("application"),
    )
    kind = models.CharField(_("provisioning"), max_length=10, choices=ConnectorKind.choices)
    base_url = models.URLField(_("SCIM base URL"), blank=True)
    token_ref = models.CharField(
        _("bearer token reference"),
        max_length=60,
        blank=True,
        help_text=_("Name of the token in the ACCOUNTS_SCIM_TOKENS setting."),
    )
    task_days = models.PositiveSmallIntegerField(_("days to carry out a manual change"), default=1)
    administrators = models.ManyToManyField(
        User, blank=True, related_name="administered_connectors", verbose_name=_("administrators")
    )
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("application connector")
        verbose_name_plural = _("application connectors")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="scim") | ~models.Q(base_url=""),
                name="connector_scim_needs_url",
            ),
        ]

    def __str__(self):
        return f"{self.application_id} · {self.kind}"


class ChangeOperation(models.TextChoices):
    DEACTIVATE = "deactivate", _("Disable the account")
    REACTIVATE = "reactivate", _("Enable the account again")
    MOVE = "move", _("Move the account to the new office")


class ChangeState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("application account", "Pending")
    CONFIRMED = "confirmed", _("Confirmed by the application")
    FAILED = "failed", pgettext_lazy("application account", "Failed")
    DONE = "done", _("Done by the administrators")


class ConnectorChange(models.Model):
    """One change an application must make to one person's account there."""

    user = models.ForeignKey(User, models.PROTECT, related_name="connector_changes")
    application = models.ForeignKey(
        BusinessApplication, models.PROTECT, related_name="+", verbose_name=_("application")
    )
    office = models.ForeignKey(
        Office, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("office")
    )
    decision = models.ForeignKey(
        PersonnelDecision, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("provisioning"), max_length=10, choices=ConnectorKind.choices)
    operation = models.CharField(_("change"), max_length=12, choices=ChangeOperation.choices)
    values = models.JSONField(default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    effective_at = models.DateTimeField(_("effective at"))
    due_at = models.DateTimeField(
        pgettext_lazy("application account", "deadline"), null=True, blank=True
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ChangeState.choices, default=ChangeState.PENDING
    )
    scim_id = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    done_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Scope:
        office = "office"

    class Meta:
        verbose_name = _("application account change")
        verbose_name_plural = _("application account changes")
        ordering = ["-effective_at", "-id"]
        indexes = [
            models.Index(fields=["user", "application", "-id"], name="connector_change_last"),
            models.Index(fields=["kind", "state", "due_at"], name="connector_change_tasks"),
        ]

    def __str__(self):
        return f"{self.application_id} · {self.user} · {self.operation} ({self.state})"


class AttemptOutcome(models.TextChoices):
    CONFIRMED = "confirmed", pgettext_lazy("application account", "Confirmed")
    RETRY = "retry", _("Unreachable, will retry")
    FAILED = "failed", _("Refused")


class ConnectorAttempt(models.Model):
    """What one try to reach a SCIM application gave."""

    change = models.ForeignKey(ConnectorChange, models.CASCADE, related_name="tries")
    at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=AttemptOutcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("connector attempt")
        verbose_name_plural = _("connector attempts")
        ordering = ["change_id", "at", "id"]

    def __str__(self):
        return f"{self.change_id} · {self.at:%Y-%m-%d %H:%M} · {self.outcome}"
