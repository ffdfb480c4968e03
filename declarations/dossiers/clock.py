"""The legal clock of a dossier, kept on its row: the deadline from ``declarations.dossiers.workdays``
at receipt, stopped while a supplement is awaited and recomputed when it arrives."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from declarations.dossiers.workdays import UnknownTimeLimit, WorkingCalendar, deadline_for


def deadline_compute(dossier, *, calendar: WorkingCalendar | None = None) -> date | None:
    """The legal deadline of ``dossier`` with its supplement pauses (None while one is open
    or when no time limit is recorded for its procedure)."""
    pauses = []
    if dossier.pk:
        pauses = [(p.requested_at, p.resumed_at) for p in dossier.pauses.all()]
    try:
        return deadline_for(
            dossier.procedure_code,
            dossier.received_at,
            pauses,
            case=time_case_of(dossier),
            calendar=calendar,
        )
    except UnknownTimeLimit:
        return None


def time_case_of(dossier) -> str:
    """The time limit's case a procedure's rules chose at intake (e.g. a book re-issue that
    another province must verify), kept in the dossier's summary."""
    return (dossier.summary or {}).get("time_case", "") or ""


def decided_on_time(dossier, *, at=None) -> bool | None:
    """Whether a decision at ``at`` (now) falls on or before the deadline."""
    if dossier.deadline is None:
        return None
    return timezone.localdate(at or timezone.now()) <= dossier.deadline
