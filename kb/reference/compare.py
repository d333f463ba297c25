"""A region's indicators against its peers and the EU: every figure with its year, the rule that
made it, its age, each peer's value and their median, the EU-27 aggregate and the EU median on
one fixed base. What `kb indicators` prints, what reports show, and what challenges are read from.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from kb.reference.indicators import (
    Figure,
    Indicator,
    age_note,
    all_series,
    eu_aggregate,
    eu_median,
    figure,
    indicators,
    is_eu_nuts2,
    percentile,
    reference,
    series,
)
from kb.reference.regions import Region


@dataclass(frozen=True)
class PeerValue:
    region: str
    name: str
    value: float | None
    year: int | None


@dataclass(frozen=True)
class Comparison:
    """One performance indicator of a region, compared."""

    indicator: Indicator
    figure: Figure
    old: str
    """Why the figure is old ('' when it is not)."""
    peers: tuple[PeerValue, ...]
    peer_median: float | None
    eu_aggregate: Figure
    eu_median: Figure
    position: float | None
    """Percentile among the EU regions of the reference base, oriented so that 100 is best."""
    peer_position: float | None
    base: str
    """The comparison base's EU series (the UK's GDP per head uses the EU28 series)."""

    @property
    def reference_year(self) -> int | None:
        return reference(self.base)[0]

    def to_dict(self) -> dict:
        fig = self.figure
        return {
            "indicator": self.indicator.id, "label": self.indicator.label, "unit": self.indicator.unit,
            "better": self.indicator.better, "value": fig.value, "year": fig.year, "codes": list(fig.codes),
            "rule": fig.rule, "note": fig.note, "parts": [list(p) for p in fig.parts], "old": self.old,
            "source": self.indicator.source, "url": self.indicator.url,
            "peers": [{"region": p.region, "name": p.name, "value": p.value, "year": p.year} for p in self.peers],
            "peers_median": self.peer_median,
            "eu_aggregate": {"value": self.eu_aggregate.value, "year": self.eu_aggregate.year},
            "eu_median": {"value": self.eu_median.value, "year": self.eu_median.year, "note": self.eu_median.note},
            "percentile": self.position, "peers_percentile": self.peer_position,
        }


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def compare(region: Region, peers: list[Region], as_of: int | None = None) -> list[Comparison]:
    """Every performance indicator of `region` against `peers` and the EU. A figure is old when it
    is more than five years older than `as_of`, by default the data's own date: the newest year
    among the region's figures."""
    performance = [ind for ind in indicators().values() if ind.kind == "performance" and ind.id != "gdp_pps_index_eu28"]
    figures = {ind.id: figure(region, ind.id) for ind in performance}
    if as_of is None:
        as_of = max((f.year for f in figures.values() if f.year is not None), default=0)
    out = []
    for ind in performance:
        mine = figures[ind.id]
        base = "gdp_pps_index_eu28" if ind.id == "gdp_pps_index_eu27" and region.country == "UK" else ind.id
        values = []
        for peer in peers:
            fig = figure(peer, ind.id)
            values.append(PeerValue(peer.slug, peer.name, fig.value, fig.year))
        peer_median = _median([p.value for p in values])
        out.append(Comparison(
            indicator=ind, figure=mine, old=age_note(mine, as_of), peers=tuple(values), peer_median=peer_median,
            eu_aggregate=eu_aggregate(base), eu_median=eu_median(base),
            position=percentile(base, mine.value, ind.better),
            peer_position=percentile(ind.id, peer_median, ind.better), base=base,
        ))
    return out


TREND_INDICATORS = ("gdp_pps_index_eu27", "unemployment_rate", "gerd_pct_gdp")


@dataclass(frozen=True)
class Trend:
    """An indicator over the years: the region, its peers' median and the EU (the EU-27
    aggregate where Eurostat publishes it, else the median of the EU's NUTS 2 regions)."""

    indicator: Indicator
    region: tuple[tuple[int, float], ...]
    peers: tuple[tuple[int, float], ...]
    eu: tuple[tuple[int, float], ...]
    eu_label: str


def trend(region: Region, peers: list[Region], indicator_id: str) -> Trend:
    """The series of one indicator for a region, its peers' median and the EU, by the same rule
    as the region's latest figure, year by year."""
    base = "gdp_pps_index_eu28" if indicator_id == "gdp_pps_index_eu27" and region.country == "UK" else indicator_id
    years = sorted({y for (code, ind), values in all_series().items() if ind == base for y in values})
    mine, peer_median = [], []
    for year in years:
        fig = figure(region, indicator_id, year)
        if fig.value is not None:
            mine.append((year, fig.value))
        med = _median([figure(p, indicator_id, year).value for p in peers])
        if med is not None:
            peer_median.append((year, med))
    published = series("EU27_2020", base)
    if published:
        eu, label = sorted(published.items()), "EU-27"
    else:
        eu, label = [], "EU median"
        for year in years:
            values = [v[year] for (code, ind), v in all_series().items()
                      if ind == base and year in v and is_eu_nuts2(code)]
            if len(values) >= 50:
                eu.append((year, statistics.median(values)))
    return Trend(indicators()[indicator_id], tuple(mine), tuple(peer_median), tuple(eu), label)
