"""Supplements (hồ sơ bổ sung): a unit's answer to a supplement request, received through
intake as a dossier of its own (its own receipt, status ``supplement``) linked to the dossier
it answers.

Here: which dossier a supplement may answer (coded refusals), the request a dossier awaits
an answer to, and the hook that moves the original on. That move belongs to review (its one
transition function restarts the legal clock), an app above this one: review registers it
from its ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core.refusals import Refused, codes_register, err
from declarations.dossiers.models import Dossier, DossierStatus, Notice, NoticeKind
from declarations.dossiers.reasons import Reason, reasons_of

codes_register(
    "supplements",
    "Supplements (hồ sơ bổ sung)",
    {
        "SUPPLEMENT_ORIGINAL_UNKNOWN": _("No dossier has transaction code {value}."),
        "SUPPLEMENT_OTHER_UNIT": _(
            "Dossier {value} was filed by another unit; a supplement must come from the unit "
            "that filed it."
        ),
        "SUPPLEMENT_OTHER_PROCEDURE": _(
            "Dossier {value} is for procedure {expected}; its supplement cannot be for "
            "procedure {procedure}."
        ),
        "SUPPLEMENT_NOT_AWAITED": _(
            "Dossier {value} is not awaiting a supplement (status: {status})."
        ),
        "SUPPLEMENT_UNSIGNED": _(
            "A supplement must be signed with the unit's digital certificate; a trial "
            "credential is not enough."
        ),
        "SUPPLEMENT_DUPLICATE": _(
            "This envelope was already received as dossier {value}; sign the supplement as a "
            "new envelope."
        ),
    },
    intro="Refusals of a supplement sent in answer to a supplement request (browser upload "
    "with `?bo-sung=`, I-VAN `POST /dossiers/{transaction_code}/supplements`); the "
    "supplement also goes through every check of the intake above.",
)


@dataclass(frozen=True)
class SupplementRequest:
    """The supplement request a dossier awaits an answer to: its notice and coded reasons."""

    notice: Notice
    reasons: list[Reason]
    note: str


def supplement_request(dossier: Dossier) -> SupplementRequest | None:
    """The latest supplement request of ``dossier`` while it awaits the answer (else None),
    read from its notices as loaded (prefetched: no query)."""
    if dossier.status != DossierStatus.SUPPLEMENT_REQUESTED:
        return None
    requests = [n for n in dossier.notices.all() if n.kind == NoticeKind.SUPPLEMENT]
    if not requests:
        return None
    notice = max(requests, key=lambda n: (n.issued_at, n.pk))
    return SupplementRequest(
        notice=notice,
        reasons=reasons_of(notice.data.get("reasons", [])),
        note=notice.data.get("note", ""),
    )


def supplement_original(
    *, transaction_code: str, employer, procedure_code: str, sandbox: bool, lock: bool = False
) -> Dossier:
    """The dossier a supplement from ``employer`` for ``procedure_code`` answers, or the
    refusal. ``lock``: the row is locked until the caller's transaction ends, so two
    supplements to one dossier are taken one after the other."""
    found = Dossier.objects.filter(transaction_code=transaction_code, sandbox=sandbox)
    if lock:
        found = found.select_for_update(of=("self",))
    original = found.first()
    if original is None:
        raise Refused(err("SUPPLEMENT_ORIGINAL_UNKNOWN", value=transaction_code))
    if original.employer_id != employer.pk:
        raise Refused(err("SUPPLEMENT_OTHER_UNIT", value=transaction_code))
    if original.procedure_code != procedure_code:
        raise Refused(
            err(
                "SUPPLEMENT_OTHER_PROCEDURE",
                value=transaction_code,
                expected=original.procedure_code,
                procedure=procedure_code,
            )
        )
    if original.status != DossierStatus.SUPPLEMENT_REQUESTED:
        raise Refused(
            err(
                "SUPPLEMENT_NOT_AWAITED",
                value=transaction_code,
                status=DossierStatus(original.status).label,  # lazy: shown in the reader's language
            )
        )
    return original


_ARRIVAL: list[Callable] = []


def arrival_handler_set(func: Callable) -> None:
    """Set ``func(*, original, supplement, actor)``, called when a supplement is received
    (review's: the original moves to ``supplemented``). Called from ``AppConfig.ready()``."""
    _ARRIVAL[:] = [func]


def supplement_arrived(*, original: Dossier, supplement: Dossier, actor) -> None:
    """Tell the handler that ``supplement`` answered ``original``; in the caller's
    transaction, so a refusal there leaves nothing of the supplement behind."""
    if not _ARRIVAL:
        raise ImproperlyConfigured("no supplement handler: is declarations.review installed?")
    _ARRIVAL[0](original=original, supplement=supplement, actor=actor)
