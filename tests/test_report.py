"""Region reports as data and HTML (kb/report.py, kb/report_html.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from kb.reference.regions import resolve_region
from kb.reports.build import REPORT_SECTIONS, build_report
from kb.reports.html import render_all
from pages import read_page as parse


@pytest.fixture(scope="module")
def saxony(fixture_index: Path):  # type: ignore[no-untyped-def]
    return build_report("saxony", index_dir=fixture_index, workshops_dir="/nonexistent", generated_on="2026-01-01")


def test_sections_in_order_without_feedback(saxony) -> None:  # type: ignore[no-untyped-def]
    expected = [s for s in REPORT_SECTIONS if s != "workshop-feedback"]
    assert saxony.sections == expected
    assert parse(render_all(saxony)).sections == expected


def test_at_a_glance_uses_facts_and_marks_unknowns(saxony) -> None:  # type: ignore[no-untyped-def]
    p = saxony.profile
    assert p.name == "Saxony" and "Sachsen" in p.native_names and p.cohort == 2017
    assert p.nuts["2021"] == ["DED2", "DED4", "DED5"]
    assert "microelectronics / semiconductors (Silicon Saxony)" in p.key_sectors
    html = render_all(saxony)
    assert "(memory)" not in html


def test_indicator_rows_state_source_and_year(saxony) -> None:  # type: ignore[no-untyped-def]
    ids = [row.id for row in saxony.indicators]
    assert {"gerd_pct_gdp", "berd_pct_gdp", "hrst_pct_active", "patents_per_million", "unemployment_rate",
            "gdp_pps_index_eu27", "broadband_households", "i40_readiness_rank", "ris2019_rii"} <= set(ids)
    for row in saxony.indicators:
        assert row.cite >= 1
        if row.region.value is not None:
            assert row.region.year is not None
    numbers = {c.number for c in saxony.sources}
    assert all(row.cite in numbers for row in saxony.indicators)


def test_challenges_map_to_themes(saxony) -> None:  # type: ignore[no-untyped-def]
    assert saxony.challenges
    for ch in saxony.challenges:
        if ch.indicator:
            assert ch.themes and ch.gap is not None


def test_practices_say_why_and_cite_sources(saxony) -> None:  # type: ignore[no-untyped-def]
    assert saxony.practices
    for p in saxony.practices:
        assert p.why and p.cites and not p.own and p.answers
    assert all(p.own for p in saxony.own_practices)


def test_actions_cite_a_practice_in_the_report(saxony) -> None:  # type: ignore[no-untyped-def]
    shown = {p.id for p in saxony.practices}
    assert saxony.actions
    for action in saxony.actions:
        assert action.practice in shown and action.cites


def test_peers_and_funding_present(saxony) -> None:  # type: ignore[no-untyped-def]
    assert saxony.peers is not None and len(saxony.peers.peers) == 8
    applies = {row.assessment.id for row in saxony.funding.applies}
    assert applies >= {"erdf-2021-2027-po1", "just-transition-fund"}
    jtf = next(r for r in saxony.brief.funding if r.instrument == "just-transition-fund")
    assert "only in its Just Transition territories" in jtf.detail


def test_every_cited_number_is_listed(saxony) -> None:  # type: ignore[no-untyped-def]
    import re

    html = render_all(saxony)
    cited = {int(n) for n in re.findall(r'href="#src-(\d+)"', html)}
    listed = {int(n) for n in re.findall(r'<li id="src-(\d+)"', html)}
    assert cited and cited <= listed


def test_same_inputs_same_report(fixture_index: Path, saxony) -> None:  # type: ignore[no-untyped-def]
    again = build_report("saxony", index_dir=fixture_index, workshops_dir="/nonexistent", generated_on="2026-01-01")
    assert render_all(again) == render_all(saxony)


def test_nothing_in_a_report_loads_from_another_host(saxony) -> None:  # type: ignore[no-untyped-def]
    c = parse(render_all(saxony))
    assert all(src.startswith("data:") for _, _, src in c.refs), c.refs


@pytest.mark.parametrize("region", ["saxony", "wallonia"])
def test_record_text_is_escaped(hostile_index: Path, region: str) -> None:
    """Saxony shows the hostile record as its own practice (one line), Wallonia as a card."""
    report = build_report(region, index_dir=hostile_index, workshops_dir="/nonexistent", practices_limit=20,
                          generated_on="2026-01-01")
    assert "fx-hostile-record" in {p.id for p in report.practices + report.own_practices}
    html = render_all(report)
    c = parse(html)
    assert c.scripts == []
    assert c.handlers == []
    assert not [r for r in c.refs if "evil" in r[2] or r[2] == "x"]
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in html
    if region == "wallonia":
        assert "&lt;script&gt;alert(&#39;summary&#39;)&lt;/script&gt;" in html


def test_feedback_section_only_when_ratings_exist(fixture_index: Path, tmp_path: Path) -> None:
    workshops = tmp_path / "workshops"
    workshops.mkdir()
    (workshops / "2026-03-01-monitoring.yaml").write_text(yaml.safe_dump({
        "date": "2026-03-01", "theme": "monitoring-evaluation", "regions": ["saxony", "wallonia"],
        "practices": ["fx-lapland-foresight-network"],
        "ratings": [{"region": "saxony", "practice": "fx-lapland-foresight-network", "score": 4,
                     "comment": "<b>useful</b>"}],
        "actions": [{"region": "saxony", "text": "Pilot a foresight panel", "owner": "SMWA", "due": "2026-09-30"}],
    }), encoding="utf-8")
    report = build_report("saxony", index_dir=fixture_index, workshops_dir=workshops, generated_on="2026-01-01")
    assert report.sections == list(REPORT_SECTIONS)
    html = render_all(report)
    assert parse(html).sections == list(REPORT_SECTIONS)
    assert "&lt;b&gt;useful&lt;/b&gt;" in html and "Pilot a foresight panel" in html
    other = build_report("wallonia", index_dir=fixture_index, workshops_dir=workshops, generated_on="2026-01-01")
    assert "workshop-feedback" not in other.sections


def test_uk_region_report(fixture_index: Path) -> None:
    gm = build_report("UKD3", index_dir=fixture_index, workshops_dir="/nonexistent", generated_on="2026-01-01")
    gdp = next(r for r in gm.indicators if r.id == "gdp_pps_index_eu27")
    assert gdp.region.value is not None and "EU28" in gdp.region.note
    assert not any(f.assessment.id == "erdf-2021-2027-po1" for f in gm.funding.applies)
    assert any("European Regional Development Fund" in name for name in gm.funding.covered)


def test_pseudo_regions_have_no_report(fixture_index: Path) -> None:
    from kb.errors import KBError

    with pytest.raises(KBError, match="is not a region but a grouping of practices"):
        build_report("multi-region", index_dir=fixture_index)


def test_indicators_show_rules_ages_trends_and_each_peer(saxony) -> None:  # type: ignore[no-untyped-def]
    assert [t.indicator.id for t in saxony.trends] == ["gdp_pps_index_eu27", "unemployment_rate", "gerd_pct_gdp"]
    assert all(t.region for t in saxony.trends)
    rows = {row.id: row for row in saxony.indicators}
    assert all(row.region.rule for row in rows.values())
    assert rows["patents_per_million"].comparison.old.startswith("old: 2012")
    html = render_all(saxony)
    assert html.count('<figure class="trend">') == 3 and html.count("<polyline") >= 6
    for peer in saxony.peers.peers:
        assert peer.name in html.split("Each peer")[1].split("</table>")[0]
    assert "Eurostat stopped publishing EPO applications" in html


def test_no_challenge_rests_on_a_small_gap_a_saturated_indicator_or_an_old_figure(saxony) -> None:  # type: ignore[no-untyped-def]
    rows = {row.id: row for row in saxony.indicators}
    for ch in saxony.challenges:
        if ch.indicator is None:
            continue
        assert ch.indicator != "broadband_households" and not rows[ch.indicator].comparison.old
        rank, of = (int(x) for x in re.search(r"(\d+)\w\w of (\d+)", ch.size).groups())
        assert ch.gap <= -0.10 or rank > 2 * of / 3 or ch.relative


def test_practices_from_structural_peers_come_first_and_are_marked(fixture_index: Path) -> None:
    report = build_report("hauts-de-france", index_dir=fixture_index, workshops_dir="/nonexistent",
                          generated_on="2026-01-01")
    peers = {p.region for p in report.peers.peers}
    marked = [p for p in report.practices if p.from_peer]
    assert all(set(resolve_region(p.region).all_codes()) or p.region in peers for p in marked)
    flags = [p.from_peer for p in report.practices]
    assert flags == sorted(flags, reverse=True)  # peers' practices first
    html = render_all(report)
    assert html.count("structural peer") >= len(marked)
