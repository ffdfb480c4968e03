"""Account lifecycle (vòng đời tài khoản): locks, reactivation, transfers, personnel
decisions on their effective date, expiry of outside accounts, dormant accounts.

Every write is atomic and audited. A lock ends the user's sessions, calls the registered
token revokers and work hand-backs (:mod:`accounts.hooks`) in the same transaction.
"""

from __future__ import annotations

from datetime import date, timedelta
from importlib import import_module

import structlog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import audit, connectors, hooks, scope, services
from .models import (
    LOCKING_KINDS,
    STATUS_KINDS,
    AccountKind,
    ApplicationGrant,
    BusinessApplication,
    ChangeOperation,
    DecisionKind,
    DecisionStatus,
    LoginSession,
    Membership,
    Office,
    PersonnelDecision,
    RoleScope,
    User,
)

log = structlog.get_logger(__name__)

MANAGE_STAFF = "accounts.manage_staff"


# --- reads ------------------------------------------------------------------------------------
def user_office(user: User, *, on: date | None = None) -> Office | None:
    """The office a person works at: their first active membership's, else a grant's,
    else (retired, expired) the office of their most recent membership or right."""
    day = on or timezone.localdate()
    membership = (
        Membership.objects.active(day)
        .filter(user=user, office__isnull=False)
        .select_related("office")
        .order_by("valid_from", "id")
        .first()
    )
    if membership is not None:
        return membership.office
    grant = (
        ApplicationGrant.objects.active(day)
        .filter(user=user, office__isnull=False)
        .select_related("office")
        .order_by("valid_from", "id")
        .first()
    )
    if grant is not None:
        return grant.office
    last = (
        Membership.objects.filter(user=user, office__isnull=False, valid_from__lte=day)
        .select_related("office")
        .order_by("-valid_from", "-id")
        .first()
    ) or (
        ApplicationGrant.objects.filter(user=user, office__isnull=False, valid_from__lte=day)
        .select_related("office")
        .order_by("-valid_from", "-id")
        .first()
    )
    return last.office if last else None


def user_applications(user: User, *, on: date | None = None) -> list[str]:
    """Codes of the applications the user holds rights in on ``on``."""
    return sorted(
        set(
            ApplicationGrant.objects.active(on)
            .filter(user=user)
            .values_list("application_id", flat=True)
        )
    )


def users_in_scope(actor: User, *, permission: str = MANAGE_STAFF) -> QuerySet[User]:
    """Accounts ``actor`` manages: holders of memberships or rights at offices in reach."""
    if scope.is_national(actor, permission):
        return User.objects.all()
    memberships = scope.scoped(actor, Membership.objects.active(), permission=permission)
    grants = scope.scoped(actor, ApplicationGrant.objects.active(), permission=permission)
    return User.objects.filter(
        Q(pk__in=memberships.values("user_id")) | Q(pk__in=grants.values("user_id"))
    )


def agency_accounts(users: QuerySet[User], *, kinds=(AccountKind.STAFF, AccountKind.OUTSIDE)):
    """``users`` narrowed to the agency's own accounts (staff, and outside persons when
    asked): an employer's or an I-VAN provider's user is none of them, even when its kind
    was left at the default, so anyone holding such a role today is left out."""
    outside_users = Membership.objects.active().filter(
        role__scope__in=[RoleScope.EMPLOYER, RoleScope.PROVIDER]
    )
    return users.filter(account_kind__in=list(kinds)).exclude(
        pk__in=outside_users.values("user_id")
    )


def dormant_accounts(actor: User, *, days: int | None = None, now=None) -> QuerySet[User]:
    """Open agency and outside accounts with no login for ``days`` (90) days."""
    days = days or settings.ACCOUNTS_DORMANT_DAYS
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return (
        agency_accounts(users_in_scope(actor))
        .filter(is_active=True)
        .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
        .order_by("last_login", "username")
    )


# --- sessions, locks ------------------------------------------------------------------------
def sessions_end(*, user: User) -> int:
    """End every session the user signed in with; return how many were open."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(LoginSession.objects.filter(user=user).values_list("session_key", flat=True))
    ended = 0
    for key in keys:
        session = store(session_key=key)
        if session.exists(key):
            ended += 1
        session.delete(key)
    LoginSession.objects.filter(user=user).delete()
    return ended


def session_track(*, user: User, session_key: str | None) -> None:
    """Remember a session key at login (called from the login signal)."""
    if session_key:
        LoginSession.objects.update_or_create(session_key=session_key, defaults={"user": user})


@transaction.atomic
def account_lock(
    *,
    actor: User | None,
    user: User,
    reason: str,
    decision: PersonnelDecision | None = None,
) -> User:
    """Lock an account (khóa tài khoản): no login, sessions ended, tokens revoked, open
    work handed back to the office queue. Locking a locked account changes nothing."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return user
    user.is_active = False
    user.locked_at = timezone.now()
    user.locked_reason = reason[:200]
    user.save(update_fields=["is_active", "locked_at", "locked_reason"])
    sessions = sessions_end(user=user)
    tokens = hooks.tokens_revoke(user=user, actor=actor, reason=reason)
    work = hooks.work_hand_back(user=user, actor=actor, reason=reason)
    office, applications = user_office(user), user_applications(user)
    audit.record(
        actor,
        "account.locked",
        user,
        office,
        {
            "username": user.username,
            "reason": reason,
            "decision": decision.pk if decision else None,
            "applications": applications,
            "sessions_ended": sessions,
            "tokens_revoked": tokens,
            "work_handed_back": work,
        },
    )
    # The other applications are told too: active=false, now (the effective time).
    connectors.changes_queue(
        user=user,
        applications=applications,
        operation=ChangeOperation.DEACTIVATE,
        reason=reason,
        office=office,
        decision=decision,
    )
    log.info("account_locked", user_id=user.pk, reason=reason)
    return user


@transaction.atomic
def account_reactivate(
    *,
    actor: User | None,
    user: User,
    reason: str,
    decision: PersonnelDecision | None = None,
) -> User:
    """Open a locked account again (mở khóa), e.g. on return from leave."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        return user
    user.is_active = True
    user.locked_at = None
    user.locked_reason = ""
    user.save(update_fields=["is_active", "locked_at", "locked_reason"])
    office, applications = user_office(user), user_applications(user)
    audit.record(
        actor,
        "account.reactivated",
        user,
        office,
        {
            "username": user.username,
            "reason": reason,
            "decision": decision.pk if decision else None,
            "applications": applications,
        },
    )
    connectors.changes_queue(
        user=user,
        applications=applications,
        operation=ChangeOperation.REACTIVATE,
        reason=reason,
        office=office,
        decision=decision,
    )
    return user


# --- application rights ------------------------------------------------------------------
@transaction.atomic
def application_grant(
    *,
    actor: User | None,
    user: User,
    application: BusinessApplication,
    office: Office | None,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> ApplicationGrant:
    """Give ``user`` rights in a business application (cấp quyền ứng dụng)."""
    grant = ApplicationGrant.objects.create(
        user=user,
        application=application,
        office=office,
        valid_from=valid_from or timezone.localdate(),
        valid_to=valid_to,
    )
    audit.record(
        actor,
        "application.granted",
        user,
        office,
        {
            "username": user.username,
            "application": application.code,
            "valid_from": grant.valid_from,
            "valid_to": grant.valid_to,
            "grant": grant.pk,
        },
    )
    return grant


@transaction.atomic
def application_end(
    *,
    actor: User | None,
    grant: ApplicationGrant,
    on: date | None = None,
    tell_application: bool = True,
) -> ApplicationGrant:
    """End a right: it no longer applies after ``on`` (today by default). The application
    disables the account the day after, unless another right there carries on (a transfer
    moves the account instead and says so with ``tell_application=False``)."""
    grant.valid_to = on or timezone.localdate()
    grant.save(update_fields=["valid_to"])
    next_day = grant.valid_to + timedelta(days=1)
    if tell_application and not (
        ApplicationGrant.objects.active(next_day)
        .filter(user_id=grant.user_id, application_id=grant.application_id)
        .exclude(pk=grant.pk)
        .exists()
    ):
        connectors.changes_queue(
            user=grant.user,
            applications=[grant.application_id],
            operation=ChangeOperation.DEACTIVATE,
            reason=f"rights in {grant.application_id} ended",
            office=grant.office,
            effective_at=connectors.local_midnight(next_day),
        )
    audit.record(
        actor,
        "application.ended",
        grant.user,
        grant.office,
        {
            "username": grant.user.username,
            "application": grant.application_id,
            "valid_to": grant.valid_to,
            "grant": grant.pk,
        },
    )
    return grant


@transaction.atomic
def rights_end(*, actor: User | None, user: User, last_day: date) -> int:
    """End every membership and right still open after ``last_day`` (retirement)."""
    ended = 0
    for membership in Membership.objects.filter(user=user).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=last_day)
    ):
        services.membership_end(actor=actor, membership=membership, on=last_day)
        ended += 1
    for grant in ApplicationGrant.objects.filter(user=user).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=last_day)
    ):
        application_end(actor=actor, grant=grant, on=last_day)
        ended += 1
    return ended


@transaction.atomic
def rights_transfer(
    *,
    actor: User | None,
    user: User,
    new_office: Office,
    on: date,
    decision: PersonnelDecision | None = None,
) -> dict:
    """Move a person's memberships and application rights to ``new_office`` from ``on``:
    the old ones end the day before (điều động); rights that start later move as they are."""
    last_day = on - timedelta(days=1)
    moved_roles, moved_apps, old_offices = [], [], set()
    accounts_to_move = set()  # applications the person already works in
    open_from_on = Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    for membership in (
        Membership.objects.filter(open_from_on, user=user, office__isnull=False)
        .exclude(office=new_office)
        .select_related("role", "office")
    ):
        old_offices.add(membership.office_id)
        end = membership.valid_to
        if membership.valid_from >= on:
            services.membership_change(
                actor=actor,
                membership=membership,
                role=membership.role,
                office=new_office,
                valid_from=membership.valid_from,
                valid_to=membership.valid_to,
            )
        else:
            services.membership_end(actor=actor, membership=membership, on=last_day)
            if not Membership.objects.filter(
                user=user, role=membership.role, office=new_office, valid_from=on
            ).exists():
                services.membership_grant(
                    actor=actor,
                    user=user,
                    role=membership.role,
                    office=new_office,
                    valid_from=on,
                    valid_to=end,
                )
        moved_roles.append(membership.role_id)
    for grant in (
        ApplicationGrant.objects.filter(open_from_on, user=user)
        .exclude(office=new_office)
        .select_related("application")
    ):
        if grant.office_id:
            old_offices.add(grant.office_id)
        end = grant.valid_to
        if grant.valid_from >= on:
            grant.office = new_office
            grant.save(update_fields=["office"])
        else:
            application_end(actor=actor, grant=grant, on=last_day, tell_application=False)
            accounts_to_move.add(grant.application_id)
            application_grant(
                actor=actor,
                user=user,
                application=grant.application,
                office=new_office,
                valid_from=on,
                valid_to=end,
            )
        moved_apps.append(grant.application_id)
    old = Office.objects.filter(pk__in=old_offices).order_by("code").first()
    facts = {
        "username": user.username,
        "from_offices": sorted(old_offices),
        "to_office": new_office.pk,
        "on": on,
        "roles": sorted(moved_roles),
        "applications": sorted(set(moved_apps)),
        "decision": decision.pk if decision else None,
    }
    audit.record(actor, "rights.transferred", user, old or new_office, facts)
    connectors.changes_queue(
        user=user,
        applications=accounts_to_move,
        operation=ChangeOperation.MOVE,
        values={"department": new_office.code},
        reason=f"moved to {new_office.code}",
        office=old or new_office,
        decision=decision,
        effective_at=connectors.local_midnight(on),
    )
    user.__dict__.pop("_scope_memberships", None)
    return facts


# --- personnel decisions ----------------------------------------------------------------------
def _invalid(message, code: str) -> ValidationError:
    return ValidationError(message, code=code)


@transaction.atomic
def decision_record(
    *,
    actor: User | None,
    user: User,
    number: str,
    signed_on: date,
    kind: str,
    effective_on: date,
    new_office: Office | None = None,
    note: str = "",
) -> PersonnelDecision:
    """Record a personnel decision (ghi nhận quyết định). It acts at midnight of its
    effective date, or at once when that date is today or has passed."""
    office = user_office(user)
    if actor is not None and not scope.may(actor, MANAGE_STAFF, office):
        raise _invalid(_("This person is not in your province."), "ACC-DECISION-SCOPE")
    if not number.strip():
        raise _invalid(_("Enter the decision number."), "ACC-DECISION-NUMBER")
    if kind not in DecisionKind.values:
        raise _invalid(_("Choose the kind of decision."), "ACC-DECISION-KIND")
    if kind == DecisionKind.TRANSFER:
        if new_office is None:
            raise _invalid(_("A transfer needs the new office."), "ACC-DECISION-OFFICE")
        if office is not None and new_office.pk == office.pk:
            raise _invalid(_("The new office is the current one."), "ACC-DECISION-OFFICE")
    elif new_office is not None:
        raise _invalid(_("Only a transfer names a new office."), "ACC-DECISION-OFFICE")
    if user.account_kind != AccountKind.STAFF:
        raise _invalid(_("Decisions concern agency staff only."), "ACC-DECISION-STAFF")
    decision = PersonnelDecision.objects.create(
        user=user,
        number=number.strip(),
        signed_on=signed_on,
        kind=kind,
        effective_on=effective_on,
        new_office=new_office,
        note=note,
        office=office,
        recorded_by=actor,
    )
    audit.record(
        actor,
        "decision.recorded",
        user,
        office,
        {
            "decision": decision.pk,
            "number": decision.number,
            "kind": kind,
            "signed_on": signed_on,
            "effective_on": effective_on,
            "new_office": new_office.pk if new_office else None,
        },
    )
    if effective_on <= timezone.localdate():
        decisions_apply_due(user=user)
        decision.refresh_from_db()
    return decision


def _latest_status_decision(user: User, today: date) -> PersonnelDecision | None:
    return (
        PersonnelDecision.objects.filter(
            user=user, kind__in=list(STATUS_KINDS), effective_on__lte=today
        )
        .exclude(status=DecisionStatus.CANCELLED)
        .order_by("-effective_on", "-id")
        .first()
    )


def _later_transfer_applied(decision: PersonnelDecision) -> bool:
    return PersonnelDecision.objects.filter(
        user_id=decision.user_id,
        kind=DecisionKind.TRANSFER,
        status=DecisionStatus.APPLIED,
        effective_on__gt=decision.effective_on,
    ).exists()


@transaction.atomic
def decision_apply(*, decision_id: int, today: date | None = None) -> PersonnelDecision | None:
    """Carry out one due decision (once: a decision no longer pending is left alone)."""
    today = today or timezone.localdate()
    decision = (
        PersonnelDecision.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk=decision_id, status=DecisionStatus.PENDING, effective_on__lte=today)
        .select_related("user", "new_office")
        .first()
    )
    if decision is None:
        return None
    user, actor = decision.user, None
    outcome = DecisionStatus.APPLIED
    if decision.kind == DecisionKind.TRANSFER and _later_transfer_applied(decision):
        outcome = DecisionStatus.SUPERSEDED  # the person has since moved on
    elif decision.kind == DecisionKind.TRANSFER:
        rights_transfer(
            actor=actor,
            user=user,
            new_office=decision.new_office,
            on=decision.effective_on,
            decision=decision,
        )
    elif _latest_status_decision(user, today).pk != decision.pk:
        outcome = DecisionStatus.SUPERSEDED  # a later decision already in force prevails
    elif decision.kind in LOCKING_KINDS:
        reason = f"decision {decision.number}: {decision.kind}"
        account_lock(actor=actor, user=user, reason=reason, decision=decision)
        if decision.kind == DecisionKind.RETIREMENT:
            rights_end(actor=actor, user=user, last_day=decision.effective_on - timedelta(days=1))
    else:
        account_reactivate(
            actor=actor, user=user, reason=f"decision {decision.number}", decision=decision
        )
    decision.status = outcome
    decision.applied_at = timezone.now()
    decision.save(update_fields=["status", "applied_at"])
    audit.record(
        actor,
        "decision.applied" if outcome == DecisionStatus.APPLIED else "decision.superseded",
        user,
        decision.office,
        {"decision": decision.pk, "number": decision.number, "kind": decision.kind},
    )
    log.info("decision_applied", decision_id=decision.pk, outcome=outcome)
    return decision


def decisions_apply_due(*, today: date | None = None, user: User | None = None) -> int:
    """Apply every pending decision whose effective date has come, oldest first."""
    today = today or timezone.localdate()
    due = PersonnelDecision.objects.filter(status=DecisionStatus.PENDING, effective_on__lte=today)
    if user is not None:
        due = due.filter(user=user)
    applied = 0
    for decision_id in due.order_by("effective_on", "id").values_list("id", flat=True):
        if decision_apply(decision_id=decision_id, today=today) is not None:
            applied += 1
    return applied


@transaction.atomic
def decision_cancel(*, actor: User, decision: PersonnelDecision) -> PersonnelDecision:
    """Withdraw a decision that has not acted yet."""
    decision = PersonnelDecision.objects.select_for_update().get(pk=decision.pk)
    if decision.status != DecisionStatus.PENDING:
        raise _invalid(_("Only a decision still waiting can be cancelled."), "ACC-DECISION-DONE")
    decision.status = DecisionStatus.CANCELLED
    decision.save(update_fields=["status"])
    audit.record(
        actor,
        "decision.cancelled",
        decision.user,
        decision.office,
        {"decision": decision.pk, "number": decision.number},
    )
    return decision


# --- outside accounts -------------------------------------------------------------------------
def outside_accounts_expire(*, today: date | None = None) -> int:
    """Lock outside accounts whose end date has passed and end their rights."""
    today = today or timezone.localdate()
    expired = 0
    for user in User.objects.filter(
        account_kind=AccountKind.OUTSIDE, is_active=True, expires_on__lt=today
    ):
        with transaction.atomic():
            account_lock(actor=None, user=user, reason="outside account expired")
            rights_end(actor=None, user=user, last_day=user.expires_on)
        expired += 1
    return expired


def login_sessions_prune() -> int:
    """Forget tracked session keys whose session has expired or ended (database sessions)."""
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return 0

    live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    deleted, _ = LoginSession.objects.exclude(session_key__in=live).delete()
    return deleted


def lifecycle_run(*, today: date | None = None) -> dict:
    """The beat job: due decisions, then expired outside accounts, then stale sessions."""
    today = today or timezone.localdate()
    return {
        "decisions": decisions_apply_due(today=today),
        "expired": outside_accounts_expire(today=today),
        "sessions_pruned": login_sessions_prune(),
    }
