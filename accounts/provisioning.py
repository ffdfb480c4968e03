"""Creating accounts (cấp tài khoản): agency staff directly, outside persons and
organisations only through a request approved by a central leader.

The model refuses an outside account without an approved request whatever path saves it
(:meth:`accounts.models.User.outside_guard` and a database constraint); these services are
the paths that are allowed.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.outbox.services import outbox_enqueue
from core.refusals import Refused

from . import audit, scope, services
from .lifecycle import MANAGE_STAFF, application_grant
from .models import (
    AccountKind,
    BusinessApplication,
    Membership,
    Office,
    OutsideAccountRequest,
    RequestStatus,
    Role,
    User,
)
from .passwords import password_link

APPROVE_OUTSIDE = "accounts.approve_outside_account"
STAFF_KINDS = {AccountKind.STAFF}


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _set_password_link(user: User) -> str:
    return password_link(user)


def _welcome(user: User) -> None:
    if not user.email:
        return
    outbox_enqueue(
        kind="email",
        key=f"account-welcome-{user.pk}",
        payload={
            "to": [user.email],
            "subject": _("Your account on the VSS e-transaction portal"),
            "body": _(
                "An account was created for you.\nUsername: %(username)s\n"
                "Choose your password here: %(link)s"
            )
            % {"username": user.username, "link": _set_password_link(user)},
        },
    )


@transaction.atomic
def account_create(
    *,
    actor: User | None,
    username: str,
    full_name: str,
    email: str,
    office: Office,
    role: Role | None = None,
    applications: list[BusinessApplication] | tuple = (),
    account_kind: str = AccountKind.STAFF,
) -> User:
    """Create an agency staff account at ``office`` (tạo tài khoản cán bộ).

    Outside accounts are refused here: they come only from an approved request.
    ``actor`` None means the system (a management command run on the server).
    """
    if account_kind == AccountKind.OUTSIDE:
        raise Refused("ACC-OUTSIDE-APPROVAL")
    if account_kind not in STAFF_KINDS:
        raise _refuse(_("Only agency staff accounts are created here."), "ACC-CREATE-KIND")
    if actor is not None and not scope.may(actor, MANAGE_STAFF, office):
        raise _refuse(_("This office is not in your province."), "ACC-CREATE-SCOPE")
    username = username.strip()
    if not username or User.objects.filter(username__iexact=username).exists():
        raise _refuse(_("This username is taken or empty."), "ACC-CREATE-USERNAME")
    try:
        User.username_validator(username)
    except ValidationError:
        raise _refuse(
            _("A username has letters, digits and @ . + - _ only."), "ACC-CREATE-USERNAME"
        ) from None
    user = User(username=username, full_name=full_name, email=email, account_kind=account_kind)
    user.set_unusable_password()
    user.save()
    audit.record(
        actor,
        "account.created",
        user,
        office,
        {"username": username, "kind": account_kind, "role": role.code if role else None},
    )
    if role is not None:
        services.membership_grant(actor=actor, user=user, role=role, office=office)
    for application in applications:
        application_grant(actor=actor, user=user, application=application, office=office)
    _welcome(user)
    return user


# --- outside accounts ---------------------------------------------------------------------------
def _leaders_emails() -> list[str]:
    today = timezone.localdate()
    return sorted(
        set(
            Membership.objects.active(today)
            .filter(role__group__permissions__codename="approve_outside_account")
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


@transaction.atomic
def outside_request_file(
    *,
    actor: User,
    office: Office,
    full_name: str,
    email: str,
    organisation: str,
    application: BusinessApplication,
    reason: str,
    valid_until: date,
) -> OutsideAccountRequest:
    """A provincial admin asks for an outside account (đề nghị cấp tài khoản)."""
    if not scope.may(actor, MANAGE_STAFF, office):
        raise _refuse(_("This office is not in your province."), "ACC-OUTSIDE-SCOPE")
    if valid_until <= timezone.localdate():
        raise _refuse(_("The end date must be in the future."), "ACC-OUTSIDE-UNTIL")
    if not reason.strip():
        raise _refuse(_("Say why the account is needed."), "ACC-OUTSIDE-REASON")
    request = OutsideAccountRequest.objects.create(
        office=office,
        requested_by=actor,
        full_name=full_name,
        email=email,
        organisation=organisation,
        application=application,
        reason=reason,
        valid_until=valid_until,
    )
    audit.record(
        actor,
        "outside_request.filed",
        request,
        office,
        {
            "organisation": organisation,
            "application": application.code,
            "valid_until": valid_until,
        },
    )
    leaders = _leaders_emails()
    if leaders:
        outbox_enqueue(
            kind="email",
            key=f"outside-request-filed-{request.pk}",
            payload={
                "to": leaders,
                "subject": _("Outside account request waiting for approval"),
                "body": _("%(office)s asks for an account for %(person)s (%(org)s).")
                % {"office": office.name, "person": full_name, "org": organisation},
            },
        )
    return request


def _username_for(email: str) -> str:
    base = re.sub(r"[^a-z0-9_.]", "", email.split("@")[0].lower())[:20] or "ngoai"
    base = f"ngoai.{base}"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


@transaction.atomic
def outside_request_approve(*, actor: User, request: OutsideAccountRequest, note: str = "") -> User:
    """A central leader approves: the outside account is created, with rights in the one
    application until the end date, and its holder is told how to set a password."""
    request = OutsideAccountRequest.objects.select_for_update().get(pk=request.pk)
    if not scope.may(actor, APPROVE_OUTSIDE, request.office):
        raise _refuse(_("Only a VSS leader approves outside accounts."), "ACC-OUTSIDE-APPROVER")
    if request.status != RequestStatus.PENDING:
        raise _refuse(_("This request has already been decided."), "ACC-OUTSIDE-DECIDED")
    if request.valid_until <= timezone.localdate():
        raise _refuse(_("The end date has passed."), "ACC-OUTSIDE-UNTIL")
    request.status = RequestStatus.APPROVED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    user = User(
        username=_username_for(request.email),
        full_name=request.full_name,
        email=request.email,
        account_kind=AccountKind.OUTSIDE,
        outside_request=request,
        expires_on=request.valid_until,
    )
    user.set_unusable_password()
    user.save()
    audit.record(
        actor,
        "outside_request.approved",
        request,
        request.office,
        {"account": user.pk, "username": user.username, "note": note},
    )
    audit.record(
        actor,
        "account.created",
        user,
        request.office,
        {"username": user.username, "kind": AccountKind.OUTSIDE, "request": request.pk},
    )
    application_grant(
        actor=actor,
        user=user,
        application=request.application,
        office=request.office,
        valid_to=request.valid_until,
    )
    _welcome(user)
    return user


@transaction.atomic
def outside_request_reject(
    *, actor: User, request: OutsideAccountRequest, note: str
) -> OutsideAccountRequest:
    request = OutsideAccountRequest.objects.select_for_update().get(pk=request.pk)
    if not scope.may(actor, APPROVE_OUTSIDE, request.office):
        raise _refuse(_("Only a VSS leader approves outside accounts."), "ACC-OUTSIDE-APPROVER")
    if request.status != RequestStatus.PENDING:
        raise _refuse(_("This request has already been decided."), "ACC-OUTSIDE-DECIDED")
    request.status = RequestStatus.REJECTED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit.record(actor, "outside_request.rejected", request, request.office, {"note": note})
    return request
