"""Charts for PDF reports, drawn with reportlab graphics (vector, no matplotlib)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from reportlab.graphics.shapes import Drawing, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors

from app.reports.fonts import register_reportlab_font

SERIES_COLOURS = (
    colors.HexColor("#1f5fa8"), colors.HexColor("#c0504d"), colors.HexColor("#4f8a3c"),
    colors.HexColor("#8064a2"), colors.HexColor("#d8891c"), colors.HexColor("#2c9c9c"),
)


def _point(cx: float, cy: float, r: float, i: int, n: int) -> tuple[float, float]:
    angle = math.pi / 2 - 2 * math.pi * i / n  # first axis straight up, clockwise
    return cx + r * math.cos(angle), cy + r * math.sin(angle)


def radar_chart(
    axes: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    bars: Sequence[float] | None = None,
    bar_label: str = "",
    maximum: float = 10.0,
    width: float = 260,
    height: float = 230,
) -> Drawing:
    """A radar (spider) chart: one axis per dimension (0..maximum), one polygon per series, the pass
    bars as a dashed polygon. A missing value is drawn at the centre."""
    font = register_reportlab_font()
    d = Drawing(width, height)
    n = len(axes)
    if n < 3:
        d.add(String(width / 2, height / 2, "—", fontName=font, fontSize=9, textAnchor="middle"))
        return d
    legend_h = 14 * ((len(series) + (1 if bars else 0) + 1) // 2)
    cx, cy = width / 2, (height + legend_h) / 2
    r = min(width / 2 - 45, (height - legend_h) / 2 - 18)
    for ring in range(1, 6):
        pts: list[float] = []
        for i in range(n):
            pts.extend(_point(cx, cy, r * ring / 5, i, n))
        d.add(Polygon(pts, strokeColor=colors.HexColor("#c8c8c8"), strokeWidth=0.5, fillColor=None))
    for i, name in enumerate(axes):
        x, y = _point(cx, cy, r, i, n)
        d.add(Line(cx, cy, x, y, strokeColor=colors.HexColor("#b0b0b0"), strokeWidth=0.5))
        lx, ly = _point(cx, cy, r + 10, i, n)
        anchor = "middle" if abs(lx - cx) < 5 else ("start" if lx > cx else "end")
        d.add(String(lx, ly - 3, name, fontName=font, fontSize=8, textAnchor=anchor))
    for ring in (5, 10):
        if ring <= maximum:
            x, y = _point(cx, cy, r * ring / maximum, 0, n)
            d.add(String(x + 2, y - 8, f"{ring:g}", fontName=font, fontSize=6, fillColor=colors.grey))
    if bars:
        pts = []
        for i, b in enumerate(bars):
            pts.extend(_point(cx, cy, r * max(0.0, min(b, maximum)) / maximum, i, n))
        pts.extend(pts[:2])
        d.add(PolyLine(pts, strokeColor=colors.HexColor("#666666"), strokeWidth=0.8, strokeDashArray=[3, 2]))
    for k, (_label, values) in enumerate(series):
        colour = SERIES_COLOURS[k % len(SERIES_COLOURS)]
        pts = []
        for i, v in enumerate(values):
            pts.extend(_point(cx, cy, r * max(0.0, min(v or 0.0, maximum)) / maximum, i, n))
        fill = colors.Color(colour.red, colour.green, colour.blue, alpha=0.15)
        d.add(Polygon(pts, strokeColor=colour, strokeWidth=1.4, fillColor=fill))
    entries = [(label, SERIES_COLOURS[k % len(SERIES_COLOURS)], False) for k, (label, _v) in enumerate(series)]
    if bars:
        entries.append((bar_label, colors.HexColor("#666666"), True))
    rows = (len(entries) + 1) // 2
    for k, (label, colour, dashed) in enumerate(entries):
        x = 10 + (k % 2) * width / 2
        y = 4 + 14 * (rows - 1 - k // 2)
        if dashed:
            d.add(Line(x, y + 3, x + 14, y + 3, strokeColor=colour, strokeWidth=0.8, strokeDashArray=[3, 2]))
        else:
            d.add(Rect(x, y, 14, 7, fillColor=colour, strokeColor=colour))
        d.add(String(x + 18, y, label, fontName=font, fontSize=7.5))
    return d
