"""Printable books and cards (PDF), drawn from the registry's rows."""

from __future__ import annotations

from django.utils import timezone
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from accounts.scope import scoped
from core import pdf
from declarations.people.models import InsuranceBook, PersonIdentity

# ISO ID-1 card size (85.6 × 54 mm), the health-insurance card's format.
CARD_SIZE = (85.6 * mm, 54 * mm)


def _holder(person) -> tuple[str, str]:
    """The holder's latest name and birth date."""
    identity = PersonIdentity.objects.filter(person=person).order_by("-id").first()
    return (identity.full_name, identity.birth_date) if identity else ("", "")


def card_pdf(card) -> bytes:
    """Thẻ BHYT as an ID-1 card: number, holder, birth date, first-contact hospital, validity;
    a long name or hospital wraps and the text shrinks to stay on the card."""
    width, height = CARD_SIZE
    margin = 4 * mm
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
    story = [
        pdf.text("BẢO HIỂM XÃ HỘI VIỆT NAM", 7, center=True),
        pdf.text("THẺ BẢO HIỂM Y TẾ", 9, center=True),
        Spacer(1, 2 * mm),
        *[pdf.text(line, 8) for line in lines],
    ]
    box = (width - 2 * margin, height - 2 * margin)
    return pdf.render(
        [pdf.shrink_to(*box, story)],
        title=f"Thẻ BHYT {card.number}",
        pagesize=CARD_SIZE,
        margin=margin,
    )


def book_get(*, user, number: str) -> InsuranceBook | None:
    return (
        scoped(user, InsuranceBook.objects.select_related("person", "employer"))
        .filter(person__number=number)
        .first()
    )


def book_pdf(book) -> bytes:
    """Bìa sổ BHXH: the book's cover (the right half of a landscape A4 sheet) with its number,
    the holder and the issue."""
    size = landscape(A4)
    width, height = size
    issued = timezone.localtime(book.issued_at).strftime("%d/%m/%Y")
    name, birth = _holder(book.person)
    lines = [
        f"Số: {book.number}",
        f"Họ và tên: {name}",
        f"Ngày sinh: {birth}",
        f"Cấp ngày: {issued}",
        f"Đơn vị: {book.employer.name} ({book.employer.unit_code})",
    ]
    story = [
        pdf.text("BẢO HIỂM XÃ HỘI VIỆT NAM", 12, center=True),
        Spacer(1, 18 * mm),
        pdf.text("SỔ BẢO HIỂM XÃ HỘI", 20, center=True),
        Spacer(1, 18 * mm),
        *[pdf.text(line, 12) for line in lines],
    ]
    cover = (width / 2 + 20 * mm, 20 * mm, width / 2 - 40 * mm, height - 45 * mm)
    box = cover[2:]
    return pdf.render(
        [pdf.shrink_to(*box, story)], title=f"Sổ BHXH {book.number}", pagesize=size, frame=cover
    )
