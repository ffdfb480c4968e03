"""Files of the review: the post dispatch list as PDF address labels and as CSV for the post
office, the directors' periodic report as .xlsx (openpyxl) and PDF (reportlab)."""

from __future__ import annotations

import csv
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Spacer, Table, TableStyle

from core import pdf
from declarations.review.selectors import PeriodReport

LABEL_COLUMNS, LABEL_ROWS = 2, 7
LABEL_W, LABEL_H = 95 * mm, 38 * mm


def dispatch_labels_pdf(rows) -> bytes:
    """A4 sheets of 2 × 7 address labels, one per result to post; a long address wraps
    and shrinks to stay on its label."""
    per_page = LABEL_COLUMNS * LABEL_ROWS
    width, height = A4
    margin_x = (width - LABEL_COLUMNS * LABEL_W) / 2
    margin_y = (height - LABEL_ROWS * LABEL_H) / 2
    cells = [_label(row) for row in rows]
    pages = [cells[i : i + per_page] for i in range(0, len(cells), per_page)]
    story = []
    for n, page in enumerate(pages):
        page += [""] * (per_page - len(page))
        grid = [page[r * LABEL_COLUMNS : (r + 1) * LABEL_COLUMNS] for r in range(LABEL_ROWS)]
        sheet = Table(grid, colWidths=[LABEL_W] * LABEL_COLUMNS, rowHeights=[LABEL_H] * LABEL_ROWS)
        sheet.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [sheet] if n == 0 else [PageBreak(), sheet]
    if not rows:
        story = [pdf.text("Không có kết quả cần gửi.", 11)]
    return pdf.render(
        story,
        title="Nhãn gửi kết quả qua bưu điện",
        # A millimetre to spare around the sheet, so rounding never pushes a row over.
        frame=(
            margin_x - mm,
            margin_y - mm,
            LABEL_COLUMNS * LABEL_W + 2 * mm,
            LABEL_ROWS * LABEL_H + 2 * mm,
        ),
    )


def _label(row):
    employer = row.dossier.employer
    lines = [
        pdf.text(f"BHXH {row.office.name} — KQ {row.notice.number}", 8),
        pdf.text(employer.name, 11),
        pdf.text(row.address, 9),
        pdf.text(f"Mã đơn vị: {employer.unit_code}  Hồ sơ: {row.dossier.transaction_code}", 9),
    ]
    return pdf.shrink_to(LABEL_W - 8 * mm, LABEL_H - 6 * mm, lines)


CSV_HEADER = [
    "STT",
    "NgayLap",
    "MaDonVi",
    "TenDonVi",
    "DiaChiNhan",
    "DienThoai",
    "SoThongBao",
    "MaGiaoDich",
    "CoQuanGui",
    "DaGui",
]


def dispatch_csv(rows) -> str:
    """The list for the post office (UTF-8 with BOM so spreadsheet software reads it)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for i, row in enumerate(rows, start=1):
        employer = row.dossier.employer
        writer.writerow(
            [
                i,
                row.listed_on.strftime("%d/%m/%Y"),
                employer.unit_code,
                employer.name,
                row.address,
                employer.contact_phone,
                row.notice.number,
                row.dossier.transaction_code,
                row.office.name,
                timezone.localtime(row.sent_at).strftime("%d/%m/%Y %H:%M") if row.sent_at else "",
            ]
        )
    return out.getvalue()


def _pct(value):
    return float(value) if value is not None else None


def report_workbook(report: PeriodReport) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("Offices")[:31]
    ws.append([_("Period"), report.date_from, report.date_to])
    ws.cell(1, 2).number_format = ws.cell(1, 3).number_format = "DD/MM/YYYY"
    head = [
        _("Office code"),
        _("Office"),
        _("Received"),
        *[f"{_('Procedure')} {p}" for p in report.procedures],
        *[f"{_('Channel')}: {c}" for c in report.channel_labels],
        _("Decided"),
        _("On time"),
        _("On-time rate (%)"),
        _("Electronic employers"),
        _("Employers"),
        _("Adoption (%)"),
    ]
    ws.append(head)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for row in [*report.offices, report.totals]:
        ws.append(
            [
                row.office.code if row.office else "",
                row.office.name if row.office else _("Total"),
                row.received,
                *[row.by_procedure.get(p, 0) for p in report.procedures],
                *[row.by_channel.get(c, 0) for c in report.channels],
                row.decided,
                row.on_time,
                _pct(row.on_time_rate),
                row.electronic,
                row.employers,
                _pct(row.adoption_rate),
            ]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def report_pdf(report: PeriodReport) -> bytes:
    """The report as landscape A4 pages: one line per office, the header on each page."""
    size = landscape(A4)
    width = size[0] - 2 * 15 * mm
    headers = [
        "Cơ quan",
        "Hồ sơ nhận",
        "Điện tử",
        "Giấy",
        "Đã giải quyết",
        "Đúng hạn (%)",
        "Tỷ lệ ĐV điện tử (%)",
    ]

    def fmt(value):
        return "—" if value is None else f"{value}".replace(".", ",")

    rows = []
    for row in [*report.offices, report.totals]:
        paper = row.by_channel.get("paper", 0)
        rows.append(
            [
                f"{row.office.code} {row.office.name}" if row.office else "Tổng cộng",
                row.received,
                row.received - paper,
                paper,
                row.decided,
                fmt(row.on_time_rate),
                fmt(row.adoption_rate),
            ]
        )
    story = [
        pdf.text("BÁO CÁO TÌNH HÌNH GIAO DỊCH ĐIỆN TỬ", 14, center=True),
        pdf.text(
            f"Từ ngày {report.date_from:%d/%m/%Y} đến ngày {report.date_to:%d/%m/%Y}",
            10,
            center=True,
        ),
        Spacer(1, 6 * mm),
        pdf.table(
            headers,
            rows,
            widths=[width * w for w in (0.34, 0.11, 0.11, 0.11, 0.11, 0.11, 0.11)],
            size=9,
            numbers=range(1, 7),
        ),
    ]
    return pdf.render(
        story, title="Báo cáo giao dịch điện tử", pagesize=size, footer="Báo cáo giao dịch điện tử"
    )
