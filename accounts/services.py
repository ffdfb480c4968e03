"""Writes about people and their rights. Each one is atomic and audited."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from . import audit
from .models import Membership, Office, Role, User


@transaction.atomic
def membership_grant(
    *,
    actor: User | None,
    user: User,
    role: Role,
    office: Office | None,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> Membership:
    """Give ``user`` the ``role`` at ``office`` from ``valid_from`` (today by default)."""
    membership = Membership.objects.create(
        user=user,
        role=role,
        office=office,
        valid_from=valid_from or timezone.localdate(),
        valid_to=valid_to,
    )
    audit.record(
        actor,
        "role.granted",
        user,
        office,
        {
            "role": role.code,
            "valid_from": membership.valid_from,
            "valid_to": membership.valid_to,
            "membership": membership.pk,
        },
    )
    user.__dict__.pop("_scope_memberships", None)
    return membership


@transaction.atomic
def membership_end(
    *, actor: User | None, membership: Membership, on: date | None = None
) -> Membership:
    """End a membership: it no longer applies after ``on`` (today by default)."""
    last_day = on or timezone.localdate()
    membership.valid_to = last_day
    membership.save(update_fields=["valid_to"])
    audit.record(
        actor,
        "role.ended",
        membership.user,
        membership.office,
        {"role": membership.role_id, "valid_to": last_day, "membership": membership.pk},
    )
    membership.user.__dict__.pop("_scope_memberships", None)
    return membership


@transaction.atomic
def membership_change(
    *,
    actor: User | None,
    membership: Membership,
    role: Role,
    office: Office | None,
    valid_from: date,
    valid_to: date | None,
) -> Membership:
    """Edit a membership in place (from the admin), recording before and after."""
    before = {
        "role": membership.role_id,
        "office": membership.office_id,
        "valid_from": membership.valid_from,
        "valid_to": membership.valid_to,
    }
    membership.role, membership.office = role, office
    membership.valid_from, membership.valid_to = valid_from, valid_to
    membership.save()
    audit.record(
        actor,
        "role.changed",
        membership.user,
        office,
        {
            "before": before,
            "after": {
                "role": role.code,
                "office": getattr(office, "pk", None),
                "valid_from": valid_from,
                "valid_to": valid_to,
            },
            "membership": membership.pk,
        },
    )
    return membership


@transaction.atomic
def membership_delete(*, actor: User | None, membership: Membership) -> None:
    audit.record(
        actor,
        "role.removed",
        membership.user,
        membership.office,
        {"role": membership.role_id, "membership": membership.pk},
    )
    membership.delete()
