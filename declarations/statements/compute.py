"""Computing the C12-TS statement (thông báo kết quả đóng) of units for one month.

Pure computation over what :mod:`declarations.statements.selectors` reads: the unit's
contributing spells of last month and this month, the adjustments recorded this month, the
payments credited this month and the debts last month's stored statement carried forward.
Rates, salary caps, the late-interest rate and the share a unit keeps are data
(:class:`Tables`). docs/statements.md explains every row, the interest rule and the order
in which money received pays the debts (:data:`ALLOCATION_ORDER`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from declarations.intake.procedures.p601 import interest_of
from declarations.intake.rates import MoneyTables
from declarations.statements.layout import ALL, COLUMNS, ROWS, column_of

# Money received pays, in this order: late interest before contributions; older months
# before newer ones; within one month the health insurance first (the workers' cards depend
# on it), then unemployment, work accident and social insurance. docs/statements.md.
ALLOCATION_ORDER = ("bhyt", "bhtn", "bhtnld", "bhxh")
# Plans that adjust one fund only (TT/TU: health insurance, GN: unemployment insurance).
PLAN_COLUMNS = {"TT": ("bhyt",), "TU": ("bhyt",), "GN": ("bhtn",)}
CAP_MULTIPLE = 20  # salary cap: 20 × base salary (BHXH, BHYT), 20 × regional minimum (BHTN)
# The rows made of one line per worker: counted, salary fund, amount due.
WORKER_ROWS = {"A": ("A.1", "A.2", "A.3"), "B": ("B.1.3", "B.2.3", "B.3.3")}


def month_next(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def month_prev(month: date) -> date:
    return (month - timedelta(days=1)).replace(day=1)


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _ym(month: date) -> str:
    return month.strftime("%m/%Y")


@dataclass
class Tables:
    """The money tables a batch needs, read once: rates by fund, base salary, regional
    minimum wage, the late-interest rate and the retained-share rule."""

    money: MoneyTables
    interest: list[tuple[date, Decimal]]  # (valid_from, daily percent), oldest first
    retained: list[tuple[date, date | None, Decimal]]
    _memo: dict = field(default_factory=dict)

    @classmethod
    def load(cls) -> Tables:
        from declarations.intake.models import LateInterestRate
        from declarations.statements.models import RetainedShareRule

        return cls(
            money=MoneyTables.load(),
            interest=[
                (f, Decimal(p))
                for f, p in LateInterestRate.objects.order_by("valid_from").values_list(
                    "valid_from", "daily_percent"
                )
            ],
            retained=[
                (f, t, Decimal(p))
                for f, t, p in RetainedShareRule.objects.order_by("valid_from").values_list(
                    "valid_from", "valid_to", "percent"
                )
            ],
        )

    def percents(self, month: date) -> dict[str, Decimal]:
        """Both parties' rates in force in ``month``, summed per statement column."""
        key = ("pct", month)
        if key not in self._memo:
            latest: dict[tuple[str, str], tuple[date, Decimal]] = {}
            for valid_from, fund, party, percent in self.money.rates:
                if valid_from <= month and (
                    (fund, party) not in latest or latest[(fund, party)][0] < valid_from
                ):
                    latest[(fund, party)] = (valid_from, percent)
            out = dict.fromkeys(COLUMNS, Decimal(0))
            for (fund, _party), (_f, percent) in latest.items():
                column = column_of(fund)
                if column:
                    out[column] += percent
            self._memo[key] = out
        return self._memo[key]

    def caps(self, month: date, zone: str) -> dict[str, int | None]:
        key = ("cap", month, zone)
        if key not in self._memo:
            base = self.money.base_salary(month)
            minimum = self.money.minimum_wage(zone, month)
            cap = base * CAP_MULTIPLE if base else None
            self._memo[key] = {
                "bhxh": cap,
                "bhyt": cap,
                "bhtnld": cap,
                "bhtn": minimum * CAP_MULTIPLE if minimum else None,
            }
        return self._memo[key]

    def person_month(self, wage: int, zone: str, month: date, columns=COLUMNS):
        """(contribution base, amount due) per column of one worker in ``month``."""
        key = ("pm", wage, zone, month, columns)
        if key not in self._memo:
            caps, percents = self.caps(month, zone), self.percents(month)
            bases, dues = {}, {}
            for c in COLUMNS:
                base = wage if caps[c] is None else min(wage, caps[c])
                bases[c] = base if c in columns and percents[c] else 0
                dues[c] = _round(Decimal(bases[c]) * percents[c] / 100)
            self._memo[key] = (bases, dues)
        return self._memo[key]

    def person_vectors(self, wage: int, zone: str, month: date) -> tuple:
        """A worker's (counted, contribution base, amount due) in ``month`` as drill-down
        vectors: the four columns, then the total (1, the uncapped wage, the sum)."""
        key = ("pv", wage, zone, month)
        if key not in self._memo:
            bases, dues = self.person_month(wage, zone, month)
            b, d = tuple(bases[c] for c in COLUMNS), tuple(dues[c] for c in COLUMNS)
            self._memo[key] = (
                (*(1 if v else 0 for v in d), 1),
                (*b, wage),
                (*d, sum(d)),
            )
        return self._memo[key]

    def interest_rate(self, month: date) -> Decimal | None:
        found = None
        for valid_from, percent in self.interest:
            if valid_from <= month:
                found = percent
        return found

    def retained_percent(self, month: date) -> Decimal | None:
        for valid_from, valid_to, percent in self.retained:
            if valid_from <= month and (valid_to is None or valid_to >= month):
                return percent
        return None


@dataclass
class SpellIn:
    person_id: int
    number: str
    from_month: date
    to_month: date | None
    wage: int


@dataclass
class AdjustmentIn:
    number: str
    plan: str
    direction: str
    from_month: date
    to_month: date | None
    salary: int
    interest: int


@dataclass
class PaymentIn:
    unc_number: str
    paid_on: date
    amount: int


@dataclass
class UnitIn:
    """What a unit's statement of one month is computed from."""

    employer_id: int
    zone: str
    spells: list[SpellIn] = field(default_factory=list)
    adjustments: list[AdjustmentIn] = field(default_factory=list)
    payments: list[PaymentIn] = field(default_factory=list)
    carried: dict | None = None  # last month's stored "carried" (None: nothing stored)


class _Sheet:
    """Rows and their drill-down lines, built together so that they cannot disagree."""

    def __init__(self):
        self.rows = {row.key: [0, 0, 0, 0, 0] for row in ROWS}
        self.lines: dict[str, list[list]] = defaultdict(list)
        self.workers: dict[str, list[list]] = {"A": [], "B": []}

    def worker(self, group: str, number: str, vectors: tuple) -> None:
        """One worker of last month (``A``) or this month (``B``): the three rows of the
        group (counted, salary fund, amount due) grow by the worker's vectors, and the worker
        is kept once, as [number, base ×4, wage, due ×4], not as three lines: the person rows
        are most of a statement (:func:`figure_lines` gives their lines back)."""
        counted, bases, dues = vectors
        for key, vector in zip(WORKER_ROWS[group], vectors, strict=True):
            row = self.rows[key]
            for i in range(5):
                row[i] += vector[i]
        self.workers[group].append([number, *bases, *dues[:4]])

    def add(self, key: str, ref: str, month: str, detail: str, values: dict, total=None):
        vector = [int(values.get(c, 0)) for c in COLUMNS]
        vector.append(sum(vector) if total is None else int(total))
        self.addv(key, ref, month, detail, vector)

    def addv(self, key: str, ref: str, month: str, detail: str, vector) -> None:
        """One line of five values (the columns, then the total); all zero: no line."""
        if not any(vector):
            return
        self.lines[key].append([ref, month, detail, *vector])
        row = self.rows[key]
        row[0] += vector[0]
        row[1] += vector[1]
        row[2] += vector[2]
        row[3] += vector[3]
        row[4] += vector[4]


def _wages_in(spells: Iterable[SpellIn], month: date) -> dict[int, tuple[str, int]]:
    """Each contributing worker's wage in ``month`` (their latest spell covering it)."""
    found: dict[int, tuple[date, str, int]] = {}
    for s in spells:
        covers = s.from_month <= month and (s.to_month is None or s.to_month >= month)
        if covers and (s.person_id not in found or found[s.person_id][0] < s.from_month):
            found[s.person_id] = (s.from_month, s.number, s.wage)
    return {pid: (number, wage) for pid, (_f, number, wage) in found.items()}


def _months(start: date, end: date):
    month = start
    while month <= end:
        yield month
        month = month_next(month)


def _split(amount: int, weights: dict[str, int]) -> dict[str, int]:
    """``amount`` split over the columns in proportion to ``weights`` (the rest to the
    largest), so the parts add up exactly."""
    total = sum(weights.values())
    if not total or not amount:
        return {}
    parts = {c: amount * w // total for c, w in weights.items()}
    largest = max(weights, key=lambda c: abs(weights[c]))
    parts[largest] += amount - sum(parts.values())
    return parts


def statement_compute(unit: UnitIn, month: date, tables: Tables) -> dict:
    """The statement of ``unit`` for ``month``: ``rows`` (figures per column), ``lines``
    (the drill-down of each row), ``rate`` (B.5.2), ``payments`` and ``carried`` (the debts
    and overpayment the next month starts from)."""
    prev, following = month_prev(month), month_next(month)
    sheet = _Sheet()
    was, now = _wages_in(unit.spells, prev), _wages_in(unit.spells, month)
    zone = unit.zone

    # A.1–A.3 and B.1–B.3: the workers of last month and this month, person by person.
    ym = _ym(month)
    last: dict[int, tuple] = {}
    for pid, (number, wage) in was.items():
        last[pid] = tables.person_vectors(wage, zone, prev)
        sheet.worker("A", number, last[pid])
    this: dict[int, tuple] = {}
    for pid, (number, wage) in now.items():
        this[pid] = tables.person_vectors(wage, zone, month)
        sheet.worker("B", number, this[pid])
    zero = ((0,) * 5,) * 3
    for pid in sorted(set(was) | set(now)):
        before, after = last.get(pid, zero), this.get(pid, zero)
        if before[1:] == after[1:]:
            continue  # same base and amount both months: nothing moved
        number = (now.get(pid) or was[pid])[0]
        if pid not in was:
            sheet.addv("B.1.1", number, ym, "", after[0])
        if pid not in now:
            sheet.addv("B.1.2", number, ym, "", before[0])
        for up, down, i in (("B.2.1", "B.2.2", 1), ("B.3.1", "B.3.2", 2)):
            delta = [a - b for a, b in zip(after[i], before[i], strict=True)]
            sheet.addv(up, number, ym, "", [max(v, 0) for v in delta])
            sheet.addv(down, number, ym, "", [max(-v, 0) for v in delta])

    # B.4: adjustments to earlier months recorded this month, at each month's rates.
    adjustment_interest = []
    for a in unit.adjustments:
        sign = -1 if a.direction == "decrease" else 1
        columns = PLAN_COLUMNS.get(a.plan, COLUMNS)
        amounts = dict.fromkeys(COLUMNS, 0)
        earlier_years = dict.fromkeys(COLUMNS, 0)
        end = a.to_month or a.from_month
        for m in _months(a.from_month, end):
            _bases, dues = tables.person_month(a.salary, zone, m, columns)
            for c in COLUMNS:
                amounts[c] += sign * dues[c]
                if m.year < month.year:
                    earlier_years[c] += sign * dues[c]
        span = f"{_ym(a.from_month)}–{_ym(end)}"
        sheet.add("B.4.1", a.number, span, a.plan, amounts)
        sheet.add("B.4.1.1", a.number, span, a.plan, earlier_years)
        if a.interest:
            adjustment_interest.append((a, span, _split(a.interest, amounts)))

    # A.4–A.6: what last month's stored statement carried forward.
    carried = unit.carried or {"overpaid": 0, "lots": []}
    overpaid = int(carried.get("overpaid", 0))
    sheet.add("A.4", "", _ym(prev), "", {}, total=overpaid)
    lots = [list(lot) for lot in carried.get("lots", [])]  # [kind, "YYYY-MM", column, amount]
    for kind, origin, column, amount in lots:
        key = "A.5" if kind == "due" else "A.6"
        sheet.add(key, "", _lot_month(origin), kind, {column: amount})

    # B.5: interest for this month's days on what was due before it and is still unpaid.
    rate = tables.interest_rate(month)
    interest = dict.fromkeys(COLUMNS, 0)
    for kind, origin, column, amount in lots:
        if kind != "due" or amount <= 0:
            continue
        sheet.add("B.5.1", "", _lot_month(origin), "", {column: amount})
        owed = interest_of(amount, month, following, tables.interest)
        interest[column] += owed
        sheet.add("B.5.3", "", _lot_month(origin), "", {column: owed})
    for a, span, parts in adjustment_interest:
        for c, v in parts.items():
            interest[c] += v
        sheet.add("B.5.3", a.number, span, a.plan, parts)

    # B.6: the share the unit keeps, where the rule is in force.
    kept = dict.fromkeys(COLUMNS, 0)
    percent = tables.retained_percent(month)
    if percent:
        for pid, (number, _wage) in sorted(now.items()):
            share = _round(Decimal(this[pid][1][0]) * percent / 100)  # the BHXH base
            kept["bhxh"] += share
            sheet.add("B.6", number, _ym(month), "", {"bhxh": share})

    # B.7: everything the unit must pay, one line per row it comes from.
    for key, sign in (
        ("A.5", 1),
        ("A.6", 1),
        ("A.4", -1),
        ("B.3.3", 1),
        ("B.4.1", 1),
        ("B.5.3", 1),
        ("B.6", -1),
    ):
        r = sheet.rows[key]
        sheet.add("B.7", key, "", "", {c: sign * r[i] for i, c in enumerate(COLUMNS)}, sign * r[4])

    # The debts of this month join last month's: interest, then what falls due now.
    origin = month.strftime("%Y-%m")
    for c in COLUMNS:
        if interest[c]:
            lots.append(["interest", origin, c, interest[c]])
    credit = 0
    r33, r41 = sheet.rows["B.3.3"], sheet.rows["B.4.1"]
    for i, c in enumerate(COLUMNS):
        due = r33[i] + r41[i] - kept[c]
        if due > 0:
            lots.append(["due", origin, c, due])
        elif due < 0:
            credit += _credit_apply(lots, c, -due)

    # C: the transfers credited this month.
    received = 0
    payments = sorted(unit.payments, key=lambda p: (p.paid_on, p.unc_number))
    for p in payments:
        received += p.amount
        sheet.add("C.1", p.unc_number, p.paid_on.strftime("%d/%m/%Y"), "", {}, total=p.amount)

    # D: the money (payments, last month's overpayment, credits) pays the debts in order.
    available = received + overpaid + credit
    rank = {c: i for i, c in enumerate(ALLOCATION_ORDER)}
    lots.sort(key=lambda lot: (lot[0] != "interest", lot[1], rank[lot[2]]))
    for lot in lots:
        kind, lot_origin, column, amount = lot
        paid = min(amount, available)
        if paid > 0:
            available -= paid
            lot[3] -= paid
            key = "D.1" if kind == "interest" else "D.2"
            sheet.add(key, "", _lot_month(lot_origin), kind, {column: paid})
    if available:
        sheet.add("D.3", "", _ym(month), "", {}, total=available)

    # Đ: what the next month starts from.
    remaining = [lot for lot in lots if lot[3] > 0]
    sheet.add("Đ.1", "", _ym(month), "", {}, total=available)
    for kind, lot_origin, column, amount in remaining:
        key = "Đ.2" if kind == "due" else "Đ.3"
        sheet.add(key, "", _lot_month(lot_origin), kind, {column: amount})

    return {
        "version": 1,
        "month": month.strftime("%Y-%m"),
        "rows": sheet.rows,
        "lines": dict(sheet.lines),
        "workers": sheet.workers,
        "rate": str(rate) if rate is not None else "",
        "carried": {"overpaid": available, "lots": remaining},
    }


def _credit_apply(lots: list[list], column: str, credit: int) -> int:
    """A column whose adjustments lower it below zero pays its own oldest debts; what is
    left over is money the unit has to its credit (returned)."""
    for lot in sorted(
        (lot for lot in lots if lot[0] == "due" and lot[2] == column), key=lambda x: x[1]
    ):
        used = min(lot[3], credit)
        lot[3] -= used
        credit -= used
    lots[:] = [lot for lot in lots if lot[3] > 0]
    return credit


def _lot_month(origin: str) -> str:
    year, month = origin.split("-")
    return f"{month}/{year}"


def figure_lines(figures: dict, key: str) -> list[list]:
    """The drill-down lines of row ``key``: stored ones, or, for the person rows, rebuilt
    from the workers kept once (``_Sheet.worker``)."""
    for group, keys in WORKER_ROWS.items():
        if key in keys:
            kind = keys.index(key)
            month = _lot_month(figures["month"])
            if group == "A":
                year, m = figures["month"].split("-")
                month = _ym(month_prev(date(int(year), int(m), 1)))
            out = []
            for number, *values in figures.get("workers", {}).get(group, []):
                bases, dues = values[:5], values[5:]
                if kind == 0:
                    vector = [1 if v else 0 for v in dues] + [1]
                elif kind == 1:
                    vector = bases
                else:
                    vector = [*dues, sum(dues)]
                if any(vector):
                    out.append([number, month, "", *vector])
            return out
    return figures["lines"].get(key, [])


def figures_check(figures: dict) -> list[str]:
    """Rows whose figure differs from the sum of its drill-down lines (none, always: the
    test and the finalising job both ask)."""
    wrong = []
    for row in ROWS:
        if row.kind == "rate":
            continue
        lines = figure_lines(figures, row.key)
        for i, column in enumerate(ALL):
            if figures["rows"][row.key][i] != sum(line[3 + i] for line in lines):
                wrong.append(f"{row.key}/{column}")
    return wrong
