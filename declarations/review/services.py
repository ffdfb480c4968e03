"""Writes of the review: claim and assign dossiers, hand claimed work back to the queue when
an account is locked, mark post dispatches sent. Keyword-only, atomic, audited."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import User
from accounts.scope import may

from ..models import OPEN_STATUSES, Dossier, PostDispatch
from .reasons import DecisionRefused

PERMISSION = "accounts.receive_dossiers"


@transaction.atomic
def dossier_assign(*, actor, dossier: Dossier, officer: User | None) -> Dossier:
    """Give an open dossier to ``officer`` (None: back to the office queue); claiming is
    assigning to oneself."""
    dossier = (
        Dossier.objects.select_for_update(of=("self",)).select_related("office").get(pk=dossier.pk)
    )
    if dossier.status not in OPEN_STATUSES:
        raise DecisionRefused("REVIEW_TRANSITION_REFUSED", frm=dossier.get_status_display(), to="—")
    if officer is not None and not may(officer, PERMISSION, dossier.office):
        raise DecisionRefused("REVIEW_ASSIGNEE_INVALID")
    previous = dossier.assigned_to_id
    dossier.assigned_to = officer
    dossier.assigned_at = timezone.now() if officer else None
    dossier.save(update_fields=["assigned_to", "assigned_at"])
    audit.record(
        actor,
        "dossier.assigned" if officer else "dossier.unassigned",
        dossier,
        dossier.office,
        {"from": previous, "to": officer.pk if officer else None},
    )
    return dossier


def dossier_claim(*, actor, dossier: Dossier) -> Dossier:
    return dossier_assign(actor=actor, dossier=dossier, officer=actor)


def claims_hand_back(*, user, actor, reason: str) -> int:
    """A locked person's claimed open dossiers go back to their office queue (audited).

    Registered with ``accounts.hooks.register_work_handback``; runs in the lock's transaction.
    """
    claimed = list(
        Dossier.objects.select_for_update(of=("self",))
        .filter(assigned_to=user, status__in=OPEN_STATUSES)
        .select_related("office")
    )
    for dossier in claimed:
        dossier.assigned_to = None
        dossier.assigned_at = None
        dossier.save(update_fields=["assigned_to", "assigned_at"])
        audit.record(
            actor,
            "dossier.handed_back",
            dossier,
            dossier.office,
            {"from": user.pk, "reason": reason},
        )
    return len(claimed)


@transaction.atomic
def dispatch_mark_sent(*, actor, dispatches) -> int:
    """Mark results of the day's post dispatch list as sent (đã gửi bưu điện)."""
    now = timezone.now()
    rows = list(
        PostDispatch.objects.select_for_update(of=("self",))
        .filter(pk__in=[d.pk for d in dispatches], sent_at__isnull=True)
        .select_related("office", "dossier")
    )
    for row in rows:
        row.sent_at, row.sent_by = now, actor
        row.save(update_fields=["sent_at", "sent_by"])
        audit.record(
            actor,
            "dossier.result_posted",
            row.dossier,
            row.office,
            {"dispatch": row.pk, "listed_on": row.listed_on.isoformat()},
        )
    return len(rows)
