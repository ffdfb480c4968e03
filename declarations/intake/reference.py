"""The small reference tables every dossier reads — money tables (rates, base salary,
regional minimum wage), procedure time limits, the working calendar — cached per process.

The cache is keyed on a stamp of the tables that PostgreSQL keeps (a trigger on each table
writes a new one in the transaction that changes it) and that intake reads inside a query
it makes anyway (the employer lookup, :data:`STAMP_SQL`): a change made anywhere (admin,
migration, raw SQL, another process) gives another stamp, and the next dossier reads the
tables afresh, without an extra round trip when nothing changed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection

from declarations.dossiers.models import ProcedureTimeLimit
from declarations.dossiers.workdays import WorkingCalendar, _local_date
from declarations.intake.rates import MoneyTables

# The one row PostgreSQL's triggers renew whenever any of the tables changes (migration
# declarations 0011); empty when absent, which caches nothing.
STAMP_SQL = "coalesce((SELECT stamp FROM declarations_referencestamp WHERE id = 1), '')"


@dataclass(frozen=True)
class Reference:
    """One snapshot of the reference tables."""

    stamp: str
    money: MoneyTables
    calendar: WorkingCalendar
    # (procedure code, case, valid from, working days), latest first
    time_limits: tuple[tuple[str, str, date, int], ...] = field(repr=False)

    def time_limit(self, procedure_code: str, case: str, on: date) -> int | None:
        """As :func:`~declarations.dossiers.workdays.time_limit_for`, None when none is recorded."""
        for code, row_case, valid_from, days in self.time_limits:
            if code == procedure_code and row_case == case and valid_from <= on:
                return days
        return None

    def deadline(self, procedure_code: str, received_at: datetime, case: str = "") -> date | None:
        """The legal deadline of a dossier just received (no pause yet)."""
        days = self.time_limit(procedure_code, case, _local_date(received_at))
        if days is None:
            return None
        return self.calendar.deadline(received_at, days)


_cached: Reference | None = None
_lock = threading.Lock()


def stamp_sql() -> str:
    """The stamp expression for this database. Only PostgreSQL computes it; elsewhere (the
    embedded SQLite default of development) the stamp is empty and nothing is cached."""
    return STAMP_SQL if connection.vendor == "postgresql" else "''"


def reference_stamp() -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {stamp_sql()}")
        return cursor.fetchone()[0]


def reference_tables(stamp: str | None = None) -> Reference:
    """The tables as of ``stamp`` (computed here when not given): the cached snapshot when
    its stamp matches, else read afresh (read after the stamp, so never older than it)."""
    global _cached
    if stamp is None:
        stamp = reference_stamp()
    cached = _cached
    if stamp and cached is not None and cached.stamp == stamp:
        return cached

    limits = tuple(
        ProcedureTimeLimit.objects.order_by("-valid_from", "-id").values_list(
            "procedure_code", "case", "valid_from", "working_days"
        )
    )
    fresh = Reference(stamp, MoneyTables.load(), WorkingCalendar.load(), limits)
    if stamp:
        with _lock:
            _cached = fresh
    return fresh
