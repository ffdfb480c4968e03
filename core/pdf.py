"""Every PDF of the portal laid out with reportlab's platypus: one font with Vietnamese
glyphs, text that wraps, tables that break across pages with their header repeated.

The font is ``settings.PDF_FONT_PATH``; :func:`font_check` (a system check, registered by
``portal.apps``) fails ``manage.py check`` when it cannot print Vietnamese, so a missing font
is found at start-up instead of as empty boxes in a notice."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepInFrame,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

FONT = "PortalSans"
# Letters a Vietnamese text needs beyond ASCII (the font must draw each of them).
VIETNAMESE = "ĂÂĐÊÔƠƯăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
HEADER_BACKGROUND = colors.HexColor("#e8f1fa")
GRID = colors.HexColor("#8c959f")


def font_problem(path: str | Path) -> str | None:
    """Why the TrueType font at ``path`` cannot print Vietnamese, or None when it can."""
    path = Path(path)
    if not path.is_file():
        return f"no font file at {path}"
    try:
        face = TTFont("PortalSansProbe", str(path)).face
    except (TTFError, OSError) as exc:
        return f"{path} is not a usable TrueType font ({exc})"
    missing = "".join(c for c in VIETNAMESE if ord(c) not in face.charToGlyph)
    if missing:
        return f"{path} has no glyph for {missing[:12]}"
    return None


def font_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """System check: the PDF font exists and draws every Vietnamese letter."""
    problem = font_problem(settings.PDF_FONT_PATH)
    if problem is None:
        return []
    return [
        checks.Error(
            f"PDF_FONT_PATH: {problem}; notices and reports would print without Vietnamese.",
            hint="Install a Unicode TrueType font (e.g. DejaVu Sans) and point PDF_FONT_PATH at it.",
            id="core.E001",
        )
    ]


def font() -> str:
    """The registered name of the PDF font (registered on first use)."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        problem = font_problem(settings.PDF_FONT_PATH)
        if problem:
            raise ImproperlyConfigured(f"PDF_FONT_PATH: {problem}")
        pdfmetrics.registerFont(TTFont(FONT, str(settings.PDF_FONT_PATH)))
    return FONT


def style(
    size: float = 10, *, leading: float | None = None, center: bool = False
) -> ParagraphStyle:
    """A paragraph style in the PDF font."""
    return ParagraphStyle(
        f"portal-{size}-{center}",
        fontName=font(),
        fontSize=size,
        leading=leading or size * 1.3,
        alignment=TA_CENTER if center else 0,
    )


def text(value: object, size: float = 10, *, center: bool = False) -> Paragraph:
    """Plain text (never markup: names and addresses come from users) that wraps."""
    lines = escape("" if value is None else str(value)).split("\n")
    return Paragraph("<br/>".join(lines), style(size, center=center))


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    widths: Sequence[float],
    size: float = 8,
    numbers: Sequence[int] = (),
) -> Table:
    """A grid whose cells wrap and which breaks across pages, its header on each page.
    ``numbers``: indexes of right-aligned columns."""
    head = [text(h, size) for h in headers]
    body = [[text(cell, size) for cell in row] for row in rows]
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for row in body:
        for index in numbers:
            row[index].style = ParagraphStyle("num", parent=row[index].style, alignment=2)
    grid = Table([head, *body], colWidths=list(widths), repeatRows=1)
    grid.setStyle(TableStyle(commands))
    return grid


def fields(pairs: Sequence[tuple[str, object]], *, widths: Sequence[float], size: float = 10):
    """Label: value lines, the value wrapping in its column; may break across pages."""
    grid = Table(
        [[text(f"{label}:", size), text(value, size)] for label, value in pairs],
        colWidths=list(widths),
    )
    grid.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return grid


def shrink_to(width: float, height: float, story: list[Flowable]) -> KeepInFrame:
    """``story`` made smaller, if it must, to fit one box (a card, a label)."""
    return KeepInFrame(width, height, story, mode="shrink")


def render(
    story: list[Flowable],
    *,
    title: str,
    pagesize: tuple[float, float] = A4,
    margin: float = 15 * mm,
    frame: tuple[float, float, float, float] | None = None,
    footer: str = "",
) -> bytes:
    """The story as a PDF: pages of ``pagesize`` with one frame (``(x, y, width, height)``,
    or the page less its margins), each page numbered after ``footer`` when given."""
    buffer = io.BytesIO()
    width, height = pagesize
    x, y, w, h = frame or (margin, margin, width - 2 * margin, height - 2 * margin)
    doc = BaseDocTemplate(buffer, pagesize=pagesize, title=title, author="BHXH Việt Nam")
    box = Frame(x, y, w, h, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    numbered = {"onPage": _footer(footer, width, margin)} if footer else {}
    doc.addPageTemplates([PageTemplate(id="page", frames=[box], **numbered)])
    doc.build(story)
    return buffer.getvalue()


def _footer(label: str, width: float, margin: float) -> Callable:
    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont(font(), 8)
        canvas.drawRightString(width - margin, margin / 2, f"{label} — Trang {doc.page}")
        canvas.restoreState()

    return draw
