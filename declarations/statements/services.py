"""Writes of statements: finalising a month (the snapshot, idempotent) and issuing each
final statement as an agency-signed notice."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import date

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts import audit
from declarations.employers.models import Employer
from declarations.payments.models import Payment, PaymentStatus
from declarations.people.models import EmploymentSpell
from declarations.people.plans import SpellStatus
from declarations.statements.compute import Tables, figures_check, month_next, month_prev
from declarations.statements.models import FiguresEncoder, Statement
from declarations.statements.selectors import CHUNK, statements_batch

log = logging.getLogger(__name__)


def units_active(month: date) -> list[int]:
    """Units with something to state for ``month``: workers last month or this month,
    money received, or debts carried from last month's statement."""
    prev, following = month_prev(month), month_next(month)
    ids = set(
        EmploymentSpell.objects.filter(status=SpellStatus.CONTRIBUTING, from_month__lte=month)
        .filter(Q(to_month__isnull=True) | Q(to_month__gte=prev))
        .values_list("employer_id", flat=True)
        .distinct()
    )
    ids |= set(
        Payment.objects.filter(
            status=PaymentStatus.MATCHED, paid_on__gte=month, paid_on__lt=following
        ).values_list("employer_id", flat=True)
    )
    ids |= set(Statement.objects.filter(month=prev).values_list("employer_id", flat=True))
    return sorted(i for i in ids if i is not None)


def _empty(figures: dict) -> bool:
    return not any(any(v) for v in figures["rows"].values())


def month_finalise(
    month: date, *, employer_ids: Sequence[int] | None = None, chunk: int = CHUNK
) -> int:
    """Store the final statement of ``month`` of every active unit (or of ``employer_ids``)
    that has none yet; returns how many were stored. Twice stores nothing more: a stored
    statement is never recomputed (``statement_once``)."""
    ids = list(employer_ids) if employer_ids is not None else units_active(month)
    done = (
        set(
            Statement.objects.filter(month=month, employer_id__in=ids).values_list(
                "employer_id", flat=True
            )
        )
        if len(ids) <= CHUNK
        else set(Statement.objects.filter(month=month).values_list("employer_id", flat=True))
    )
    todo = [i for i in ids if i not in done]
    tables = Tables.load()
    stored = 0
    batch: list[Statement] = []
    now = timezone.now()

    def flush():
        nonlocal stored
        with transaction.atomic():
            stored += _snapshots_insert(batch)
        batch.clear()

    for employer_id, figures in statements_batch(todo, month, tables=tables, chunk=chunk):
        if _empty(figures):
            continue
        wrong = figures_check(figures)
        if wrong:  # never expected: the figures and their lines are built together
            log.error("statement_lines_disagree", extra={"employer_id": employer_id, "rows": wrong})
        batch.append(
            Statement(employer_id=employer_id, month=month, figures=figures, computed_at=now)
        )
        if len(batch) >= chunk:
            flush()
    if batch:
        flush()
    if stored:
        audit.record(
            None,
            "statement.month_finalised",
            f"C12-TS {month:%m/%Y}",
            None,
            {"month": month.strftime("%m/%Y"), "statements": stored},
        )
    log.info("statements_finalised", extra={"month": str(month), "stored": stored})
    return stored


def statements_issue(month: date, *, ids: Sequence[int] | None = None) -> int:
    """Issue every final statement of ``month`` not issued yet as an agency-signed notice.
    Signing happens outside any transaction; issuing is idempotent on the notice number, so
    two workers at once, or a retry, give one document."""
    from declarations.statements.notice import statement_notice_issue

    issued = 0
    pending = Statement.objects.filter(month=month, document_id__isnull=True).select_related(
        "employer__managing_office"
    )
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    for statement in pending.iterator(chunk_size=200):
        if statement_notice_issue(statement):
            issued += 1
    return issued


def _snapshots_insert(batch: list[Statement]) -> int:
    """Insert the snapshots, skipping units already stored; returns how many were new.

    By hand on PostgreSQL, once, for a measured reason: ``bulk_create`` sends the figures as
    a text array, and quoting each JSON document's every double quote into that array took
    as long as computing the statements (benchmarks/statements.py, 1,000 units: 1.0 s of
    4.2 s). One JSON parameter expanded by ``jsonb_to_recordset`` costs one parse."""
    if connection.vendor != "postgresql":
        months = Statement.objects.filter(month__in={s.month for s in batch})
        before = months.count()
        Statement.objects.bulk_create(batch, ignore_conflicts=True)
        return months.count() - before
    rows = [
        {
            "employer_id": s.employer_id,
            "month": s.month.isoformat(),
            "figures": s.figures,
            "computed_at": s.computed_at.isoformat(),
        }
        for s in batch
    ]
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO statements_statement "
            "(employer_id, month, figures, final, computed_at, document_number) "
            "SELECT r.employer_id, r.month, r.figures, true, r.computed_at, '' "
            "FROM jsonb_to_recordset(%s::jsonb) AS r(employer_id bigint, month date, "
            "figures jsonb, computed_at timestamptz) "
            "ON CONFLICT (employer_id, month) DO NOTHING",
            [json.dumps(rows, cls=FiguresEncoder)],
        )
        return cur.rowcount


def last_month_finalise(today: date | None = None) -> dict:
    """The beat job's work: last month's statements stored, then issued."""
    today = today or timezone.localdate()
    month = month_prev(today.replace(day=1))
    stored = month_finalise(month)
    issued = statements_issue(month)
    return {"month": month.strftime("%m/%Y"), "stored": stored, "issued": issued}


def employer_statement_finalise(employer: Employer, month: date) -> Statement:
    """One unit's statement of ``month`` stored (the demo, a catch-up by hand)."""
    month_finalise(month, employer_ids=[employer.pk])
    return Statement.objects.get(employer=employer, month=month)
