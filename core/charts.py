"""Small charts drawn on the server as inline SVG (no script, no CDN): a line chart of a
rate over time with a target line, and a bar chart of counts."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 260
# RIGHT leaves room for half of the last axis label, centred on the plot's edge ("12/2026").
LEFT, RIGHT, TOP, BOTTOM = 48, 32, 16, 40


def svg_number(value: float) -> str:
    """A coordinate for SVG markup: always a dot, whatever the language (Vietnamese
    formatting writes ``48,0``, which is no number in SVG). Templates print it as text."""
    return f"{value:.1f}"


_num = svg_number


def line_chart(
    points: Sequence[tuple[str, Decimal | float | None]],
    *,
    title: str,
    target: Decimal | float | None = None,
    target_label: str = "",
) -> SafeString:
    """Percent values (0–100) over labelled points; ``target`` as a dashed line."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = max(len(points) - 1, 1)

    def x(i):
        return LEFT + plot_w * i / n

    def y(v):
        return TOP + plot_h * (1 - float(v) / 100)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="chart" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for pct in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_num(y(pct))}" y2="{_num(y(pct))}" '
            'stroke="#d0d7de" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{_num(y(pct) + 4)}" text-anchor="end" font-size="11" '
            f'fill="#57606a">{pct}%</text>'
        )
    step = max(1, len(points) // 12)
    for i, (label, _v) in enumerate(points):
        if i % step == 0 or i == len(points) - 1:
            parts.append(
                f'<text x="{_num(x(i))}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" '
                f'font-size="11" fill="#57606a">{escape(label)}</text>'
            )
    if target is not None:
        ty = _num(y(target))
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty}" y2="{ty}" stroke="#cf222e" '
            'stroke-width="2" stroke-dasharray="6 4" data-series="target"/>'
            f'<text x="{WIDTH - RIGHT}" y="{_num(y(target) - 6)}" text-anchor="end" '
            f'font-size="12" fill="#cf222e">{escape(target_label)}</text>'
        )
    coords = [(x(i), y(v)) for i, (_l, v) in enumerate(points) if v is not None]
    if coords:
        path = " ".join(f"{_num(px)},{_num(py)}" for px, py in coords)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="#0a58ca" stroke-width="3" '
            'data-series="rate"/>'
        )
        for (px, py), (label, v) in zip(
            coords, [p for p in points if p[1] is not None], strict=True
        ):
            parts.append(
                f'<circle cx="{_num(px)}" cy="{_num(py)}" r="4" fill="#0a58ca">'
                f"<title>{escape(label)}: {escape(v)}%</title></circle>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


def bar_chart(bars: Sequence[tuple[str, int]], *, title: str) -> SafeString:
    """Horizontal bars, one per label, scaled to the largest count."""
    row_h, label_w = 28, 220
    height = TOP * 2 + row_h * max(len(bars), 1)
    top = max([v for _l, v in bars] + [1])
    plot_w = WIDTH - label_w - RIGHT - 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'class="chart" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(bars):
        y = TOP + i * row_h
        w = plot_w * value / top
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 18}" text-anchor="end" font-size="12" '
            f'fill="#24292f">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{_num(w)}" height="{row_h - 8}" '
            f'fill="#0a58ca" data-value="{int(value)}"/>'
            f'<text x="{_num(label_w + w + 6)}" y="{y + 18}" font-size="12" '
            f'fill="#24292f">{int(value)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)
