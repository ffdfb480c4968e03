"""Writes about collection officers' employers, adoption targets and release deployments.

Each function checks the actor's right at the office concerned (accounts.scope), writes in
one transaction and records one audit entry.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import audit, scope
from accounts.models import Membership, Office, OfficeLevel, User
from core.db_routing import replica_reads
from core.refusals import Refused, codes_register
from declarations.adoption.models import (
    AdoptionSnapshot,
    AdoptionSnapshotRun,
    AdoptionTarget,
    EmployerAssignment,
    PortalRelease,
    ReleaseDeployment,
)
from declarations.adoption.selectors import (
    OfficeIndex,
    adoption_counts,
    month_starts,
    officer_counts,
)
from declarations.employers.models import Employer

codes_register(
    "adoption",
    "Adoption (assignments, targets, deployments)",
    {
        "ASSIGN_FORBIDDEN": _("You may not assign employers there."),
        "ASSIGN_NOT_OFFICER": _("{user} is not a collection officer of {office}."),
        "TARGET_FORBIDDEN": _("You may not set targets for this office."),
        "TARGET_SHARE": _("The target must be a percentage from 0 to 100."),
        "TARGET_NOT_OFFICER": _("{user} is not a collection officer of {office}."),
        "DEPLOY_NOT_PROVINCE": _("Deployments are recorded per province."),
        "DEPLOY_FORBIDDEN": _("You may not record deployments there."),
        "DEPLOY_FUTURE": _("The deployment date cannot be in the future."),
        "DEPLOY_BEFORE_RELEASE": _("The deployment date is before the release date."),
    },
)


def _officer_offices(officer: User, index: OfficeIndex) -> set[int]:
    """Ids of the offices (as in force today) where ``officer`` is a collection officer."""
    return {
        index.current(m.office_id).pk
        for m in Membership.objects.active(index.on).filter(
            user=officer, role_id="collection_officer", office__isnull=False
        )
    }


@transaction.atomic
def employers_assign(*, actor: User, employers: list[Employer], officer: User) -> int:
    """Put ``officer`` (cán bộ chuyên quản thu) in charge of ``employers``."""
    today = timezone.localdate()
    index = OfficeIndex.load(today)
    officer_at = _officer_offices(officer, index)
    changed = 0
    for employer in employers:
        office = employer.managing_office
        if not scope.may(actor, "adoption.assign_employers", office):
            raise Refused("ASSIGN_FORBIDDEN")
        if index.current(office.pk).pk not in officer_at:
            raise Refused("ASSIGN_NOT_OFFICER", user=str(officer), office=office.name)
        previous = EmployerAssignment.objects.filter(employer=employer).first()
        if previous and previous.officer_id == officer.pk:
            continue
        EmployerAssignment.objects.update_or_create(
            employer=employer,
            defaults={"officer": officer, "assigned_on": today, "assigned_by": actor},
        )
        audit.record(
            actor,
            "employer.assigned",
            employer,
            office,
            {"officer": officer.get_username(), "previous": previous and previous.officer_id},
        )
        changed += 1
    return changed


@transaction.atomic
def employer_unassign(*, actor: User, employer: Employer) -> None:
    office = employer.managing_office
    if not scope.may(actor, "adoption.assign_employers", office):
        raise Refused("ASSIGN_FORBIDDEN")
    deleted, _n = EmployerAssignment.objects.filter(employer=employer).delete()
    if deleted:
        audit.record(actor, "employer.unassigned", employer, office, {})


@transaction.atomic
def adoption_target_set(
    *,
    actor: User,
    office: Office,
    share,
    due_on: date,
    officer: User | None = None,
    note: str = "",
) -> AdoptionTarget:
    """Set (or change) the share of employers to bring online by ``due_on`` (chỉ tiêu)."""
    if not scope.may(actor, "adoption.set_adoption_targets", office):
        raise Refused("TARGET_FORBIDDEN")
    try:
        value = Decimal(str(share)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or not (0 <= value <= 100):
        raise Refused("TARGET_SHARE")
    if officer is not None:
        index = OfficeIndex.load()
        if office.level != OfficeLevel.LOCAL or office.pk not in _officer_offices(officer, index):
            raise Refused("TARGET_NOT_OFFICER", user=str(officer), office=office.name)
    target, created = AdoptionTarget.objects.update_or_create(
        office=office,
        officer=officer,
        due_on=due_on,
        defaults={"share": value, "note": note, "set_by": actor},
    )
    audit.record(
        actor,
        "adoption_target.set",
        target,
        office,
        {
            "share": str(value),
            "due_on": due_on,
            "officer": officer.get_username() if officer else None,
            "created": created,
        },
    )
    return target


@transaction.atomic
def release_deployment_record(
    *, actor: User, release: PortalRelease, province: Office, deployed_on: date
) -> ReleaseDeployment:
    """Record that ``province`` deployed ``release`` on ``deployed_on``."""
    if province.level != OfficeLevel.PROVINCE:
        raise Refused("DEPLOY_NOT_PROVINCE")
    if not scope.may(actor, "adoption.record_deployment", province):
        raise Refused("DEPLOY_FORBIDDEN")
    if deployed_on > timezone.localdate():
        raise Refused("DEPLOY_FUTURE")
    if deployed_on < release.released_on:
        raise Refused("DEPLOY_BEFORE_RELEASE")
    deployment, created = ReleaseDeployment.objects.update_or_create(
        release=release,
        province=province,
        defaults={"deployed_on": deployed_on, "recorded_by": actor},
    )
    audit.record(
        actor,
        "release.deployed",
        deployment,
        province,
        {"release": release.version, "deployed_on": deployed_on, "created": created},
    )
    return deployment


SNAPSHOT_MONTHS = 24


def adoption_snapshot_refresh(*, on: date | None = None, months: int = SNAPSHOT_MONTHS) -> int:
    """Take every office's adoption figures for today and the first day of each of the last
    ``months`` months (one grouped scan of the employers), replacing earlier runs of those
    days. Returns the number of office rows written."""

    day = on or timezone.localdate()
    days = month_starts(until=day, months=months)
    # The two grouped scans read from the replica when there is one (within its lag, which
    # a snapshot taken every 15 minutes can bear); the rows are written to the primary.
    with replica_reads():
        counts = adoption_counts(office_ids=None, days=days)
        per_officer = officer_counts(office_ids=None, on=day)
    now = timezone.now()
    rows = [
        AdoptionSnapshot(office_id=office_id, day=d, electronic=e, total=t)
        for office_id, per_day in counts.items()
        for d, (e, t) in zip(days, per_day, strict=True)
    ] + [
        AdoptionSnapshot(office_id=office_id, officer_id=officer_id, day=day, electronic=e, total=t)
        for (officer_id, office_id), (e, t) in per_officer.items()
    ]
    with transaction.atomic():
        AdoptionSnapshot.objects.filter(day__in=days).delete()
        AdoptionSnapshot.objects.bulk_create(rows, batch_size=2000)
        for d in days:
            AdoptionSnapshotRun.objects.update_or_create(day=d, defaults={"taken_at": now})
    return len(rows)
