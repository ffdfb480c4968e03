"""Notices (thông báo) as the employer sees them: lines of text, on screen and as PDF."""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from .procedures import procedure_get

TITLES = {
    "receipt": "THÔNG BÁO TIẾP NHẬN HỒ SƠ ĐIỆN TỬ",
    "paper_receipt": "GIẤY TIẾP NHẬN HỒ SƠ",
    "e_filing": "THÔNG BÁO VỀ VIỆC NỘP HỒ SƠ ĐIỆN TỬ",
    "paper_set": "THÔNG BÁO TRẢ KẾT QUẢ (ĐÃ NHẬN HỒ SƠ GIẤY)",
    "accepted": "THÔNG BÁO KẾT QUẢ GIẢI QUYẾT HỒ SƠ",
    "rejected": "THÔNG BÁO KẾT QUẢ GIẢI QUYẾT HỒ SƠ",
    "supplement": "THÔNG BÁO YÊU CẦU BỔ SUNG HỒ SƠ",
}
RESULTS = {
    "accepted": "Hồ sơ được chấp nhận.",
    "rejected": "Hồ sơ bị từ chối.",
    "supplement": "Đề nghị đơn vị bổ sung hồ sơ; thời hạn giải quyết tạm dừng đến khi nhận đủ.",
}


def notice_lines(notice) -> tuple[str, list[tuple[str, str]]]:
    """(title, [(label, value)]) of a notice, in Vietnamese as it is printed."""
    dossier = notice.dossier
    procedure = procedure_get(dossier.procedure_code)
    lines = [
        ("Số thông báo", notice.number),
        ("Đơn vị", f"{dossier.employer.name} ({dossier.employer.unit_code})"),
        ("Mã số thuế", dossier.employer.tax_code),
        ("Mã giao dịch", dossier.transaction_code),
        (
            "Thủ tục",
            f"{dossier.procedure_code} — {procedure.name_vi if procedure else ''}".strip(" —"),
        ),
        ("Kỳ kê khai", dossier.period),
        ("Thời điểm tiếp nhận", timezone.localtime(dossier.received_at).strftime("%d/%m/%Y %H:%M")),
        ("Kênh nộp", dossier.get_channel_display()),
    ]
    if notice.kind == "receipt":
        lines += [
            ("Số tệp", str(notice.data.get("files", ""))),
            ("Số lao động", str(notice.data.get("workers", dossier.worker_count))),
        ]
        if dossier.paper_required:
            lines.append(
                (
                    "Lưu ý",
                    "Hồ sơ nộp bằng mã thử nghiệm: kết quả chỉ trả khi nhận được 01 bộ hồ sơ giấy.",
                )
            )
    if notice.kind == "paper_receipt":
        lines.append(("Mẫu", notice.form_number))
        if dossier.incident_id:
            lines.append(("Sự cố", str(dossier.incident)))
    if notice.kind == "e_filing":
        lines.append(
            (
                "Nội dung",
                "Hồ sơ giấy được nhận do sự cố đã ghi nhận. Lần sau đơn vị nộp hồ sơ điện tử.",
            )
        )
    if notice.kind == "paper_set":
        lines.append(("Nội dung", "Đã nhận bộ hồ sơ giấy; kết quả được trả cho đơn vị."))
    if notice.kind in RESULTS:
        from .review.reasons import REASONS

        lines.append(("Kết quả", RESULTS[notice.kind]))
        for code in notice.data.get("reasons", []):
            reason = REASONS.get(code)
            lines.append(("Lý do", f"{code} — {reason.vi if reason else ''}".strip(" —")))
        if notice.data.get("note"):
            lines.append(("Ghi chú", notice.data["note"]))
        if notice.data.get("decided_by"):
            lines.append(("Cán bộ xử lý", notice.data["decided_by"]))
    lines.append(("Ngày lập", timezone.localtime(notice.issued_at).strftime("%d/%m/%Y %H:%M")))
    return TITLES.get(notice.kind, notice.get_kind_display()), lines


def _font() -> str:
    path = Path(settings.PDF_FONT_PATH)
    if "PortalSans" not in pdfmetrics.getRegisteredFontNames():
        if not path.exists():
            import reportlab

            path = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
        pdfmetrics.registerFont(TTFont("PortalSans", str(path)))
    return "PortalSans"


def notice_pdf(notice) -> bytes:
    """The notice as a one-page A4 PDF."""
    title, lines = notice_lines(notice)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(f"{title} {notice.number}")
    font = _font()
    width, height = A4
    y = height - 25 * mm
    pdf.setFont(font, 11)
    pdf.drawString(20 * mm, y, "BẢO HIỂM XÃ HỘI VIỆT NAM")
    pdf.drawRightString(width - 20 * mm, y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    y -= 18 * mm
    pdf.setFont(font, 14)
    pdf.drawCentredString(width / 2, y, title)
    y -= 14 * mm
    pdf.setFont(font, 11)
    for label, value in lines:
        pdf.drawString(25 * mm, y, f"{label}:")
        for chunk in _wrap(value, 70):
            pdf.drawString(70 * mm, y, chunk)
            y -= 7 * mm
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    words, lines, current = (text or "").split(), [], ""
    for word in words:
        if len(current) + len(word) + 1 > width and current:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*lines, current] if current or not lines else lines
