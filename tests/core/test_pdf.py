"""PDFs flow over pages (reportlab platypus): long text wraps, a long table breaks across
pages with its header on each; the font is checked at start-up."""

import io
from pathlib import Path

import pytest
import reportlab
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from pypdf import PdfReader

from core import pdf
from declarations.dossiers.models import Notice
from declarations.dossiers.notices import notice_pdf
from tests.declarations.review_world import dossier_make, unit

LONG_NOTE = " ".join(["Đơn vị bổ sung bảng kê chi tiết tiền lương của từng người lao động."] * 45)


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def _people(count: int) -> list[dict]:
    return [
        {
            "stt": n,
            "name": f"Nguyễn Thị Phương Thảo {n}",
            "number": f"79{n:08d}",
            "plan": "TM",
            "book": "issued",
            "card": {
                "number": f"DN479{n:010d}",
                "action": "issued",
                "valid_from": "01/02/2026",
                "hospital": "Bệnh viện Đa khoa khu vực Thủ Đức, Thành phố Hồ Chí Minh",
            },
        }
        for n in range(1, count + 1)
    ]


@pytest.fixture
def long_notice(reference_data):
    dossier = dossier_make(unit("7501", name="Công ty TNHH Minh Phát"), status="accepted")
    return Notice.objects.create(
        dossier=dossier,
        kind="accepted",
        number="KQ-2026-000123",
        data={"people": _people(120), "note": LONG_NOTE, "decided_by": "Lê Thu Hà"},
    )


def test_a_long_notice_spans_pages_with_the_table_header_on_each(long_notice):
    pages = pages_text(notice_pdf(long_notice))
    assert len(pages) >= 3
    for text in pages[1:]:
        assert "Họ và tên" in text and "Nơi KCB ban đầu" in text  # the header, repeated
    everything = "\n".join(pages)
    assert all(f"79{n:08d}" in everything for n in range(1, 121))  # no row lost
    assert "Trang 3" in pages[2]


def text_positions(data: bytes) -> list[tuple[float, float, float, float]]:
    """(x, y, page width, page height) of every piece of text of the PDF."""
    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)

        def visit(text, cm, tm, font, size, width=width, height=height):
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                found.append((x, y, width, height))

        page.extract_text(visitor_text=visit)
    return found


def test_a_long_remark_wraps_and_flows_onto_the_next_page(long_notice):
    data = notice_pdf(long_notice)
    text = " ".join(pages_text(data))
    assert text.count("tiền lương") == LONG_NOTE.count("tiền lương")  # every word printed
    positions = text_positions(data)
    assert positions
    outside = [(x, y) for x, y, width, height in positions if not (0 <= y <= height)]
    assert outside == []  # nothing drawn past the foot of a page


def test_vietnamese_is_drawn_in_the_checked_font(long_notice):
    reader = PdfReader(io.BytesIO(notice_pdf(long_notice)))
    fonts = {
        str(font["/BaseFont"])
        for font in reader.pages[0]["/Resources"]["/Font"].values()
        if "/BaseFont" in font.get_object()
    }
    assert any("DejaVu" in name for name in fonts), fonts
    assert "THÔNG BÁO KẾT QUẢ GIẢI QUYẾT HỒ SƠ" in pages_text(notice_pdf(long_notice))[0]


def test_a_report_table_repeats_its_header_on_every_page():
    rows = [[f"Đơn vị số {n}", n, n * 2] for n in range(200)]
    story = [pdf.table(["Tên đơn vị", "Hồ sơ", "Người"], rows, widths=[300, 100, 100])]
    pages = pages_text(pdf.render(story, title="Thử"))
    assert len(pages) >= 2
    assert all("Tên đơn vị" in text for text in pages)


def test_text_is_never_read_as_markup():
    data = pdf.render([pdf.text("Công ty <A&B> <b>không đậm</b>")], title="Thử")
    assert "Công ty <A&B> <b>không đậm</b>" in pages_text(data)[0]


def test_the_check_fails_when_the_font_is_missing(settings, tmp_path):
    settings.PDF_FONT_PATH = str(tmp_path / "missing.ttf")
    with pytest.raises(SystemCheckError, match="core.E001"):
        call_command("check")


def test_the_check_fails_on_a_font_without_vietnamese(settings):
    settings.PDF_FONT_PATH = str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf")
    assert "no glyph" in pdf.font_problem(settings.PDF_FONT_PATH)
    with pytest.raises(SystemCheckError, match="core.E001"):
        call_command("check")


def test_the_check_passes_with_the_configured_font(settings):
    assert pdf.font_problem(settings.PDF_FONT_PATH) is None
    assert pdf.font_check() == []


def test_a_box_shrinks_its_text_to_stay_on_one_page():
    box = pdf.shrink_to(70, 40, [pdf.text("Bệnh viện " * 40, 8)])
    assert len(pages_text(pdf.render([box], title="Thẻ", pagesize=(80, 50), margin=5))) == 1
