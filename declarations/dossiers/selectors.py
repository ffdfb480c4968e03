"""Reads of dossiers and notices, always narrowed through accounts.scope."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts.scope import scoped
from declarations.dossiers.models import OPEN_STATUSES, Dossier, DossierStatus, Notice


def dossier_history(
    *,
    user,
    q: str = "",
    status: str = "",
    procedure: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[Dossier]:
    """The dossiers ``user`` may see, searched and filtered (lịch sử giao dịch); I-VAN
    sandbox dossiers are never shown here. A supplement carries the transaction code of the
    dossier it answers (``supplement_of_code``)."""
    qs = (
        scoped(user, Dossier.objects.select_related("employer"))
        .filter(sandbox=False)
        .annotate(supplement_of_code=F("supplement_of__transaction_code"))
    )
    if q:
        qs = qs.filter(
            Q(transaction_code__icontains=q)
            | Q(period__icontains=q)
            | Q(employer__unit_code__iexact=q)
        )
    if status:
        qs = qs.filter(status=status)
    if procedure:
        qs = qs.filter(procedure_code=procedure)
    if date_from:
        qs = qs.filter(received_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(received_at__date__lte=date_to)
    return qs.order_by("-received_at")


def dossier_get(*, user, pk: int) -> Dossier | None:
    return (
        scoped(user, Dossier.objects.select_related("employer"))
        .filter(pk=pk, sandbox=False)
        .first()
    )


def dossier_by_code(*, user, transaction_code: str) -> Dossier | None:
    """The dossier with ``transaction_code`` if ``user`` may see it (as on the history)."""
    return (
        scoped(user, Dossier.objects.select_related("employer"))
        .filter(transaction_code=transaction_code, sandbox=False)
        .prefetch_related("notices")
        .first()
    )


def notice_get(*, user, pk: int) -> Notice | None:
    return (
        scoped(user, Notice.objects.select_related("dossier__employer"))
        .filter(pk=pk, dossier__sandbox=False)
        .first()
    )


@dataclass(frozen=True)
class EmployerHome:
    """What an employer's user sees first: recent dossiers, the latest notices, the
    supplement requests waiting for an answer and the dates ahead."""

    recent: list[Dossier]
    notices: list[Notice]
    awaiting_supplement: list[Dossier]
    in_progress: list[Dossier]  # open, with the legal date of the office's answer
    contributions_due: date  # this month's contributions: by the month's last day


def employer_home(*, user, limit: int = 5, today: date | None = None) -> EmployerHome:
    """The employer user's home page, through the same scoping as the history (their own
    units only). Four queries, whatever the number of dossiers."""
    today = today or timezone.localdate()
    dossiers = dossier_history(user=user)
    recent = list(dossiers[:limit])
    awaiting = list(
        dossiers.filter(status=DossierStatus.SUPPLEMENT_REQUESTED).prefetch_related("notices")
    )
    in_progress = list(
        dossiers.filter(status__in=OPEN_STATUSES, deadline__isnull=False)
        .exclude(status=DossierStatus.SUPPLEMENT_REQUESTED)  # the office waits for the unit
        .order_by("deadline", "received_at")[:limit]
    )
    notices = list(
        scoped(user, Notice.objects.select_related("dossier"))
        .filter(dossier__sandbox=False)
        .distinct()
        .order_by("-issued_at", "-pk")[:limit]
    )
    last_day = calendar.monthrange(today.year, today.month)[1]
    return EmployerHome(
        recent=recent,
        notices=notices,
        awaiting_supplement=awaiting,
        in_progress=in_progress,
        contributions_due=today.replace(day=last_day),
    )
