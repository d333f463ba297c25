"""Funding and collaboration instruments against a region (kb/reference/funding.py)."""

from __future__ import annotations

from kb.reference.funding import assess, instruments, rules
from kb.reference.regions import resolve_region


def by_id(slug: str) -> dict:
    return {a.id: a for a in assess(resolve_region(slug))}


def test_every_instrument_has_a_rule_and_is_assessed() -> None:
    assert set(rules()) == set(instruments())
    assert set(by_id("saxony")) == set(instruments())


def test_eu_region_is_eligible_for_cohesion_funds_with_reasons() -> None:
    sax = by_id("saxony")
    erdf = sax["erdf-2021-2027-po1"]
    assert erdf.eligible is True and erdf.level == "EU"
    assert "Germany, an EU member state" in erdf.reasons[0]
    assert any("DED2 transition" in r for r in erdf.reasons)
    jtf = sax["just-transition-fund"]
    assert jtf.eligible is True and any("Territorial Just Transition Plan" in r for r in jtf.reasons)
    assert jtf.sources
    assert sax["fr-france-2030"].eligible is False


def test_uk_region_after_brexit() -> None:
    gm = by_id("greater-manchester")
    assert gm["erdf-2021-2027-po1"].eligible is False
    assert "left the EU on 31 January 2020" in gm["erdf-2021-2027-po1"].reasons[0]
    assert gm["interreg-europe-2021-2027"].eligible is False
    assert gm["horizon-europe"].eligible is True
    assert "associated to Horizon Europe from 1 January 2024" in gm["horizon-europe"].reasons[0]
    assert gm["uk-made-smarter"].eligible is True
    assert gm["pilot-action-industrial-transition"].eligible is True


def test_region_without_jtf_territory() -> None:
    jtf = by_id("cantabria")["just-transition-fund"]
    assert jtf.eligible is False


def test_unknown_when_the_facts_do_not_say() -> None:
    other = by_id("stuttgart")
    assert other["just-transition-fund"].eligible is None
    assert other["pilot-action-industrial-transition"].eligible is False


def test_unverified_instruments_say_so() -> None:
    esf = by_id("saxony")["esf-plus"]
    assert esf.verification == "unverified"
    assert any("could not be checked" in r for r in esf.reasons)


def test_eligible_first() -> None:
    order = [a.eligible for a in assess(resolve_region("lithuania"))]
    rank = {True: 0, None: 1, False: 2}
    assert [rank[x] for x in order] == sorted(rank[x] for x in order)
