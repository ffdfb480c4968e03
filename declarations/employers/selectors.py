"""What IT staff are shown about the licensed CAs: CRLs past their nextUpdate (or never
fetched), and whether intake already refuses their certificates (past the grace period)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from accounts.scope import office_ids_for, reach_remember, scoped
from declarations.employers.models import (
    CertificateAuthority,
    Employer,
    EmployerDataChange,
    Registration,
    RegistrationStatus,
)
from declarations.employers.models.trust import issuer_key
from declarations.employers.pki.trust import Managed, crl_deadline
from declarations.employers.unit_data import BY_ATTR


@dataclass(frozen=True)
class TrustAlert:
    code: str
    name: str
    issuer: str
    next_update: datetime | None  # None: no CRL fetched yet
    refused_from: datetime  # nextUpdate (or activation) + TRUST_CRL_GRACE_HOURS
    refusing: bool  # intake already answers CERT_STATUS_UNKNOWN
    last_error: str


def trust_alerts(now: datetime | None = None) -> list[TrustAlert]:
    """One alert per certificate of an active CA with CRL URLs whose CRL is stale or missing."""
    now = now or timezone.now()
    alerts = []
    for authority in (
        CertificateAuthority.objects.filter(active=True)
        .exclude(crl_urls="")
        .prefetch_related("crls")
        .order_by("name")
    ):
        if not authority.crl_url_list():
            continue
        held = {row.issuer_key: row for row in authority.crls.all()}
        for cert in authority.certificates():
            row = held.get(issuer_key(cert.subject))
            next_update = row.next_update if row is not None else None
            if next_update is not None and next_update >= now:
                continue
            managed = Managed(authority.code, True, next_update, authority.activated_at, False)
            deadline = crl_deadline(managed, now=now)
            alerts.append(
                TrustAlert(
                    code=authority.code,
                    name=authority.name,
                    issuer=cert.subject.rfc4514_string(),
                    next_update=next_update,
                    refused_from=deadline,
                    refusing=now > deadline,
                    last_error=authority.last_error,
                )
            )
    return alerts


SUBMIT = "accounts.submit_dossiers"


def employer_of(user) -> Employer | None:
    """The unit an employer user acts for (the first one, when several)."""
    employer = scoped(user, Employer.objects.all(), permission=SUBMIT).order_by("unit_code").first()
    reach_remember(user, employer, permission=SUBMIT)  # intake checks the same, no query
    return employer


def registrations_pending(*, user) -> QuerySet[Registration]:
    return scoped(
        user,
        Registration.objects.select_related("employer"),
        permission="accounts.manage_employers",
    ).filter(status=RegistrationStatus.PENDING)


def staff_require(user, permission: str) -> None:
    """Refuse (403) a user who holds ``permission`` at no office."""
    ids = office_ids_for(user, permission=permission)
    if ids is not None and not ids:
        raise PermissionDenied


def employer_or_403(user) -> Employer:
    """The employer ``user`` acts for, or 403."""
    employer = employer_of(user)
    if employer is None:
        raise PermissionDenied
    return employer


@dataclass(frozen=True)
class UnitDataChangeRow:
    """One change of the unit's data as a reader reads it (labels in their language)."""

    effective_on: date
    recorded_at: datetime
    label: str
    old: str
    new: str
    transaction_code: str


def unit_data_changes(
    *, employer, language: str = "vi", limit: int = 50
) -> list[UnitDataChangeRow]:
    """The latest changes of ``employer``'s data (procedure 604), newest first."""
    rows = []
    for change in EmployerDataChange.objects.filter(employer=employer).order_by(
        "-recorded_at", "-id"
    )[:limit]:
        field = BY_ATTR[change.field]
        rows.append(
            UnitDataChangeRow(
                effective_on=change.effective_on,
                recorded_at=change.recorded_at,
                label=field.label(language),
                old=field.display(change.old_value, language),
                new=field.display(change.new_value, language),
                transaction_code=change.transaction_code,
            )
        )
    return rows
