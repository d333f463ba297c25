"""Regions and their names and codes (kb/reference/regions.py)."""

from __future__ import annotations

import pytest

from kb.errors import UnknownName
from kb.reference.regions import PILOT_REGIONS, region_by_code, regions, resolve_country, resolve_region, slugify


def test_the_twelve_pilot_regions_and_their_cohorts() -> None:
    pilots = [r for r in regions().values() if r.is_pilot]
    assert [r.slug for r in pilots] == list(PILOT_REGIONS)
    assert {r.slug for r in pilots if r.pilot_cohort == 2017} == {
        "hauts-de-france", "norra-mellansverige", "piemonte", "saxony", "wallonia"}


@pytest.mark.parametrize(("value", "slug"), [
    ("FRE1", "hauts-de-france"), ("fr30", "hauts-de-france"), ("FR22", "hauts-de-france"),
    ("DED4", "saxony"), ("BE33", "wallonia"), ("LT00", "lithuania"), ("LT02", "lithuania"),
    ("SI01", "slovenia"), ("FR24", "centre-val-de-loire"), ("FR41", "grand-est"), ("UKD3", "greater-manchester"),
    ("Piedmont", "piemonte"), ("Sachsen", "saxony"), ("Wallonie", "wallonia"), ("Lietuva", "lithuania"),
    ("Itä- ja Pohjois-Suomi", "east-north-finland"), ("pohjois- ja itä-suomi", "east-north-finland"),
    ("North Middle Sweden", "norra-mellansverige"), ("SAXONY", "saxony"),
    ("Centre-Val de Loire", "centre-val-de-loire"),
    ("BE10", "region-de-bruxelles-capitale"), ("DE11", "stuttgart"),
])
def test_resolve_by_slug_code_or_name(value: str, slug: str) -> None:
    assert resolve_region(value).slug == slug


def test_every_nuts2_code_resolves_to_one_region() -> None:
    from kb.reference.data import load_csv

    codes = [r["code"] for r in load_csv("nuts2021.csv") if r["level"] == "2" and not r["code"].endswith("ZZ")]
    assert len(codes) > 300
    for code in codes:
        region = region_by_code(code)
        assert region is not None and code in region.all_codes()


def test_slugs_are_well_formed_and_no_code_belongs_to_two_regions() -> None:
    import re

    owner: dict[str, str] = {}
    for slug, region in regions().items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug), slug
        for code in region.nuts:
            assert code not in owner, f"{code} belongs to {owner[code]} and {slug}"
            owner[code] = slug
    assert len(owner) > 240


def test_slugify() -> None:
    assert slugify("Région de Bruxelles-Capitale/ Brussels") == "region-de-bruxelles-capitale-brussels"


def test_unknown_region() -> None:
    with pytest.raises(UnknownName) as err:
        resolve_region("Atlantis")
    assert err.value.value == "Atlantis" and "saxony" in err.value.valid


@pytest.mark.parametrize(("value", "code"), [("FR", "FR"), ("gb", "UK"), ("GR", "EL"), ("Norway", "NO")])
def test_resolve_country(value: str, code: str) -> None:
    assert resolve_country(value) == code
