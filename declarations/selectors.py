"""Reads of the declarations app, always narrowed through accounts.scope."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from accounts.scope import reach_remember, scoped

from .models import Dossier, Employer, Notice, Registration, RegistrationStatus

SUBMIT = "accounts.submit_dossiers"


def employer_of(user) -> Employer | None:
    """The unit an employer user acts for (the first one, when several)."""
    employer = scoped(user, Employer.objects.all(), permission=SUBMIT).order_by("unit_code").first()
    reach_remember(user, employer, permission=SUBMIT)  # intake checks the same, no query
    return employer


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
    sandbox dossiers are never shown here."""
    qs = scoped(user, Dossier.objects.select_related("employer")).filter(sandbox=False)
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


def notice_get(*, user, pk: int) -> Notice | None:
    return (
        scoped(user, Notice.objects.select_related("dossier__employer"))
        .filter(pk=pk, dossier__sandbox=False)
        .first()
    )


def registrations_pending(*, user) -> QuerySet[Registration]:
    return scoped(
        user,
        Registration.objects.select_related("employer"),
        permission="accounts.manage_employers",
    ).filter(status=RegistrationStatus.PENDING)
