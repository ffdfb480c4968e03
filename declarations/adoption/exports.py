"""The adoption dashboard as an .xlsx workbook (openpyxl): the rate over time, the
leaderboard, each officer's figures and every assigned employer not yet registered."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from declarations.adoption.selectors import Dashboard, unregistered_assigned


def _header(ws, titles):
    ws.append(titles)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)


def _pct(value):
    return float(value) if value is not None else None


def adoption_workbook(dashboard: Dashboard) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("Rate over time")[:31]
    ws.append([dashboard.office.name])
    _header(ws, [_("Day"), _("Electronic"), _("Employers"), _("Rate (%)")])
    for (day, electronic, total), (_d, value) in zip(
        dashboard.series, dashboard.rates, strict=True
    ):
        ws.append([day, electronic, total, _pct(value)])
        ws.cell(ws.max_row, 1).number_format = "DD/MM/YYYY"
    if dashboard.target:
        ws.append([])
        ws.append(
            [_("Target (%)"), _pct(dashboard.target.share), _("due on"), dashboard.target.due_on]
        )
        ws.cell(ws.max_row, 4).number_format = "DD/MM/YYYY"
        ws.append([_("Gap (percentage points)"), _pct(dashboard.gap)])

    if dashboard.rows:
        board = wb.create_sheet(_("Leaderboard")[:31])
        _header(
            board,
            [
                _("Rank"),
                _("Code"),
                _("Office"),
                _("Electronic"),
                _("Employers"),
                _("Rate (%)"),
                _("Target (%)"),
                _("Gap"),
            ],
        )
        for rank, row in enumerate(dashboard.rows, start=1):
            board.append(
                [
                    rank,
                    row.code,
                    row.label,
                    row.electronic,
                    row.total,
                    _pct(row.rate),
                    _pct(row.target.share) if row.target else None,
                    _pct(row.gap),
                ]
            )

    if dashboard.officers:
        officers = wb.create_sheet(_("Officers")[:31])
        _header(
            officers,
            [
                _("Collection officer"),
                _("Electronic"),
                _("Assigned employers"),
                _("Rate (%)"),
                _("Target (%)"),
                _("Gap"),
            ],
        )
        for row in dashboard.officers:
            officers.append(
                [
                    row.label,
                    row.electronic,
                    row.total,
                    _pct(row.rate),
                    _pct(row.target.share) if row.target else None,
                    _pct(row.gap),
                ]
            )

    pending = wb.create_sheet(_("Not yet registered")[:31])
    _header(
        pending,
        [
            _("Collection officer"),
            _("Unit code"),
            _("Employer"),
            _("Tax code"),
            _("Status"),
            _("Contact e-mail"),
            _("Contact phone"),
        ],
    )
    for a in unregistered_assigned(office=dashboard.office, on=dashboard.on).iterator(
        chunk_size=2000
    ):
        e = a.employer
        pending.append(
            [
                str(a.officer),
                e.unit_code,
                e.name,
                e.tax_code,
                e.get_e_status_display(),
                e.contact_email,
                e.contact_phone,
            ]
        )
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
