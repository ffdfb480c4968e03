"""Notices (thông báo) as the employer sees them: lines of text, on screen and as PDF."""

from __future__ import annotations

from django.utils import timezone, translation
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table

from core import pdf
from core.refusals import Problem
from declarations.dossiers.reasons import REASONS
from declarations.employers.procedures import procedure_get
from declarations.employers.unit_data import BY_ATTR

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
    "returned": ("Dòng không được chấp nhận", "Row not accepted"),
    "officer": ("Cán bộ xử lý", "Handled by"),
    "issued": ("Ngày lập", "Issued on"),
    "judged_at": ("Chữ ký được xét tại thời điểm", "Signature judged at"),
    "claimed": ("Thời điểm ký do người ký tự khai", "Signing time claimed by the signer"),
    "warning": ("Cảnh báo", "Warning"),
    "supplement_of": ("Bổ sung cho hồ sơ", "Supplement to dossier"),
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
        lines.append((t(LABELS["files"]), str(notice.data.get("files", ""))))
        workers = notice.data.get("workers", dossier.worker_count)
        if workers:  # a unit's own data (604) names no worker
            lines.append((t(LABELS["workers"]), str(workers)))
        if dossier.supplement_of_id:
            lines.append((t(LABELS["supplement_of"]), dossier.supplement_of.transaction_code))
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
        for row in notice.data.get("returned", []):
            reason = REASONS.get(row["reason"])
            text = (reason.en if en else reason.vi) if reason else ""
            lines.append(
                (t(LABELS["returned"]), f"STT {row['stt']}: {row['reason']} — {text}".strip(" —"))
            )
        if notice.data.get("note"):
            lines.append((t(LABELS["remark"]), notice.data["note"]))
        if notice.data.get("decided_by"):
            lines.append((t(LABELS["officer"]), notice.data["decided_by"]))
    lines.append(
        (t(LABELS["issued"]), timezone.localtime(notice.issued_at).strftime("%d/%m/%Y %H:%M"))
    )
    title = TITLES.get(notice.kind)
    return (t(title) if title else notice.get_kind_display()), lines


PEOPLE_HEADERS = (
    ("STT", "No."),
    ("Họ và tên", "Full name"),
    ("Mã số BHXH", "Social-insurance number"),
    ("Phương án", "Plan"),
    ("Sổ BHXH", "Book"),
    ("Thẻ BHYT", "Health-insurance card"),
    ("Giá trị sử dụng", "Valid"),
    ("Nơi KCB ban đầu", "First-contact hospital"),
)
CARD_ACTIONS = {
    "issued": ("cấp mới", "issued"),
    "kept": ("giữ nguyên", "unchanged"),
    "to_return": ("phải nộp lại", "to be returned"),
    "ended": ("hết giá trị", "ended"),
}


def notice_people(notice, language: str = "vi") -> tuple[list[str], list[list[str]]]:
    """The result notice's table of people: what each accepted row issued or asked back; for
    a change of the unit's own data (604), the table of its changes (:func:`_change_rows`)."""
    en = language.startswith("en")
    people = notice.data.get("people") or []
    if not people:
        return [], []
    if _is_changes(people):
        return _change_rows(people, en)
    rows = []
    for p in people:
        card = p.get("card") or {}
        action = CARD_ACTIONS.get(card.get("action"), ("", ""))
        if card.get("valid_to"):
            valid = f"{card.get('valid_from')} – {card['valid_to']}"
        else:
            valid = card.get("valid_from", "")
        if card.get("covered_to"):
            valid = f"{'đến' if not en else 'until'} {card['covered_to']}"
        rows.append(
            [
                str(p.get("stt", "")),
                p.get("name", ""),
                p.get("number", ""),
                p.get("plan", ""),
                (("issued" if en else "cấp mới") if p.get("book") == "issued" else ""),
                f"{card.get('number', '')} ({action[1] if en else action[0]})" if card else "",
                valid if card else "",
                card.get("hospital", "") if card else "",
            ]
        )
    return [h[1] if en else h[0] for h in PEOPLE_HEADERS], rows


# The table of a 604 result notice (Nội dung thay đổi): each field with its old and new value.
CHANGES_CAPTION = ("Nội dung thay đổi", "Changes")
CHANGE_HEADERS = (
    ("Thông tin", "Data"),
    ("Trước thay đổi", "Before"),
    ("Sau thay đổi", "After"),
)


def _is_changes(people: list[dict]) -> bool:
    """Rows of changes of the unit's data carry ``change`` (old and new), people's do not."""
    return all("change" in p for p in people)


def _change_rows(people: list[dict], en: bool) -> tuple[list[str], list[list[str]]]:
    language = "en" if en else "vi"
    rows = []
    for p in people:
        field = BY_ATTR.get(p.get("field", ""))
        change = p.get("change") or {}
        old, new = change.get("old", ""), change.get("new", "")
        if field is not None:
            rows.append(
                [field.label(language), field.display(old, language), field.display(new, language)]
            )
        else:
            rows.append([p.get("name", ""), old, new])
    return [h[1] if en else h[0] for h in CHANGE_HEADERS], rows


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


MARGIN = 15 * mm
REPUBLIC = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập – Tự do – Hạnh phúc"
# Shares of the page width of the people table: STT, name, number, plan, book, card, valid,
# hospital.
PEOPLE_WIDTHS = (0.06, 0.17, 0.12, 0.08, 0.07, 0.2, 0.14, 0.16)


def notice_pdf(notice) -> bytes:
    """The notice as A4 pages: the official Vietnamese text, long values wrapped, the table of
    people (or of changes) over as many pages as it takes, its header on each."""
    title, lines = notice_lines(notice)
    width = A4[0] - 2 * MARGIN
    masthead = Table(
        [[pdf.text("BẢO HIỂM XÃ HỘI VIỆT NAM", 10), pdf.text(REPUBLIC, 10, center=True)]],
        colWidths=[width / 2, width / 2],
    )
    story = [
        masthead,
        Spacer(1, 10 * mm),
        pdf.text(title, 14, center=True),
        Spacer(1, 8 * mm),
        pdf.fields(lines, widths=[50 * mm, width - 50 * mm], size=10.5),
    ]
    headers, people = notice_people(notice)
    if people and _is_changes(notice.data["people"]):
        story += [
            Spacer(1, 4 * mm),
            pdf.text(f"{CHANGES_CAPTION[0]}:", 10.5),
            Spacer(1, 2 * mm),
            pdf.table(headers, people, widths=[w * width for w in (0.3, 0.35, 0.35)], size=8.5),
        ]
    elif people:
        story += [
            Spacer(1, 4 * mm),
            pdf.table(headers, people, widths=[w * width for w in PEOPLE_WIDTHS], size=7.5),
        ]
    return pdf.render(
        story, title=f"{title} {notice.number}", margin=MARGIN, footer=str(notice.number)
    )
