"""Rules of the D02-LT worker list (danh sách lao động), shared by procedures 600 and 600a.

Every row is checked in full and every error reported, with the row (STT), the field and
the XML line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from core.refusals import Problem, err
from declarations.intake.rates import MoneyTables
from declarations.people.plans import DECREASE, INCREASE
from declarations.people.services import Declared

# Rows that only end or pause a spell declare no new salary: no salary or rate checks.
NO_SALARY_PLANS = DECREASE - INCREASE

BHXH = re.compile(r"^\d{10}$")
CCCD = re.compile(r"^\d{12}$")
MONTH = re.compile(r"^(0[1-9]|1[0-2])/(\d{4})$")
ALLOWANCES = ("PhuCapCV", "PhuCapTNVK", "PhuCapTNNghe", "PhuCapLuong", "PhuCapBosung")
CAP_MULTIPLE = 20


DAY = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def is_date(value: str) -> bool:
    """A real dd/MM/yyyy date (31/02 is not)."""
    match = DAY.match(value)
    if not match:
        return False
    try:
        date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return False
    return True


def parse_month(value: str) -> date | None:
    match = MONTH.match(value or "")
    if not match:
        return None
    return date(int(match.group(2)), int(match.group(1)), 1)


def _amount(text: str) -> int | None:
    text = (text or "").strip().replace(".", "").replace(",", "")
    if text == "":
        return 0
    if not text.isdigit():
        return None
    return int(text)


def _vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def d02lt_rows(root: etree._Element) -> Iterator[dict]:
    """The rows of a D02-LT list as dicts of stripped text, with their line numbers, one at a
    time (a 7,000-row list as dicts would weigh more than its tree)."""
    for index, node in enumerate(root.iterfind("NoiDung/LaoDong"), start=1):
        # Every child is an element: intake refuses comments, processing instructions and
        # DTDs (so no entity) before this; were one here, its key would be no field's name.
        row = {child.tag: (child.text or "").strip() for child in node}
        row["_line"] = node.sourceline
        row["_stt"] = int(row["STT"]) if row.get("STT", "").isdigit() else index
        yield row


def d02lt_rules_check(
    *, procedure, forms: dict, employer, period: date | None, tables: MoneyTables | None = None
) -> tuple[list[Problem], dict]:
    """Check every row of the D02-LT of ``forms``; return (errors, summary)."""
    tables = tables or MoneyTables.load()
    form = "D02-LT"
    roots = forms.get(form) or []
    errors: list[Problem] = []
    if not roots:
        return errors, {}
    count = 0
    seen: dict[str, int] = {}
    total_salary = 0
    missing_tables: set[tuple[str, str]] = set()
    # Most values repeat from row to row (months, allowances, rates): each text is read once.
    month_of = _Memo(parse_month)
    amount_of = _Memo(_amount)
    date_ok = _Memo(is_date)
    rate_of = _Memo(_rate)
    zone = employer.wage_zone
    # The three tables' values for a month: (regional minimum, base salary, total rate).
    tables_on = _Memo(
        lambda on: (tables.minimum_wage(zone, on), tables.base_salary(on), tables.total_rate(on))
    )
    stt = line = None

    def add(code, field, **params):
        errors.append(err(code, form=form, row=stt, field=field, line=line, **params))

    for row in d02lt_rows(roots[0]):
        count += 1
        stt, line = row["_stt"], row["_line"]

        if not row.get("HoTen"):
            add("ROW_REQUIRED", "HoTen")
        plan = row.get("PA", "")
        if plan not in procedure.plan_codes:
            add("ROW_PLAN_CODE", "PA", value=plan or "—", procedure=procedure.code)
        checks_salary = procedure.checks_salary and plan not in NO_SALARY_PLANS
        bhxh = row.get("MasoBHXH", "")
        if bhxh:
            if not BHXH.match(bhxh):
                add("ROW_BHXH_FORMAT", "MasoBHXH", value=bhxh)
        elif not (checks_salary and plan == "TM"):
            add("ROW_REQUIRED", "MasoBHXH")
        cccd = row.get("CMND", "")
        if cccd and not CCCD.match(cccd):
            add("ROW_CCCD_FORMAT", "CMND", value=cccd)
        if not bhxh and not cccd and checks_salary:
            add("ROW_REQUIRED", "CMND")
        birth = row.get("NgaySinh", "")
        if birth:
            if not date_ok(birth):
                add("ROW_DATE_FORMAT", "NgaySinh", value=birth)
        elif checks_salary:
            add("ROW_REQUIRED", "NgaySinh")
        gender = row.get("GioiTinh", "")
        if gender and gender not in {"0", "1"}:
            add("ROW_GENDER", "GioiTinh", value=gender)
        start = month_of(row.get("TuThang", ""))
        if start is None:
            add("ROW_MONTH_FORMAT", "TuThang", value=row.get("TuThang") or "—")
        end_text = row.get("DenThang", "")
        end = month_of(end_text) if end_text else None
        if end_text and end is None:
            add("ROW_MONTH_FORMAT", "DenThang", value=end_text)
        if start and end and start > end:
            add("ROW_MONTH_ORDER", "DenThang", start=row["TuThang"], end=end_text)
        salary = amount_of(row.get("TienLuong", ""))
        if salary is None:
            add("ROW_AMOUNT_FORMAT", "TienLuong", value=row.get("TienLuong"))
        allowances = 0
        for name in ALLOWANCES:
            text = row.get(name)
            if not text:  # absent or empty: nothing
                continue
            value = amount_of(text)
            if value is None:
                add("ROW_AMOUNT_FORMAT", name, value=text)
            else:
                allowances += value
        on = start or period
        minimum, base, expected = tables_on(on) if on is not None else (None, None, None)
        if checks_salary and salary is not None and on is not None:
            wage = salary + allowances
            total_salary += wage
            if minimum is None:
                missing_tables.add(("lương tối thiểu vùng", on.strftime("%m/%Y")))
            elif wage < minimum:
                add(
                    "ROW_SALARY_BELOW_MINIMUM",
                    "TienLuong",
                    value=_vnd(wage),
                    zone=zone,
                    minimum=_vnd(minimum),
                )
            if base is None:
                missing_tables.add(("lương cơ sở", on.strftime("%m/%Y")))
            elif wage > CAP_MULTIPLE * base:
                add("ROW_SALARY_ABOVE_CAP", "TienLuong", value=_vnd(wage), cap=_vnd(20 * base))
        rate_text = row.get("TyleDong", "")
        if rate_text or checks_salary:
            rate = rate_of(rate_text)
            if rate is None:
                add("ROW_RATE_FORMAT", "TyleDong", value=rate_text or "—")
            else:
                if on and expected is None:
                    missing_tables.add(("tỷ lệ đóng", on.strftime("%m/%Y")))
                elif expected is not None and rate != expected:
                    add(
                        "ROW_RATE_MISMATCH",
                        "TyleDong",
                        value=_plain(rate),
                        expected=_plain(expected),
                    )
        for key in filter(None, (bhxh, cccd)):
            if key in seen:
                add("ROW_DUPLICATE_WORKER", "MasoBHXH", value=key, first=seen[key])
                break
        for key in filter(None, (bhxh, cccd)):
            seen.setdefault(key, stt)
    if count == 0:
        return [err("FORM_NO_ROWS", form=form)], {}
    for table, month in sorted(missing_tables):
        errors.append(err("TABLE_MISSING", form=form, table=table, month=month))
    summary = {"workers": count, "total_salary": total_salary}
    return errors, summary


def tk1_rows(root: etree._Element) -> Iterator[dict]:
    """The people of a TK1-TS declaration, each with ``_household`` (its members' rows)."""
    for index, node in enumerate(root.iterfind("NoiDung/LaoDong"), start=1):
        row = {
            child.tag: (child.text or "").strip()
            for child in node
            if child.tag != "ThanhVienHoGiaDinh"
        }
        row["_household"] = [
            {field.tag: (field.text or "").strip() for field in member}
            for member in node.iterfind("ThanhVienHoGiaDinh/ThanhVien")
        ]
        row["_line"] = node.sourceline
        row["_stt"] = index
        yield row


def _person_keys(row: dict) -> list[tuple]:
    """How a TK1-TS finds its D02-LT row: the number, the citizen ID, or name and birth date."""
    keys = []
    if row.get("MasoBHXH"):
        keys.append(("bhxh", row["MasoBHXH"]))
    if row.get("CMND"):
        keys.append(("id", row["CMND"]))
    if row.get("HoTen") and row.get("NgaySinh"):
        keys.append(("name", row["HoTen"].casefold(), row["NgaySinh"]))
    return keys


def tk1_index(forms: dict) -> dict[tuple, dict]:
    """Every TK1-TS person of ``forms`` by each of their keys."""
    index: dict[tuple, dict] = {}
    for root in forms.get("TK1-TS") or []:
        for row in tk1_rows(root):
            for key in _person_keys(row):
                index.setdefault(key, row)
    return index


def tk1_of(row: dict, index: dict[tuple, dict]) -> dict | None:
    for key in _person_keys(row):
        if key in index:
            return index[key]
    return None


def tk1_required_check(*, procedure, forms: dict) -> list[Problem]:
    """A new worker without a social-insurance number needs their TK1-TS in the dossier."""
    roots = forms.get("D02-LT") or []
    if not roots:
        return []
    index = tk1_index(forms)
    problems = []
    for row in d02lt_rows(roots[0]):
        if row.get("PA") == "TM" and not row.get("MasoBHXH") and tk1_of(row, index) is None:
            problems.append(
                err(
                    "ROW_TK1_REQUIRED",
                    form="D02-LT",
                    row=row["_stt"],
                    field="MasoBHXH",
                    line=row["_line"],
                    name=row.get("HoTen") or "—",
                )
            )
    return problems


def d01ts_rows(root: etree._Element) -> Iterator[dict]:
    """The documents of a D01-TS list (bảng kê thông tin), with their line numbers."""
    for index, node in enumerate(root.iterfind("NoiDung/VanBan"), start=1):
        row = {child.tag: (child.text or "").strip() for child in node}
        row["_line"] = node.sourceline
        row["_stt"] = int(row["STT"]) if row.get("STT", "").isdigit() else index
        yield row


def d01_required_check(*, forms: dict, period: date | None) -> list[Problem]:
    """A row that reaches back before the declared period (a late increase or adjustment)
    needs the document it rests on listed in D01-TS; each listed document names its type
    and number."""
    problems: list[Problem] = []
    index: dict[tuple, dict] = {}
    for root in forms.get("D01-TS") or []:
        for row in d01ts_rows(root):
            for name in ("LoaiVanBan", "SoHieuVanBan"):
                if not row.get(name):
                    problems.append(
                        err("ROW_REQUIRED", form="D01-TS", row=row["_stt"], field=name,
                            line=row["_line"])
                    )  # fmt: skip
            issued = row.get("NgayBanHanh", "")
            if issued and not is_date(issued):
                problems.append(
                    err("ROW_DATE_FORMAT", form="D01-TS", row=row["_stt"], field="NgayBanHanh",
                        line=row["_line"], value=issued)
                )  # fmt: skip
            for key in _person_keys(row):
                index.setdefault(key, row)
    roots = forms.get("D02-LT") or []
    if not roots or period is None:
        return problems
    for row in d02lt_rows(roots[0]):
        start = parse_month(row.get("TuThang", ""))
        if row.get("PA") not in INCREASE or start is None or start >= period:
            continue
        if not any(key in index for key in _person_keys(row)):
            problems.append(
                err(
                    "ROW_D01_REQUIRED",
                    form="D02-LT",
                    row=row["_stt"],
                    field="TuThang",
                    line=row["_line"],
                    name=row.get("HoTen") or "—",
                    start=row.get("TuThang"),
                    period=period.strftime("%m/%Y"),
                )
            )
    return problems


def declared_rows(forms: dict) -> list[Declared]:
    """The D02-LT rows of ``forms`` with each person's TK1-TS, for acceptance."""
    roots = forms.get("D02-LT") or []
    if not roots:
        return []
    index = tk1_index(forms)
    declared = []
    for row in d02lt_rows(roots[0]):
        tk1 = tk1_of(row, index)
        declared.append(
            Declared(
                stt=row["_stt"],
                row=row,
                tk1=tk1,
                household=list(tk1["_household"]) if tk1 else [],
            )
        )
    return declared


def _rate(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


class _Memo(dict):
    """``function(text)`` read once per distinct text (within one list)."""

    def __init__(self, function):
        super().__init__()
        self.function = function

    def __call__(self, text):
        try:
            return self[text]
        except KeyError:
            value = self[text] = self.function(text)
            return value


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")
