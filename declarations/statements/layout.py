"""The rows and columns of the C12-TS statement: their keys, numbering and labels.

Every figure is ``rows[key][column]``; its drill-down is ``lines[key]``, each line
``[reference, month, detail, bhxh, bhyt, bhtn, bhtnld, total]`` (a person's number, a
transfer's UNC number or another row's key as reference). docs/statements.md says what each
row means."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The statement's columns: the four funds, then the total.
COLUMNS = ("bhxh", "bhyt", "bhtn", "bhtnld")
ALL = (*COLUMNS, "total")
COLUMN_LABELS = {
    "bhxh": "BHXH",
    "bhyt": "BHYT",
    "bhtn": "BHTN",
    "bhtnld": "BHTNLĐ-BNN",
    "total": pgettext_lazy("statement column", "Total"),
}
# Index of a column's value in a drill-down line.
LINE_VALUES = 3


def column_of(fund: str) -> str | None:
    """The statement column of a fund of the rate table (``ContributionRate.fund``): the
    work-accident fund has a column of its own; every other ``bhxh_*`` fund is BHXH."""
    if fund == "bhxh_work_accident" or fund.startswith("bhtnld"):
        return "bhtnld"
    for column in ("bhxh", "bhyt", "bhtn"):
        if fund == column or fund.startswith(f"{column}_"):
            return column
    return None


@dataclass(frozen=True)
class Row:
    key: str
    section: str
    label: object
    kind: str = "money"  # money, count (people), rate (a percent, not a sum)
    totals_only: bool = False  # money not split by fund (payments, overpayments)


SECTIONS = {
    "A": _("A. Brought forward from last month"),
    "B": _("B. This month"),
    "C": _("C. Payments received this month"),
    "D": _("D. Allocation of the money received"),
    "Đ": _("Đ. Carried forward to next month"),
}

ROWS = (
    Row("A.1", "A", _("Workers last month"), "count"),
    Row("A.2", "A", _("Salary fund last month"), "money"),
    Row("A.3", "A", _("Amount due last month"), "money"),
    Row("A.4", "A", _("Overpaid"), "money", totals_only=True),
    Row("A.5", "A", _("Underpaid"), "money"),
    Row("A.6", "A", _("Interest owed"), "money"),
    Row("B.1.1", "B", _("Workers in"), "count"),
    Row("B.1.2", "B", _("Workers out"), "count"),
    Row("B.1.3", "B", _("Workers this month"), "count"),
    Row("B.2.1", "B", _("Salary fund up"), "money"),
    Row("B.2.2", "B", _("Salary fund down"), "money"),
    Row("B.2.3", "B", _("Salary fund this month"), "money"),
    Row("B.3.1", "B", _("Amount due up"), "money"),
    Row("B.3.2", "B", _("Amount due down"), "money"),
    Row("B.3.3", "B", _("Amount due this month"), "money"),
    Row("B.4.1", "B", _("Adjustments to earlier months"), "money"),
    Row("B.4.1.1", "B", _("of which earlier years"), "money"),
    Row("B.5.1", "B", _("Late interest: principal"), "money"),
    Row("B.5.2", "B", _("Late interest: rate (% a day)"), "rate"),
    Row("B.5.3", "B", _("Late interest: amount"), "money"),
    Row("B.6", "B", _("Share the unit keeps (sickness and maternity)"), "money"),
    Row("B.7", "B", _("To pay in all"), "money"),
    Row("C.1", "C", _("Payments received"), "money", totals_only=True),
    Row("D.1", "D", _("Paid to interest"), "money"),
    Row("D.2", "D", _("Paid to amounts due"), "money"),
    Row("D.3", "D", _("Not allocated (overpaid)"), "money", totals_only=True),
    Row("Đ.1", "Đ", _("Overpaid"), "money", totals_only=True),
    Row("Đ.2", "Đ", _("Underpaid"), "money"),
    Row("Đ.3", "Đ", _("Interest owed"), "money"),
)
ROW_BY_KEY = {row.key: row for row in ROWS}
