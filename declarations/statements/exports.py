"""The statement as a workbook (.xlsx): the figures sheet, then one sheet of drill-down
lines, every line with the row it explains."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from declarations.statements.compute import figure_lines
from declarations.statements.layout import ALL, COLUMN_LABELS, ROWS, SECTIONS
from declarations.statements.notice import FORM


def statement_xlsx(figures: dict, *, employer, final: bool) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = FORM
    sheet.append([f"{FORM} · {employer.unit_code} · {employer.name}"])
    sheet.append([_("Month"), figures["month"], _("Final") if final else _("Draft")])
    sheet.append([_("Late interest: rate (% a day)"), figures.get("rate", "")])
    sheet.append([])
    header = [_("Row"), _("Item"), *[str(COLUMN_LABELS[c]) for c in ALL]]
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for section, label in SECTIONS.items():
        sheet.append([str(label)])
        for row in ROWS:
            if row.section == section and row.kind != "rate":
                sheet.append([row.key, str(row.label), *figures["rows"][row.key]])
    lines = book.create_sheet(_("Details"))
    lines.append(
        [_("Row"), _("Reference"), _("Month"), _("Detail"), *[str(COLUMN_LABELS[c]) for c in ALL]]
    )
    for row in ROWS:
        for line in figure_lines(figures, row.key):
            lines.append([row.key, *line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
