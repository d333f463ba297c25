"""A region report's HTML: `kb/templates/html/report.j2` lays it out, with autoescaping for every
string that came from a record, a data file or a parameter. This module only prepares what a
template should not work out itself: numbers at a precision that suits them, theme labels and
the charts' geometry."""

from __future__ import annotations

from dataclasses import dataclass

from kb.reference.themes import themes
from kb.reports.build import IndicatorRow, RegionReport
from kb.reports.charts import Strip, StripRow, bar, position_strip, trend_chart
from kb.templating import render


@dataclass(frozen=True)
class IndicatorLine:
    """One row of the indicators table, values already formatted (None: no data)."""

    label: str
    lower_is_better: bool
    unit: str
    value: str | None
    note: str
    year: int | None
    peers: str | None
    pilots: str | None
    eu: str | None
    eu_year: int | None
    cite: int
    rule: str
    old: str
    eu_total: str | None
    eu_total_year: int | None
    peer_values: tuple[str | None, ...]
    """Each peer's value, in the order of the peers table."""
    parts: str
    """For a figure that cannot be combined: its parts, e.g. "DED2 116; DED4 134"."""


def number(value: float | None) -> str | None:
    """`value` with as many decimals as its size deserves: large counts grouped by thousands,
    small rates to two decimals."""
    if value is None:
        return None
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def indicator_line(row: IndicatorRow) -> IndicatorLine:
    """The table row for `row`; a note on weighting is left out, as the section states the rule once."""
    note = row.region.note if row.region.value is not None and "weighted" not in row.region.note else ""
    c = row.comparison
    return IndicatorLine(label=row.label, lower_is_better=row.better == "lower", unit=row.unit,
                         value=number(row.region.value), note=note, year=row.region.year, peers=number(row.peers),
                         pilots=number(row.pilots), eu=number(row.eu.value), eu_year=row.eu.year, cite=row.cite,
                         rule=row.region.rule,
                         old=c.old, eu_total=number(c.eu_aggregate.value), eu_total_year=c.eu_aggregate.year,
                         peer_values=tuple(number(p.value) for p in c.peers),
                         parts="; ".join(f"{code} {number(v)}" for code, v in row.region.parts))


def theme_labels(ids: list[str]) -> str:
    """The labels of the themes `ids`, skipping any the vocabulary no longer has."""
    known = themes()
    return ", ".join(known[t].label for t in ids if t in known)


def _strip(rows: list[IndicatorRow], title: str) -> Strip:
    return position_strip([StripRow(row.label, row.position, row.peer_position, row.pilot_position) for row in rows],
                          title)


def render_all(r: RegionReport, sections: list[str] | None = None, lang: str = "en") -> str:
    """The report as one HTML fragment (stylesheet, header, sections in order, footer); `sections`
    picks some of them (["brief"] for the brief alone); headings and the brief's labels in `lang`."""
    strip = _strip(r.indicators, f"{r.region.name}: position among EU regions (percentile, right = better)")
    brief_strip = _strip(r.brief.headlines, f"{r.region.name}: headline figures among EU regions (right = better)")
    trends = [trend_chart(f"{t.indicator.label} ({t.indicator.unit})",
                          [("region", r.region.name, t.region), ("peers", "peers' median", t.peers),
                           ("eu", t.eu_label, t.eu)]) for t in r.trends]
    return render("report.j2", lang=lang, r=r, sections=[s for s in r.sections if sections is None or s in sections],
                  strip=strip, brief_strip=brief_strip, trends=trends,
                  headline_lines=[indicator_line(row) for row in r.brief.headlines],
                  indicator_lines=[indicator_line(row) for row in r.indicators],
                  challenge_themes=[theme_labels(ch.themes) for ch in r.challenges],
                  practice_themes={p.id: theme_labels(p.themes) for p in r.practices + r.own_practices},
                  peer_bars=[bar(p.stability) for p in r.peers.peers] if r.peers else [])
