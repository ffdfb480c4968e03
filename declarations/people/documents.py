"""Printable books and cards (PDF), drawn from the registry's rows."""

from __future__ import annotations

import io

from django.utils import timezone
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from accounts.scope import scoped
from declarations.dossiers.notices import pdf_font
from declarations.people.models import InsuranceBook, PersonIdentity

# ISO ID-1 card size (85.6 × 54 mm), the health-insurance card's format.
CARD_SIZE = (85.6 * mm, 54 * mm)


def _holder(person) -> tuple[str, str]:
    """The holder's latest name and birth date."""
    identity = PersonIdentity.objects.filter(person=person).order_by("-id").first()
    return (identity.full_name, identity.birth_date) if identity else ("", "")


def card_pdf(card) -> bytes:
    """Thẻ BHYT as an ID-1 card: number, holder, birth date, first-contact hospital, validity."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=CARD_SIZE)
    pdf.setTitle(f"Thẻ BHYT {card.number}")
    font = pdf_font()
    width, height = CARD_SIZE
    pdf.setFont(font, 7)
    pdf.drawCentredString(width / 2, height - 6 * mm, "BẢO HIỂM XÃ HỘI VIỆT NAM")
    pdf.setFont(font, 9)
    pdf.drawCentredString(width / 2, height - 11 * mm, "THẺ BẢO HIỂM Y TẾ")
    pdf.setFont(font, 8)
    valid_to = card.valid_to.strftime("%d/%m/%Y") if card.valid_to else "—"
    name, birth = _holder(card.person)
    lines = [
        f"Mã số: {card.number}",
        f"Họ và tên: {name}",
        f"Ngày sinh: {birth}",
        f"Nơi ĐKKCB ban đầu: {card.hospital or '—'}",
        f"Giá trị sử dụng: từ {card.valid_from:%d/%m/%Y} đến {valid_to}",
        f"Đơn vị: {card.employer.unit_code}",
    ]
    y = height - 18 * mm
    for line in lines:
        pdf.drawString(4 * mm, y, line)
        y -= 5 * mm
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def book_get(*, user, number: str) -> InsuranceBook | None:
    return (
        scoped(user, InsuranceBook.objects.select_related("person", "employer"))
        .filter(person__number=number)
        .first()
    )


def book_pdf(book) -> bytes:
    """Bìa sổ BHXH: the book's cover with its number, the holder and the issue."""
    buffer = io.BytesIO()
    size = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=size)
    pdf.setTitle(f"Sổ BHXH {book.number}")
    font = pdf_font()
    width, height = size
    pdf.setFont(font, 12)
    pdf.drawCentredString(width * 3 / 4, height - 30 * mm, "BẢO HIỂM XÃ HỘI VIỆT NAM")
    pdf.setFont(font, 20)
    pdf.drawCentredString(width * 3 / 4, height - 60 * mm, "SỔ BẢO HIỂM XÃ HỘI")
    pdf.setFont(font, 12)
    issued = timezone.localtime(book.issued_at).strftime("%d/%m/%Y")
    name, birth = _holder(book.person)
    lines = [
        f"Số: {book.number}",
        f"Họ và tên: {name}",
        f"Ngày sinh: {birth}",
        f"Cấp ngày: {issued}",
        f"Đơn vị: {book.employer.name} ({book.employer.unit_code})",
    ]
    y = height - 85 * mm
    for line in lines:
        pdf.drawString(width / 2 + 20 * mm, y, line)
        y -= 9 * mm
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
