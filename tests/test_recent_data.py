"""The committed newer indicator slice (kb/data/indicators_recent.csv, built by
scripts/prepare_recent_data.py): read as shipped, since a clone has none of the raw copies."""

from __future__ import annotations

import csv
import math
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "kb" / "data"
RECENT = DATA / "indicators_recent.csv"
INDICATORS = {"gdp_pps_index_eu27", "gdp_mio_eur", "unemployment_rate", "employment_rate", "tertiary_educ_share",
              "gerd_pct_gdp"}
PERCENTAGES = {"unemployment_rate", "employment_rate", "tertiary_educ_share", "gerd_pct_gdp"}
WITH_EU_AGGREGATE = {"gdp_pps_index_eu27", "gdp_mio_eur"}
"""The raw sources with an EU27_2020 row (nama_10r_2gdp); the tgs tables publish NUTS 2 rows only."""
OLDER_CODES = {"HR04", "HU10", "IE01", "IE02", "NO01", "NO03", "NO04", "NO05", "PL12", "SI01", "SI02",
               "UKI1", "UKI2", "UKM2", "UKM3"}
"""Pre-2021 NUTS 2 codes without a NUTS 2021 equivalent, kept for early years (the older slice has them too)."""
NUTS2024_ONLY = {"NL35", "NL36", "PT19", "PT1A", "PT1B", "PT1C", "PT1D"}
MIN_NUTS2_REGIONS = 200


@lru_cache(maxsize=1)
def rows() -> list[dict[str, str]]:
    with RECENT.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@lru_cache(maxsize=1)
def nuts2021() -> dict[str, str]:
    """NUTS 2021 code -> level."""
    with (DATA / "nuts2021.csv").open(newline="", encoding="utf-8") as f:
        return {row["code"]: row["level"] for row in csv.DictReader(f)}


def is_nuts2(code: str) -> bool:
    return len(code) == 4


def test_header_is_the_older_slice_s() -> None:
    with RECENT.open(encoding="utf-8") as f:
        header = f.readline().strip()
    with (DATA / "indicators.csv").open(encoding="utf-8") as f:
        assert header == f.readline().strip() == "nuts,indicator,year,value"


def test_one_value_per_region_indicator_and_year() -> None:
    counts = Counter((r["nuts"], r["indicator"], r["year"]) for r in rows())
    assert [key for key, n in counts.items() if n > 1] == []


def test_every_value_is_a_finite_number() -> None:
    bad = [r for r in rows() if not math.isfinite(float(r["value"]))]
    assert bad == []


def test_indicators_years_and_order() -> None:
    assert {r["indicator"] for r in rows()} == INDICATORS
    assert all(2008 <= int(r["year"]) <= 2030 for r in rows())
    keys = [(r["nuts"], r["indicator"], int(r["year"])) for r in rows()]
    assert keys == sorted(keys)


def test_values_are_plausible() -> None:
    for r in rows():
        value = float(r["value"])
        if r["indicator"] in PERCENTAGES:
            assert 0 <= value <= 100, r
        else:
            assert value > 0, r


def test_every_code_is_eu27_a_country_nuts2021_or_an_allowed_older_code() -> None:
    known = nuts2021()
    countries = {code for code, level in known.items() if level == "0"}
    assert "EL" in countries and "UK" in countries
    unknown = {r["nuts"] for r in rows()} - {"EU27_2020"} - countries - set(known) - OLDER_CODES
    assert unknown == set()


def test_no_nuts2024_code_without_a_nuts2021_equivalent_is_left() -> None:
    assert {r["nuts"] for r in rows()} & NUTS2024_ONLY == set()


@pytest.mark.parametrize("indicator", sorted(INDICATORS))
def test_the_latest_year_covers_at_least_200_nuts2_regions(indicator: str) -> None:
    by_year: dict[int, set[str]] = defaultdict(set)
    for r in rows():
        if r["indicator"] == indicator and is_nuts2(r["nuts"]):
            by_year[int(r["year"])].add(r["nuts"])
    latest = max(by_year)
    assert len(by_year[latest]) >= MIN_NUTS2_REGIONS, (latest, len(by_year[latest]))


@pytest.mark.parametrize("indicator", sorted(WITH_EU_AGGREGATE))
def test_the_eu27_row_is_kept_where_the_source_had_one(indicator: str) -> None:
    years = {int(r["year"]) for r in rows() if r["indicator"] == indicator}
    eu = {int(r["year"]): float(r["value"]) for r in rows() if r["indicator"] == indicator and r["nuts"] == "EU27_2020"}
    assert set(eu) == years  # every year of the indicator
    if indicator == "gdp_pps_index_eu27":
        assert set(eu.values()) == {100.0}


def test_levels_are_kept_where_published() -> None:
    """GDP comes for countries and NUTS 1 regions too: Saxony (DED) = DED2 + DED4 + DED5."""
    gdp = {(r["nuts"], int(r["year"])): float(r["value"]) for r in rows() if r["indicator"] == "gdp_mio_eur"}
    latest = max(year for _, year in gdp)
    for whole, parts in [("DED", ["DED2", "DED4", "DED5"]), ("BE3", ["BE31", "BE32", "BE33", "BE34", "BE35"]),
                         ("LT", ["LT01", "LT02"]), ("SI", ["SI03", "SI04"])]:
        assert gdp[(whole, latest)] == pytest.approx(sum(gdp[(p, latest)] for p in parts), abs=0.05)
