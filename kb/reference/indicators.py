"""Regional indicators (kb/data/indicators.csv): values for any region, aggregated over its
NUTS 2 codes by a stated rule, and compared with peers, the pilot regions and the EU median.

A region's figure uses the latest year in which every NUTS 2 code of one of its code lists
(NUTS 2021 first, then older vintages) has a value: Saxony is DED2 + DED4 + DED5 in one year,
never a mix of years. Counts are summed; rates are averaged weighted by population (or by
employment for shares of employment).
"""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from kb.reference.data import data_path, load_yaml
from kb.reference.regions import Region, countries, regions

EU_MEDIAN_MIN_REGIONS = 50


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    unit: str
    kind: str
    better: str
    aggregate: str
    source: str
    url: str


@dataclass(frozen=True)
class Figure:
    """One indicator value for one region, with where it comes from."""

    indicator: str
    value: float | None
    year: int | None
    codes: tuple[str, ...] = ()
    note: str = ""


@lru_cache(maxsize=1)
def indicators() -> dict[str, Indicator]:
    """Return the indicator metadata by id, in file order."""
    return {row["id"]: Indicator(**{k: str(v) for k, v in row.items()}) for row in load_yaml("indicators.yaml")}


@lru_cache(maxsize=1)
def _series() -> dict[tuple[str, str], dict[int, float]]:
    table: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    with data_path("indicators.csv").open(encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        if next(rows) != ["nuts", "indicator", "year", "value"]:
            raise ValueError("kb/data/indicators.csv: unexpected header")
        for nuts, indicator, year, value in rows:
            table[(nuts, indicator)][int(year)] = float(value)
    return dict(table)


def series(code: str, indicator: str) -> dict[int, float]:
    """Return year -> value of one indicator for one NUTS code (empty when there is none)."""
    return _series().get((code, indicator), {})


def _weight(code: str, by: str, year: int) -> float | None:
    values = series(code, by)
    if not values:
        return None
    nearest = min(values, key=lambda y: (abs(y - year), -y))
    return values[nearest]


def _code_lists(region: Region) -> list[tuple[str, ...]]:
    lists = [region.nuts] if region.nuts else []
    for vintage in sorted(region.nuts_by_vintage, reverse=True):
        codes = region.nuts_by_vintage[vintage]
        if codes and codes not in lists:
            lists.append(codes)
    return lists


def figure(region: Region, indicator_id: str) -> Figure:
    """Return the region's latest figure for an indicator (value None when unknown)."""
    meta = indicators()[indicator_id]
    if indicator_id == "gdp_pps_index_eu27" and region.country == "UK":
        fig = figure(region, "gdp_pps_index_eu28")
        note = "UK: EU28 = 100 series (no EU27_2020 series after Brexit)"
        return Figure(indicator_id, fig.value, fig.year, fig.codes, note if fig.value is not None else fig.note)
    best: tuple[int, tuple[str, ...]] | None = None
    for codes in _code_lists(region):
        years = [set(series(c, indicator_id)) for c in codes]
        common = set.intersection(*years) if years else set()
        if common and (best is None or max(common) > best[0]):
            best = (max(common), codes)
    if best is None:
        return Figure(indicator_id, None, None, (), "no data")
    year, codes = best
    values = [series(c, indicator_id)[year] for c in codes]
    if len(codes) == 1:
        return Figure(indicator_id, values[0], year, codes)
    if meta.aggregate == "sum":
        return Figure(indicator_id, sum(values), year, codes, f"sum over {', '.join(codes)}")
    by = "employment_ths" if meta.aggregate == "mean_emp" else "population"
    weights = [_weight(c, by, year) for c in codes]
    if any(w is None for w in weights):
        note = f"unweighted mean over {', '.join(codes)} ({by} missing)"
        return Figure(indicator_id, statistics.fmean(values), year, codes, note)
    total = sum(weights)  # type: ignore[arg-type]
    value = sum(v * w for v, w in zip(values, weights, strict=True)) / total  # type: ignore[operator]
    return Figure(indicator_id, value, year, codes, f"{by}-weighted mean over {', '.join(codes)}")


def eu_median(indicator_id: str, year: int | None = None) -> Figure:
    """Return the median over the EU's NUTS 2 regions (in `year` when enough have data, else
    each region's latest value)."""
    eu = {code for code, row in countries().items() if row.get("eu")}
    latest: list[float] = []
    in_year: list[float] = []
    for (code, ind), values in _series().items():
        if ind != indicator_id or code[:2] not in eu:
            continue
        latest.append(values[max(values)])
        if year in values:
            in_year.append(values[year])
    if year is not None and len(in_year) >= EU_MEDIAN_MIN_REGIONS:
        return Figure(indicator_id, statistics.median(in_year), year, (), f"median of {len(in_year)} EU regions")
    if not latest:
        return Figure(indicator_id, None, None, (), "no data")
    return Figure(indicator_id, statistics.median(latest), None, (),
                  f"median of {len(latest)} EU regions, latest year each")


def median_of(figures: list[Figure]) -> float | None:
    known = [f.value for f in figures if f.value is not None]
    return statistics.median(known) if known else None


def comparable_units() -> list[Region]:
    """Every region that can be compared: named regions and the other NUTS 2 regions."""
    return [r for r in regions().values() if r.kind not in ("multi-region", "eu")]


@lru_cache(maxsize=64)
def _eu_latest(indicator_id: str) -> tuple[float, ...]:
    eu = {code for code, row in countries().items() if row.get("eu")}
    values = [v[max(v)] for (code, ind), v in _series().items() if ind == indicator_id and code[:2] in eu]
    return tuple(sorted(values))


def percentile(indicator_id: str, value: float | None, better: str = "higher") -> float | None:
    """Return where `value` stands among the EU regions' latest values, 0-100, oriented so
    that 100 is best (for `better: lower`, fewer regions do better)."""
    values = _eu_latest(indicator_id)
    if value is None or not values:
        return None
    below = sum(v < value for v in values) + 0.5 * sum(v == value for v in values)
    share = 100.0 * below / len(values)
    return round(100.0 - share if better == "lower" else share, 1)
