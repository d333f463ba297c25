"""Small SVG charts written by hand: no plotting library in the report kernel, crisp when
printed, and every label escaped."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

WIDTH = 680
LABEL_W = 250
ROW_H = 26
PAD = 12


@dataclass(frozen=True)
class StripRow:
    label: str
    region: float | None
    peers: float | None
    pilots: float | None


MARKERS = {
    "region": ("#0b4f8a", "circle"),
    "peers": ("#d9822b", "diamond"),
    "pilots": ("#3c8d40", "square"),
}


def _marker(kind: str, x: float, y: float, title: str) -> str:
    color, shape = MARKERS[kind]
    tip = f"<title>{escape(title)}</title>"
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{color}">{tip}</circle>'
    if shape == "diamond":
        pts = f"{x:.1f},{y - 6:.1f} {x + 6:.1f},{y:.1f} {x:.1f},{y + 6:.1f} {x - 6:.1f},{y:.1f}"
        return f'<polygon points="{pts}" fill="{color}" opacity="0.9">{tip}</polygon>'
    return f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" fill="{color}" opacity="0.9">{tip}</rect>'


def position_strip(rows: list[StripRow], title: str) -> str:
    """Return an SVG: one row per indicator, the region's position among EU regions (0-100,
    right = better) with the medians of its peers and of the pilot regions."""
    plot_w = WIDTH - LABEL_W - 2 * PAD
    height = PAD * 2 + 30 + ROW_H * len(rows) + 28
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
           f'role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="12">',
           f"<title>{escape(title)}</title>"]
    x0 = LABEL_W + PAD
    top = PAD + 24
    for q in (0, 25, 50, 75, 100):
        x = x0 + plot_w * q / 100
        dash = "" if q == 50 else ' stroke-dasharray="2,3"'
        out.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{top + ROW_H * len(rows)}" '
                   f'stroke="#999"{dash}/>')
        label = "EU median" if q == 50 else f"{q}"
        out.append(f'<text x="{x:.1f}" y="{top - 10}" text-anchor="middle" fill="#444">{label}</text>')
    for i, row in enumerate(rows):
        y = top + ROW_H * i + ROW_H / 2
        if i % 2 == 0:
            out.append(f'<rect x="0" y="{top + ROW_H * i}" width="{WIDTH}" height="{ROW_H}" fill="#f3f5f8"/>')
        out.append(f'<text x="{LABEL_W}" y="{y + 4:.1f}" text-anchor="end" fill="#222">{escape(row.label)}</text>')
        if row.region is None:
            out.append(f'<text x="{x0 + 4}" y="{y + 4:.1f}" fill="#777">no data</text>')
        for kind in ("pilots", "peers", "region"):
            value = getattr(row, kind)
            if value is not None:
                out.append(_marker(kind, x0 + plot_w * value / 100, y, f"{kind}: {value:.0f}"))
    legend_y = top + ROW_H * len(rows) + 18
    lx = PAD
    for kind, text in (("region", "this region"), ("peers", "peers' median"), ("pilots", "pilot regions' median")):
        out.append(_marker(kind, lx + 6, legend_y - 4, text))
        out.append(f'<text x="{lx + 16}" y="{legend_y}" fill="#222">{escape(text)}</text>')
        lx += 34 + 7 * len(text)
    out.append("</svg>")
    return "".join(out)


def bar(share: float, color: str = "#0b4f8a", width: int = 120) -> str:
    """Return a small inline SVG bar for a share between 0 and 1."""
    share = max(0.0, min(1.0, share))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="10" viewBox="0 0 {width} 10" '
            f'role="img" aria-label="{share:.0%}"><rect width="{width}" height="10" fill="#e3e7ee"/>'
            f'<rect width="{width * share:.1f}" height="10" fill="{color}"/></svg>')
