"""Reads for statements: the inputs of a batch of units (a few queries per chunk of units,
never per unit), a unit's statement (stored or live), the lists and summaries, scoped."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.scope import scoped
from declarations.employers.models import Employer
from declarations.payments.models import Payment, PaymentStatus
from declarations.people.models import ContributionAdjustment, EmploymentSpell
from declarations.people.plans import SpellStatus
from declarations.statements.compute import (
    AdjustmentIn,
    PaymentIn,
    SpellIn,
    Tables,
    UnitIn,
    month_next,
    month_prev,
    statement_compute,
)
from declarations.statements.models import Statement

VIEW = "statements.view_statement"
SUMMARY = "statements.view_statement_summary"
CHUNK = 1000
# Above this many units a batch reads the recently closed spells of the whole country once
# (one scan) instead of per chunk: closed spells have no index by unit.
COUNTRY_WIDE = 5000


def _wage(salary: int, allowances: str | None) -> int:
    """Salary plus allowances; ``allowances`` as JSON text, read only when not empty (most
    spells have none: decoding 20,000 empty objects a chunk was a tenth of the batch)."""
    if not allowances or allowances == "{}":
        return int(salary or 0)
    return int(salary or 0) + sum(int(v) for v in json.loads(allowances).values())


def _start(month: date) -> datetime:
    return timezone.make_aware(datetime.combine(month, time.min))


def _contributing(month: date) -> QuerySet[EmploymentSpell]:
    return EmploymentSpell.objects.filter(
        status=SpellStatus.CONTRIBUTING, from_month__lte=month
    ).annotate(allowances_text=Cast("allowances", TextField()))


def units_inputs(
    employer_ids: Sequence[int], month: date, *, closed: dict[int, list] | None = None
) -> dict[int, UnitIn]:
    """The inputs of the statements of ``employer_ids`` for ``month``, in six queries."""
    prev, following = month_prev(month), month_next(month)
    units = {
        pk: UnitIn(employer_id=pk, zone=zone)
        for pk, zone in Employer.objects.filter(pk__in=employer_ids).values_list("pk", "wage_zone")
    }
    columns = ("employer_id", "person_id", "person__number", "from_month", "to_month")
    columns += ("salary", "allowances_text")
    contributing = _contributing(month)
    # Open spells through the unit's partial index; closed ones that reach last month apart.
    rows = list(
        contributing.filter(employer_id__in=employer_ids, to_month__isnull=True).values_list(
            *columns
        )
    )
    if closed is None:
        rows += contributing.filter(employer_id__in=employer_ids, to_month__gte=prev).values_list(
            *columns
        )
    else:
        for pk in employer_ids:
            rows += closed.get(pk, ())
    for employer_id, person_id, number, s_from, s_to, salary, allowances in rows:
        units[employer_id].spells.append(
            SpellIn(person_id, number, s_from, s_to, _wage(salary, allowances))
        )
    for employer_id, number, plan, direction, a_from, a_to, salary, interest in (
        ContributionAdjustment.objects.filter(
            employer_id__in=employer_ids,
            recorded_at__gte=_start(month),
            recorded_at__lt=_start(following),
        )
        .order_by("id")
        .values_list(
            "employer_id",
            "person__number",
            "plan",
            "direction",
            "from_month",
            "to_month",
            "salary",
            "interest",
        )
    ):
        units[employer_id].adjustments.append(
            AdjustmentIn(number, plan, direction, a_from, a_to, salary, interest)
        )
    for employer_id, unc, paid_on, amount in Payment.objects.filter(
        employer_id__in=employer_ids,
        status=PaymentStatus.MATCHED,
        paid_on__gte=month,
        paid_on__lt=following,
    ).values_list("employer_id", "unc_number", "paid_on", "amount"):
        units[employer_id].payments.append(PaymentIn(unc, paid_on, amount))
    for employer_id, carried in Statement.objects.filter(
        employer_id__in=employer_ids, month=prev
    ).values_list("employer_id", "figures__carried"):
        units[employer_id].carried = carried
    return units


def closed_spells_of(month: date) -> dict[int, list]:
    """Every contributing spell closed on or after last month, by unit (one scan)."""
    out: dict[int, list] = {}
    for row in (
        _contributing(month)
        .filter(to_month__gte=month_prev(month))
        .values_list(
            "employer_id",
            "person_id",
            "person__number",
            "from_month",
            "to_month",
            "salary",
            "allowances_text",
        )
    ):
        out.setdefault(row[0], []).append(row)
    return out


def statements_batch(
    employer_ids: Sequence[int], month: date, *, tables: Tables | None = None, chunk: int = CHUNK
) -> Iterator[tuple[int, dict]]:
    """(employer id, figures) of each unit's statement for ``month``, read chunk by chunk."""
    tables = tables or Tables.load()
    closed = closed_spells_of(month) if len(employer_ids) > COUNTRY_WIDE else None
    for i in range(0, len(employer_ids), chunk):
        part = employer_ids[i : i + chunk]
        for pk, unit in units_inputs(part, month, closed=closed).items():
            yield pk, statement_compute(unit, month, tables)


def statement_live(employer: Employer, month: date) -> dict:
    """A unit's statement computed now (a draft)."""
    return statement_compute(units_inputs([employer.pk], month)[employer.pk], month, Tables.load())


def statement_of(employer: Employer, month: date) -> tuple[dict, Statement | None]:
    """The stored statement of the month when final, else the live draft."""
    stored = Statement.objects.filter(employer=employer, month=month).first()
    if stored is not None:
        return stored.figures, stored
    return statement_live(employer, month), None


def units_visible(user) -> QuerySet[Employer]:
    """The units whose statements ``user`` may see: an employer user's own, staff's in
    their offices."""
    return scoped(user, Employer.objects.all(), permission=VIEW).order_by("unit_code")


def statements_visible(user, *, employer: Employer | None = None) -> QuerySet[Statement]:
    qs = scoped(user, Statement.objects.all(), permission=VIEW)
    if employer is not None:
        qs = qs.filter(employer=employer)
    return qs.order_by("-month")


def months_of(employer: Employer, today: date | None = None) -> list[tuple[date, bool]]:
    """(month, final) of a unit's statements, newest first: the current month as a draft,
    then every stored one."""
    today = today or timezone.localdate()
    current = today.replace(day=1)
    stored = list(
        Statement.objects.filter(employer=employer)
        .order_by("-month")
        .values_list("month", flat=True)
    )
    out = [] if current in stored else [(current, False)]
    out += [(m, True) for m in stored]
    return out


def summary(user, *, months: int = 12, today: date | None = None, office_ids=None) -> dict:
    """Per month of the stored statements the user may see: amount due (B.7 less what was
    brought forward), money received (C.1), units in arrears (Đ.2 + Đ.3 > 0)."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    for _ in range(months):
        first = month_prev(first)
    qs = scoped(user, Statement.objects.filter(month__gte=first), permission=SUMMARY)
    if office_ids is not None:
        qs = qs.filter(employer__managing_office_id__in=office_ids)
    per_month: dict[date, dict] = {}
    for month, rows in qs.values_list("month", "figures__rows").order_by("month"):
        m = per_month.setdefault(month, {"due": 0, "paid": 0, "arrears": 0, "units": 0})
        m["units"] += 1
        m["due"] += rows["B.3.3"][4] + rows["B.4.1"][4] + rows["B.5.3"][4] - rows["B.6"][4]
        m["paid"] += rows["C.1"][4]
        if rows["Đ.2"][4] + rows["Đ.3"][4] > 0:
            m["arrears"] += 1
    return per_month
