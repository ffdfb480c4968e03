"""The national consolidated account report as files: .xlsx and PDF (core.pdf).

The PDF is signed by the agency (PAdES, core.agency_signing) when the deployment has its
HSM configured; the view signs it. Without one it is issued unsigned and its footer says so
on every page, as the report page does, so nobody takes it for a signed original."""

from __future__ import annotations

import io

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from core import pdf

from .consolidated import NationalReport
from .exports import _sheet


def national_title(report: NationalReport) -> str:
    return _("Consolidated quarterly account report Q%(q)s/%(y)s") % {
        "q": report.quarter,
        "y": report.year,
    }


def _when(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


def _figure_headers() -> list[str]:
    return [_("Accounts added"), _("Accounts locked"), _("Accounts changed"), _("Outside accounts")]


def national_xlsx(report: NationalReport) -> bytes:
    """Sheets: per province and application, per application, overdue provinces."""
    wb = Workbook()
    rows = []
    for row in report.rows:
        if not row.cells:
            rows.append([row.province.code, row.province.name, row.state_label, "", "", ""])
            continue
        for app, counts in row.cells:
            rows.append(
                [
                    row.province.code,
                    row.province.name,
                    row.state_label,
                    _when(row.submitted_at),
                    app.code,
                    app.name,
                    *counts.as_list(),
                ]
            )
    ws = _sheet(
        wb,
        _("By province"),
        [
            _("Province code"),
            _("Province"),
            _("Status"),
            _("Submitted at"),
            _("Application code"),
            _("Application"),
            *_figure_headers(),
        ],
        rows,
        first=True,
    )
    ws.insert_rows(1, 2)
    ws["A1"] = national_title(report)
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = _("Due before %(due)s; as of %(on)s.") % {
        "due": report.due.strftime("%d/%m/%Y"),
        "on": report.on.strftime("%d/%m/%Y"),
    }
    per_app = [[app.code, app.name, *counts.as_list()] for app, counts in report.app_totals]
    per_app.append([_("Total"), "", *report.total.as_list()])
    _sheet(
        wb,
        _("By application"),
        [_("Application code"), _("Application"), *_figure_headers()],
        per_app,
    )
    _sheet(
        wb,
        _("Overdue provinces"),
        [_("Province code"), _("Province"), _("Status")],
        [[r.province.code, r.province.name, r.state_label] for r in report.overdue],
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def national_pdf(report: NationalReport, *, signed: bool) -> bytes:
    """Landscape A4: per province and application, per application, overdue provinces;
    the footer says whether the agency signs this copy (``signed``) or it is unsigned."""
    pagesize = landscape(A4)
    width = pagesize[0] - 2 * 15 * mm
    title = national_title(report)
    story = [
        pdf.text(title, 14, center=True),
        Spacer(1, 2 * mm),
        pdf.text(
            _("Due before %(due)s; as of %(on)s. %(n)s of %(total)s provinces submitted.")
            % {
                "due": report.due.strftime("%d/%m/%Y"),
                "on": report.on.strftime("%d/%m/%Y"),
                "n": len(report.submitted),
                "total": len(report.rows),
            },
            10,
        ),
        Spacer(1, 4 * mm),
    ]
    rows = []
    for row in report.rows:
        label = f"{row.province.code} – {row.province.name}"
        if not row.cells:
            rows.append([label, row.state_label, "—", "", "", "", ""])
            continue
        for app, counts in row.cells:
            rows.append([label, row.state_label, app.name, *counts.as_list()])
    story.append(
        pdf.table(
            [_("Province"), _("Status"), _("Application"), *_figure_headers()],
            rows,
            widths=[width * w for w in (0.2, 0.12, 0.24, 0.11, 0.11, 0.11, 0.11)],
            size=8.5,
            numbers=(3, 4, 5, 6),
        )
    )
    per_app = [[app.name, *counts.as_list()] for app, counts in report.app_totals]
    per_app.append([_("Total"), *report.total.as_list()])
    story += [
        Spacer(1, 5 * mm),
        pdf.text(_("By application"), 12),
        Spacer(1, 2 * mm),
        pdf.table(
            [_("Application"), *_figure_headers()],
            per_app,
            widths=[width * w for w in (0.4, 0.15, 0.15, 0.15, 0.15)],
            size=9,
            numbers=(1, 2, 3, 4),
        ),
        Spacer(1, 5 * mm),
        pdf.text(_("Overdue provinces"), 12),
        Spacer(1, 2 * mm),
    ]
    if report.overdue:
        story.append(
            pdf.table(
                [_("Province code"), _("Province")],
                [[r.province.code, r.province.name] for r in report.overdue],
                widths=[width * 0.2, width * 0.8],
                size=9,
            )
        )
    else:
        story.append(pdf.text(_("None."), 10))
    footer = (
        _("%(title)s — digitally signed by %(signer)s")
        % {"title": title, "signer": settings.AGENCY_SIGNING_NAME}
        if signed
        else _("%(title)s — UNSIGNED copy: no agency signature") % {"title": title}
    )
    return pdf.render(story, title=title, pagesize=pagesize, footer=footer)
