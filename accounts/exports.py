"""Files the accounts pages hand out: quarterly reports (.xlsx, PDF) and audit exports."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from core import pdf

from .audit_labels import action_label
from .models import AccountReport

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
    if f.get("connectors"):  # reports submitted before connectors existed have none
        _sheet(
            wb,
            _("Accounts in the other applications"),
            [_("Application"), _("Username"), _("Change"), _("From"), _("State"), _("At")],
            [
                (
                    r["application"],
                    r["username"],
                    r["operation"],
                    r["effective_at"],
                    r["state"],
                    r["confirmed_at"] or r["due_at"],
                )
                for r in f["connectors"]
            ],
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


def report_pdf(report: AccountReport) -> bytes:
    """The report as A4 pages (core.pdf): its tables wrap and break across pages."""

    f = report.figures
    width = A4[0] - 2 * 15 * mm
    story = [
        pdf.text(
            _("Quarterly account report Q%(q)s/%(y)s — %(province)s")
            % {"q": f["quarter"], "y": f["year"], "province": f["province"]["name"]},
            14,
            center=True,
        ),
        Spacer(1, 2 * mm),
        pdf.text(
            _("Period %(start)s – %(end)s. Generated %(now)s.")
            % {
                "start": "/".join(reversed(f["from"].split("-"))),
                "end": "/".join(reversed(f["to"].split("-"))),
                "now": timezone.localtime().strftime("%d/%m/%Y %H:%M"),
            },
            10,
        ),
        Spacer(1, 5 * mm),
    ]
    rows = [[_app_name(a), len(a["added"]), len(a["changed"])] for a in f["applications"]]
    rows.append([_("Total"), f["totals"]["added"], f["totals"]["changed"]])
    story.append(
        pdf.table(
            [_("Application"), _("Accounts added"), _("Accounts locked or changed")],
            rows,
            widths=[width * 0.5, width * 0.25, width * 0.25],
            size=9,
            numbers=(1, 2),
        )
    )
    if f.get("first") and f["existing"]:
        story += [Spacer(1, 5 * mm), pdf.text(_("Existing accounts"), 12), Spacer(1, 2 * mm)]
        existing = [
            [r["username"], r["name"], r["office"], ", ".join(r["applications"])]
            for r in f["existing"]
        ]
        story.append(
            pdf.table(
                [_("Username"), _("Name"), _("Office"), _("Applications")],
                existing,
                widths=[width * w for w in (0.2, 0.25, 0.25, 0.3)],
                size=8.5,
            )
        )
    return pdf.render(story, title=str(report), footer=str(report))


def audit_xlsx(entries) -> bytes:
    """Audit entries as a workbook (the viewer's export)."""
    wb = Workbook()
    _sheet(
        wb,
        _("Audit log"),
        [
            "#",
            _("Time"),
            _("Actor"),
            _("Action"),
            _("Action (in words)"),
            _("Target"),
            _("Office"),
            _("Details"),
            "hash",
        ],
        (
            (
                e.pk,
                timezone.localtime(e.at).strftime("%d/%m/%Y %H:%M:%S"),
                e.actor_repr,
                e.action,
                action_label(e.action),
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
