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
    ("BE10", "brussels-capital-region"), ("DE11", "stuttgart"),
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


# --- every NUTS 2 region readable by name, English names accepted --------------------------------


@pytest.mark.parametrize(("value", "slug"), [
    ("Silesia", "silesia"), ("silesia", "silesia"), ("Śląskie", "silesia"), ("slaskie", "silesia"),
    ("PL22", "silesia"), ("Styria", "styria"), ("Steiermark", "styria"), ("STEIERMARK", "styria"),
    ("Attica", "attica"), ("Attiki", "attica"), ("EL30", "attica"), ("el30", "attica"), ("Aττική", "attica"),
    ("Moravia-Silesia", "moravia-silesia"), ("Moravia Silesia", "moravia-silesia"),
    ("Moravskoslezsko", "moravia-silesia"), ("Lower Silesia", "lower-silesia"), ("Dolnośląskie", "lower-silesia"),
    ("South Moravia", "jihovychod"), ("Yugozapaden", "south-west-bulgaria"), ("BG41", "south-west-bulgaria"),
    ("Sofia", "south-west-bulgaria"), ("Vienna", "vienna"), ("Brussels", "brussels-capital-region"),
    ("Lodz", "lodz-voivodeship"), ("Łódź", "lodz-voivodeship"), ("Trondelag", "trondelag"),
    ("Upper Bavaria", "upper-bavaria"), ("Andalusia", "andalusia"), ("Andalucía", "andalusia"),
    ("Catalonia", "catalonia"), ("Basque Country", "basque-country"), ("Piedmont", "piemonte"),
    ("Provence-Alpes-Côte d'Azur", "provence-alpes-cote-dazur"), ("Masovia", "masovia-regional"),
    ("Warsaw", "warsaw-capital-region"), ("Northern Ireland", "northern-ireland"), ("Budapest", "budapest"),
])
def test_english_latin_and_native_names_resolve(value: str, slug: str) -> None:
    assert resolve_region(value).slug == slug


@pytest.mark.parametrize(("old", "slug"), [
    ("steiermark", "styria"), ("slaskie", "silesia"), ("region-de-bruxelles-capitale", "brussels-capital-region"),
    ("wien", "vienna"), ("karnten", "carinthia"), ("bg41", "south-west-bulgaria"), ("koln", "cologne"),
    ("valle-daosta", "aosta-valley"), ("provincia-autonoma-di-bolzano", "south-tyrol"), ("island", "iceland"),
])
def test_slugs_from_before_the_english_names_still_resolve(old: str, slug: str) -> None:
    assert resolve_region(old).slug == slug


def test_no_slug_is_a_bare_nuts_code() -> None:
    import re

    from kb.reference.data import load_csv

    codes = {r["code"].lower() for r in load_csv("nuts2021.csv")}
    codes |= {c.lower() for r in regions().values() for c in r.all_codes()}
    for slug in regions():
        assert slug not in codes, slug
        if re.fullmatch(r"[a-z]{2}[0-9a-z]{2}", slug):
            assert slug.isalpha(), f"{slug} looks like a NUTS code"


def _scripts(text: str) -> set[str]:
    import unicodedata

    return {unicodedata.name(ch).split()[0] for ch in text if ch.isalpha()}


def test_every_nuts2_region_has_a_latin_script_name() -> None:
    from kb.reference.data import load_csv
    from kb.reference.regions import latin_names

    codes = [r["code"] for r in load_csv("nuts2021.csv") if r["level"] == "2" and not r["code"].endswith("ZZ")]
    assert set(latin_names()) == set(codes)
    for code in codes:
        region = region_by_code(code)
        assert region is not None
        for name in (region.name, latin_names()[code]):
            assert not _scripts(name) & {"GREEK", "CYRILLIC"}, f"{code}: {name}"
            assert _scripts(name) <= {"LATIN"}, f"{code}: {name}"


def test_greek_and_bulgarian_regions_keep_their_national_name_as_native() -> None:
    attica, bg41 = resolve_region("EL30"), resolve_region("BG41")
    assert attica.name == "Attica" and "GREEK" in _scripts(attica.native[0]) and "Attiki" in attica.names
    assert bg41.name == "South-West Bulgaria" and "CYRILLIC" in _scripts(bg41.native[0]) and "Yugozapaden" in bg41.names


def test_every_exonym_and_latin_name_resolves_and_is_recognised_in_a_query() -> None:
    from kb.reference.regions import exonyms, latin_names, region_name_phrases
    from kb.text import words

    phrases = region_name_phrases()
    for code, (names, aliases) in exonyms().items():
        region = region_by_code(code)
        assert region is not None and region.kind == "nuts2", code
        if names:
            assert region.name == names[0]
        for name in (*names, *aliases, latin_names()[code]):
            assert resolve_region(name).slug == region.slug, name
            assert phrases[tuple(words(name))] == region.slug, name


def test_named_regions_keep_their_slugs_and_names() -> None:
    assert resolve_region("ES51").slug == "catalonia" and resolve_region("ES51").name == "Catalonia"
    assert resolve_region("ITC1").slug == "piemonte" and resolve_region("BE21").slug == "flanders"
    assert resolve_region("Alsace").slug == "grand-est"


def test_slugs_are_unique_and_only_clashes_get_a_code() -> None:
    import re

    nuts2 = [r for r in regions().values() if r.kind == "nuts2"]
    assert len({r.slug for r in nuts2}) == len(nuts2)
    assert not [r.slug for r in nuts2 if re.search(r"-[a-z]{2}[0-9a-z]{2}$", r.slug)
                and r.slug.rsplit("-", 1)[1].upper() == r.nuts[0]]


@pytest.mark.parametrize(("typo", "slug"), [("Silezia", "silesia"), ("Attika", "attica"), ("Styrya", "styria"),
                                            ("Carintia", "carinthia"), ("Saxonie", "saxony")])
def test_a_misspelt_region_suggests_the_closest_names(typo: str, slug: str) -> None:
    with pytest.raises(UnknownName) as err:
        resolve_region(typo)
    assert err.value.suggestions[0] == slug and len(err.value.suggestions) <= 3
    message = str(err.value)
    assert "\n" not in message and f"did you mean {slug}" in message


def test_suggestions_are_distinct_regions_and_find_a_word_of_a_name() -> None:
    from kb.reference.regions import suggest_regions

    assert set(suggest_regions("Moravia")) == {"moravia-silesia", "central-moravia", "jihovychod"}
    assert suggest_regions("Silezia")[:2] == ["silesia", "lower-silesia"]
    assert suggest_regions("Atlantis") == []


def test_region_name_phrases_find_silesia_in_a_query() -> None:
    from kb.reference.regions import region_name_phrases

    phrases = region_name_phrases()
    assert phrases[("silesia",)] == "silesia" and phrases[("lower", "silesia")] == "lower-silesia"
    assert phrases[("slaskie",)] == "silesia" and phrases[("attica",)] == "attica"
    assert phrases[("alsace",)] == "grand-est"


def test_an_exonym_given_to_two_regions_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import kb.reference.regions as module
    from kb.errors import DataError

    monkeypatch.setattr(module, "load_yaml", lambda name: {"AT22": {"names": ["Styria"]},
                                                           "AT21": {"names": ["styria"]}})
    module.exonyms.cache_clear()
    try:
        with pytest.raises(DataError) as err:
            module.exonyms()
        assert "also a name of AT22" in err.value.problems[0].message
    finally:
        module.exonyms.cache_clear()
