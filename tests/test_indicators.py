"""Indicator figures and their aggregation rules (kb/reference/indicators.py)."""

from __future__ import annotations

import pytest

from kb.reference.indicators import eu_median, figure, indicators, percentile, series
from kb.reference.regions import resolve_region


def test_counts_are_summed_over_nuts2_parts_in_one_year() -> None:
    sax = figure(resolve_region("saxony"), "population")
    parts = [series(c, "population")[sax.year] for c in ("DED2", "DED4", "DED5")]
    assert sax.value == pytest.approx(sum(parts))
    assert sax.codes == ("DED2", "DED4", "DED5")


def test_rates_are_population_weighted() -> None:
    wal = figure(resolve_region("wallonia"), "unemployment_rate")
    codes = ("BE31", "BE32", "BE33", "BE34", "BE35")
    values = [series(c, "unemployment_rate")[wal.year] for c in codes]
    pops = [series(c, "population")[wal.year] for c in codes]
    assert wal.value == pytest.approx(sum(v * p for v, p in zip(values, pops, strict=True)) / sum(pops))
    assert "population-weighted" in wal.note


def test_older_vintage_codes_are_used_when_newer_ones_lack_data() -> None:
    hdf = figure(resolve_region("hauts-de-france"), "gerd_pct_gdp")
    assert hdf.value is not None and set(hdf.codes) == {"FRE1", "FRE2"}


def test_uk_gdp_uses_the_eu28_series_and_says_so() -> None:
    gm = figure(resolve_region("greater-manchester"), "gdp_pps_index_eu27")
    assert gm.value is not None and "EU28" in gm.note


def test_missing_data_is_none_not_zero() -> None:
    assert figure(resolve_region("saxony"), "broadband_households").value is None


def test_percentile_orientation() -> None:
    low = percentile("unemployment_rate", 1.0, "lower")
    high = percentile("unemployment_rate", 25.0, "lower")
    assert low is not None and high is not None and low > high
    assert percentile("gerd_pct_gdp", 10.0) == pytest.approx(100.0, abs=1)


def test_eu_median_excludes_non_eu_regions() -> None:
    med = eu_median("gerd_pct_gdp", 2019)
    assert med.value is not None and "EU regions" in med.note


def test_every_indicator_has_metadata_and_data() -> None:
    for ind in indicators().values():
        assert ind.url.startswith("https://")
        assert ind.kind in ("performance", "structural") and ind.better in ("higher", "lower", "none")
