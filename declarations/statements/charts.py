"""The summary's chart of amount due against money received: two bars a month, inline SVG
(the portal's chart sizes and number formatting from ``core.charts``)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.charts import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, svg_number

DUE, PAID = "#cf222e", "#1a7f37"


def _short(value: int) -> str:
    """1.234.567.890 → 1,2 tỷ; 12.300.000 → 12,3 tr (axis and bar labels)."""
    if abs(value) >= 1_000_000_000:
        return f"{value / 1_000_000_000:.1f} tỷ".replace(".", ",")
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f} tr".replace(".", ",")
    return f"{value:,}".replace(",", ".")


def due_paid_chart(points: Sequence[tuple[str, int, int]], *, title: str) -> SafeString:
    """Per month label: the amount due (red) and the money received (green)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = max([max(d, p) for _l, d, p in points] + [1])
    slot = plot_w / max(len(points), 1)
    bar = max(min(slot / 3, 28), 2)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="chart" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" '
        'stroke="#8c959f"/>',
        f'<text x="{LEFT}" y="{TOP - 2}" font-size="11" fill="#57606a">{_short(top)}</text>',
    ]
    for i, (label, due, paid) in enumerate(points):
        x0 = LEFT + slot * i + (slot - 2 * bar) / 2
        for j, (value, colour, series) in enumerate(((due, DUE, "due"), (paid, PAID, "paid"))):
            h = plot_h * max(value, 0) / top
            parts.append(
                f'<rect x="{svg_number(x0 + j * bar)}" y="{svg_number(TOP + plot_h - h)}" '
                f'width="{svg_number(bar - 1)}" height="{svg_number(h)}" fill="{colour}" '
                f'data-series="{series}" data-value="{int(value)}">'
                f"<title>{escape(label)}: {_short(int(value))}</title></rect>"
            )
        parts.append(
            f'<text x="{svg_number(LEFT + slot * i + slot / 2)}" y="{HEIGHT - BOTTOM + 18}" '
            f'text-anchor="middle" font-size="11" fill="#57606a">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)
