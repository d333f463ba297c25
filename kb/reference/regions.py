"""Regions: the pilot regions and other named regions (kb/data/regions.yaml), plus every
NUTS 2 region of the NUTS 2021 code list (kb/data/nuts2021.csv), resolvable by slug, NUTS
code of any vintage, common or native name."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache

from kb.errors import UnknownName
from kb.reference.data import load_csv, load_yaml
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
    '' when the text is not in Latin script (Greek and Cyrillic names get no slug from their name)."""
    folded = fold(text).translate(_LATIN)
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
def regions() -> dict[str, Region]:
    """Return every known region by slug: named regions first, then the other NUTS 2 regions."""
    named = _named()
    taken = {code for r in named for code in r.all_codes()}
    out = {r.slug: r for r in named}
    for row in load_csv("nuts2021.csv"):
        code = row["code"]
        if row["level"] != "2" or code in taken or code.endswith("ZZ"):
            continue
        name = " ".join(row["name"].split())
        slug = slugify(name.split("/")[0]) or code.lower()
        if slug in out:
            slug = f"{slug}-{code.lower()}"
        out[slug] = Region(slug=slug, name=name, country=row["country"], nuts=(code,),
                           nuts_by_vintage={"2021": (code,)}, native=(name,), kind="nuts2")
    return out


@lru_cache(maxsize=1)
def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for region in regions().values():
        table.setdefault(region.slug, region.slug)
        for code in (*region.all_codes(), *([region.nuts0] if region.nuts0 else [])):
            table.setdefault(code.lower(), region.slug)
        for name in (*region.all_names(), *region.aliases):
            table.setdefault(fold(name), region.slug)
    return table


def resolve_region(value: str) -> Region:
    """Return the region named by `value`: a slug, a NUTS code of any vintage, or a common or
    native name, in any case. Raise UnknownName with close matches otherwise."""
    key = fold(" ".join(value.split()))
    slug = _lookup().get(key) or _lookup().get(slugify(value))
    if slug:
        return regions()[slug]
    close = difflib.get_close_matches(key, list(_lookup()), n=3, cutoff=0.7)
    suggestions = list(dict.fromkeys(_lookup()[c] for c in close))
    valid = [*PILOT_REGIONS, "... (`kb regions` lists all)"]
    raise UnknownName("region", value, suggestions, valid)


def region_by_code(code: str) -> Region | None:
    """Return the region a NUTS code (any vintage) belongs to, or None."""
    slug = _lookup().get(code.lower())
    return regions()[slug] if slug else None


def region_name_phrases() -> dict[tuple[str, ...], str]:
    """Return the folded words of every named region's names and aliases, mapped to its slug,
    for recognising regions named in a free-text query (NUTS 2 names are left out: too many
    of them are ordinary words)."""
    from kb.text import words

    out: dict[tuple[str, ...], str] = {}
    for region in regions().values():
        if region.kind not in ("pilot", "named"):
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
