"""The server-drawn SVG charts: every axis label stays inside the drawing."""

from lxml import etree

from core.charts import WIDTH, line_chart

# A digit or slash of the 11 px axis font is at most about 0.65 em wide.
CHAR_WIDTH = 11 * 0.65


def _labels(svg: str):
    root = etree.fromstring(svg.encode())
    ns = {"s": "http://www.w3.org/2000/svg"}
    return [t for t in root.iterfind("s:text", ns) if t.text and "/" in t.text]


def test_the_last_month_label_is_drawn_whole():
    points = [(f"{m:02d}/2026", 10 * m) for m in range(1, 13)]
    labels = _labels(line_chart(points, title="Tỷ lệ"))
    assert [t.text for t in labels] == [p[0] for p in points]
    for label in labels:
        assert label.get("text-anchor") == "middle"
        half = len(label.text) * CHAR_WIDTH / 2
        x = float(label.get("x"))
        assert x - half >= 0 and x + half <= WIDTH
