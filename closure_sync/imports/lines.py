"""The import format: its columns and the check of one line (docs/closure-import.md).

One line is one contribution period of one closure; the closure's identity columns repeat
on each of its lines. A line's cells arrive as text (CSV) or as typed cells (.xlsx: dates,
numbers); both are read here the same way."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import NamedTuple

UNIT = "MaDonVi"
BOOK = "SoSoBHXH"
SI = "MaSoBHXH"
NAME = "HoTen"
BIRTH = "NgaySinh"
KIND = "LoaiChotSo"
CLOSED = "NgayChotSo"
FROM = "TuThang"
TO = "DenThang"
SALARY = "TienLuong"
RATE = "TyleDong"

COLUMNS = (UNIT, BOOK, SI, NAME, BIRTH, KIND, CLOSED, FROM, TO, SALARY, RATE)
REQUIRED = (UNIT, BOOK, NAME, KIND, CLOSED, FROM, TO, SALARY, RATE)
KINDS = {"BHXH": "bhxh", "BHTN": "bhtn"}

_UNIT = re.compile(r"[A-Z0-9]{2,20}")
_TEN_DIGITS = re.compile(r"\d{10}")
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_MONTH = re.compile(r"(\d{1,2})/(\d{4})")
# 5000000, 5.000.000, 5,000,000 or 5 000 000; never a decimal part (5000000,5).
_AMOUNT = re.compile(r"\d+|\d{1,3}(?:([.,\u00a0 ])\d{3})(?:\1\d{3})*")
_GROUPING = str.maketrans("", "", ". ,\u00a0")
_MAX_SALARY = Decimal(10) ** 14
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


class Line(NamedTuple):
    """A checked line: the closure's identity and one period."""

    number: int
    unit_code: str
    book_number: str
    si_number: str
    full_name: str
    birth_date: date | None
    kind: str
    closed_on: date
    from_month: date
    to_month: date
    salary: Decimal
    rate: Decimal

    @property
    def closure_key(self) -> tuple:
        """What identifies the closure a line belongs to."""
        return (self.unit_code, self.book_number, self.kind, self.closed_on)


class Problem(NamedTuple):
    line: int
    column: str
    code: str
    params: dict

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "code": self.code, "params": self.params}


def header_map(cells) -> tuple[dict[str, int], list[str]]:
    """Column name → index (case and spaces ignored), and the required columns missing."""
    wanted = {c.lower(): c for c in COLUMNS}
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        name = wanted.get(str(cell or "").strip().replace(" ", "").lower())
        if name and name not in found:
            found[name] = i
    return found, [c for c in REQUIRED if c not in found]


def _text(value) -> str:
    if value is None:
        return ""
    if type(value) is str:
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _digits10(value) -> str:
    # A number cell lost its leading zeros in the spreadsheet: put them back.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _text(value).zfill(10)
    return _text(value)


# Text parses are cached: an export repeats the same dates, months, rates and salaries on
# line after line.
@lru_cache(maxsize=8192)
def _date_text(text: str) -> date | None:
    m = _DATE.fullmatch(text)
    if not m:
        return None
    try:
        return date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return None


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _date_text(_text(value))


@lru_cache(maxsize=4096)
def _month_text(text: str) -> date | None:
    m = _MONTH.fullmatch(text)
    if not m or not 1 <= int(m[1]) <= 12:
        return None
    return date(int(m[2]), int(m[1]), 1)


def _month(value) -> date | None:
    if isinstance(value, datetime | date):
        return date(value.year, value.month, 1)
    return _month_text(_text(value))


@lru_cache(maxsize=8192)
def _salary_text(raw: str) -> Decimal | None:
    if not _AMOUNT.fullmatch(raw):
        return None
    amount = Decimal(raw.translate(_GROUPING))
    return amount if 0 < amount < _MAX_SALARY else None


def _salary(value) -> Decimal | None:
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    return _salary_text(_text(value))


@lru_cache(maxsize=1024)
def _rate_text(raw: str) -> Decimal | None:
    try:
        rate = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        return None
    if not rate.is_finite() or not 0 < rate <= _HUNDRED or rate != rate.quantize(_CENT):
        return None
    return rate.quantize(_CENT)


def _rate(value) -> Decimal | None:
    return _rate_text(_text(value))


def month_text(d: date) -> str:
    return f"{d.month:02d}/{d.year}"


def layout(columns: dict[str, int]) -> tuple[int, ...]:
    """Each column's index in a line, in :data:`COLUMNS` order; a missing column points
    past the header's width, where :func:`line_check` finds None."""
    width = max(columns.values(), default=-1) + 1
    return tuple(columns.get(name, width) for name in COLUMNS)


def _refused(number, cells, places, today) -> list[Problem]:
    """Every problem of a line the fast path refused, column by column."""
    raw = dict(zip(COLUMNS, [cells[i] for i in places], strict=True))
    problems: list[Problem] = []

    def refuse(column, code, **params):
        problems.append(Problem(number, column, code, params))

    for name in REQUIRED:
        if _text(raw[name]) == "":
            refuse(name, "closure_import.required", field=name)
    if problems:
        return problems
    unit_code = _text(raw[UNIT]).upper()
    if not _UNIT.fullmatch(unit_code):
        refuse(UNIT, "closure_import.unit_code", value=unit_code)
    book = _digits10(raw[BOOK])
    if not _TEN_DIGITS.fullmatch(book):
        refuse(BOOK, "closure_import.number", field=BOOK, value=book)
    if _text(raw[SI]):
        si = _digits10(raw[SI])
        if not _TEN_DIGITS.fullmatch(si):
            refuse(SI, "closure_import.number", field=SI, value=si)
    if _text(raw[BIRTH]) and _date(raw[BIRTH]) is None:
        refuse(BIRTH, "closure_import.date", field=BIRTH, value=_text(raw[BIRTH]))
    if _text(raw[KIND]).upper() not in KINDS:
        refuse(KIND, "closure_import.kind", value=_text(raw[KIND]))
    closed = _date(raw[CLOSED])
    if closed is None:
        refuse(CLOSED, "closure_import.date", field=CLOSED, value=_text(raw[CLOSED]))
    elif closed > today:
        refuse(CLOSED, "closure_import.closure_future", value=closed.strftime("%d/%m/%Y"))
    start, end = _month(raw[FROM]), _month(raw[TO])
    if start is None:
        refuse(FROM, "closure_import.month", field=FROM, value=_text(raw[FROM]))
    if end is None:
        refuse(TO, "closure_import.month", field=TO, value=_text(raw[TO]))
    if start and end and end < start:
        refuse(TO, "closure_import.period_order", start=month_text(start), end=month_text(end))
    elif end and closed and end > closed:
        refuse(
            TO,
            "closure_import.period_after_closure",
            end=month_text(end),
            closed=closed.strftime("%d/%m/%Y"),
        )
    if _salary(raw[SALARY]) is None:
        refuse(SALARY, "closure_import.salary", value=_text(raw[SALARY]))
    if _rate(raw[RATE]) is None:
        refuse(RATE, "closure_import.rate", value=_text(raw[RATE]))
    return problems


def line_check(number: int, cells, places: tuple[int, ...], today: date):
    """(Line, []) for a good line, (None, problems) for a refused one.

    The good line is read straight through (most lines are good, and a million of them
    must go fast); any doubt hands the line to :func:`_refused`, which names each problem.
    """
    width = places_width(places)
    if len(cells) < width:
        cells = [*cells, *([None] * (width - len(cells)))]
    unit, book, si, name, birth, kind, closed, start, end, salary, rate = (cells[i] for i in places)
    unit, book, name, kind = _text(unit).upper(), _digits10(book), _text(name), _text(kind)
    si = _digits10(si) if _text(si) else book
    birth = _date(birth) if _text(birth) else None
    kind = KINDS.get(kind.upper())
    closed, start, end = _date(closed), _month(start), _month(end)
    salary, rate = _salary(salary), _rate(rate)
    if (
        name
        and kind
        and closed
        and start
        and end
        and salary
        and rate
        and start <= end <= closed <= today
        and _UNIT.fullmatch(unit)
        and _TEN_DIGITS.fullmatch(book)
        and _TEN_DIGITS.fullmatch(si)
        and (birth is not None or not _text(cells[places[4]]))
    ):
        line = Line(
            number, unit, book, si, name[:200], birth, kind, closed, start, end, salary, rate
        )
        return line, []
    return None, _refused(number, cells, places, today)


@lru_cache(maxsize=64)
def places_width(places: tuple[int, ...]) -> int:
    return max(places) + 1
