"""Procedure 601: truy đóng BHXH, BHYT, BHTN (back-payment for past months).

A D02-LT whose rows declare months before the period filed. Accepting it records those
months for each person (a closed spell where the unit had none) and what the unit owes:
the contributions of each month at its rate, and interest for every day past the month's
due date (the last day of the month) until the acceptance, at the late-interest rate in
force that day (``LateInterestRate``, data).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.refusals import codes_register, err
from declarations.employers.procedures import FormSpec, Procedure, register
from declarations.intake.envelope import SCHEMAS
from declarations.intake.models import LateInterestRate
from declarations.intake.procedures import p600
from declarations.intake.procedures.d02lt import d02lt_rows, d02lt_rules_check, declared_rows
from declarations.intake.procedures.forms import dossier_forms
from declarations.intake.rates import MoneyTables
from declarations.people.plans import INCREASE
from declarations.people.services import ALLOWANCES, back_pay_apply, month_of

codes_register(
    "backpay",
    "Back-payment (truy đóng)",
    {
        "ROW_BACKPAY_MONTHS": _(
            "Back-payment covers months before the period filed ({period}); {value} is not."
        ),
    },
)


def rules_check(*, procedure, forms: dict, employer, period: date | None, tables=None):
    errors, summary = d02lt_rules_check(
        procedure=procedure, forms=forms, employer=employer, period=period, tables=tables
    )
    for root in forms.get("D02-LT") or []:
        for row in d02lt_rows(root):
            end = month_of(row.get("DenThang", ""))
            if end is None:
                errors.append(
                    err(
                        "ROW_REQUIRED",
                        form="D02-LT",
                        row=row["_stt"],
                        field="DenThang",
                        line=row["_line"],
                    )
                )
            elif period is not None and end >= period:
                errors.append(
                    err(
                        "ROW_BACKPAY_MONTHS",
                        form="D02-LT",
                        row=row["_stt"],
                        field="DenThang",
                        line=row["_line"],
                        value=row["DenThang"],
                        period=period.strftime("%m/%Y"),
                    )
                )
    return errors, summary


def _months(start: date, end: date):
    month = start
    while month <= end:
        yield month
        month = (month + timedelta(days=32)).replace(day=1)


def interest_of(
    amount: int, late_from: date, until: date, rates: list[tuple[date, Decimal]]
) -> int:
    """Interest on ``amount`` for each day from ``late_from`` up to (not including) ``until``,
    at the rate in force that day; days before the first recorded rate owe none."""
    total = Decimal(0)
    for i, (valid_from, percent) in enumerate(rates):  # rates oldest first
        upto = rates[i + 1][0] if i + 1 < len(rates) else until
        first, last = max(late_from, valid_from), min(until, upto)
        if last > first:
            total += Decimal(amount) * percent / 100 * (last - first).days
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def amounts_of(declared, *, on: date, tables: MoneyTables) -> dict[int, tuple[int, int]]:
    """(contributions due, late interest) per STT, as of ``on``."""
    rates = list(
        LateInterestRate.objects.order_by("valid_from").values_list("valid_from", "daily_percent")
    )
    amounts = {}
    for d in declared:
        start = month_of(d.row.get("TuThang", ""))
        end = month_of(d.row.get("DenThang", "")) or start
        wage = sum(
            int((d.row.get(k) or "0").replace(".", "").replace(",", "") or 0)
            for k in ("TienLuong", *ALLOWANCES)
            if (d.row.get(k) or "0").replace(".", "").replace(",", "").isdigit()
        )
        due = interest = 0
        for month in _months(start, end):
            rate = d.row.get("TyleDong", "").replace(",", ".")
            percent = Decimal(rate) if rate else (tables.total_rate(month) or Decimal(0))
            month_due = int(
                (Decimal(wage) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            )
            due += month_due
            late_from = (month + timedelta(days=32)).replace(day=1)
            interest += interest_of(month_due, late_from, on, rates)
        amounts[d.stt] = (due, interest)
    return amounts


def accept(*, dossier, returned=frozenset()) -> list[dict]:
    declared = [d for d in declared_rows(dossier_forms(dossier)) if d.stt not in returned]
    amounts = amounts_of(declared, on=timezone.localdate(), tables=MoneyTables.load())
    return back_pay_apply(dossier=dossier, declared=declared, amounts=amounts)


PROCEDURE = register(
    Procedure(
        code="601",
        name_vi="Truy đóng BHXH, BHYT, BHTN, BHTNLĐ-BNN",
        name_en="Back-payment of contributions for past months",
        forms=(FormSpec("D02-LT", ("D02-LT", "D02-TS"), SCHEMAS / "d02lt.xsd"), p600.D01_TS),
        plan_codes=INCREASE,
        rules=rules_check,
        results=("back_payment",),
        on_accept=accept,
        row_decisions=True,
    )
)
