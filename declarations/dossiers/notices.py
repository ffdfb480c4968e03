"""Notices (thông báo) as the employer sees them: lines of text, on screen and as PDF."""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table

from core import pdf
from core.outbox.handlers import PermanentFailure, email_addition, handler
from core.outbox.services import outbox_enqueue
from core.refusals import Problem
from declarations.dossiers.agency_documents import OUTBOX_KIND
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


def notice_pdf(notice, verification: tuple[str, str] | None = None) -> bytes:
    """The notice as A4 pages: the official Vietnamese text, long values wrapped, the table of
    people (or of changes) over as many pages as it takes, its header on each; with
    ``verification`` (its public URL and code) the QR code to check it at the end."""
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
    if verification is not None:
        story += [Spacer(1, 8 * mm), verification_block(*verification)]
    return pdf.render(
        story, title=f"{title} {notice.number}", margin=MARGIN, footer=str(notice.number)
    )


# --- the signed document of a notice (agency_documents) -------------------------------------------
VERIFY_NOTE = (
    "Kiểm tra tính xác thực của văn bản: quét mã QR hoặc nhập mã xác thực tại {url}",
    "Check this document: scan the QR code or type its verification code at {url}",
)
# Documents an accepted result issues besides its own: (kind, number prefix, title, people's
# rows it lists).
EXTRA_DOCUMENTS = {
    "book_issued": ("SO", ("THÔNG BÁO CẤP SỔ BẢO HIỂM XÃ HỘI", "NOTICE OF SOCIAL-INSURANCE BOOKS")),
    "card_issued": ("THE", ("THÔNG BÁO CẤP THẺ BẢO HIỂM Y TẾ", "NOTICE OF HEALTH-INSURANCE CARDS")),
}
BOOK_HEADERS = ("STT", "Họ và tên", "Mã số BHXH", "Sổ BHXH")
CARD_HEADERS = ("STT", "Họ và tên", "Mã số BHXH", "Thẻ BHYT", "Giá trị sử dụng", "Nơi KCB ban đầu")
BOOK_ACTIONS = {"issued": "cấp mới", "reissued": "cấp lại"}
CARD_ISSUES = {"issued": "cấp mới", "reissued": "cấp lại"}


def extra_documents_of(notice) -> list[str]:
    """The book and card notices an accepted result issues with it (none for others)."""
    if notice.kind != "accepted":
        return []
    people = notice.data.get("people") or []
    extra = []
    if any(p.get("book") in BOOK_ACTIONS for p in people):
        extra.append("book_issued")
    if any((p.get("card") or {}).get("action") in CARD_ISSUES for p in people):
        extra.append("card_issued")
    return extra


def _issued_rows(notice, document: str) -> tuple[tuple[str, ...], list[list[str]]]:
    rows = []
    for p in notice.data.get("people") or []:
        card = p.get("card") or {}
        if document == "book_issued" and p.get("book") in BOOK_ACTIONS:
            rows.append(
                [
                    str(p.get("stt", "")),
                    p.get("name", ""),
                    p.get("number", ""),
                    BOOK_ACTIONS[p["book"]],
                ]
            )
        if document == "card_issued" and card.get("action") in CARD_ISSUES:
            valid = f"{card.get('valid_from', '')} – {card.get('valid_to', '')}".strip(" –")
            rows.append(
                [
                    str(p.get("stt", "")),
                    p.get("name", ""),
                    p.get("number", ""),
                    f"{card.get('number', '')} ({CARD_ISSUES[card['action']]})",
                    valid,
                    card.get("hospital", ""),
                ]
            )
    return (BOOK_HEADERS if document == "book_issued" else CARD_HEADERS), rows


def notice_summary(notice, document: str = "notice") -> list[tuple[str, str]]:
    """What the public verification page shows of a notice: the document and the unit, the
    dossier it is about and its outcome; no worker's name, number or card, no officer, no
    free-text remark (docs/verification.md)."""
    dossier = notice.dossier
    procedure = procedure_get(dossier.procedure_code)
    lines = [
        ("Số văn bản", _document_number(notice, document)),
        ("Mã giao dịch", dossier.transaction_code),
        (
            "Thủ tục",
            f"{dossier.procedure_code} — {procedure.name_vi if procedure else ''}".strip(" —"),
        ),
    ]
    if dossier.period:
        lines.append(("Kỳ kê khai", dossier.period))
    lines.append(
        ("Thời điểm tiếp nhận", timezone.localtime(dossier.received_at).strftime("%d/%m/%Y %H:%M"))
    )
    if document == "notice":
        if notice.kind == "receipt":
            lines.append(("Số tệp", str(notice.data.get("files", ""))))
            workers = notice.data.get("workers", dossier.worker_count)
            if workers:
                lines.append(("Số lao động", str(workers)))
        if notice.kind in RESULTS:
            lines.append(("Kết quả", RESULTS[notice.kind][0]))
            for code in notice.data.get("reasons", []):
                reason = REASONS.get(code)
                lines.append(("Lý do", f"{code} — {reason.vi if reason else ''}".strip(" —")))
        if notice.kind == "paper_receipt":
            lines.append(("Mẫu", notice.form_number))
    else:
        _, rows = _issued_rows(notice, document)
        label = "Số sổ BHXH được cấp" if document == "book_issued" else "Số thẻ BHYT được cấp"
        lines.append((label, str(len(rows))))
    return lines


def _document_number(notice, document: str) -> str:
    if document == "notice":
        return notice.number
    return f"{EXTRA_DOCUMENTS[document][0]}-{notice.number}"


def _document_title(notice, document: str) -> str:
    if document == "notice":
        return notice_lines(notice)[0]
    return EXTRA_DOCUMENTS[document][1][0]


def notice_xml(notice, code: str, document: str = "notice"):
    """The notice as the agency's XML document (ThongBaoBHXH), unsigned: what it is, who
    issued it to which unit, every line of the printed notice and its table. The signature
    is added to its root (enveloped) by :func:`~.agency_documents.xml_sign`."""
    from lxml import etree

    dossier = notice.dossier
    office = dossier.office or dossier.employer.managing_office
    root = etree.Element("ThongBaoBHXH", PhienBan="1.0")
    info = etree.SubElement(root, "ThongTinVanBan")
    kind = notice.kind if document == "notice" else document
    for tag, value in (
        ("LoaiVanBan", kind),
        ("TieuDe", _document_title(notice, document)),
        ("SoVanBan", _document_number(notice, document)),
        ("MaXacThuc", code),
        ("NgayBanHanh", timezone.localtime(notice.issued_at).isoformat(timespec="seconds")),
    ):
        etree.SubElement(info, tag).text = value
    etree.SubElement(info, "CoQuanBanHanh", Ma=office.code).text = office.name
    unit = etree.SubElement(root, "DonVi")
    for tag, value in (
        ("MaDonVi", dossier.employer.unit_code),
        ("TenDonVi", dossier.employer.name),
        ("MaSoThue", dossier.employer.tax_code),
    ):
        etree.SubElement(unit, tag).text = value
    body = etree.SubElement(root, "NoiDung")
    if document == "notice":
        _, lines = notice_lines(notice)
        headers, rows = notice_people(notice)
    else:
        lines = notice_summary(notice, document)
        headers, rows = _issued_rows(notice, document)
    for label, value in lines:
        etree.SubElement(body, "Muc", Nhan=str(label)).text = str(value)
    if rows:
        table = etree.SubElement(root, "DanhSach")
        for row in rows:
            line = etree.SubElement(table, "Dong")
            for header, cell in zip(headers, row, strict=False):
                etree.SubElement(line, "O", Cot=str(header)).text = str(cell)
    return root


def verification_block(url: str, code: str):
    """The QR code and the line telling the reader where to check the document."""
    from declarations.dossiers.agency_documents import qr_flowable

    width = A4[0] - 2 * MARGIN
    box = Table(
        [[qr_flowable(url, code), pdf.text(VERIFY_NOTE[0].format(url=url), 9)]],
        colWidths=[36 * mm, width - 36 * mm],
    )
    box.setStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")])
    return box


def issued_list_pdf(notice, document: str, verification: tuple[str, str]) -> bytes:
    """The notice of books or cards an accepted result issued: the unit, the dossier and
    the people's rows, with the QR code."""
    title = _document_title(notice, document)
    width = A4[0] - 2 * MARGIN
    headers, rows = _issued_rows(notice, document)
    widths = (
        (0.08, 0.4, 0.22, 0.3)
        if document == "book_issued"
        else (0.06, 0.22, 0.14, 0.22, 0.18, 0.18)
    )
    story = [
        Table(
            [[pdf.text("BẢO HIỂM XÃ HỘI VIỆT NAM", 10), pdf.text(REPUBLIC, 10, center=True)]],
            colWidths=[width / 2, width / 2],
        ),
        Spacer(1, 10 * mm),
        pdf.text(title, 14, center=True),
        Spacer(1, 8 * mm),
        pdf.fields(
            [
                (
                    LABELS["unit"][0],
                    f"{notice.dossier.employer.name} ({notice.dossier.employer.unit_code})",
                ),
                *notice_summary(notice, document),
            ],
            widths=[50 * mm, width - 50 * mm],
            size=10.5,
        ),
        Spacer(1, 4 * mm),
        pdf.table(list(headers), rows, widths=[w * width for w in widths], size=8),
        Spacer(1, 6 * mm),
        verification_block(*verification),
    ]
    number = _document_number(notice, document)
    return pdf.render(story, title=f"{title} {number}", margin=MARGIN, footer=number)


def _notice_document_parts(notice, document: str) -> dict:
    """What :func:`~.agency_documents.document_issue` takes for the notice's document."""
    dossier = notice.dossier
    if document == "notice":

        def build_pdf(url, code):
            return notice_pdf(notice, verification=(url, code))

    else:

        def build_pdf(url, code):
            return issued_list_pdf(notice, document, (url, code))

    return {
        "kind": notice.kind if document == "notice" else document,
        "office": dossier.office or dossier.employer.managing_office,
        "employer": dossier.employer,
        "number": _document_number(notice, document),
        "title": _document_title(notice, document),
        "summary": notice_summary(notice, document),
        "xml_build": lambda code: notice_xml(notice, code, document),
        "pdf_build": build_pdf,
        "notice": notice,
    }


def notice_document_issue(notice, document: str = "notice"):
    """The notice's signed document (or the books / cards one of an accepted result),
    issued once: a second call finds it."""
    from declarations.dossiers.agency_documents import document_issue

    return document_issue(**_notice_document_parts(notice, document))


def notice_document_sign_unsigned(issued) -> bool:
    """Sign a notice's document issued unsigned (before the agency's token existed),
    keeping its code (see :func:`~.agency_documents.document_sign_unsigned`)."""
    from declarations.dossiers.agency_documents import document_sign_unsigned

    notice = issued.notice
    parts = _notice_document_parts(notice, "notice" if issued.kind == notice.kind else issued.kind)
    return document_sign_unsigned(
        issued, xml_build=parts["xml_build"], pdf_build=parts["pdf_build"]
    )


def notice_document(notice):
    """The notice's own issued document, or None while it is not issued yet."""
    from declarations.dossiers.models import IssuedDocument

    return IssuedDocument.objects.filter(notice=notice, kind=notice.kind).first()


# --- notices' documents through the outbox ------------------------------------------------------
def notice_documents_enqueue(notice) -> None:
    """Outbox rows (in the caller's transaction) for the notice's own document and, for an
    accepted result that issued books or cards, the notices of those (thông báo cấp sổ,
    cấp thẻ). Sandbox dossiers get none: they are not the agency's acts."""
    if notice.dossier.sandbox:
        return
    for document in ("notice", *extra_documents_of(notice)):
        outbox_enqueue(
            kind=OUTBOX_KIND,
            key=f"document-{document}-{notice.number}",
            payload={"notice": notice.number, "document": document},
        )


def on_notice_issued(event, *, dossier, notice=None, data=None) -> None:
    """Dossier events' subscriber: a result notice (or a released held one) gets its
    document through the outbox, written in the notice's own transaction."""
    if notice is not None and event in ("notice.issued",):
        notice_documents_enqueue(notice)


def notice_events_concern(event, dossier) -> bool:
    return event == "notice.issued" and not dossier.sandbox


# --- the verification code in the notice's e-mail -------------------------------------------------
EMAIL_ADDITION = "notice_verification"


def notice_email_add(notice) -> dict:
    """What a notice's e-mail payload carries (``"add"``) to have the notice's verification
    code and link written in when it is sent; nothing for a sandbox dossier's (no document)."""
    return {} if notice.dossier.sandbox else {EMAIL_ADDITION: notice.number}


@email_addition(EMAIL_ADDITION)
def notice_email_verification(number: str) -> str:
    """The notice's verification code and public link, for its e-mail. The e-mail and the
    document's outbox rows are written together and may be sent in either order: when the
    document is not issued yet, it is issued here (idempotent, see
    :func:`~.agency_documents.document_issue`), so the e-mail waits for its code."""
    from declarations.dossiers.agency_documents import verification_url
    from declarations.dossiers.models import Notice

    notice = (
        Notice.objects.select_related("dossier__employer", "dossier__office")
        .filter(number=number)
        .first()
    )
    if notice is None or notice.dossier.sandbox:
        return ""
    document = notice_document_issue(notice)
    with translation.override("vi"):
        return _(
            "Verification code of this notice: {code}\n"
            "Anyone may check that it is genuine, without logging in: {url}"
        ).format(code=document.code_display, url=verification_url(document.code))


@handler(OUTBOX_KIND)
def document_from_outbox(message) -> None:
    """Issue the document a notice's outbox row asks for; nothing when it exists already."""
    from declarations.dossiers.models import Notice

    payload = message.payload
    notice = (
        Notice.objects.select_related("dossier__employer", "dossier__office")
        .filter(number=payload.get("notice", ""))
        .first()
    )
    if notice is None:
        raise PermanentFailure(f"no notice {payload.get('notice')!r}")
    notice_document_issue(notice, document=payload.get("document", "notice"))
