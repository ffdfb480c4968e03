"""Import the compose page's lists from .xlsx (openpyxl): D02-LT rows and TK1-TS declarations
(with their household members), from the official templates (:mod:`.workbooks`) or any
sheet whose header row carries their headings (or the XML names, HoTen, MasoBHXH, …).

Headings match whatever their case and spacing, never without their accents. A file with a
problem imports nothing: every problem is reported with its sheet, row and column.
"""

from __future__ import annotations

import functools
import io
import itertools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from core.refusals import Refused, codes_register, err
from declarations.intake.compose import (
    D02_COLUMNS,
    GROUP,
    HOUSEHOLD_COLUMNS,
    MAX_MEMBERS,
    MAX_ROWS,
    MAX_VALUE,
    TK1_COLUMNS,
    blank,
    clean,
    heading,
)
from declarations.people.plans import PLAN_CODES

codes_register(
    *GROUP,
    {
        "IMPORT_NO_FILE": _("Choose an .xlsx file to import."),
        "IMPORT_NOT_XLSX": _("The file could not be read as an .xlsx workbook."),
        "IMPORT_NO_HEADER": _(
            "Sheet {sheet}: the first row holds no known column heading (such as “Họ và tên”)."
        ),
        "IMPORT_NO_NAME_COLUMN": _("Sheet {sheet} has no “Họ và tên” column."),
        "IMPORT_UNKNOWN_COLUMN": _(
            "Sheet {sheet}, column {column}: heading “{value}” is not a column of the template."
        ),
        "IMPORT_DUPLICATE_COLUMN": _(
            "Sheet {sheet}, column {column}: heading “{value}” repeats column {first}."
        ),
        "IMPORT_UNHEADED_VALUE": _(
            "Sheet {sheet}, row {number}, column {column}: a value in a column without a heading."
        ),
        "IMPORT_TOO_MANY_ROWS": _("Sheet {sheet} has more than {limit} rows."),
        "IMPORT_TOO_LONG": _(
            "Sheet {sheet}, row {number}, column {column} ({heading}): the value is longer than "
            "{limit} characters."
        ),
        "IMPORT_GENDER": _(
            "Sheet {sheet}, row {number}, column {column} ({heading}): “{value}” is neither Nam nor "
            "Nữ."
        ),
        "IMPORT_PLAN": _(
            "Sheet {sheet}, row {number}, column {column} ({heading}): “{value}” is not a plan code "
            "(such as TM or “TM – Tăng mới”)."
        ),
        "IMPORT_OWNER_UNKNOWN": _(
            "Sheet {sheet}, row {number}, column {column} ({heading}): no declaration has number "
            "“{value}” on the TK1-TS sheet."
        ),
        "IMPORT_LIST_TOO_LONG": _(
            "With the file's rows the {form} list would have {count} rows; at most {limit} are "
            "allowed."
        ),
        "IMPORT_REPLACE_UNCONFIRMED": _(
            "Replacing the {form} list removes its {count} rows: tick the confirmation to "
            "replace them, or choose to add the file's rows."
        ),
    },
)

OWNER = "_owner"  # the household sheet's link to its declaration's STT
# Headings of the official templates and of the forms' older printings, to the field names.
TITLES = {
    "STT": "STT",
    "Họ và tên": "HoTen",
    "Họ tên": "HoTen",
    "Mã số BHXH": "MasoBHXH",
    "Số sổ BHXH": "MasoBHXH",
    "Ngày, tháng, năm sinh": "NgaySinh",
    "Ngày sinh": "NgaySinh",
    "Nam/Nữ": "GioiTinh",
    "Giới tính": "GioiTinh",
    "Số CCCD/ĐDCN/Hộ chiếu": "CMND",
    "Số CCCD": "CMND",
    "CCCD": "CMND",
    "Số CMND": "CMND",
    "Cấp bậc, chức vụ, chức danh nghề": "ChucVu",
    "Chức vụ": "ChucVu",
    "Nơi làm việc": "NoiLamViec",
    "Tiền lương": "TienLuong",
    "Mức lương": "TienLuong",
    "Phụ cấp chức vụ": "PhuCapCV",
    "Phụ cấp thâm niên vượt khung": "PhuCapTNVK",
    "Phụ cấp thâm niên nghề": "PhuCapTNNghe",
    "Phụ cấp lương": "PhuCapLuong",
    "Các khoản bổ sung": "PhuCapBosung",
    "Từ tháng": "TuThang",
    "Đến tháng": "DenThang",
    "Phương án": "PA",
    "Tỷ lệ đóng": "TyleDong",
    "Tỉ lệ đóng": "TyleDong",
    "Ghi chú": "Ghichu",
    "Quốc tịch": "QuocTich",
    "Dân tộc": "DanToc",
    "Nơi đăng ký khai sinh": "Diachi_KS",
    "Địa chỉ nơi cấp giấy khai sinh": "Diachi_KS",
    "Địa chỉ nhận kết quả": "Diachi_NN",
    "Địa chỉ nơi ở": "Diachi_NN",
    "Số điện thoại liên hệ": "Dienthoai_LH",
    "Điện thoại": "Dienthoai_LH",
    "Email liên hệ": "Email_LH",
    "Email": "Email_LH",
    "Mã tỉnh nơi đăng ký KCB ban đầu": "MaTinhBenhVien",
    "Mã nơi đăng ký KCB ban đầu": "MaBenhVien",
    "Nơi đăng ký KCB ban đầu": "MaBenhVien",
    "Mối quan hệ với chủ hộ": "QuanHe",
    "Quan hệ": "QuanHe",
    "STT người kê khai": OWNER,
}
TK1_ONLY = frozenset(TK1_COLUMNS) - frozenset(D02_COLUMNS)
GENDERS = {"nam": "1", "nữ": "0", "1": "1", "0": "0"}
MONTHS = {"TuThang", "DenThang"}
# Numbers Excel keeps as numbers lose their leading zeros: give them back.
DIGITS = {"MasoBHXH": 10, "CMND": 12}
PLAN = re.compile(r"^([A-Za-z]{2})(?:\s*[–—-]\s*(.+))?$")
MAX_PROBLEMS = 50
HEADER_SEARCH = 10


def heading_key(text) -> str:
    """A heading compared whatever its case and spacing; its accents count."""
    return "".join(unicodedata.normalize("NFC", str(text or "")).casefold().split())


@functools.cache
def _titles() -> dict[str, str]:
    titles = {heading_key(name): name for name in {*D02_COLUMNS, *TK1_COLUMNS, "STT"}}
    with translation.override("vi"):
        for name in {*D02_COLUMNS, *TK1_COLUMNS, *HOUSEHOLD_COLUMNS}:
            titles.setdefault(heading_key(heading(name)), name)
    titles.update({heading_key(title): name for title, name in TITLES.items()})
    return titles


def field_of(title) -> str | None:
    return _titles().get(heading_key(title))


def plan_of(text: str) -> str | None:
    """The code of "TM", "tm", "TM – Tăng mới" or "TM - Tăng mới"; None when the code is
    unknown or the name is another code's."""
    match = PLAN.match(" ".join(text.split()))
    if not match:
        return None
    code = match.group(1).upper()
    plans = [plan for (_d, c), plan in PLAN_CODES.items() if c == code]
    if not plans:
        return None
    if match.group(2):
        names = {heading_key(n) for p in plans for n in (p.name_vi, p.name_en)}
        given = [heading_key(part) for part in match.group(2).split(" / ")]
        if not all(part in names for part in given):
            return None
    return code


@dataclass
class Imported:
    """What a workbook holds: None for a list it does not carry."""

    rows: list[dict] | None = None
    people: list[dict] | None = None


class ImportProblem(Refused):
    """The workbook cannot be imported as it is; nothing of it was taken."""


@dataclass
class _Sheet:
    title: str
    kind: str  # "D02-LT", "TK1-TS" or "household"
    fields: list[str | None]
    headings: list[str]
    rows: list[tuple[int, dict]]


def _text(value, field: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%m/%Y" if field in MONTHS else "%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and field in DIGITS:
        return str(value).zfill(DIGITS[field])
    return str(value).strip()


def _kind(fields: set[str]) -> str:
    if OWNER in fields or "QuanHe" in fields:
        return "household"
    return "TK1-TS" if fields & TK1_ONLY else "D02-LT"


def _header(rows) -> tuple[int, list[str]] | None:
    """The header row (its number and headings): the first of the sheet's first rows with
    at least three known headings (software exports put titles above it), else the first
    row when it has one; None for a sheet of something else (instructions)."""
    first = None
    for number, values in enumerate(itertools.islice(rows, HEADER_SEARCH), start=1):
        header = [str(v).strip() if v is not None else "" for v in values]
        known = sum(1 for h in header if h and field_of(h))
        if known >= 3:
            return number, header
        if number == 1 and known:
            first = (number, header)
    return first


def _sheet_read(sheet, first: bool, problems: list) -> _Sheet | None:
    """One sheet's rows by field, or None for a sheet of something else (instructions)."""
    found_header = _header(sheet.iter_rows(values_only=True))
    if found_header is None:
        if first:
            problems.append(err("IMPORT_NO_HEADER", sheet=sheet.title))
        return None
    header_number, header = found_header
    rows = sheet.iter_rows(min_row=header_number + 1, values_only=True)
    fields = [field_of(h) if h else None for h in header]
    seen: dict[str, str] = {}
    for index, (title, field) in enumerate(zip(header, fields, strict=True)):
        column = get_column_letter(index + 1)
        if title and field is None:
            problems.append(
                err("IMPORT_UNKNOWN_COLUMN", sheet=sheet.title, column=column, value=title)
            )
        elif field in seen:
            problems.append(
                err(
                    "IMPORT_DUPLICATE_COLUMN",
                    sheet=sheet.title,
                    column=column,
                    value=title,
                    first=seen[field],
                )
            )
            fields[index] = None
        elif field:
            seen[field] = column
    kind = _kind(set(seen))
    if kind != "household" and "HoTen" not in seen:
        problems.append(err("IMPORT_NO_NAME_COLUMN", sheet=sheet.title))
    found = _Sheet(sheet.title, kind, fields, header, [])
    for number, values in enumerate(rows, start=header_number + 1):
        if not any(str(v).strip() for v in values if v is not None):
            continue
        if len(found.rows) == MAX_ROWS:
            problems.append(err("IMPORT_TOO_MANY_ROWS", sheet=sheet.title, limit=MAX_ROWS))
            break
        found.rows.append((number, _row_read(found, number, values, problems)))
    return found


def _row_read(sheet: _Sheet, number: int, values, problems: list) -> dict:
    row = {}
    for index, value in enumerate(values):
        field = sheet.fields[index] if index < len(sheet.fields) else None
        text = _text(value, field or "")
        where = {"sheet": sheet.title, "number": number, "column": get_column_letter(index + 1)}
        if field is None:
            unheaded = index >= len(sheet.headings) or not sheet.headings[index]
            if text and unheaded:  # a known heading's refusal was said once, on the header
                problems.append(err("IMPORT_UNHEADED_VALUE", **where))
            continue
        where["heading"] = sheet.headings[index]
        if len(text) > MAX_VALUE:
            problems.append(err("IMPORT_TOO_LONG", limit=MAX_VALUE, **where))
            continue
        text = clean(text)
        if field == "GioiTinh" and text:
            if heading_key(text) not in GENDERS:
                problems.append(err("IMPORT_GENDER", value=text, **where))
            text = GENDERS.get(heading_key(text), text)
        elif field == "PA" and text and sheet.kind == "D02-LT":
            code = plan_of(text)
            if code is None:
                problems.append(err("IMPORT_PLAN", value=text, **where))
            text = code or text
        row[field] = text
    return row


def workbook_read(data: bytes) -> Imported:
    """The lists of an .xlsx workbook; :class:`ImportProblem` with every problem found."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001  (any unreadable upload)
        raise ImportProblem("IMPORT_NOT_XLSX") from exc
    problems: list = []
    sheets = []
    try:
        for index, sheet in enumerate(book.worksheets):
            found = _sheet_read(sheet, index == 0, problems)
            if found is not None:
                sheets.append(found)
    except Exception as exc:  # noqa: BLE001  (a workbook broken inside its sheets)
        raise ImportProblem("IMPORT_NOT_XLSX") from exc
    finally:
        book.close()
    imported = Imported()
    owners: dict[str, dict] = {}
    for sheet in (s for s in sheets if s.kind != "household"):
        for _number, values in sheet.rows:
            if sheet.kind == "D02-LT":
                imported.rows = imported.rows or []
                imported.rows.append({f: values.get(f, "") for f in D02_COLUMNS})
                continue
            imported.people = imported.people or []
            person = {f: values.get(f, "") for f in TK1_COLUMNS}
            person["household"] = []
            imported.people.append(person)
            owners.setdefault(values.get("STT") or str(len(imported.people)), person)
    for sheet in (s for s in sheets if s.kind == "household"):
        column = sheet.fields.index(OWNER) if OWNER in sheet.fields else None
        for number, values in sheet.rows:
            owner = owners.get(values.get(OWNER, ""))
            if owner is None or len(owner["household"]) >= MAX_MEMBERS:
                letter = get_column_letter(column + 1) if column is not None else "—"
                problems.append(
                    err(
                        "IMPORT_OWNER_UNKNOWN",
                        sheet=sheet.title,
                        number=number,
                        column=letter,
                        heading=sheet.headings[column] if column is not None else OWNER,
                        value=values.get(OWNER, "") or "—",
                    )
                )
                continue
            owner["household"].append({f: values.get(f, "") for f in HOUSEHOLD_COLUMNS})
    if problems:
        raise ImportProblem(problems[:MAX_PROBLEMS])
    return imported


def imported_merge(
    *, rows: list[dict], people: list[dict], imported: Imported, replace: bool, confirmed: bool
) -> tuple[list[dict], list[dict]]:
    """The page's lists with the file's: added after the rows typed (blank rows dropped), or
    in their place when ``replace`` — refused unless ``confirmed`` when rows would go."""
    kept_rows = [r for r in rows if not blank(r)]
    kept_people = [p for p in people if not blank(p)]
    if replace and not confirmed:
        losing = [
            err("IMPORT_REPLACE_UNCONFIRMED", form=form, count=len(kept))
            for form, kept, new in (
                ("D02-LT", kept_rows, imported.rows),
                ("TK1-TS", kept_people, imported.people),
            )
            if new is not None and kept
        ]
        if losing:
            raise ImportProblem(losing)
    if imported.rows is not None:
        kept_rows = imported.rows if replace else kept_rows + imported.rows
    if imported.people is not None:
        kept_people = imported.people if replace else kept_people + imported.people
    too_long = [
        err("IMPORT_LIST_TOO_LONG", form=form, count=len(items), limit=MAX_ROWS)
        for form, items in (("D02-LT", kept_rows), ("TK1-TS", kept_people))
        if len(items) > MAX_ROWS
    ]
    if too_long:
        raise ImportProblem(too_long)
    return kept_rows, kept_people
