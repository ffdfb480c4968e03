"""Locks that reach every application (khóa tài khoản ở mọi ứng dụng nghiệp vụ).

When a person is locked, opened again, moved or loses a right, each application they hold
rights in is told, as its connector says (:class:`~accounts.models.ApplicationConnector`):

- SCIM 2.0: an outbox row (kind ``accounts.scim``), written in the transaction of the
  change and due at its effective time, looks the user up by ``userName`` = official
  e-mail and sends ``PATCH /Users/{id}``. The outbox retries with backoff and dead-letters
  after ``ACCOUNTS_SCIM_MAX_ATTEMPTS``; every try is kept (:class:`ConnectorAttempt`), the
  confirmed change is audited once.
- manual: a task with a deadline for the application's administrators, marked done by one
  of them (audited).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.outbox.handlers import PermanentFailure, handler
from core.outbox.services import outbox_enqueue, outbox_enqueued, outbox_message_build
from core.refusals import Refused, codes_register

from . import audit, scope
from .models import (
    ApplicationConnector,
    AttemptOutcome,
    ChangeOperation,
    ChangeState,
    ConnectorAttempt,
    ConnectorChange,
    ConnectorKind,
    Office,
    PersonnelDecision,
    User,
)
from .scim import ENTERPRISE, ScimClient, ScimRefused, ScimUnavailable

log = structlog.get_logger(__name__)

KIND = "accounts.scim"

codes_register(
    "accounts_connectors",
    "Account changes in the business applications",
    {
        "ACC-APP-TASK-SCOPE": gettext_lazy("You do not administer this application here."),
        "ACC-APP-TASK-DONE": gettext_lazy("This change was already marked done."),
        "ACC-APP-TASK-EARLY": gettext_lazy(
            "The change takes effect on {when}; carry it out from then."
        ),
    },
)


class DisplayState:
    """What the report and the task list show for a change."""

    CONFIRMED = "confirmed"
    PENDING = "pending"
    FAILED = "failed"
    DONE = "done"
    OVERDUE = "overdue"


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


# --- writes: queue the changes (called inside the lifecycle's transactions) -------------------
def changes_queue(
    *,
    user: User,
    applications: Iterable[str],
    operation: str,
    reason: str,
    office: Office | None,
    values: dict | None = None,
    decision: PersonnelDecision | None = None,
    effective_at: datetime | None = None,
) -> list[ConnectorChange]:
    """Queue ``operation`` for each of ``applications`` that has a connector. A change
    equal to the last one queued for that person and application, and not later, is
    not queued twice (a retirement locks, then ends every right)."""
    now = timezone.now()
    at = max(effective_at or now, now)
    values = values or _values(operation)
    connectors = ApplicationConnector.objects.filter(
        application_id__in=sorted(set(applications)), enabled=True
    ).order_by("application__position", "application_id")
    queued = []
    for connector in connectors:
        last = (
            ConnectorChange.objects.filter(user=user, application_id=connector.application_id)
            .order_by("-id")
            .first()
        )
        if (
            last is not None
            and last.operation == operation
            and last.values == values
            and last.effective_at <= at
            and last.state != ChangeState.FAILED
        ):
            continue
        change = ConnectorChange.objects.create(
            user=user,
            application_id=connector.application_id,
            office=office,
            decision=decision,
            kind=connector.kind,
            operation=operation,
            values=values,
            reason=reason[:200],
            effective_at=at,
            scim_id=last.scim_id if last is not None else "",
        )
        if connector.kind == ConnectorKind.SCIM:
            message = outbox_message_build(
                kind=KIND,
                key=f"scim-change-{change.pk}",
                payload={"change": change.pk},
                max_attempts=settings.ACCOUNTS_SCIM_MAX_ATTEMPTS,
            )
            message.next_attempt_at = at  # not before the effective time
            message.save()
            outbox_enqueued(message)
        else:
            change.due_at = at + timedelta(days=connector.task_days)
            change.save(update_fields=["due_at"])
            _task_announce(connector, change)
        queued.append(change)
        log.info(
            "connector_change_queued",
            change_id=change.pk,
            user_id=user.pk,
            application=connector.application_id,
            operation=operation,
        )
    return queued


def _values(operation: str) -> dict:
    if operation == ChangeOperation.DEACTIVATE:
        return {"active": False}
    if operation == ChangeOperation.REACTIVATE:
        return {"active": True}
    raise ValueError(f"operation {operation} needs its values")


def _task_announce(connector: ApplicationConnector, change: ConnectorChange) -> None:
    emails = sorted(
        set(
            connector.administrators.filter(is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
    if not emails:
        return
    outbox_enqueue(
        kind="email",
        key=f"connector-task-{change.pk}",
        payload={
            "to": emails,
            "subject": _("Account change to make in %(app)s") % {"app": change.application_id},
            "body": _("%(change)s for %(user)s (%(email)s) from %(at)s, before %(due)s.")
            % {
                "change": change.get_operation_display(),
                "user": change.user.get_username(),
                "email": change.user.email or "—",
                "at": timezone.localtime(change.effective_at).strftime("%d/%m/%Y %H:%M"),
                "due": timezone.localtime(change.due_at).strftime("%d/%m/%Y %H:%M"),
            },
        },
    )


# --- the SCIM delivery (outbox handler) -------------------------------------------------------
class _Misconfigured(Exception):
    """The connector cannot be used as it stands (no token, no e-mail)."""


def _operations(change: ConnectorChange) -> list[dict]:
    if change.operation == ChangeOperation.MOVE:
        return [
            {
                "op": "replace",
                "path": f"{ENTERPRISE}:department",
                "value": change.values["department"],
            }
        ]
    return [{"op": "replace", "path": "active", "value": change.values["active"]}]


def _shows_change(change: ConnectorChange, resource: dict) -> bool:
    if change.operation == ChangeOperation.MOVE:
        return (resource.get(ENTERPRISE) or {}).get("department") == change.values["department"]
    return resource.get("active") is change.values["active"]


def _push(change: ConnectorChange) -> None:
    connector = ApplicationConnector.objects.filter(application_id=change.application_id).first()
    if connector is None or connector.kind != ConnectorKind.SCIM or not connector.base_url:
        raise _Misconfigured("the application no longer has a SCIM connector")
    token = settings.ACCOUNTS_SCIM_TOKENS.get(connector.token_ref)
    if not token:
        raise _Misconfigured(f"no bearer token configured under {connector.token_ref!r}")
    if not change.user.email:
        raise _Misconfigured("the person has no official e-mail (userName)")
    client = ScimClient(connector.base_url, token, settings.ACCOUNTS_SCIM_TIMEOUT_SECONDS)
    if not change.scim_id:
        found = client.user_id(change.user.email)
        if found is None:
            raise ScimRefused(f"no account with userName {change.user.email}")
        change.scim_id = found
        ConnectorChange.objects.filter(pk=change.pk).update(scim_id=found)
    resource = client.patch(change.scim_id, _operations(change))
    if resource is not None and not _shows_change(change, resource):
        raise ScimRefused("the application answered without the change")


def _attempt(change: ConnectorChange, outcome: str, status: int | None, detail: str) -> None:
    ConnectorAttempt.objects.create(
        change=change, at=timezone.now(), outcome=outcome, http_status=status, detail=detail[:500]
    )
    ConnectorChange.objects.filter(pk=change.pk).update(
        attempts=F("attempts") + 1, last_error=detail[:500]
    )


def _facts(change: ConnectorChange) -> dict:
    return {
        "change": change.pk,
        "username": change.user.get_username(),
        "application": change.application_id,
        "operation": change.operation,
        "decision": change.decision_id,
    }


@transaction.atomic
def _fail(change: ConnectorChange, outcome_status: int | None, detail: str) -> None:
    _attempt(change, AttemptOutcome.FAILED, outcome_status, detail)
    if ConnectorChange.objects.filter(pk=change.pk, state=ChangeState.PENDING).update(
        state=ChangeState.FAILED
    ):
        audit.record(
            None,
            "application_account.failed",
            change.user,
            change.office,
            {**_facts(change), "error": detail[:200]},
        )


@transaction.atomic
def _confirm(change: ConnectorChange) -> None:
    _attempt(change, AttemptOutcome.CONFIRMED, 200, "")
    if (
        ConnectorChange.objects.filter(pk=change.pk)
        .exclude(state=ChangeState.CONFIRMED)
        .update(state=ChangeState.CONFIRMED, confirmed_at=timezone.now())
    ):
        audit.record(
            None, "application_account.confirmed", change.user, change.office, _facts(change)
        )


@handler(KIND)
def scim_deliver(message) -> None:
    """Carry one change to its SCIM application; idempotent (a confirmed change is left
    alone, and setting ``active`` twice changes nothing at the application)."""
    change = (
        ConnectorChange.objects.select_related("user", "office")
        .filter(pk=message.payload.get("change"))
        .first()
    )
    if change is None:
        raise PermanentFailure("the change is gone")
    if change.state == ChangeState.CONFIRMED:
        return
    if change.state == ChangeState.FAILED:  # a dead letter replayed by IT staff: try again
        ConnectorChange.objects.filter(pk=change.pk).update(state=ChangeState.PENDING)
        change.state = ChangeState.PENDING
    last_try = message.attempts + 1 >= message.max_attempts
    try:
        _push(change)
    except ScimUnavailable as exc:
        if last_try:
            _fail(change, exc.status, str(exc))
        else:
            _attempt(change, AttemptOutcome.RETRY, exc.status, str(exc))
        log.warning("scim_unavailable", change_id=change.pk, error=str(exc)[:200])
        raise ConnectionError(str(exc)) from None
    except (ScimRefused, _Misconfigured) as exc:
        _fail(change, getattr(exc, "status", None), str(exc))
        log.warning("scim_refused", change_id=change.pk, error=str(exc)[:200])
        raise PermanentFailure(str(exc)) from None
    _confirm(change)
    log.info("scim_confirmed", change_id=change.pk, application=change.application_id)


# --- manual tasks ------------------------------------------------------------------------------
def tasks_for(actor: User) -> QuerySet[ConnectorChange]:
    """Manual changes of the applications ``actor`` administers, in the offices they reach."""
    tasks = ConnectorChange.objects.filter(
        kind=ConnectorKind.MANUAL,
        application__connector__administrators=actor,
    )
    return (
        scope.scoped(actor, tasks)
        .select_related("user", "application", "office", "done_by")
        .order_by("state", "due_at", "id")
    )


@transaction.atomic
def task_done(*, actor: User, change: ConnectorChange) -> ConnectorChange:
    """An administrator made the change in the application (đã thực hiện)."""
    change = ConnectorChange.objects.select_for_update().get(pk=change.pk)
    if not tasks_for(actor).filter(pk=change.pk).exists():
        raise Refused("ACC-APP-TASK-SCOPE")
    if change.state == ChangeState.DONE:
        raise Refused("ACC-APP-TASK-DONE")
    now = timezone.now()
    if change.effective_at > now:
        when = timezone.localtime(change.effective_at).strftime("%d/%m/%Y %H:%M")
        raise Refused("ACC-APP-TASK-EARLY", when=when)
    change.state = ChangeState.DONE
    change.confirmed_at = now
    change.done_by = actor
    change.save(update_fields=["state", "confirmed_at", "done_by"])
    audit.record(
        actor,
        "application_task.done",
        change.user,
        change.office,
        {**_facts(change), "late": bool(change.due_at and now > change.due_at)},
    )
    return change


# --- reads -------------------------------------------------------------------------------------
def display_state(change: ConnectorChange, *, now: datetime | None = None) -> str:
    now = now or timezone.now()
    if change.state == ChangeState.CONFIRMED:
        return DisplayState.CONFIRMED
    if change.state == ChangeState.DONE:
        return DisplayState.DONE
    if change.state == ChangeState.FAILED:
        return DisplayState.FAILED
    if change.kind == ConnectorKind.MANUAL and change.due_at and change.due_at < now:
        return DisplayState.OVERDUE
    return DisplayState.PENDING


def _local(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


def report_rows(*, office_ids: set[int], start: date, end: date) -> list[dict]:
    """Each change that took effect in the quarter at the province's offices, with its
    state as the application's connector confirmed it (quarterly report)."""
    now = timezone.now()
    changes = (
        ConnectorChange.objects.filter(
            office_id__in=office_ids,
            effective_at__gte=local_midnight(start),
            effective_at__lt=local_midnight(end + timedelta(days=1)),
        )
        .select_related("user", "application")
        .order_by("application__position", "application_id", "user__username", "id")
    )
    return [
        {
            "application": c.application_id,
            "name_vi": c.application.name_vi,
            "name_en": c.application.name_en,
            "username": c.user.get_username(),
            "operation": c.operation,
            "kind": c.kind,
            "state": display_state(c, now=now),
            "effective_at": _local(c.effective_at),
            "confirmed_at": _local(c.confirmed_at),
            "due_at": _local(c.due_at),
            "attempts": c.attempts,
        }
        for c in changes
    ]
