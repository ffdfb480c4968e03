"""Reads of the audit log for the viewer: filters within the reader's reach, and the
chain-verification status (the last check of the chain and its keyed checkpoints, stored
so the page need not recompute)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet

from . import scope
from .audit import record, seal, verify_chain
from .audit_checkpoints import checkpoints_gather
from .models import AuditEntry, AuditVerification, Office

VIEW_AUDIT = "accounts.view_audit"


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    office: Office | None = None
    application: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def audit_entries(viewer, filters: AuditFilter) -> QuerySet[AuditEntry]:
    """Entries ``viewer`` may read (provincial admins: their province; central: all),
    narrowed by the filters, newest first."""
    entries = scope.scoped(viewer, AuditEntry.objects.all(), permission=VIEW_AUDIT)
    if filters.actor:
        entries = entries.filter(actor_repr__icontains=filters.actor)
    if filters.action:
        entries = entries.filter(action__startswith=filters.action)
    if filters.office is not None:
        entries = entries.filter(office_id__in=scope.offices_under(filters.office))
    if filters.application:
        entries = entries.filter(
            Q(data__application=filters.application)
            | Q(data__applications__icontains=f'"{filters.application}"')
        )
    if filters.date_from:
        entries = entries.filter(at__gte=_midnight(filters.date_from))
    if filters.date_to:
        entries = entries.filter(at__lt=_midnight(filters.date_to + timedelta(days=1)))
    return entries.select_related("office").order_by("-id")


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.values_list("action", flat=True).distinct().order_by("action"))


def chain_check() -> AuditVerification:
    """Seal what is waiting, verify the whole chain and its checkpoints now and keep the
    result. The checkpoints (file, central store) are read before the walk and outside the
    transaction: no HTTP call while the database transaction is open."""
    seal()
    checkpoints = checkpoints_gather()
    with transaction.atomic():
        report = verify_chain(checkpoints=checkpoints)
        return AuditVerification.objects.create(
            checked=report.checked,
            last_verified_id=report.last_verified_id,
            broken_id=report.broken_id,
            reason=report.reason,
            pending=report.pending,
            checkpoints_checked=report.checkpoints_checked,
            checkpoint_problem=report.checkpoint_problem,
            checkpoint_seq=report.checkpoint_seq,
            checkpoint_at=report.checkpoint_at,
            checkpoint_source=report.checkpoint_source,
            checkpoint_reason=report.checkpoint_reason,
            checkpoint_sources=",".join(report.checkpoint_sources),
            checkpoint_unavailable=",".join(report.checkpoint_unavailable),
        )


def chain_check_run(*, actor) -> AuditVerification:
    """A check someone asked for on the viewer: run it and audit who ran it and what it
    found (the entry joins the chain at the next seal)."""
    result = chain_check()
    record(
        actor,
        "audit.chain_checked",
        "audit log",
        None,
        {
            "ok": result.ok,
            "checked": result.checked,
            "broken_id": result.broken_id,
            "checkpoints_checked": result.checkpoints_checked,
            "checkpoint_problem": result.checkpoint_problem,
            "checkpoint_seq": result.checkpoint_seq,
        },
    )
    return result


def chain_status() -> AuditVerification | None:
    return AuditVerification.objects.first()
