"""Files the accounts pages hand out: quarterly reports (.xlsx, PDF) and audit exports."""

from __future__ import annotations

import io
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .models import AccountReport

FONT_CANDIDATES = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(wb, title, header, rows, first=False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title[:31]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for column in ws.columns:
        width = max(len(str(c.value or "")) for c in column)
        ws.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
    return ws


def _app_name(app: dict) -> str:
    return app["name_vi"]


def report_xlsx(report: AccountReport) -> bytes:
    """The report as a workbook: summary, details, and (first report) existing accounts."""
    f = report.figures
    wb = Workbook()
    summary = [
        (_app_name(a), a["code"], len(a["added"]), len(a["changed"])) for a in f["applications"]
    ]
    summary.append((_("Total"), "", f["totals"]["added"], f["totals"]["changed"]))
    ws = _sheet(
        wb,
        _("Summary"),
        [_("Application"), _("Code"), _("Accounts added"), _("Accounts locked or changed")],
        summary,
        first=True,
    )
    ws.insert_rows(1, 2)
    ws["A1"] = _("Quarterly account report Q%(q)s/%(y)s — %(province)s") % {
        "q": f["quarter"],
        "y": f["year"],
        "province": f["province"]["name"],
    }
    ws["A1"].font = Font(bold=True, size=13)
    detail = []
    for a in f["applications"]:
        for who in a["added"]:
            detail.append((a["code"], _("added"), who["username"], who["name"], ""))
        for who in a["changed"]:
            detail.append(
                (
                    a["code"],
                    _("locked or changed"),
                    who["username"],
                    who["name"],
                    ", ".join(who["actions"]),
                )
            )
    _sheet(
        wb,
        _("Details"),
        [_("Application"), _("Change"), _("Username"), _("Name"), _("Events")],
        detail,
    )
    if f.get("first"):
        _sheet(
            wb,
            _("Existing accounts"),
            [_("Username"), _("Name"), _("Office"), _("Kind"), _("Open"), _("Applications")],
            [
                (
                    r["username"],
                    r["name"],
                    r["office"],
                    r["kind"],
                    _("yes") if r["active"] else _("no"),
                    ", ".join(r["applications"]),
                )
                for r in f["existing"]
            ],
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _pdf_font() -> str:
    for path in FONT_CANDIDATES:
        if path.exists():
            if "PortalSans" not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont("PortalSans", str(path)))
            return "PortalSans"
    return "Helvetica"  # no Vietnamese glyphs, but a readable file


def report_pdf(report: AccountReport) -> bytes:
    """The report as a PDF (reportlab), with a Unicode font for Vietnamese."""

    f = report.figures
    font = _pdf_font()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = font
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=str(report))
    story = [
        Paragraph(
            _("Quarterly account report Q%(q)s/%(y)s — %(province)s")
            % {"q": f["quarter"], "y": f["year"], "province": f["province"]["name"]},
            styles["Title"],
        ),
        Paragraph(
            _("Period %(start)s – %(end)s. Generated %(now)s.")
            % {
                "start": "/".join(reversed(f["from"].split("-"))),
                "end": "/".join(reversed(f["to"].split("-"))),
                "now": timezone.localtime().strftime("%d/%m/%Y %H:%M"),
            },
            styles["Normal"],
        ),
        Spacer(1, 12),
    ]
    rows = [[_("Application"), _("Accounts added"), _("Accounts locked or changed")]]
    rows += [[_app_name(a), len(a["added"]), len(a["changed"])] for a in f["applications"]]
    rows.append([_("Total"), f["totals"]["added"], f["totals"]["changed"]])
    table = Table(rows, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
            ]
        )
    )
    story.append(table)
    if f.get("first") and f["existing"]:
        story += [Spacer(1, 12), Paragraph(_("Existing accounts"), styles["Heading2"])]
        existing = [[_("Username"), _("Name"), _("Office"), _("Applications")]]
        existing += [
            [r["username"], r["name"], r["office"], ", ".join(r["applications"])]
            for r in f["existing"]
        ]
        t2 = Table(existing, repeatRows=1)
        t2.setStyle(
            TableStyle(
                [("FONTNAME", (0, 0), (-1, -1), font), ("GRID", (0, 0), (-1, -1), 0.5, colors.grey)]
            )
        )
        story.append(t2)
    doc.build(story)
    return out.getvalue()


def audit_xlsx(entries) -> bytes:
    """Audit entries as a workbook (the viewer's export)."""
    wb = Workbook()
    _sheet(
        wb,
        _("Audit log"),
        ["#", _("Time"), _("Actor"), _("Action"), _("Target"), _("Office"), _("Details"), "hash"],
        (
            (
                e.pk,
                timezone.localtime(e.at).strftime("%d/%m/%Y %H:%M:%S"),
                e.actor_repr,
                e.action,
                e.target_repr,
                e.office.code if e.office_id and e.office else "",
                str(e.data)[:1000],
                e.hash,
            )
            for e in entries
        ),
        first=True,
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
