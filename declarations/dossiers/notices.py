"""Notices (thông báo) as the employer sees them: lines of text, on screen and as PDF."""

from __future__ import annotations

import io
from pathlib import Path

import reportlab
from django.conf import settings
from django.utils import timezone, translation
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from core.refusals import Problem
from declarations.dossiers.reasons import REASONS
from declarations.employers.procedures import procedure_get

# Each text as (Vietnamese, English). The printed notice is the official Vietnamese one;
# the screen shows the English translation to a user who chose English.
TITLES = {
    "receipt": ("THÔNG BÁO TIẾP NHẬN HỒ SƠ ĐIỆN TỬ", "NOTICE OF RECEIPT OF AN ELECTRONIC DOSSIER"),
    "paper_receipt": ("GIẤY TIẾP NHẬN HỒ SƠ", "DOSSIER RECEIPT SLIP"),
    "e_filing": (
        "THÔNG BÁO VỀ VIỆC NỘP HỒ SƠ ĐIỆN TỬ",
        "NOTICE ON FILING DOSSIERS ELECTRONICALLY",
    ),
    "paper_set": (
        "THÔNG BÁO TRẢ KẾT QUẢ (ĐÃ NHẬN HỒ SƠ GIẤY)",
        "NOTICE OF RESULT RELEASE (PAPER SET RECEIVED)",
    ),
    "accepted": ("THÔNG BÁO KẾT QUẢ GIẢI QUYẾT HỒ SƠ", "NOTICE OF THE DOSSIER'S RESULT"),
    "rejected": ("THÔNG BÁO KẾT QUẢ GIẢI QUYẾT HỒ SƠ", "NOTICE OF THE DOSSIER'S RESULT"),
    "supplement": ("THÔNG BÁO YÊU CẦU BỔ SUNG HỒ SƠ", "REQUEST TO SUPPLEMENT THE DOSSIER"),
}
RESULTS = {
    "accepted": ("Hồ sơ được chấp nhận.", "The dossier is accepted."),
    "rejected": ("Hồ sơ bị từ chối.", "The dossier is rejected."),
    "supplement": (
        "Đề nghị đơn vị bổ sung hồ sơ; thời hạn giải quyết tạm dừng đến khi nhận đủ.",
        "Please supplement the dossier; the time limit is paused until it is complete.",
    ),
}
LABELS = {
    "number": ("Số thông báo", "Notice number"),
    "unit": ("Đơn vị", "Employer"),
    "tax_code": ("Mã số thuế", "Tax code"),
    "transaction": ("Mã giao dịch", "Transaction code"),
    "procedure": ("Thủ tục", "Procedure"),
    "period": ("Kỳ kê khai", "Period"),
    "received": ("Thời điểm tiếp nhận", "Received at"),
    "channel": ("Kênh nộp", "Channel"),
    "files": ("Số tệp", "Files"),
    "workers": ("Số lao động", "Workers"),
    "note": ("Lưu ý", "Note"),
    "form": ("Mẫu", "Form"),
    "incident": ("Sự cố", "Incident"),
    "content": ("Nội dung", "Content"),
    "result": ("Kết quả", "Result"),
    "reason": ("Lý do", "Reason"),
    "remark": ("Ghi chú", "Remark"),
    "officer": ("Cán bộ xử lý", "Handled by"),
    "issued": ("Ngày lập", "Issued on"),
    "judged_at": ("Chữ ký được xét tại thời điểm", "Signature judged at"),
    "claimed": ("Thời điểm ký do người ký tự khai", "Signing time claimed by the signer"),
    "warning": ("Cảnh báo", "Warning"),
}
TIME_SOURCES = {
    "receipt": ("thời điểm tiếp nhận", "the receipt time"),
    "tsa": ("dấu thời gian RFC 3161", "an RFC 3161 timestamp"),
}
TEXTS = {
    "trial": (
        "Hồ sơ nộp bằng mã thử nghiệm: kết quả chỉ trả khi nhận được 01 bộ hồ sơ giấy.",
        "Sent with a trial credential: the result is released only when one paper set arrives.",
    ),
    "e_filing": (
        "Hồ sơ giấy được nhận do sự cố đã ghi nhận. Lần sau đơn vị nộp hồ sơ điện tử.",
        "The paper dossier was accepted because of a recorded incident. "
        "Next time, please file electronically.",
    ),
    "paper_set": (
        "Đã nhận bộ hồ sơ giấy; kết quả được trả cho đơn vị.",
        "The paper set was received; the result is released to the employer.",
    ),
}


def notice_lines(notice, language: str = "vi") -> tuple[str, list[tuple[str, str]]]:
    """(title, [(label, value)]) of a notice: Vietnamese as it is printed, or its English
    translation when ``language`` is English."""
    en = language.startswith("en")

    def t(pair: tuple[str, str]) -> str:
        return pair[1] if en else pair[0]

    dossier = notice.dossier
    procedure = procedure_get(dossier.procedure_code)
    name = (procedure.name_en if en else procedure.name_vi) if procedure else ""
    lines = [
        (t(LABELS["number"]), notice.number),
        (t(LABELS["unit"]), f"{dossier.employer.name} ({dossier.employer.unit_code})"),
        (t(LABELS["tax_code"]), dossier.employer.tax_code),
        (t(LABELS["transaction"]), dossier.transaction_code),
        (t(LABELS["procedure"]), f"{dossier.procedure_code} — {name}".strip(" —")),
        (t(LABELS["period"]), dossier.period),
        (
            t(LABELS["received"]),
            timezone.localtime(dossier.received_at).strftime("%d/%m/%Y %H:%M"),
        ),
        (t(LABELS["channel"]), _channel(dossier, en)),
    ]
    if notice.kind == "receipt":
        lines += [
            (t(LABELS["files"]), str(notice.data.get("files", ""))),
            (t(LABELS["workers"]), str(notice.data.get("workers", dossier.worker_count))),
        ]
        if dossier.paper_required:
            lines.append((t(LABELS["note"]), t(TEXTS["trial"])))
        lines += _signature_lines(notice, dossier, en)
    if notice.kind == "paper_receipt":
        lines.append((t(LABELS["form"]), notice.form_number))
        if dossier.incident_id:
            lines.append((t(LABELS["incident"]), str(dossier.incident)))
    if notice.kind == "e_filing":
        lines.append((t(LABELS["content"]), t(TEXTS["e_filing"])))
    if notice.kind == "paper_set":
        lines.append((t(LABELS["content"]), t(TEXTS["paper_set"])))
    if notice.kind in RESULTS:
        lines.append((t(LABELS["result"]), t(RESULTS[notice.kind])))
        for code in notice.data.get("reasons", []):
            reason = REASONS.get(code)
            text = (reason.en if en else reason.vi) if reason else ""
            lines.append((t(LABELS["reason"]), f"{code} — {text}".strip(" —")))
        if notice.data.get("note"):
            lines.append((t(LABELS["remark"]), notice.data["note"]))
        if notice.data.get("decided_by"):
            lines.append((t(LABELS["officer"]), notice.data["decided_by"]))
    lines.append(
        (t(LABELS["issued"]), timezone.localtime(notice.issued_at).strftime("%d/%m/%Y %H:%M"))
    )
    title = TITLES.get(notice.kind)
    return (t(title) if title else notice.get_kind_display()), lines


def _signature_lines(notice, dossier, en: bool) -> list[tuple[str, str]]:
    """The trusted time the signature was judged at, the signer's claim (shown as a claim,
    never as a fact) and the receipt's warnings, in the reader's language."""

    def t(pair):
        return pair[1] if en else pair[0]

    lines = []
    if dossier.signed_at is not None:
        source = TIME_SOURCES.get(dossier.time_source)
        when = timezone.localtime(dossier.signed_at).strftime("%d/%m/%Y %H:%M:%S")
        lines.append((t(LABELS["judged_at"]), f"{when} ({t(source)})" if source else when))
    if dossier.claimed_signing_time is not None:
        claim = timezone.localtime(dossier.claimed_signing_time).strftime("%d/%m/%Y %H:%M:%S")
        lines.append((t(LABELS["claimed"]), claim))
    for warning in notice.data.get("warnings", []):
        try:
            error = Problem(warning["code"], warning.get("params", {}))
        except KeyError:
            continue
        lines.append((t(LABELS["warning"]), error.text("en" if en else "vi")))
    return lines


def _channel(dossier, en: bool) -> str:
    with translation.override("en" if en else "vi"):
        return str(dossier.get_channel_display())


def _font() -> str:
    path = Path(settings.PDF_FONT_PATH)
    if "PortalSans" not in pdfmetrics.getRegisteredFontNames():
        if not path.exists():
            path = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
        pdfmetrics.registerFont(TTFont("PortalSans", str(path)))
    return "PortalSans"


def notice_pdf(notice) -> bytes:
    """The notice as a one-page A4 PDF: the official Vietnamese text."""
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
