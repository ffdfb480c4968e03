"""What a decision on a dossier does besides changing its status: the supplement clock, the
result notice (thông báo kết quả) with its coded reasons, the e-mail through the outbox,
the ``notice.issued`` event, held results of trial credentials and the post dispatch list.

Called only from :func:`declarations.review.services.dossier_transition` (the one transition
function) and :func:`declarations.services.paper_set_record`, inside their transaction.
"""

from __future__ import annotations

import secrets

from django.template.loader import render_to_string
from django.utils import timezone

from core.outbox.services import outbox_enqueue
from core.refusals import Refused
from declarations.dossiers import events
from declarations.dossiers.clock import deadline_compute, decided_on_time
from declarations.dossiers.models import DossierStatus, Notice, NoticeKind
from declarations.dossiers.notices import notice_email_add
from declarations.dossiers.reasons import REASONS, REJECT, SUPPLEMENT, reasons_check
from declarations.employers.models import ResultDelivery
from declarations.employers.procedures import procedure_get
from declarations.review.models import DossierPause, PostDispatch

NOTICE_OF = {
    DossierStatus.ACCEPTED: NoticeKind.ACCEPTED,
    DossierStatus.REJECTED: NoticeKind.REJECTED,
    DossierStatus.SUPPLEMENT_REQUESTED: NoticeKind.SUPPLEMENT,
}
PREFIX = {NoticeKind.ACCEPTED: "KQ", NoticeKind.REJECTED: "TC", NoticeKind.SUPPLEMENT: "BS"}
SUBJECT = {
    NoticeKind.ACCEPTED: "Thông báo kết quả: hồ sơ {code} được chấp nhận",
    NoticeKind.REJECTED: "Thông báo kết quả: hồ sơ {code} bị từ chối",
    NoticeKind.SUPPLEMENT: "Yêu cầu bổ sung hồ sơ {code}",
}


def decision_prepare(*, dossier, to: str, reasons, note: str) -> dict:
    """Check the reasons a decision needs; returns what the notice will carry."""
    codes: list[str] = []
    if to == DossierStatus.REJECTED:
        codes = [r.code for r in reasons_check(REJECT, reasons, note)]
    elif to == DossierStatus.SUPPLEMENT_REQUESTED:
        codes = [r.code for r in reasons_check(SUPPLEMENT, reasons, note)]
    return {"reasons": codes, "note": note.strip()[:1000]}


def acceptance_apply(*, dossier, returned: dict[int, str] | None = None) -> list[dict]:
    """What the accepted procedure produces (spells, books, cards): its result rows.
    ``returned``: rows the reviewer sends back ({STT: reason}), left out of the effect."""
    procedure = procedure_get(dossier.procedure_code)
    if returned:
        if procedure is None or not procedure.row_decisions:
            raise Refused("REVIEW_ROWS_NOT_ALLOWED", procedure=dossier.procedure_code)
        if dossier.worker_count and len(returned) >= dossier.worker_count:
            raise Refused("REVIEW_ROWS_ALL")
    if procedure is None or procedure.on_accept is None:
        return []
    if returned:
        return procedure.on_accept(dossier=dossier, returned=set(returned))
    return procedure.on_accept(dossier=dossier)


def issued_counts(people: list[dict]) -> dict:
    """The audit entry's summary of an acceptance: books and cards issued, cards asked back."""
    if not people:
        return {}
    cards = [p["card"]["action"] for p in people if p.get("card")]
    return {
        "people": len(people),
        "books_issued": sum(1 for p in people if p.get("book") == "issued"),
        "cards_issued": cards.count("issued"),
        "cards_to_return": cards.count("to_return"),
    }


def clock_apply(*, dossier, previous: str, to: str, now) -> list[str]:
    """Pause or resume the clock; set the decision time. Returns the fields changed."""
    fields = []
    if to == DossierStatus.SUPPLEMENT_REQUESTED:
        DossierPause.objects.create(dossier=dossier, requested_at=now)
    if previous == DossierStatus.SUPPLEMENT_REQUESTED:
        dossier.pauses.filter(resumed_at__isnull=True).update(resumed_at=now)
    if to == DossierStatus.SUPPLEMENT_REQUESTED or previous == DossierStatus.SUPPLEMENT_REQUESTED:
        dossier.deadline = deadline_compute(dossier)
        fields.append("deadline")
    if to in (DossierStatus.ACCEPTED, DossierStatus.REJECTED):
        dossier.decided_at = now
        dossier.on_time = decided_on_time(dossier, at=now)
        fields += ["decided_at", "on_time"]
    return fields


def result_issue(*, dossier, to: str, decision: dict, actor) -> Notice | None:
    """Issue the notice of a decision, unless a trial-credential result is held."""
    kind = NOTICE_OF.get(to)
    if kind is None:
        return None
    if dossier.result_held and to in (DossierStatus.ACCEPTED, DossierStatus.REJECTED):
        return None  # released by paper_set_record once the paper set arrives
    return _notice_issue(dossier=dossier, kind=kind, decision=decision, actor=actor)


def held_result_release(*, dossier, actor) -> Notice | None:
    """The paper set arrived: issue the held result notice and tell subscribers."""
    if dossier.status not in (DossierStatus.ACCEPTED, DossierStatus.REJECTED):
        return None
    if not dossier.decision.get("held"):
        return None
    notice = _notice_issue(
        dossier=dossier, kind=NOTICE_OF[dossier.status], decision=dossier.decision, actor=actor
    )
    dossier.decision = {**dossier.decision, "held": False}
    dossier.save(update_fields=["decision"])
    events.publish("result.released", dossier=dossier, notice=notice)
    return notice


def _notice_issue(*, dossier, kind, decision: dict, actor) -> Notice:
    notice = Notice.objects.create(
        dossier=dossier,
        kind=kind,
        number=f"{PREFIX[kind]}-{dossier.transaction_code}-{secrets.token_hex(2).upper()}",
        data={
            "reasons": list(decision.get("reasons", [])),
            "note": decision.get("note", ""),
            "decided_by": getattr(actor, "full_name", "") or getattr(actor, "username", ""),
            **({"people": decision["people"]} if decision.get("people") else {}),
            **({"returned": decision["returned"]} if decision.get("returned") else {}),
        },
    )
    employer = dossier.employer
    if employer.contact_email:
        outbox_enqueue(
            kind="email",
            key=f"notice-{notice.number}",
            payload={
                "to": [employer.contact_email],
                "subject": SUBJECT[kind].format(code=dossier.transaction_code),
                "body": render_to_string(
                    "declarations/review/notice_email.txt",
                    {
                        "dossier": dossier,
                        "notice": notice,
                        "reasons": [REASONS[c] for c in notice.data["reasons"] if c in REASONS],
                    },
                ),
                "add": notice_email_add(notice),  # the verification code, written in at sending
            },
        )
    if kind == NoticeKind.ACCEPTED and employer.result_delivery == ResultDelivery.BY_POST:
        PostDispatch.objects.get_or_create(
            dossier=dossier,
            defaults={
                "notice": notice,
                "office_id": dossier.office_id or employer.managing_office_id,
                "listed_on": timezone.localdate(),
                "address": (employer.postal_address or employer.address or "")[:300],
            },
        )
    events.publish("notice.issued", dossier=dossier, notice=notice)
    return notice
