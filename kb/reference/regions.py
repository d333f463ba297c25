"""Regions: the pilot regions and other named regions (kb/data/regions.yaml), plus every
NUTS 2 region of the NUTS 2021 code list (kb/data/nuts2021.csv), resolvable by slug, NUTS
code of any vintage, common or native name.

A NUTS 2 region is named in English where it has an English name a user would type
(kb/data/region_exonyms.yaml: Silesia, Styria, Attica), else by its Latin-script name
(kb/data/nuts2021_latin.csv, from Eurostat/GISCO: Yugozapaden for BG41, whose national name is
Cyrillic); its national name is kept in `native`, and every one of these names resolves."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache

from kb.errors import DataError, Problem, UnknownName
from kb.reference.data import data_path, load_csv, load_yaml
from kb.text import fold

PILOT_REGIONS = (
    "hauts-de-france", "norra-mellansverige", "piemonte", "saxony", "wallonia",
    "cantabria", "centre-val-de-loire", "east-north-finland", "grand-est",
    "greater-manchester", "lithuania", "slovenia",
)
PSEUDO_REGIONS = ("multi-region", "eu")


@dataclass(frozen=True)
class Region:
    """A region as the corpus and the reports know it."""

    slug: str
    name: str
    country: str | None
    nuts: tuple[str, ...]
    """NUTS 2021 codes."""
    nuts_by_vintage: dict[str, tuple[str, ...]] = field(default_factory=dict)
    native: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    pilot_cohort: int | None = None
    kind: str = "region"
    nuts0: str | None = None
    """The country code, when the region is a whole country (Lithuania, Slovenia)."""
    """`pilot`, `named` (a region named in regions.yaml), `nuts2`, `multi-region` or `eu`."""

    @property
    def is_pilot(self) -> bool:
        return self.pilot_cohort is not None

    def all_codes(self) -> tuple[str, ...]:
        """Return the region's NUTS codes over every vintage, newest first, without repeats."""
        codes = list(self.nuts)
        for vintage in sorted(self.nuts_by_vintage, reverse=True):
            codes.extend(self.nuts_by_vintage[vintage])
        return tuple(dict.fromkeys(codes))

    def all_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.name, *self.native, *self.names)))


_LATIN = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "æ": "ae", "þ": "th", "ı": "i", "ß": "ss", "œ": "oe",
                        "ð": "d", "ħ": "h"})


def slugify(text: str) -> str:
    """Return `text` folded to ASCII, lower case, hyphenated (`Région de Bruxelles` -> `region-de-bruxelles`);
    '' when the text is not in Latin script (Greek and Cyrillic names get no slug from their name). An
    apostrophe, typed or typographic, joins (`Côte d'Azur` and `Côte d’Azur` -> `cote-dazur`)."""
    folded = fold(text).translate(_LATIN).replace("'", "")
    letters = [ch for ch in folded if ch.isalpha()]
    if letters and sum(not ch.isascii() for ch in letters) > len(letters) // 4:
        return ""
    text = re.sub(r"[^a-z0-9]+", "-", folded.encode("ascii", "ignore").decode())
    return text.strip("-")


def _named() -> list[Region]:
    out = []
    for row in load_yaml("regions.yaml"):
        vintages = {str(k): tuple(v) for k, v in (row.get("nuts") or {}).items()}
        cohort = row.get("pilot_cohort")
        kind = row.get("kind") or ("pilot" if cohort else "named")
        out.append(Region(
            slug=row["slug"], name=row["name"], country=row.get("country"),
            nuts=vintages.get("2021", ()), nuts_by_vintage=vintages,
            native=tuple(row.get("native") or ()), names=tuple(row.get("names") or ()),
            aliases=tuple(row.get("aliases") or ()), pilot_cohort=cohort, kind=kind, nuts0=row.get("nuts0"),
        ))
    return out


@lru_cache(maxsize=1)
def countries() -> dict[str, dict]:
    """Return the countries by NUTS country code (`EL` for Greece, `UK` for the United Kingdom)."""
    return {row["code"]: row for row in load_yaml("countries.yaml")}


@lru_cache(maxsize=1)
def nuts_names() -> dict[str, str]:
    """Return the national-language name of every code in the NUTS 2021 list (all levels)."""
    return {row["code"]: row["name"] for row in load_csv("nuts2021.csv")}


@lru_cache(maxsize=1)
def latin_names() -> dict[str, str]:
    """Return the Latin-script name of every NUTS 2021 NUTS 2 region by code (Eurostat/GISCO via
    scripts/prepare_region_names.py): the national name is Greek or Cyrillic for some countries."""
    return {row["code"]: row["latin_name"] for row in load_csv("nuts2021_latin.csv")}


EXONYMS_FILE = "kb/data/region_exonyms.yaml"


def _exonym_problem(code: str, message: str) -> Problem:
    """A problem in region_exonyms.yaml at the line of `code`'s entry (0 when not found)."""
    lines = data_path("region_exonyms.yaml").read_text(encoding="utf-8").splitlines()
    line = next((i for i, text in enumerate(lines, 1) if text.startswith(f"{code}:")), 0)
    return Problem(EXONYMS_FILE, line, message)


@lru_cache(maxsize=1)
def exonyms() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Return the English `names` and the `aliases` of NUTS 2 regions by code
    (kb/data/region_exonyms.yaml); raise DataError when one name is given to two codes, since a
    name that points to two regions could resolve to neither."""
    out: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    owner: dict[str, str] = {}
    problems = []
    for code, entry in (load_yaml("region_exonyms.yaml") or {}).items():
        names = tuple(" ".join(str(n).split()) for n in entry.get("names") or ())
        aliases = tuple(" ".join(str(n).split()) for n in entry.get("aliases") or ())
        for name in (*names, *aliases):
            first = owner.setdefault(fold(name), code)
            if first != code:
                problems.append(_exonym_problem(code, f"{name!r} is also a name of {first}"))
        out[str(code)] = (names, aliases)
    if problems:
        raise DataError(problems)
    return out


@lru_cache(maxsize=1)
def regions() -> dict[str, Region]:
    """Return every known region by slug: named regions first, then the other NUTS 2 regions,
    each named by its English exonym, else its Latin-script name, and slugged from that name
    (a code is added to the slug only when two regions would share it)."""
    named = _named()
    taken = {code for r in named for code in r.all_codes()}
    out = {r.slug: r for r in named}
    latin, english = latin_names(), exonyms()
    for row in load_csv("nuts2021.csv"):
        code = row["code"]
        if row["level"] != "2" or code in taken or code.endswith("ZZ"):
            continue
        native = " ".join(row["name"].split())
        latin_name = latin.get(code) or native
        names, aliases = english.get(code, ((), ()))
        name = names[0] if names else latin_name
        slug = slugify(name.split("/")[0]) or code.lower()
        if slug in out:
            slug = f"{slug}-{code.lower()}"
        others = tuple(n for n in dict.fromkeys((*names, latin_name)) if n not in (name, native))
        out[slug] = Region(slug=slug, name=name, country=row["country"], nuts=(code,),
                           nuts_by_vintage={"2021": (code,)}, native=(native,), names=others, aliases=aliases,
                           kind="nuts2")
    _check_exonyms(out)
    return out


def _check_exonyms(known: dict[str, Region]) -> None:
    """Raise DataError when an exonym is already another region's name (Alsace is Grand Est's):
    it would silently resolve to that other region."""
    by_code = {r.nuts[0]: r for r in known.values() if r.kind == "nuts2"}
    first: dict[str, str] = {}
    for region in known.values():
        if region.kind != "nuts2":
            for name in (*region.all_names(), *region.aliases):
                first.setdefault(fold(name), region.slug)
    for region in known.values():
        if region.kind == "nuts2":
            first.setdefault(fold(region.native[0]), region.slug)
            first.setdefault(fold(latin_names().get(region.nuts[0], region.native[0])), region.slug)
    problems = []
    for code, (names, aliases) in exonyms().items():
        region = by_code.get(code)
        if region is None:
            problems.append(_exonym_problem(code, f"{code} is not a NUTS 2021 NUTS 2 region outside the named ones"))
            continue
        for name in (*names, *aliases):
            owner = first.get(fold(name), region.slug)
            if owner != region.slug:
                problems.append(_exonym_problem(code, f"{name!r} is already a name of {owner}"))
    if problems:
        raise DataError(problems)


@lru_cache(maxsize=1)
def _lookup() -> dict[str, str]:
    """Map every way of naming a region to its slug: slugs, codes and folded names first; then, where
    still free, the slug form of each name and of each part of a bilingual name (`Lodz` for Łódź,
    `region-de-bruxelles-capitale`), so that names typed without their non-ASCII letters and the
    slugs NUTS 2 regions had before they got English names still resolve."""
    table: dict[str, str] = {}
    for region in regions().values():
        table.setdefault(region.slug, region.slug)
        for code in (*region.all_codes(), *([region.nuts0] if region.nuts0 else [])):
            table.setdefault(code.lower(), region.slug)
        for name in (*region.all_names(), *region.aliases):
            table.setdefault(fold(name), region.slug)
    for region in regions().values():
        for name in (*region.all_names(), *region.aliases):
            for part in dict.fromkeys((name, *name.split("/"))):
                key = slugify(part)
                if key:
                    table.setdefault(key, region.slug)
    return table


_CODE_LIKE = re.compile(r"[a-z]{2}[0-9a-z]{0,3}")
SUGGESTION_CUTOFF = 0.7
PARTIAL_WEIGHT = 0.9


@lru_cache(maxsize=1)
def _code_keys() -> frozenset[str]:
    """The lower-cased NUTS codes (every vintage) among the look-up keys."""
    return frozenset(c.lower() for r in regions().values() for c in (*r.all_codes(), *([r.nuts0] if r.nuts0 else [])))


def suggest_regions(value: str, n: int = 3) -> list[str]:
    """Return the slugs of up to `n` regions whose names are closest to `value`, best first.

    Each region counts once, by its closest name (three suggestions are three regions); NUTS codes
    are compared only with code-like input (`PL2`, not a misspelt name); and a word of a name
    compared with the whole input, or a word of the input with a whole name, counts too but a little
    less (PARTIAL_WEIGHT), so that `Moravia` finds Moravia-Silesia and `Silesia region` Silesia,
    while a whole name as close wins (`Saxonie` is Saxony, not Saxony-Anhalt)."""
    key = fold(" ".join(value.split()))
    if not key:
        return []
    code_like = bool(_CODE_LIKE.fullmatch(key)) and (len(key) <= 3 or any(ch.isdigit() for ch in key))
    codes = _code_keys()
    key_words = [w for w in re.split(r"[^\w]+", key) if len(w) >= 4 and w != key]
    scores: dict[str, float] = {}

    def score(a: str, b: str, weight: float, slug: str) -> None:
        matcher = difflib.SequenceMatcher(None, a, b)
        floor = SUGGESTION_CUTOFF / weight
        if matcher.real_quick_ratio() >= floor and matcher.quick_ratio() >= floor:
            ratio = matcher.ratio() * weight
            if ratio >= SUGGESTION_CUTOFF and ratio > scores.get(slug, 0):
                scores[slug] = ratio

    for name, slug in _lookup().items():
        if name in codes and not code_like:
            continue
        score(key, name, 1.0, slug)
        for word in re.split(r"[^\w]+", name):
            if len(word) >= 4 and word != name:
                score(key, word, PARTIAL_WEIGHT, slug)
        for word in key_words:
            score(word, name, PARTIAL_WEIGHT, slug)
    return sorted(scores, key=lambda slug: (-scores[slug], slug))[:n]


def resolve_region(value: str) -> Region:
    """Return the region named by `value`: a slug, a NUTS code of any vintage, or a common, Latin-script
    or native name, in any case and with or without accents. Raise UnknownName with the closest names
    otherwise."""
    key = fold(" ".join(value.split()))
    slug = _lookup().get(key) or _lookup().get(slugify(value))
    if slug:
        return regions()[slug]
    valid = [*PILOT_REGIONS, "... (`kb regions` lists all)"]
    raise UnknownName("region", value, suggest_regions(value), valid)


def region_by_code(code: str) -> Region | None:
    """Return the region a NUTS code (any vintage) belongs to, or None."""
    slug = _lookup().get(code.lower())
    return regions()[slug] if slug else None


def region_name_phrases() -> dict[tuple[str, ...], str]:
    """Return the folded words of every region's names and aliases, mapped to its slug, for
    recognising regions named in a free-text query: named regions first, so that their names win
    (Alsace is Grand Est), then the NUTS 2 regions' English, Latin-script and national names. Not
    the groupings `eu` and `multi-region`: "European Union" names no region."""
    from kb.text import words

    out: dict[tuple[str, ...], str] = {}
    for region in regions().values():
        if region.kind not in ("pilot", "named", "nuts2"):
            continue
        for name in (*region.all_names(), *region.aliases):
            key = tuple(words(name))
            if key:
                out.setdefault(key, region.slug)
    return out


def country_name(code: str | None) -> str:
    """Return the English name of a NUTS country code, or the code itself when unknown."""
    return countries().get(code, {}).get("name", code) if code else "EU"


def resolve_country(value: str) -> str:
    """Return the NUTS country code for `value` (a code, an ISO alias such as GR or GB, or an
    English name); raise UnknownName otherwise."""
    key = value.strip().upper()
    for code, row in countries().items():
        if key == code or key in (row.get("aliases") or ()) or fold(value.strip()) == fold(row["name"]):
            return code
    raise UnknownName("country", value, difflib.get_close_matches(key, list(countries()), n=3),
                      list(countries()))
