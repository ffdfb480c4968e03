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
from reportlab.pdfgen import canvas

from declarations.dossiers.notices import _wrap, pdf_font
from declarations.review.selectors import PeriodReport

LABEL_COLUMNS, LABEL_ROWS = 2, 7
LABEL_W, LABEL_H = 95 * mm, 38 * mm


def dispatch_labels_pdf(rows) -> bytes:
    """A4 sheets of 2 × 7 address labels, one per result to post."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle("Nhãn gửi kết quả qua bưu điện")
    font = pdf_font()
    width, height = A4
    per_page = LABEL_COLUMNS * LABEL_ROWS
    margin_x = (width - LABEL_COLUMNS * LABEL_W) / 2
    margin_y = (height - LABEL_ROWS * LABEL_H) / 2
    for i, row in enumerate(rows):
        if i and i % per_page == 0:
            pdf.showPage()
        slot = i % per_page
        x = margin_x + (slot % LABEL_COLUMNS) * LABEL_W + 4 * mm
        y = height - margin_y - (slot // LABEL_COLUMNS) * LABEL_H - 8 * mm
        employer = row.dossier.employer
        pdf.setFont(font, 8)
        pdf.drawString(x, y, f"BHXH {row.office.name} — KQ {row.notice.number}")
        pdf.setFont(font, 11)
        y -= 6 * mm
        pdf.drawString(x, y, f"{employer.name}"[:48])
        pdf.setFont(font, 9)
        for chunk in _wrap(row.address, 55)[:3]:
            y -= 5 * mm
            pdf.drawString(x, y, chunk)
        y -= 5 * mm
        pdf.drawString(
            x, y, f"Mã đơn vị: {employer.unit_code}  Hồ sơ: {row.dossier.transaction_code}"
        )
    if not rows:
        pdf.setFont(font, 11)
        pdf.drawString(25 * mm, height - 30 * mm, "Không có kết quả cần gửi.")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


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
        *[f"{_('Channel')} {c}" for c in report.channels],
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
    """The report as landscape A4 pages: one line per office."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=landscape(A4))
    pdf.setTitle("Báo cáo giao dịch điện tử")
    font = pdf_font()
    width, height = landscape(A4)
    columns = [
        ("Cơ quan", 15 * mm),
        ("Hồ sơ nhận", 110 * mm),
        ("Điện tử", 135 * mm),
        ("Giấy", 160 * mm),
        ("Đã giải quyết", 180 * mm),
        ("Đúng hạn (%)", 210 * mm),
        ("Tỷ lệ ĐV điện tử (%)", 240 * mm),
    ]

    def header(y):
        pdf.setFont(font, 14)
        pdf.drawCentredString(width / 2, y, "BÁO CÁO TÌNH HÌNH GIAO DỊCH ĐIỆN TỬ")
        y -= 7 * mm
        pdf.setFont(font, 10)
        pdf.drawCentredString(
            width / 2,
            y,
            f"Từ ngày {report.date_from:%d/%m/%Y} đến ngày {report.date_to:%d/%m/%Y}",
        )
        y -= 10 * mm
        for title, x in columns:
            pdf.drawString(x, y, title)
        return y - 7 * mm

    def fmt(value):
        return "—" if value is None else f"{value}".replace(".", ",")

    y = header(height - 18 * mm)
    for row in [*report.offices, report.totals]:
        if y < 15 * mm:
            pdf.showPage()
            y = header(height - 18 * mm)
        paper = row.by_channel.get("paper", 0)
        values = [
            (f"{row.office.code} {row.office.name}" if row.office else "Tổng cộng")[:60],
            str(row.received),
            str(row.received - paper),
            str(paper),
            str(row.decided),
            fmt(row.on_time_rate),
            fmt(row.adoption_rate),
        ]
        pdf.setFont(font, 9)
        for (_t, x), value in zip(columns, values, strict=True):
            pdf.drawString(x, y, value)
        y -= 6 * mm
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
