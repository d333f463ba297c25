"""Geometry of the report's small charts, drawn by hand as SVG: no plotting library in the report
kernel, and crisp when printed. This module only computes positions and sizes as plain numbers;
the markup is in `kb/templates/html/charts.j2`, where autoescaping covers every label."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 680
LABEL_W = 250
ROW_H = 26
PAD = 12
#: Space above the first row for the tick labels, and below the last one for the legend.
HEAD_H = 30
LEGEND_H = 28

#: Each series' colour and shape, so the three stay apart in greyscale print too.
SERIES = {
    "region": ("#0b4f8a", "circle", 6),
    "peers": ("#d9822b", "diamond", 6),
    "pilots": ("#3c8d40", "square", 5),
}
LEGEND = (("region", "this region"), ("peers", "peers' median"), ("pilots", "pilot regions' median"))


@dataclass(frozen=True)
class StripRow:
    """One indicator's positions among EU regions, 0-100 with 100 best (None: no data)."""

    label: str
    region: float | None
    peers: float | None
    pilots: float | None


@dataclass(frozen=True)
class Marker:
    """A point centred on (x, y); `half` is the circle's radius or half the square's or diamond's width."""

    kind: str
    shape: str
    color: str
    x: float
    y: float
    half: float
    title: str

    @property
    def points(self) -> tuple[tuple[float, float], ...]:
        """The diamond's corners: top, right, bottom, left."""
        x, y, h = self.x, self.y, self.half
        return (x, round(y - h, 1)), (round(x + h, 1), y), (x, round(y + h, 1)), (round(x - h, 1), y)

    @property
    def box(self) -> tuple[float, float, float]:
        """The square's left, top and side."""
        return round(self.x - self.half, 1), round(self.y - self.half, 1), self.half * 2


@dataclass(frozen=True)
class Tick:
    """A vertical grid line at a percentile, labelled above the rows."""

    x: float
    label: str
    median: bool


@dataclass(frozen=True)
class Line:
    """One indicator's row: a shaded band on every other row, the label right-aligned at the
    label column's edge, `text_y` the baseline of its texts."""

    label: str
    top: float
    shaded: bool
    text_y: float
    markers: tuple[Marker, ...]
    no_data: bool


@dataclass(frozen=True)
class LegendItem:
    marker: Marker
    text: str
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Strip:
    """The position strip: everything its template needs, in SVG user units."""

    title: str
    width: int
    height: int
    label_x: int
    plot_x: int
    no_data_x: int
    row_h: int
    grid_top: float
    grid_bottom: float
    tick_label_y: float
    ticks: tuple[Tick, ...]
    lines: tuple[Line, ...]
    legend: tuple[LegendItem, ...]


@dataclass(frozen=True)
class Bar:
    """A small horizontal bar for a share between 0 and 1: `fill` of `width` is coloured."""

    width: int
    height: int
    fill: float
    color: str
    label: str


def _marker(kind: str, x: float, y: float, title: str) -> Marker:
    color, shape, half = SERIES[kind]
    return Marker(kind, shape, color, round(x, 1), round(y, 1), half, title)


def position_strip(rows: list[StripRow], title: str) -> Strip:
    """One row per indicator: the region's position among EU regions (0-100, right = better)
    with the medians of its peers and of the pilot regions."""
    plot_x = LABEL_W + PAD
    plot_w = WIDTH - LABEL_W - 2 * PAD
    top = PAD + 24
    bottom = top + ROW_H * len(rows)

    def x_of(percentile: float) -> float:
        return plot_x + plot_w * percentile / 100

    ticks = tuple(Tick(round(x_of(q), 1), "EU median" if q == 50 else str(q), q == 50) for q in (0, 25, 50, 75, 100))
    lines = []
    for i, row in enumerate(rows):
        y = top + ROW_H * i + ROW_H / 2
        markers = tuple(_marker(kind, x_of(value), y, f"{kind}: {value:.0f}")
                        for kind in ("pilots", "peers", "region") if (value := getattr(row, kind)) is not None)
        lines.append(Line(row.label, top + ROW_H * i, i % 2 == 0, round(y + 4, 1), markers, row.region is None))
    legend_y = bottom + 18
    legend = []
    x = PAD
    for kind, text in LEGEND:
        legend.append(LegendItem(_marker(kind, x + 6, legend_y - 4, text), text, x + 16, legend_y))
        x += 34 + 7 * len(text)
    return Strip(title=title, width=WIDTH, height=PAD * 2 + HEAD_H + ROW_H * len(rows) + LEGEND_H, label_x=LABEL_W,
                 plot_x=plot_x, no_data_x=plot_x + 4, row_h=ROW_H, grid_top=top - 6, grid_bottom=bottom,
                 tick_label_y=top - 10, ticks=ticks, lines=tuple(lines), legend=tuple(legend))


def bar(share: float, color: str = "#0b4f8a", width: int = 120) -> Bar:
    """A bar for `share`, clamped to 0-1, labelled as a whole percentage."""
    share = max(0.0, min(1.0, share))
    return Bar(width=width, height=10, fill=round(width * share, 1), color=color, label=f"{share:.0%}")


# --- trends: small line charts ------------------------------------------------------------------

TREND_W = 220
TREND_H = 150
TREND_PAD = (34, 12, 10, 22)
"""Space left, top, right and bottom of the plot area (tick labels)."""
TREND_STYLE = {"region": ("#0b4f8a", "", 2.2), "peers": ("#d9822b", "5,3", 1.6), "eu": ("#555555", "1.5,2.5", 1.6)}


@dataclass(frozen=True)
class Polyline:
    """One series of a trend chart: its points as an SVG `points` list, and its last point."""

    kind: str
    label: str
    color: str
    dash: str
    width: float
    points: str
    last: tuple[float, float]


@dataclass(frozen=True)
class TrendChart:
    title: str
    width: int
    height: int
    plot: tuple[float, float, float, float]
    """Left, top, right and bottom of the plot area."""
    lines: tuple[Polyline, ...]
    y_ticks: tuple[tuple[float, str], ...]
    x_ticks: tuple[tuple[float, str], ...]


def _tick_label(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}" if abs(value) >= 10 else f"{value:.2g}"


def trend_chart(title: str, series: list[tuple[str, str, tuple[tuple[int, float], ...]]]) -> TrendChart:
    """Geometry of one small trend chart: `series` is (kind, label, ((year, value), ...)) with
    kind region, peers or eu. Every series shares one year axis and one value axis."""
    left, top, right, bottom = TREND_PAD[0], TREND_PAD[1], TREND_W - TREND_PAD[2], TREND_H - TREND_PAD[3]
    drawn = [(kind, label, pts) for kind, label, pts in series if pts]
    years = [y for _, _, pts in drawn for y, _ in pts]
    values = [v for _, _, pts in drawn for _, v in pts]
    if not years:
        return TrendChart(title, TREND_W, TREND_H, (left, top, right, bottom), (), (), ())
    y0, y1 = min(years), max(years)
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.08 or abs(hi) * 0.05 or 1.0
    lo, hi = lo - pad, hi + pad

    def x(year: float) -> float:
        return round(left + (right - left) * ((year - y0) / (y1 - y0) if y1 > y0 else 0.5), 1)

    def y(value: float) -> float:
        return round(bottom - (bottom - top) * (value - lo) / (hi - lo), 1)

    lines = []
    for kind, label, pts in drawn:
        color, dash, width = TREND_STYLE[kind]
        coords = [(x(yr), y(v)) for yr, v in pts]
        lines.append(Polyline(kind, label, color, dash, width, " ".join(f"{a},{b}" for a, b in coords), coords[-1]))
    y_ticks = tuple((y(v), _tick_label(v)) for v in (lo + pad, (lo + hi) / 2, hi - pad))
    x_ticks = tuple((x(v), str(v)) for v in sorted({y0, y1}))
    return TrendChart(title, TREND_W, TREND_H, (left, top, right, bottom), tuple(lines), y_ticks, x_ticks)
