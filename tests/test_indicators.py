"""Indicator figures and their aggregation rules (kb/reference/indicators.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.reference import indicators as ind_module
from kb.reference.indicators import (
    age_note,
    eu_aggregate,
    eu_median,
    figure,
    indicators,
    percentile,
    published_level,
    reference,
    series,
)
from kb.reference.regions import Region, countries, resolve_region


@pytest.mark.parametrize(("region", "code"), [("wallonia", "BE3"), ("saxony", "DED"), ("lithuania", "LT"),
                                              ("slovenia", "SI")])
def test_the_figure_published_for_the_region_itself_comes_first(region: str, code: str) -> None:
    reg = resolve_region(region)
    published = series(code, "gerd_pct_gdp")
    for year in published:
        fig = figure(reg, "gerd_pct_gdp", year)
        assert (fig.value, fig.codes) == (published[year], (code,)) and code in fig.rule
    latest = figure(reg, "gerd_pct_gdp")
    if latest.year == max(published):
        assert latest.value == published[latest.year]
    else:  # newer parts win, and the rule names the older published figure
        assert latest.year > max(published)
        assert f"newer than the figure published for {code}" in latest.rule and str(max(published)) in latest.rule


@pytest.mark.parametrize(("region", "code"), [("wallonia", "BE3"), ("saxony", "DED"), ("lithuania", "LT"),
                                              ("slovenia", "SI")])
def test_gdp_weighted_parts_reproduce_the_published_figure(region: str, code: str) -> None:
    """The weighting rule checked against Eurostat itself: where both exist, the parts combined
    by GDP give the figure published for the whole (within rounding and the revisions between
    the two extractions)."""
    from kb.reference.indicators import _combined

    reg, meta = resolve_region(region), indicators()["gerd_pct_gdp"]
    checked = 0
    for year, value in series(code, "gerd_pct_gdp").items():
        combined = _combined(reg, meta, year)
        if combined.value is not None and combined.rule.startswith("GDP-weighted"):
            assert combined.value == pytest.approx(value, rel=0.03, abs=0.025), year
            checked += 1
    assert checked >= 3


def test_only_a_whole_nuts1_region_or_country_has_a_published_level() -> None:
    assert published_level(resolve_region("wallonia")) == ["BE3"]
    assert published_level(resolve_region("lithuania")) == ["LT", "LT0"]
    assert published_level(resolve_region("piemonte")) == []  # ITC1 is one part of ITC
    assert published_level(resolve_region("greater-manchester")) == []


def _fake(monkeypatch: pytest.MonkeyPatch, rows: dict[tuple[str, str], dict[int, float]]) -> Region:
    """A two-part region (XX11 + XX12, no published level) over a data table of our own."""
    monkeypatch.setattr(ind_module, "_series", lambda: rows)
    return Region(slug="fake", name="Fake", country="XX", nuts=("XX11", "XX12"),
                  nuts_by_vintage={"2021": ("XX11", "XX12")}, native=("Fake",), kind="named")


def test_a_share_of_gdp_is_weighted_by_gdp(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _fake(monkeypatch, {
        ("XX11", "gerd_pct_gdp"): {2019: 2.0}, ("XX12", "gerd_pct_gdp"): {2019: 4.0},
        ("XX11", "gdp_mio_eur"): {2018: 100.0}, ("XX12", "gdp_mio_eur"): {2018: 300.0},
        ("XX11", "population"): {2019: 900.0}, ("XX12", "population"): {2019: 100.0},
    })
    fig = figure(fake, "gerd_pct_gdp")
    assert fig.value == pytest.approx((2.0 * 100 + 4.0 * 300) / 400)  # 3.5, not the population-weighted 2.2
    assert fig.rule == "GDP-weighted mean over XX11, XX12" and fig.year == 2019


def test_gdp_weights_fall_back_to_population_times_gdp_per_head(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _fake(monkeypatch, {
        ("XX11", "gerd_pct_gdp"): {2019: 2.0}, ("XX12", "gerd_pct_gdp"): {2019: 4.0},
        ("XX11", "population"): {2019: 100.0}, ("XX12", "population"): {2019: 100.0},
        ("XX11", "gdp_pps_index_eu27"): {2019: 50.0}, ("XX12", "gdp_pps_index_eu27"): {2019: 150.0},
    })
    assert figure(fake, "gerd_pct_gdp").value == pytest.approx((2.0 * 5000 + 4.0 * 15000) / 20000)


def test_an_unemployment_rate_is_weighted_by_the_labour_force(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _fake(monkeypatch, {
        ("XX11", "unemployment_rate"): {2018: 20.0}, ("XX12", "unemployment_rate"): {2018: 5.0},
        ("XX11", "employment_ths"): {2015: 80.0}, ("XX12", "employment_ths"): {2015: 190.0},
        ("XX11", "population"): {2018: 500.0}, ("XX12", "population"): {2018: 100.0},
    })
    fig = figure(fake, "unemployment_rate")
    force = [80.0 / 0.8, 190.0 / 0.95]  # 100 and 200 active people
    assert fig.value == pytest.approx((20.0 * force[0] + 5.0 * force[1]) / sum(force))  # 10.0
    assert fig.rule.startswith("labour force-weighted")


def test_a_missing_weight_falls_back_to_population_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _fake(monkeypatch, {
        ("XX11", "unemployment_rate"): {2018: 20.0}, ("XX12", "unemployment_rate"): {2018: 5.0},
        ("XX11", "population"): {2018: 300.0}, ("XX12", "population"): {2018: 100.0},
    })
    fig = figure(fake, "unemployment_rate")
    assert fig.value == pytest.approx((20.0 * 300 + 5.0 * 100) / 400)
    assert "population (the labour force is not known)" in fig.rule


def test_counts_are_summed_and_ranks_are_not_combined(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _fake(monkeypatch, {
        ("XX11", "population"): {2018: 1234567.0}, ("XX12", "population"): {2018: 7654321.0},
        ("XX11", "i40_readiness_rank"): {2019: 12.0}, ("XX12", "i40_readiness_rank"): {2019: 200.0},
    })
    assert figure(fake, "population").value == 8888888.0
    rank = figure(fake, "i40_readiness_rank")
    assert rank.value is None and rank.parts == (("XX11", 12.0), ("XX12", 200.0)) and "cannot be combined" in rank.note


def test_parts_are_taken_from_one_year(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _fake(monkeypatch, {
        ("XX11", "population"): {2017: 10.0, 2018: 11.0}, ("XX12", "population"): {2017: 20.0},
    })
    fig = figure(fake, "population")
    assert (fig.year, fig.value) == (2017, 30.0)


def test_real_multi_region_without_a_published_figure() -> None:
    hdf = figure(resolve_region("hauts-de-france"), "gerd_pct_gdp")
    assert hdf.value is not None and set(hdf.codes) == {"FRE1", "FRE2"} and "GDP-weighted" in hdf.rule
    weights = [series(c, "gdp_mio_eur") for c in ("FRE1", "FRE2")]
    gdp = [w[min(w, key=lambda y: (abs(y - hdf.year), -y))] for w in weights]
    parts = [series(c, "gerd_pct_gdp")[hdf.year] for c in ("FRE1", "FRE2")]
    assert hdf.value == pytest.approx(sum(v * g for v, g in zip(parts, gdp, strict=True)) / sum(gdp))


def test_uk_gdp_uses_the_eu28_series_and_says_so() -> None:
    gm = figure(resolve_region("greater-manchester"), "gdp_pps_index_eu27")
    assert gm.value is not None and "EU28" in gm.note


def test_missing_data_is_none_not_zero() -> None:
    fig = figure(resolve_region("saxony"), "broadband_households")
    assert fig.value is None and fig.note == "no data"


def test_old_figures_say_why() -> None:
    patents = figure(resolve_region("piemonte"), "patents_per_million")
    assert patents.year == 2012
    assert age_note(patents, 2026) == "old: 2012 (Eurostat stopped publishing EPO applications by NUTS 2 region " \
                                      "after 2012)"
    gerd = figure(resolve_region("saxony"), "gerd_pct_gdp")
    assert age_note(gerd, gerd.year + 5) == "" and age_note(gerd, gerd.year + 6).startswith("old:")


def test_percentile_orientation() -> None:
    low = percentile("unemployment_rate", 1.0, "lower")
    high = percentile("unemployment_rate", 25.0, "lower")
    assert low is not None and high is not None and low > high
    assert percentile("gerd_pct_gdp", 10.0) == pytest.approx(100.0, abs=1)


@pytest.mark.parametrize("indicator", ["gerd_pct_gdp", "unemployment_rate", "gdp_pps_index_eu27"])
def test_the_median_and_the_percentiles_share_one_base(indicator: str) -> None:
    year, values = reference(indicator)
    med = eu_median(indicator)
    assert med.year == year and len(values) >= 50 and f"{len(values)} EU regions in {year}" in med.note
    better = indicators()[indicator].better
    assert percentile(indicator, med.value, better) == pytest.approx(50.0, abs=1.0)
    eu = {c for c, row in countries().items() if row.get("eu")}
    nuts2_in_year = [code for (code, i), by_year in ind_module._series().items()
                     if i == indicator and len(code) == 4 and code[:2] in eu and year in by_year]
    assert len(values) == len(nuts2_in_year)  # NUTS 2 regions only: no country, NUTS 1 or EU row


def test_the_eu27_aggregate_is_the_published_one() -> None:
    agg = eu_aggregate("gerd_pct_gdp")
    published = series("EU27_2020", "gerd_pct_gdp")
    assert agg.value == published[max(published)] and agg.rule == "EU-27 aggregate (Eurostat)"
    assert eu_aggregate("i40_readiness_rank").value is None


def test_every_indicator_has_metadata_and_a_rule() -> None:
    for ind in indicators().values():
        assert ind.url.startswith("https://")
        assert ind.kind in ("performance", "structural") and ind.better in ("higher", "lower", "none")
        assert ind.combine in ("sum", "weighted", "none")
        assert (ind.combine == "weighted") == bool(ind.weight), ind.id


def test_bad_rows_of_an_indicator_file_are_problems_with_lines(tmp_path: Path) -> None:
    from kb.reference.indicators import read_indicator_file

    path = tmp_path / "indicators.csv"
    path.write_text("nuts,indicator,year,value\nDED2,gerd_pct_gdp,2019,2.1\nDED2,gerd_pct_gdp,2020\n"
                    "ded 2,gerd_pct_gdp,2019,1\nDED4,no_such,2019,1\nDED4,gerd_pct_gdp,20x9,1\n"
                    "DED4,gerd_pct_gdp,2019,n/a\nDED5,gerd_pct_gdp,2019,inf\n", encoding="utf-8")
    table, problems = read_indicator_file(path, "f.csv", known={"gerd_pct_gdp"})
    assert table[("DED2", "gerd_pct_gdp")] == {2019: 2.1}
    assert [str(p) for p in problems] == [
        "f.csv:3: 3 columns; expected 4 (nuts,indicator,year,value)",
        "f.csv:4: 'ded 2' is not a NUTS or EU code",
        "f.csv:5: unknown indicator 'no_such' (see indicators.yaml)",
        "f.csv:6: year '20x9' is not a year",
        "f.csv:7: value 'n/a' is not a number",
        "f.csv:8: value 'inf' is not a number",
    ]
    path.write_text("code,indicator,year,value\n", encoding="utf-8")
    assert read_indicator_file(path, "f.csv")[1][0].message.startswith("the header must be")


def test_a_broken_shipped_file_stops_a_report_with_path_and_line(tmp_path: Path, fixture_index: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from kb.cli import cli
    from kb.reference import data as data_module

    bad = tmp_path / "indicators.csv"
    bad.write_text("nuts,indicator,year,value\nDED2,gerd_pct_gdp,2019,oops\n", encoding="utf-8")
    real = data_module.data_path
    monkeypatch.setattr(ind_module, "data_path", lambda name: bad if name == "indicators.csv" else real(name))
    ind_module._series.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["report", "saxony", "--index", str(fixture_index), "--out",
                                          str(tmp_path / "out")])
    finally:
        monkeypatch.undo()
        ind_module._series.cache_clear()
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "kb/data/indicators.csv:2: value 'oops' is not a number"
    assert not (tmp_path / "out").exists()
