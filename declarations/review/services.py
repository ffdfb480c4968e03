"""Writes of the review: claim and assign dossiers, hand claimed work back to the queue when
an account is locked, mark post dispatches sent. Keyword-only, atomic, audited."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import User
from accounts.scope import may
from core.refusals import Refused
from declarations.dossiers import events
from declarations.dossiers.models import (
    OPEN_STATUSES,
    TRANSITIONS,
    Dossier,
    DossierStatus,
    NoticeKind,
)
from declarations.dossiers.services import notice_create
from declarations.review import decisions
from declarations.review.decisions import held_result_release
from declarations.review.models import PostDispatch

PERMISSION = "accounts.receive_dossiers"


@transaction.atomic
def dossier_assign(*, actor, dossier: Dossier, officer: User | None) -> Dossier:
    """Give an open dossier to ``officer`` (None: back to the office queue); claiming is
    assigning to oneself."""
    dossier = (
        Dossier.objects.select_for_update(of=("self",)).select_related("office").get(pk=dossier.pk)
    )
    if dossier.status not in OPEN_STATUSES:
        raise Refused("REVIEW_TRANSITION_REFUSED", frm=dossier.get_status_display(), to="—")
    if officer is not None and not may(officer, PERMISSION, dossier.office):
        raise Refused("REVIEW_ASSIGNEE_INVALID")
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


@transaction.atomic
def dossier_transition(
    *, actor, dossier: Dossier, to: str, note: str = "", reasons=(), returned=None
) -> Dossier:
    """Change a dossier's status through the one map of allowed transitions, audited.

    A decision (accepted, rejected, supplement requested) issues its result notice with the
    coded ``reasons`` (e-mail through the outbox, ``notice.issued`` event), unless the
    result of a trial-credential dossier is held until its paper set arrives. Requesting a
    supplement stops the legal clock; the supplement's arrival restarts it. Accepting with
    ``returned`` ({STT: rejection reason}) applies the other rows only, where the procedure
    decides row by row, and the notice lists the rows returned.
    """

    dossier = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("employer")
        .get(pk=dossier.pk)
    )
    if to not in TRANSITIONS.get(dossier.status, set()):
        raise Refused(
            "REVIEW_TRANSITION_REFUSED",
            frm=dossier.get_status_display(),
            to=dict(DossierStatus.choices).get(to, to),
        )
    decision = decisions.decision_prepare(dossier=dossier, to=to, reasons=reasons, note=note)
    previous = dossier.status
    now = timezone.now()
    dossier.status = to
    fields = ["status", *decisions.clock_apply(dossier=dossier, previous=previous, to=to, now=now)]
    if to == "in_review" and dossier.assigned_to_id is None and getattr(actor, "pk", None):
        dossier.assigned_to, dossier.assigned_at = actor, now
        fields += ["assigned_to", "assigned_at"]
    if to == "accepted":
        decision["people"] = decisions.acceptance_apply(dossier=dossier, returned=returned)
        if returned:
            decision["returned"] = [
                {"stt": stt, "reason": code} for stt, code in sorted(returned.items())
            ]
    if to in ("accepted", "rejected"):
        kept = decision
        if not dossier.result_held:  # the notice keeps the people listed; a held one needs them
            kept = {k: v for k, v in decision.items() if k != "people"}
        dossier.decision = {**kept, "held": dossier.result_held}
        fields.append("decision")
    dossier.save(update_fields=fields)
    notice = decisions.result_issue(dossier=dossier, to=to, decision=decision, actor=actor)
    audit.record(
        actor,
        "dossier.status_changed",
        dossier,
        dossier.employer.managing_office,
        {
            "from": previous,
            "to": to,
            "note": note,
            "reasons": decision["reasons"],
            "notice": notice.number if notice else None,
            "held": bool(dossier.result_held and to in ("accepted", "rejected")),
            **decisions.issued_counts(decision.get("people") or []),
        },
    )
    events.publish("dossier.status_changed", dossier=dossier, data={"from": previous, "to": to})
    return dossier


@transaction.atomic
def paper_set_record(*, actor, dossier: Dossier) -> Dossier:
    """Staff record that the paper set of a trial dossier arrived: the result is released."""
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if not dossier.paper_required or dossier.paper_received_at:
        return dossier
    dossier.paper_received_at = timezone.now()
    dossier.result_held = False
    dossier.save(update_fields=["paper_received_at", "result_held"])
    notice_create(dossier=dossier, kind=NoticeKind.PAPER_SET_RECEIVED)
    released = held_result_release(dossier=dossier, actor=actor)
    audit.record(
        actor,
        "dossier.paper_set_received",
        dossier,
        dossier.employer.managing_office,
        {"released": released.number if released else None},
    )
    return dossier


def supplement_arrived(*, original: Dossier, supplement: Dossier, actor) -> Dossier:
    """A supplement answered ``original``'s request: the original moves to ``supplemented``
    through the one transition function (audited; the legal clock restarts). The handler of
    :mod:`declarations.dossiers.supplements`; runs in the intake's transaction."""
    return dossier_transition(actor=actor, dossier=original, to=DossierStatus.SUPPLEMENTED)
