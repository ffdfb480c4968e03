"""The final statement as the agency issues it: an XML document (ThongBaoC12TS) and a PDF,
both signed by the managing office through the dossiers' agency documents
(``document_issue``), the PDF carrying the QR code of its verification page."""

from __future__ import annotations

from datetime import date

from django.utils import translation
from django.utils.translation import gettext as _
from lxml import etree
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from core import pdf
from declarations.statements.layout import ALL, COLUMN_LABELS, COLUMNS, ROWS, SECTIONS

TITLE = "Thông báo kết quả đóng BHXH, BHYT, BHTN, BHTNLĐ-BNN"
FORM = "C12-TS"


def money(value: int) -> str:
    """1234567 → 1.234.567 (no currency: the table's header says đồng)."""
    sign = "-" if value < 0 else ""
    return sign + f"{abs(int(value)):,}".replace(",", ".")


def statement_number(unit_code: str, month: date) -> str:
    return f"{FORM}-{unit_code}-{month:%Y-%m}"


def month_of_figures(figures: dict) -> date:
    year, month = figures["month"].split("-")
    return date(int(year), int(month), 1)


def statement_xml(figures: dict, *, employer, code: str = "") -> etree._Element:
    """``<ThongBaoC12TS>``: the unit, the month, every row's figures per fund and the
    transfers received; the drill-down stays in the portal (it names people)."""
    month = month_of_figures(figures)
    root = etree.Element("ThongBaoC12TS", version="1")
    head = etree.SubElement(root, "ThongTinChung")
    for tag, value in (
        ("MauSo", FORM),
        ("SoThongBao", statement_number(employer.unit_code, month)),
        ("MaXacThuc", code),
        ("KyThongBao", month.strftime("%m/%Y")),
        ("MaDonVi", employer.unit_code),
        ("TenDonVi", employer.name),
        ("MaSoThue", employer.tax_code or ""),
        ("CoQuanBHXH", employer.managing_office.code),
        ("TenCoQuanBHXH", employer.managing_office.name),
        ("LaiSuatNgay", figures.get("rate", "")),
    ):
        etree.SubElement(head, tag).text = str(value)
    body = etree.SubElement(root, "ChiTieu")
    for row in ROWS:
        if row.kind == "rate":
            continue
        item = etree.SubElement(body, "Dong", ma=row.key, loai=row.kind)
        for i, column in enumerate(ALL):
            etree.SubElement(item, column.upper()).text = str(figures["rows"][row.key][i])
    transfers = etree.SubElement(root, "ChuyenTien")
    for unc, paid_on, _detail, *values in figures["lines"].get("C.1", []):
        etree.SubElement(transfers, "UNC", so=unc, ngay=paid_on).text = str(values[-1])
    return root


def statement_pdf(figures: dict, *, employer, final: bool, qr=None) -> bytes:
    """The statement on A4 landscape: one table per section, its header repeated on each
    page, the QR code of the verification page when issued."""
    month = month_of_figures(figures)
    with translation.override("vi"):
        story = [
            pdf.text("BẢO HIỂM XÃ HỘI VIỆT NAM", 9),
            pdf.text(f"{employer.managing_office.name}", 9),
            Spacer(0, 3 * mm),
            pdf.text(f"{TITLE} — Mẫu {FORM}", 13, center=True),
            pdf.text(f"Tháng {month:%m/%Y}" + ("" if final else " (bản nháp)"), 11, center=True),
            Spacer(0, 4 * mm),
            pdf.fields(
                [
                    ("Đơn vị", f"{employer.name} ({employer.unit_code})"),
                    ("Mã số thuế", employer.tax_code or ""),
                    ("Số thông báo", statement_number(employer.unit_code, month)),
                    ("Lãi suất chậm đóng (%/ngày)", figures.get("rate") or "—"),
                ],
                widths=[55 * mm, 200 * mm],
            ),
            Spacer(0, 3 * mm),
        ]
        headers = [_("Row"), _("Item")] + [str(COLUMN_LABELS[c]) + " (đ)" for c in ALL]
        widths = [16 * mm, 76 * mm] + [33 * mm] * len(ALL)
        for section, label in SECTIONS.items():
            rows = []
            for row in ROWS:
                if row.section != section or row.kind == "rate":
                    continue
                values = figures["rows"][row.key]
                cells = [
                    ""
                    if row.totals_only and i < len(COLUMNS)
                    else (str(v) if row.kind == "count" else money(v))
                    for i, v in enumerate(values)
                ]
                rows.append([row.key, str(row.label), *cells])
            story += [pdf.text(str(label), 10), Spacer(0, 1 * mm)]
            story.append(pdf.table(headers, rows, widths=widths, numbers=range(2, 2 + len(ALL))))
            story.append(Spacer(0, 3 * mm))
        payments = figures["lines"].get("C.1", [])
        if payments:
            story.append(pdf.text(_("Transfers received"), 10))
            story.append(
                pdf.table(
                    [_("Transfer number (UNC)"), _("Date"), _("Amount") + " (đ)"],
                    [[unc, paid_on, money(values[-1])] for unc, paid_on, _d, *values in payments],
                    widths=[80 * mm, 40 * mm, 50 * mm],
                    numbers=[2],
                )
            )
        if qr is not None:
            story += [Spacer(0, 4 * mm), qr]
        return pdf.render(
            story,
            title=f"{FORM} {employer.unit_code} {month:%m/%Y}",
            pagesize=landscape(A4),
            margin=12 * mm,
            footer=f"{FORM} {employer.unit_code} {month:%m/%Y}",
        )


def statement_summary(figures: dict, employer) -> list[tuple[str, str]]:
    """What the public verification page shows: the unit, the month and the totals, no
    person (docs/statements.md)."""
    rows = figures["rows"]
    return [
        ("Đơn vị", f"{employer.name} ({employer.unit_code})"),
        ("Tháng", month_of_figures(figures).strftime("%m/%Y")),
        ("Số phải đóng trong tháng (đ)", money(rows["B.7"][4])),
        ("Số đã nộp trong tháng (đ)", money(rows["C.1"][4])),
        ("Chuyển kỳ sau: thiếu (đ)", money(rows["Đ.2"][4] + rows["Đ.3"][4])),
        ("Chuyển kỳ sau: thừa (đ)", money(rows["Đ.1"][4])),
    ]


def statement_notice_issue(statement) -> bool:
    """Issue ``statement`` (final) as a notice signed by its unit's managing office and link
    it; idempotent (the document's number is the statement's)."""
    from declarations.dossiers.agency_documents import document_issue, qr_flowable
    from declarations.statements.models import Statement

    employer = statement.employer
    figures = statement.figures
    document = document_issue(
        kind="statement",
        office=employer.managing_office,
        employer=employer,
        number=statement_number(employer.unit_code, statement.month),
        title=TITLE,
        summary=statement_summary(figures, employer),
        xml_build=lambda code: statement_xml(figures, employer=employer, code=code),
        pdf_build=lambda url, code: statement_pdf(
            figures, employer=employer, final=True, qr=qr_flowable(url, code)
        ),
    )
    return bool(
        Statement.objects.filter(pk=statement.pk, document_id__isnull=True).update(
            document_id=document.pk, document_number=document.number
        )
    )
