"""The official .xlsx templates of the compose page (mẫu D02-LT, mẫu TK1-TS): a header row of
the forms' Vietnamese headings (what :mod:`.imports` reads back), each column's format as a
comment on its heading, and a sheet of instructions listing the plan codes."""

from __future__ import annotations

import io

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from declarations.intake.compose import (
    D02_COLUMNS,
    HOUSEHOLD_COLUMNS,
    MAX_ROWS,
    TK1_COLUMNS,
    TK1_REQUIRED,
    heading,
)
from declarations.intake.imports import OWNER
from declarations.intake.procedures.d02lt import ALLOWANCES
from declarations.people.plans import PLAN_CODES

# How each column is written (English msgids; the templates are made in Vietnamese).
NOTES = {
    "STT": gettext_lazy("Row number: 1, 2, 3…"),
    "HoTen": gettext_lazy("Full name, with accents."),
    "MasoBHXH": gettext_lazy(
        "10 digits. Leave empty for a new worker who has none yet (plan TM): attach their "
        "TK1-TS declaration."
    ),
    "NgaySinh": gettext_lazy("dd/mm/yyyy, for example 26/04/1995."),
    "GioiTinh": gettext_lazy("Nam or Nữ."),
    "CMND": gettext_lazy("The 12 digits of the citizen ID card (CCCD)."),
    "TienLuong": gettext_lazy("Amount in dong, for example 6000000 or 6.000.000."),
    "TuThang": gettext_lazy("mm/yyyy, for example 10/2026."),
    "DenThang": gettext_lazy("mm/yyyy; empty when the plan has no end month."),
    "PA": gettext_lazy(
        "The plan code, such as TM or “TM – Tăng mới”: the list is on the Instructions sheet."
    ),
    "TyleDong": gettext_lazy("Contribution rate in percent, for example 32."),
    "Dienthoai_LH": gettext_lazy("Phone number, for example 0912345678."),
    "MaTinhBenhVien": gettext_lazy("The province's 2-digit code, for example 79."),
    "MaBenhVien": gettext_lazy("The code of the first-contact hospital, for example 79024."),
    "QuanHe": gettext_lazy("Relationship to the head of household, for example Vợ, Con."),
    OWNER: gettext_lazy("The number (STT) of the person's declaration on the TK1-TS sheet."),
}
NOTES.update(dict.fromkeys(ALLOWANCES, NOTES["TienLuong"]))
# Columns Excel must keep as typed: leading zeros, dd/mm/yyyy and mm/yyyy stay text.
TEXT_COLUMNS = {
    "MasoBHXH",
    "CMND",
    "NgaySinh",
    "TuThang",
    "DenThang",
    "Dienthoai_LH",
    "MaTinhBenhVien",
    "MaBenhVien",
}
HEADER_FILL = PatternFill("solid", fgColor="E8F1FA")
REQUIRED_FILL = PatternFill("solid", fgColor="FDE8C8")
AUTHOR = "BHXH"


def _title(field: str) -> str:
    return _("Declarant's No.") if field == OWNER else heading(field)


def _data_sheet(sheet, fields: list[str], required=()) -> None:
    for index, field in enumerate(fields, start=1):
        cell = sheet.cell(row=1, column=index, value=_title(field))
        cell.font = Font(bold=True)
        cell.fill = REQUIRED_FILL if field in required else HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if field in NOTES:
            cell.comment = Comment(str(NOTES[field]), AUTHOR, width=300, height=90)
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 28 if field in {"HoTen", OWNER} else 18
        if field in TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"


def _validate(sheet, fields: list[str], field: str, formula: str) -> None:
    if field not in fields:
        return
    letter = get_column_letter(fields.index(field) + 1)
    rule = DataValidation(type="list", formula1=formula, allow_blank=True)
    rule.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    sheet.add_data_validation(rule)


def _instructions(book, form: str, columns: list[tuple[str, list[str]]]):
    """The instructions sheet; returns the range of the plan labels (for the PA list)."""
    sheet = book.create_sheet(_("Instructions"))
    sheet.append([_("How to fill in the %(form)s template") % {"form": form}])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_("Fill one row per person under the headings; keep the headings as they are.")])
    sheet.append([])
    for title, fields in columns:
        sheet.append([title])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        sheet.append([_("Column"), _("How to write it")])
        for field in fields:
            sheet.append([_title(field), str(NOTES.get(field, ""))])
        sheet.append([])
    sheet.append([_("Plan codes (column Phương án)")])
    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    sheet.append([_("Write in the cell"), _("Code"), _("Plan"), _("Increase or decrease")])
    first = sheet.max_row + 1
    for (direction, code), plan in PLAN_CODES.items():
        kind = _("increase") if direction == "increase" else _("decrease")
        sheet.append([f"{code} – {plan.name_vi}", code, plan.name_vi, kind])
    sheet.column_dimensions["A"].width = 48
    sheet.column_dimensions["B"].width = 60
    return f"{quote_sheetname(sheet.title)}!$A${first}:$A${sheet.max_row}"


def _bytes(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def d02lt_template() -> bytes:
    """The D02-LT template: one worker a row."""
    with translation.override("vi"):
        book = Workbook()
        sheet = book.active
        sheet.title = "D02-LT"
        fields = ["STT", *D02_COLUMNS]
        _data_sheet(sheet, fields)
        plans = _instructions(book, "D02-LT", [("D02-LT", fields)])
        _validate(sheet, fields, "GioiTinh", '"Nam,Nữ"')
        _validate(sheet, fields, "PA", plans)
        return _bytes(book)


def tk1ts_template() -> bytes:
    """The TK1-TS template: one new worker a row, their household members on a second sheet
    linked by the declaration's number (STT)."""
    with translation.override("vi"):
        book = Workbook()
        sheet = book.active
        sheet.title = "TK1-TS"
        fields = ["STT", *TK1_COLUMNS]
        _data_sheet(sheet, fields, required=TK1_REQUIRED)
        _validate(sheet, fields, "GioiTinh", '"Nam,Nữ"')
        household = book.create_sheet(_("Household members"))
        members = [OWNER, *HOUSEHOLD_COLUMNS]
        _data_sheet(household, members, required=(OWNER, "HoTen", "QuanHe"))
        _validate(household, members, "GioiTinh", '"Nam,Nữ"')
        _instructions(book, "TK1-TS", [("TK1-TS", fields), (household.title, members)])
        return _bytes(book)
