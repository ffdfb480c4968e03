"""Personnel decisions (quyết định nhân sự) and the sessions they may have to end."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .core import Office, User


class DecisionKind(models.TextChoices):
    TRANSFER = "transfer", _("Transfer (điều động)")
    RETIREMENT = "retirement", _("Retirement (nghỉ hưu)")
    MATERNITY = "maternity", _("Maternity leave (nghỉ thai sản)")
    SICK_LEAVE = "sick_leave", _("Long sick leave (nghỉ ốm dài ngày)")
    OTHER = "other", _("Other (khác)")
    RETURN = "return", _("Return from leave (đi làm lại)")


#: Kinds that lock the account on their effective date.
LOCKING_KINDS = frozenset(
    {DecisionKind.RETIREMENT, DecisionKind.MATERNITY, DecisionKind.SICK_LEAVE, DecisionKind.OTHER}
)
#: Kinds that decide whether the account is open (the latest in force wins).
STATUS_KINDS = LOCKING_KINDS | {DecisionKind.RETURN}


class DecisionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for its effective date")
    APPLIED = "applied", _("Applied")
    SUPERSEDED = "superseded", _("Overtaken by a later decision")
    CANCELLED = "cancelled", _("Cancelled")


class PersonnelDecision(models.Model):
    """A decision about a staff member; it acts at midnight (Asia/Ho_Chi_Minh) of its
    effective date, or at once when that date has passed."""

    user = models.ForeignKey(
        User, models.PROTECT, related_name="personnel_decisions", verbose_name=_("staff member")
    )
    number = models.CharField(_("decision number"), max_length=60)
    signed_on = models.DateField(_("decision date"))
    kind = models.CharField(_("kind"), max_length=12, choices=DecisionKind.choices)
    effective_on = models.DateField(_("effective date"), db_index=True)
    new_office = models.ForeignKey(
        Office,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("new office"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    office = models.ForeignKey(
        Office,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("office of the staff member"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=DecisionStatus.choices, default=DecisionStatus.PENDING
    )
    recorded_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Scope:
        office = "office"

    class Meta:
        verbose_name = _("personnel decision")
        verbose_name_plural = _("personnel decisions")
        ordering = ["-effective_on", "-id"]
        indexes = [models.Index(fields=["status", "effective_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="transfer") | models.Q(new_office__isnull=False),
                name="decision_transfer_needs_office",
            ),
        ]

    def __str__(self):
        return f"{self.number} · {self.get_kind_display()} · {self.user}"


class LoginSession(models.Model):
    """The session keys a user signed in with, so a lock can end every one of them."""

    user = models.ForeignKey(User, models.CASCADE, related_name="login_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    started_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("login session")
        verbose_name_plural = _("login sessions")

    def __str__(self):
        return f"{self.user} · {self.started_at:%Y-%m-%d %H:%M}"
