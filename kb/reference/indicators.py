"""Regional indicators (kb/data/indicators.csv): a figure for any region, by the rule its
indicator states in kb/data/indicators.yaml, and compared with peers, the pilot regions and the EU.

A region's figure is, in this order:
1. the figure Eurostat publishes for the region itself, when the region is exactly one NUTS 1
   region or a country (Saxony = DED, Wallonia = BE3, Lithuania = LT) and the indicator says
   `published_first`;
2. otherwise its NUTS 2 parts in the latest year in which every part of one of its code lists
   (NUTS 2021 first, then older vintages) has a value, never a mix of years: counts summed,
   rates weighted by their own denominator (GDP for a share of GDP, the labour force for a share
   of the active population, employment, or population), and ranks and composite indices not
   combined at all (the parts are listed instead).
Every figure says which rule made it (`rule`), in one short line.
"""

from __future__ import annotations

import csv
import math
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kb.errors import DataError, Problem
from kb.reference.data import data_path, load_csv, load_yaml
from kb.reference.regions import Region, countries, regions
from kb.yamlio import brief

EU_MEDIAN_MIN_REGIONS = 50
OLD_AFTER_YEARS = 5
"""A figure more than this many years older than the report's date is marked old."""
WEIGHT_LABELS = {"gdp": "GDP", "labour_force": "labour force", "employment": "employment",
                 "population": "population"}


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    unit: str
    kind: str
    better: str
    combine: str
    """`sum`, `weighted` or `none` (a rank or composite index: parts are not combined)."""
    source: str
    url: str
    weight: str = ""
    """The rate's denominator: gdp, labour_force, employment or population."""
    published_first: bool = False
    stopped: str = ""


@dataclass(frozen=True)
class Figure:
    """One indicator value for one region, with where it comes from and how it was made."""

    indicator: str
    value: float | None
    year: int | None
    codes: tuple[str, ...] = ()
    note: str = ""
    rule: str = ""
    """How the value was obtained, in one short line (published at which level, or which rule)."""
    parts: tuple[tuple[str, float], ...] = ()
    """The NUTS 2 values when they could not be combined (ranks, composite indices)."""


@lru_cache(maxsize=1)
def indicators() -> dict[str, Indicator]:
    """Return the indicator metadata by id, in file order."""
    out = {}
    for row in load_yaml("indicators.yaml"):
        out[row["id"]] = Indicator(
            id=str(row["id"]), label=str(row["label"]), unit=str(row["unit"]), kind=str(row["kind"]),
            better=str(row["better"]), combine=str(row["combine"]), source=str(row["source"]), url=str(row["url"]),
            weight=str(row.get("weight") or ""), published_first=bool(row.get("published_first")),
            stopped=str(row.get("stopped") or ""))
    return out


DATA_FILES = ("indicators.csv", "indicators_recent.csv")
"""The indicator slices, oldest first: a value of a later file replaces the same (code,
indicator, year) of an earlier one (Eurostat revises its figures)."""


HEADER = ["nuts", "indicator", "year", "value"]
_CODE = re.compile(r"^(?:[A-Z]{2}[A-Z0-9]{0,2}|EU[A-Z0-9_]+)$")


def read_indicator_file(path: Any, shown: str, known: set[str] | None = None,
                        table: dict[tuple[str, str], dict[int, float]] | None = None,
                        ) -> tuple[dict[tuple[str, str], dict[int, float]], list[Problem]]:
    """Read one long-format indicator file into `table`; every bad row is a problem with its
    line (wrong column count, a code that is not a NUTS or EU code, an unknown indicator, a year
    or value that is not a number), never an exception."""
    table = table if table is not None else defaultdict(dict)
    problems: list[Problem] = []
    with path.open(encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        header = next(rows, None)
        if header != HEADER:
            return table, [Problem(shown, 1, f"the header must be {','.join(HEADER)}, not {brief(header)}")]
        for line, row in enumerate(rows, 2):
            if len(row) != 4:
                problems.append(Problem(shown, line, f"{len(row)} columns; expected 4 ({','.join(HEADER)})"))
                continue
            nuts, indicator, year, value = row
            if not _CODE.match(nuts):
                problems.append(Problem(shown, line, f"{brief(nuts)} is not a NUTS or EU code"))
            elif known is not None and indicator not in known:
                problems.append(Problem(shown, line, f"unknown indicator {brief(indicator)} (see indicators.yaml)"))
            elif not year.isdigit():
                problems.append(Problem(shown, line, f"year {brief(year)} is not a year"))
            else:
                try:
                    number = float(value)
                except ValueError:
                    number = math.nan
                if not math.isfinite(number):
                    problems.append(Problem(shown, line, f"value {brief(value)} is not a number"))
                else:
                    table[(nuts, indicator)][int(year)] = number
            if len(problems) >= 50:
                break
    return table, problems


def check_data_files() -> None:
    """Raise DataError listing every bad row of the shipped indicator files (path:line)."""
    _series()


@lru_cache(maxsize=1)
def _series() -> dict[tuple[str, str], dict[int, float]]:
    table: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    problems: list[Problem] = []
    known = {str(row["id"]) for row in load_yaml("indicators.yaml")}
    for name in DATA_FILES:
        _, found = read_indicator_file(data_path(name), f"kb/data/{name}", known, table)
        problems += found
    if problems:
        raise DataError(problems)
    return dict(table)


def all_series() -> dict[tuple[str, str], dict[int, float]]:
    """Every (code, indicator) -> year -> value of the data (read once; treat as read-only)."""
    return _series()


def series(code: str, indicator: str) -> dict[int, float]:
    """Return year -> value of one indicator for one NUTS code (empty when there is none)."""
    return _series().get((code, indicator), {})


def _nearest(code: str, indicator: str, year: int) -> float | None:
    values = series(code, indicator)
    if not values:
        return None
    return values[min(values, key=lambda y: (abs(y - year), -y))]


def weight_of(code: str, weight: str, year: int) -> float | None:
    """The size of a NUTS 2 region's denominator in (or nearest to) `year`: what its rate weighs
    when parts are combined. GDP falls back to population x GDP per head in PPS (the same ratio
    within one country); the labour force is employment / (1 - unemployment rate)."""
    if weight == "population":
        return _nearest(code, "population", year)
    if weight == "employment":
        return _nearest(code, "employment_ths", year)
    if weight == "gdp":
        gdp = _nearest(code, "gdp_mio_eur", year)
        if gdp is not None:
            return gdp
        pop, index = _nearest(code, "population", year), _nearest(code, "gdp_pps_index_eu27", year)
        return pop * index if pop is not None and index is not None else None
    if weight == "labour_force":
        employed, rate = _nearest(code, "employment_ths", year), _nearest(code, "unemployment_rate", year)
        return employed / (1 - rate / 100) if employed is not None and rate is not None and rate < 100 else None
    raise ValueError(f"unknown weight {weight!r}")


@lru_cache(maxsize=1)
def _nuts2_children() -> dict[str, frozenset[str]]:
    """NUTS 2021 NUTS 2 codes under each country and NUTS 1 code."""
    children: dict[str, set[str]] = defaultdict(set)
    for row in load_csv("nuts2021.csv"):
        code = row["code"]
        if row["level"] == "2" and not code.endswith("ZZ"):
            children[code[:2]].add(code)
            children[code[:3]].add(code)
    return {k: frozenset(v) for k, v in children.items()}


def published_level(region: Region) -> list[str]:
    """The codes at which the region's own figure is published: the country or the NUTS 1 region
    it is exactly (Lithuania = LT, also coded LT0; Saxony = DED), or none when it is a part of one
    or spans several."""
    codes = frozenset(region.nuts)
    children = _nuts2_children()
    countries_ = {c[:2] for c in codes}
    if len(countries_) == 1 and children.get(next(iter(countries_))) == codes:
        country = next(iter(countries_))
        return [country, f"{country}0"]
    firsts = {c[:3] for c in codes}
    if len(firsts) == 1 and children.get(next(iter(firsts))) == codes:
        return [next(iter(firsts))]
    return []


def _code_lists(region: Region) -> list[tuple[str, ...]]:
    lists = [region.nuts] if region.nuts else []
    for vintage in sorted(region.nuts_by_vintage, reverse=True):
        codes = region.nuts_by_vintage[vintage]
        if codes and codes not in lists:
            lists.append(codes)
    return lists


def _level_name(code: str) -> str:
    """How a rule line names a published level: a country (also its single NUTS 1 region, LT0),
    or a NUTS 1 region."""
    children = _nuts2_children()
    whole_country = len(code) == 2 or children.get(code) == children.get(code[:2])
    return f"the country ({code[:2]})" if whole_country else f"NUTS 1 ({code})"


def figure(region: Region, indicator_id: str, year: int | None = None) -> Figure:
    """Return the region's latest figure for an indicator, or its figure of `year` (value None
    when unknown), by the indicator's rule (see the module's docstring)."""
    meta = indicators()[indicator_id]
    if indicator_id == "gdp_pps_index_eu27" and region.country == "UK":
        fig = figure(region, "gdp_pps_index_eu28", year)
        note = "UK: EU28 = 100 series (no EU27_2020 series after Brexit)"
        return Figure(indicator_id, fig.value, fig.year, fig.codes, note if fig.value is not None else fig.note,
                      fig.rule, fig.parts)
    published = _published(region, indicator_id, year) if meta.published_first else None
    combined = _combined(region, meta, year)
    if published is None:
        return combined
    if year is None and combined.value is not None and combined.year is not None \
            and published.year is not None and combined.year > published.year:
        # The parts are newer: current figures beat a level's older one, and the older one is said.
        return Figure(indicator_id, combined.value, combined.year, combined.codes, combined.note,
                      f"{combined.rule} (newer than the figure published for {published.codes[0]}: "
                      f"{published.value:.3g} in {published.year})")
    return published


def _published(region: Region, indicator_id: str, year: int | None) -> Figure | None:
    for code in published_level(region):
        values = series(code, indicator_id)
        if not values:
            continue
        rule = f"published for {_level_name(code)}"
        if year is not None and year not in values:  # one rule for every year of a series
            return Figure(indicator_id, None, year, (code,), "no data", rule=rule)
        when = max(values) if year is None else year
        return Figure(indicator_id, values[when], when, (code,), rule=rule)
    return None


def _combined(region: Region, meta: Indicator, year: int | None) -> Figure:
    indicator_id = meta.id
    best: tuple[int, tuple[str, ...]] | None = None
    for codes in _code_lists(region):
        years = [set(series(c, indicator_id)) for c in codes]
        common = set.intersection(*years) if years else set()
        if year is not None:
            common &= {year}
        if common and (best is None or max(common) > best[0]):
            best = (max(common), codes)
    if best is None:
        return Figure(indicator_id, None, None, (), "no data", rule=f"no figure for {', '.join(region.nuts) or 'it'}")
    year, codes = best
    values = [series(c, indicator_id)[year] for c in codes]
    if len(codes) == 1:
        return Figure(indicator_id, values[0], year, codes, rule=f"published for {codes[0]}")
    listed = ", ".join(codes)
    if meta.combine == "sum":
        return Figure(indicator_id, sum(values), year, codes, rule=f"sum over {listed}")
    if meta.combine == "none":
        return Figure(indicator_id, None, year, codes, "published per NUTS 2 region only; a rank or index cannot "
                      "be combined", rule=f"not combined: {listed}", parts=tuple(zip(codes, values, strict=True)))
    weights = [weight_of(c, meta.weight, year) for c in codes]
    label = WEIGHT_LABELS[meta.weight]
    if any(w is None for w in weights):
        weights = [weight_of(c, "population", year) for c in codes]
        label = "population (the " + WEIGHT_LABELS[meta.weight] + " is not known)"
        if any(w is None for w in weights):
            return Figure(indicator_id, None, year, codes, "no data: the parts cannot be weighted",
                          rule=f"no weights for {listed}")
    total = sum(weights)  # type: ignore[arg-type]
    value = sum(v * w for v, w in zip(values, weights, strict=True)) / total  # type: ignore[operator]
    return Figure(indicator_id, value, year, codes, rule=f"{label}-weighted mean over {listed}")


def age_note(fig: Figure, as_of: int) -> str:
    """Why a figure is old ('' when it is not): more than OLD_AFTER_YEARS before `as_of`."""
    if fig.year is None or (fig.value is None and not fig.parts) or as_of - fig.year <= OLD_AFTER_YEARS:
        return ""
    why = indicators()[fig.indicator].stopped or "no newer open figure was found"
    return f"old: {fig.year} ({why})"


def is_eu_nuts2(code: str) -> bool:
    return len(code) == 4 and not code.endswith("ZZ") and code[:2] in _eu_countries()


@lru_cache(maxsize=1)
def _eu_countries() -> frozenset[str]:
    return frozenset(code for code, row in countries().items() if row.get("eu"))


@lru_cache(maxsize=64)
def reference(indicator_id: str) -> tuple[int | None, tuple[float, ...]]:
    """The comparison base of an indicator: one fixed year (the latest in which at least
    EU_MEDIAN_MIN_REGIONS EU NUTS 2 regions have a value) and those regions' values, sorted.
    The EU median and every percentile use this one base, so charts and tables agree. Without
    such a year: each region's latest value, and no year."""
    by_year: dict[int, list[float]] = defaultdict(list)
    latest: list[float] = []
    for (code, ind), values in _series().items():
        if ind != indicator_id or not is_eu_nuts2(code):
            continue
        latest.append(values[max(values)])
        for year, value in values.items():
            by_year[year].append(value)
    full = [y for y, vals in by_year.items() if len(vals) >= EU_MEDIAN_MIN_REGIONS]
    if full:
        year = max(full)
        return year, tuple(sorted(by_year[year]))
    return None, tuple(sorted(latest))


def eu_median(indicator_id: str) -> Figure:
    """The median of the EU's NUTS 2 regions over the indicator's reference base."""
    year, values = reference(indicator_id)
    if not values:
        return Figure(indicator_id, None, None, (), "no data")
    when = f"in {year}" if year is not None else "latest year each"
    return Figure(indicator_id, statistics.median(values), year, (), f"median of {len(values)} EU regions {when}",
                  rule="EU median")


def eu_aggregate(indicator_id: str) -> Figure:
    """The EU-27 figure Eurostat publishes (code EU27_2020), latest year; None where none is."""
    values = series("EU27_2020", indicator_id)
    if not values:
        return Figure(indicator_id, None, None, (), "no EU-27 aggregate published in the data")
    year = max(values)
    return Figure(indicator_id, values[year], year, ("EU27_2020",), rule="EU-27 aggregate (Eurostat)")


def median_of(figures: list[Figure]) -> float | None:
    known = [f.value for f in figures if f.value is not None]
    return statistics.median(known) if known else None


def comparable_units() -> list[Region]:
    """Every region that can be compared: named regions and the other NUTS 2 regions."""
    return [r for r in regions().values() if r.kind not in ("multi-region", "eu")]


def percentile(indicator_id: str, value: float | None, better: str = "higher") -> float | None:
    """Return where `value` stands among the EU regions of the indicator's reference base, 0-100,
    oriented so that 100 is best (for `better: lower`, fewer regions do better)."""
    values = reference(indicator_id)[1]
    if value is None or not values:
        return None
    below = sum(v < value for v in values) + 0.5 * sum(v == value for v in values)
    share = 100.0 * below / len(values)
    return round(100.0 - share if better == "lower" else share, 1)
