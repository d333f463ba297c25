"""Funding and collaboration instruments against a region (kb/reference/funding.py)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kb.cli import cli
from kb.reference.data import load_csv
from kb.reference.funding import (
    BREXIT,
    CATEGORIES,
    NOT_COVERED,
    assess,
    funding_view,
    instruments,
    jtf_territories,
    region_categories,
    region_rules,
    rules,
)
from kb.reference.regions import countries, resolve_region


def by_id(slug: str) -> dict:
    return {a.id: a for a in assess(resolve_region(slug))}


def nuts2_codes() -> dict[str, str]:
    """NUTS 2021 level-2 codes with their country."""
    return {r["code"]: r["country"] for r in load_csv("nuts2021.csv") if r["level"] == "2"}


def national_countries(ins_id: str) -> list[str]:
    return list(rules()[ins_id].get("countries") or [])


def test_every_instrument_has_a_rule_and_own_country_schemes_only() -> None:
    assert set(rules()) == set(instruments())
    national = {i for i, ins in instruments().items() if ins.get("level") == "national"}
    assert all(national_countries(i) for i in national), "a national scheme must name its country"
    assert set(by_id("saxony")) == set(instruments()) - national  # no German national scheme in the data
    assert {i for i in by_id("greater-manchester") if i in national} == {i for i in national
                                                                       if "UK" in national_countries(i)}


def test_eu_region_is_eligible_for_cohesion_funds_with_reasons() -> None:
    sax = by_id("saxony")
    erdf = sax["erdf-2021-2027-po1"]
    assert erdf.eligible is True and erdf.level == "EU"
    assert "Germany, an EU member state" in erdf.reasons[0]
    assert any("DED2 Dresden: transition" in r and "DED5 Leipzig: more developed" in r for r in erdf.reasons)
    jtf = sax["just-transition-fund"]
    assert jtf.eligible is True and any("Territorial Just Transition Plan" in r for r in jtf.reasons)
    assert jtf.sources
    assert "fr-france-2030" not in sax


def test_silesia_jtf_eligible_with_its_source() -> None:
    jtf = by_id("slaskie")["just-transition-fund"]
    assert jtf.eligible is True
    assert any("PL22" in r and "Katowicki" in r and "Rybnicki" in r for r in jtf.reasons)
    assert "https://transformacja.slaskie.pl/content/terytorialny-plan-sprawiedliwej-transformacji1" in jtf.sources
    assert jtf_territories()["PL22"]["level"] == "part"


def test_uk_region_after_brexit() -> None:
    gm = by_id("greater-manchester")
    assert gm["erdf-2021-2027-po1"].eligible is False
    assert "left the EU on 31 January 2020" in gm["erdf-2021-2027-po1"].reasons[0]
    assert gm["interreg-europe-2021-2027"].eligible is False
    assert gm["horizon-europe"].eligible is True
    assert "associated to Horizon Europe from 1 January 2024" in gm["horizon-europe"].reasons[0]
    assert gm["uk-made-smarter"].eligible is True
    assert gm["pilot-action-industrial-transition"].eligible is True


def test_uk_view_states_brexit_once_and_lists_uk_routes() -> None:
    for code in ("UKD3", "UKC1"):
        view = funding_view(resolve_region(code))
        texts = [n.reason for n in view.notes]
        assert texts.count(BREXIT) == 1 and view.notes[0].sources
        assert any("UK Shared Prosperity Fund" in t and "Innovate UK" in t and "Horizon Europe" in t for t in texts)
        rows = {r.id: r for r in view.rows}
        assert rows["uk-shared-prosperity-fund"].eligible and rows["uk-shared-prosperity-fund"].sources
        assert rows["innovate-uk"].eligible and rows["innovate-uk"].sources
        assert rows["horizon-europe"].eligible
        assert "erdf-2021-2027-po1" in view.covered and "erdf-2021-2027-po1" not in rows
        every_reason = [r for row in view.rows for r in row.reasons]
        assert not any("left the EU" in r for r in every_reason)
        assert not any(r.startswith(("fr-", "fi-")) for r in rows)


def test_uk_command_line_says_it_once() -> None:
    out = CliRunner().invoke(cli, ["funding", "UKD3"])
    assert out.exit_code == 0, out.output
    assert out.output.count("left the EU on 31 January 2020") == 1
    assert "UK Shared Prosperity Fund" in out.output and "Innovate UK" in out.output
    assert "France 2030" not in out.output and "Finnish" not in out.output


def test_french_region_shows_no_other_country_scheme() -> None:
    rows = {a.id: a for a in assess(resolve_region("hauts-de-france"))}
    assert rows["fr-france-2030"].eligible is True
    assert not any(i.startswith(("uk-", "fi-")) or i == "innovate-uk" for i in rows)
    out = CliRunner().invoke(cli, ["funding", "FRE1"])
    assert out.exit_code == 0 and "France 2030" in out.output
    assert "Made Smarter" not in out.output and "Finnish" not in out.output


def test_eligible_option_lists_only_eligible_rows() -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["funding", "slaskie", "--eligible", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["instruments"] and all(r["eligible"] is True for r in data["instruments"])
    assert "just-transition-fund" in {r["id"] for r in data["instruments"]}
    full = json.loads(runner.invoke(cli, ["funding", "slaskie", "--json"]).output)
    assert any(r["eligible"] is not True for r in full["instruments"])
    text = runner.invoke(cli, ["funding", "slaskie", "--eligible"]).output
    assert "not eligible" not in text and "unknown;" not in text


def test_region_without_jtf_territory() -> None:
    jtf = by_id("cantabria")["just-transition-fund"]
    assert jtf.eligible is False and jtf.sources
    assert by_id("stuttgart")["just-transition-fund"].eligible is False  # Germany's JTF: four other Länder


def test_unknown_when_the_facts_do_not_say() -> None:
    assert by_id("DEA3")["just-transition-fund"].eligible is None  # northern Ruhr districts not sourced
    assert by_id("CY00")["just-transition-fund"].eligible is None  # Cyprus: territory not in the sources
    assert by_id("stuttgart")["pilot-action-industrial-transition"].eligible is False
    note = funding_view(resolve_region("slaskie")).notes[-1].reason
    assert NOT_COVERED in note and "PL22" in note


def test_category_list_is_valid_nuts_2021() -> None:
    codes = nuts2_codes()
    eu = {c for c, row in countries().items() if row.get("eu")}
    assert region_categories()
    for code, row in region_categories().items():
        assert code in codes and codes[code] in eu, code
        assert row["category"] in CATEGORIES, code
        assert row["source_url"].startswith("http"), code


def test_jtf_list_is_valid_nuts_2021() -> None:
    codes = nuts2_codes()
    for code, row in jtf_territories().items():
        assert code in codes, code
        assert row["level"] in ("nuts2", "part"), code
        assert row["territory_note"].startswith("whole region" if row["level"] == "nuts2" else "part of the region")
        assert row["source_url"].startswith("http"), code
    coverage = rules()["just-transition-fund"]["coverage"]
    assert set(coverage["unknown"]) <= set(codes) and not set(coverage["unknown"]) & set(jtf_territories())


def test_categories_agree_with_sources_checked() -> None:
    """Regions whose category was read in the source: the pilots (funding_rules.yaml) and a few more."""
    cats = {code: row["category"] for code, row in region_categories().items()}
    for slug, row in region_rules().items():
        facts = row.get("category_2021_2027") or {}
        if facts.get("verification") != "verified":
            continue
        for code, value in (facts.get("value") or {}).items():
            if value in CATEGORIES and code in cats:
                assert cats[code] == value, (slug, code)
    assert cats["ES13"] == "transition" and cats["ES61"] == "less_developed" and cats["ES30"] == "more_developed"
    assert cats["ITC1"] == "more_developed" and cats["ITF3"] == "less_developed" and cats["ITI2"] == "transition"
    assert cats["FRE1"] == "transition" and cats["FR10"] == "more_developed" and cats["FRY4"] == "less_developed"
    assert cats["IE04"] == "transition" and cats["IE06"] == "more_developed"
    assert cats["DEE0"] == "transition" and cats["AT11"] == "transition" and cats["HR02"] == "less_developed"


def test_pilot_jtf_facts_agree_with_the_territory_list() -> None:
    for slug, row in region_rules().items():
        facts = row.get("jtf") or {}
        if facts.get("in_tjtp") is None or not row.get("nuts"):
            continue
        listed = any(code in jtf_territories() for code in row["nuts"])
        assert listed == bool(facts["in_tjtp"]), slug
        assert by_id(slug)["just-transition-fund"].eligible is bool(facts["in_tjtp"]), slug


def test_mixed_and_uniform_categories_are_stated_once() -> None:
    hdf = funding_view(resolve_region("hauts-de-france")).notes
    assert any("transition (FRE1, FRE2)" in n.reason for n in hdf)
    erdf = next(r for r in funding_view(resolve_region("saxony")).rows if r.id == "erdf-2021-2027-po1")
    assert not any("category of region" in r for r in erdf.reasons)


def test_unverified_instruments_say_so() -> None:
    from kb.reference.funding import instruments

    unchecked = [i for i, ins in instruments().items() if ins.get("verification") == "memory"]
    assert unchecked
    for ins_id in unchecked:
        row = by_id("saxony").get(ins_id)
        if row is not None:
            assert row.verification == "unverified"
            assert any("could not be checked" in r for r in row.reasons)


def test_eligible_first() -> None:
    order = [a.eligible for a in assess(resolve_region("lithuania"))]
    rank = {True: 0, None: 1, False: 2}
    assert [rank[x] for x in order] == sorted(rank[x] for x in order)
