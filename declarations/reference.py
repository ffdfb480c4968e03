"""The small reference tables every dossier reads — money tables (rates, base salary,
regional minimum wage), procedure time limits, the working calendar — cached per process.

The cache is keyed on a stamp of the tables' whole contents that PostgreSQL computes
(:data:`STAMP_SQL`) inside a query intake makes anyway (the employer lookup): a change made
anywhere (admin, migration, raw SQL, another process) gives another stamp, and the next
dossier reads the tables afresh, without an extra round trip when nothing changed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection

from .rates import MoneyTables
from .workdays import WorkingCalendar, _local_date

# The columns the snapshot reads, per table.
_TABLES = {
    "declarations_contributionrate": "valid_from, fund, party, percent",
    "declarations_basesalary": "valid_from, amount",
    "declarations_regionalminimumwage": "valid_from, zone, amount",
    "declarations_proceduretimelimit": 'procedure_code, "case", valid_from, working_days',
    "declarations_publicholiday": "day, kind",
}
# Those columns of every row, as text, in id order: any insert, update or delete changes it.
# (Built from the constant names above only.)
STAMP_SQL = (
    "md5("  # noqa: S608
    + " || '|' || ".join(
        f"(SELECT coalesce(md5(string_agg(concat_ws(';', id, {columns}), ',' ORDER BY id)), '')"  # noqa: S608
        f" FROM {table})"
        for table, columns in _TABLES.items()
    )
    + ")"
)


@dataclass(frozen=True)
class Reference:
    """One snapshot of the reference tables."""

    stamp: str
    money: MoneyTables
    calendar: WorkingCalendar
    # (procedure code, case, valid from, working days), latest first
    time_limits: tuple[tuple[str, str, date, int], ...] = field(repr=False)

    def time_limit(self, procedure_code: str, case: str, on: date) -> int | None:
        """As :func:`~declarations.workdays.time_limit_for`, None when none is recorded."""
        for code, row_case, valid_from, days in self.time_limits:
            if code == procedure_code and row_case == case and valid_from <= on:
                return days
        return None

    def deadline(self, procedure_code: str, received_at: datetime) -> date | None:
        """The legal deadline of a dossier just received (no pause yet)."""
        days = self.time_limit(procedure_code, "", _local_date(received_at))
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
    from .models import ProcedureTimeLimit

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
