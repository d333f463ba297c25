"""Funding and collaboration instruments (kb/data/instruments.yaml) evaluated against a region
with explicit rules (kb/data/instrument_rules.yaml): eligible or not, why, and the sources.

Each check is a small function in CHECKS returning a Verdict; an instrument is eligible when
all its required checks pass, not eligible when one fails, and unknown when one cannot be
decided from the sourced facts.

The facts hold for every NUTS 2 region, not only the pilots: the category of region 2021-2027
comes from kb/data/region_categories_2021_2027.csv and the Just Transition Fund territories from
kb/data/jtf_territories.csv. A national scheme is assessed only for regions of its own country
(a French scheme neither applies nor fails for Saxony). Facts that hold for the whole region
(its category, the UK's position after Brexit) are stated once, as notes of a FundingView."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from typing import Any

from kb.reference.data import load_csv, load_yaml
from kb.reference.regions import Region, countries, country_name, nuts_names

BREXIT = "the UK left the EU on 31 January 2020; EU cohesion funds do not apply"
LEVELS = {"eu": "EU", "national": "national", "regional": "regional"}
CATEGORIES = {"less_developed": "less developed", "transition": "transition", "more_developed": "more developed"}
NOT_COVERED = "unknown: the category list does not cover this region"
COVERED_NON_EU = "non-eu"
UNCHECKED = "the instrument's facts could not be checked against a source"


@dataclass(frozen=True)
class Verdict:
    ok: bool | None
    reason: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assessment:
    """One instrument for one region."""

    id: str
    name: str
    level: str
    eligible: bool | None
    reasons: list[str]
    sources: list[str]
    verification: str
    kind: str = ""
    what_it_funds: list[str] = field(default_factory=list)
    covered_by: str = ""
    """Set when a note of the region (e.g. the UK's exit from the EU) decides the row: the
    command line lists such rows once under that note instead of repeating the reason."""
    closed: bool = False
    """The instrument takes no new applicants (a past call): eligibility says who took part."""

    @property
    def applies(self) -> bool:
        """Open to the region now: eligible, and not a closed call."""
        return self.eligible is True and not self.closed

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FundingView:
    """What `kb funding` shows: region-wide notes stated once, then one row per instrument."""

    region: str
    notes: list[Verdict]
    rows: list[Assessment]
    covered: list[str]
    """Ids of the instruments a note decides (not repeated as rows)."""

    def to_dict(self) -> dict[str, Any]:
        keys = ("id", "name", "level", "eligible", "reasons", "sources", "verification")
        return {"region": self.region,
                "notes": [{"text": n.reason, "sources": list(n.sources)} for n in self.notes],
                "not_applicable": self.covered,
                "instruments": [{k: v for k, v in r.to_dict().items() if k in keys} for r in self.rows]}


@lru_cache(maxsize=1)
def instruments() -> dict[str, dict]:
    return {row["id"]: row for row in load_yaml("instruments.yaml")}


@lru_cache(maxsize=1)
def rules() -> dict[str, dict]:
    return {row["instrument"]: row for row in load_yaml("instrument_rules.yaml")}


@lru_cache(maxsize=1)
def region_rules() -> dict[str, dict]:
    """The per-region funding facts of the pilots (category, JTF, EDIH, UK position) by slug."""
    return {row["slug"]: row for row in load_yaml("funding_rules.yaml")}


@lru_cache(maxsize=1)
def region_categories() -> dict[str, dict[str, str]]:
    """Category of region 2021-2027 by NUTS 2 code, as transcribed with its source."""
    return {row["nuts"]: row for row in load_csv("region_categories_2021_2027.csv")}


@lru_cache(maxsize=1)
def jtf_territories() -> dict[str, dict[str, str]]:
    """NUTS 2 regions with a territory in an approved Territorial Just Transition Plan."""
    return {row["nuts"]: row for row in load_csv("jtf_territories.csv")}


@dataclass(frozen=True)
class Programme:
    """A 2021-2027 programme that covers the region (kb/data/regional_programmes.csv): the name an
    officer looks up, the funds it pools, and its amounts where a source states them."""

    name: str
    funds: tuple[str, ...]
    cci: str
    eu_amount: float | None
    total_amount: float | None
    currency: str
    period: str
    source: str
    verification: str
    nuts: tuple[str, ...]

    def amount_text(self) -> str:
        """The amounts in words ("EUR 1,094 million EU, EUR 1,563 million in all"), or ''."""
        parts = []
        for value, what in ((self.eu_amount, "from the EU"), (self.total_amount, "in all")):
            if value:
                parts.append(f"{self.currency} {value / 1e6:,.0f} million {what}")
        return ", ".join(parts)


FUND_INSTRUMENTS = {"ERDF": "erdf-2021-2027-po1", "ESF+": "esf-plus", "JTF": "just-transition-fund",
                    "UKSPF": "uk-shared-prosperity-fund"}
"""The instrument of instruments.yaml that each fund of a programme belongs to."""


def _amount(text: str | None) -> float | None:
    try:
        return float(text) if text and text.strip() else None
    except ValueError:
        return None


@lru_cache(maxsize=1)
def _programmes() -> tuple[tuple[str, Programme], ...]:
    try:
        rows = load_csv("regional_programmes.csv")
    except FileNotFoundError:
        return ()
    out = []
    for row in rows:
        funds = tuple(f.strip() for f in (row.get("funds") or "").replace(",", ";").split(";") if f.strip())
        out.append((row.get("region") or "", Programme(
            name=row.get("programme") or "", funds=funds, cci=row.get("cci") or "",
            eu_amount=_amount(row.get("eu_amount_eur")), total_amount=_amount(row.get("total_amount_eur")),
            currency=(row.get("currency") or "EUR").strip() or "EUR", period=row.get("period") or "",
            source=row.get("source_url") or "", verification=row.get("verification") or "partial",
            nuts=tuple((row.get("nuts") or "").split()))))
    return tuple(out)


def programmes(region: Region) -> list[Programme]:
    """The programmes that cover `region`: listed for it by slug, or covering one of its NUTS codes."""
    codes = set(_codes(region))
    return [p for slug, p in _programmes() if slug == region.slug or codes & set(p.nuts)]


def programme_for(region: Region, instrument_id: str) -> Programme | None:
    """The programme through which the region reaches `instrument_id` (ERDF, ESF+, JTF, UKSPF), if known."""
    return next((p for p in programmes(region)
                 if any(FUND_INSTRUMENTS.get(f.upper()) == instrument_id for f in p.funds)), None)


def networks() -> list[dict]:
    """The networks of kb/data/networks/ (kb/reference/networks.py)."""
    from kb.reference.networks import networks as all_networks

    return list(all_networks())


def _uk_position() -> dict:
    return region_rules().get("greater-manchester", {}).get("uk_position") or {}


def _in(code: str | None) -> str:
    name = country_name(code)
    return f"the {name}" if name.startswith(("United", "Netherlands")) else name


def _is_eu(region: Region) -> bool:
    return bool(region.country and countries().get(region.country, {}).get("eu"))


def _label(code: str) -> str:
    """`DED2 Dresden`: a NUTS code with its name, so mixed regions say which part is which."""
    name = " ".join(nuts_names().get(code, "").split())
    return f"{code} {name}" if name else code


def _codes(region: Region) -> tuple[str, ...]:
    """The region's NUTS 2 codes (2021), the unit the category and JTF data are kept at."""
    return tuple(c for c in region.nuts if len(c) == 4)


def _pilot_category(region: Region, code: str) -> tuple[str, tuple[str, ...], str] | None:
    """A pilot region's category from funding_rules.yaml, for codes the category list lacks."""
    facts = (region_rules().get(region.slug) or {}).get("category_2021_2027") or {}
    value = (facts.get("value") or {}).get(code)
    if value not in CATEGORIES or facts.get("verification") == "unverified":
        return None
    return value, tuple(facts.get("source") or ()), str(facts.get("verification") or "")


def category_2021_2027(region: Region) -> Verdict | None:
    """The category of region 2021-2027 of every NUTS 2 part, stated once for the region:
    one category when all parts share it, otherwise each part with its own."""
    codes = _codes(region)
    if not codes or not _is_eu(region):
        return None
    parts: list[tuple[str, str]] = []
    sources: list[str] = []
    for code in codes:
        row = region_categories().get(code)
        if row:
            parts.append((code, CATEGORIES[row["category"]]))
            sources.append(row["source_url"])
            continue
        pilot = _pilot_category(region, code)
        if pilot:
            value, urls, verification = pilot
            text = CATEGORIES[value] + ("" if verification == "verified" else f" ({verification}: pilot fact base)")
            parts.append((code, text))
            sources.extend(urls)
        else:
            parts.append((code, NOT_COVERED))
    values = {v for _, v in parts}
    if len(values) == 1:
        text = f"{values.pop()} ({', '.join(c for c, _ in parts)})"
    else:
        text = "mixed: " + "; ".join(f"{_label(c)}: {v}" for c, v in parts)
    return Verdict(None if values == {NOT_COVERED} else True,
                   f"category of region 2021-2027 (sets ERDF/ESF+ co-financing rates): {text}",
                   tuple(dict.fromkeys(sources)))


def region_notes(region: Region) -> list[Verdict]:
    """Facts that hold for the region as a whole, each stated once."""
    if region.country == "UK":
        uk = _uk_position()
        sources = (*(uk.get("left_eu_source") or ()), *(uk.get("cohesion_policy_source") or ()))
        routes = [instruments()[i]["name"] for i in ("uk-shared-prosperity-fund", "innovate-uk") if i in instruments()]
        return [Verdict(False, BREXIT, tuple(dict.fromkeys(sources))),
                Verdict(True, "UK routes after 2020: " + "; ".join(
                    [*routes, "Horizon Europe (the UK is associated from 1 January 2024)"]),
                    tuple(uk.get("horizon_europe_source") or ()))]
    if region.country and not _is_eu(region):
        return [Verdict(False, f"{country_name(region.country)} is not an EU member state; instruments open only to "
                               "EU member states do not apply")]
    notes = [Verdict(True, _member_sentence(region))] if _is_eu(region) else []
    category = category_2021_2027(region)
    return [*notes, category] if category else notes


def _member_sentence(region: Region) -> str:
    country = country_name(region.country)
    if region.name == country:
        return f"{country} is an EU member state"
    return f"{region.name} is in {country}, an EU member state"


def check_eu_member(region: Region, rule: dict, ins: dict) -> Verdict:
    if _is_eu(region):
        return Verdict(True, _member_sentence(region))
    if region.country == "UK":
        return Verdict(False, f"not open to UK regions: {BREXIT}", region_notes(region)[0].sources)
    return Verdict(False, f"{country_name(region.country)} is not an EU member state")


def check_horizon_participant(region: Region, rule: dict, ins: dict) -> Verdict:
    if _is_eu(region):
        return Verdict(True, _member_sentence(region))
    if region.country == "UK":
        uk = _uk_position()
        return Verdict(True, "the UK is associated to Horizon Europe from 1 January 2024",
                       tuple(uk.get("horizon_europe_source") or ()))
    if region.country == "NO":
        return Verdict(True, "Norway is an associated country", tuple(ins.get("sources") or ()))
    return Verdict(None, f"association of {country_name(region.country)} is not in the sourced facts")


def check_interreg_europe_partner(region: Region, rule: dict, ins: dict) -> Verdict:
    if _is_eu(region) or region.country in ("NO", "CH"):
        return Verdict(True, f"{country_name(region.country)} is a partner country of Interreg Europe 2021-2027",
                       tuple(ins.get("sources") or ()))
    if region.country == "UK":
        uk = _uk_position()
        return Verdict(False, "the UK opted out of Interreg for 2021-2027 (PEACE PLUS excepted)",
                       tuple(uk.get("interreg_source") or ()))
    return Verdict(False, f"{country_name(region.country)} is not a partner country")


def check_pilot_region(region: Region, rule: dict, ins: dict) -> Verdict:
    if region.is_pilot:
        return Verdict(True, f"{region.name} was selected for the pilot action (cohort {region.pilot_cohort}); "
                             "the call is closed", tuple(ins.get("sources") or ())[:2])
    return Verdict(False, "only the 12 regions selected in 2017-2018 took part; the call is closed",
                   tuple(ins.get("sources") or ())[:2])


def _jtf_part(code: str, country: str | None, coverage: dict) -> Verdict:
    """The JTF verdict of one NUTS 2 region: listed, left open by the sources, or absent from a
    country whose plans the file covers in full."""
    row = jtf_territories().get(code)
    if row:
        return Verdict(True, f"{_label(code)}: {row['territory_note']}", (row["source_url"],))
    if code in (coverage.get("unknown") or {}):
        return Verdict(None, f"{_label(code)}: {coverage['unknown'][code]}",
                       tuple(u for u in [(coverage.get("unknown_source") or {}).get(code)] if u))
    complete = coverage.get("complete") or {}
    if country in complete:
        return Verdict(False, f"{_label(code)}: no territory in an approved Territorial Just Transition Plan of "
                              f"{_in(country)}", (complete[country],))
    return Verdict(None, f"{_label(code)}: whether a territory of the region is in a Territorial Just Transition "
                         "Plan is not in the sourced facts")


def jtf_limit(region: Region) -> str:
    """Where in the region the Just Transition Fund can pay ("" when the whole region can): a
    step funded by it names its territories, never the region as a whole."""
    codes = _codes(region)
    rows = [jtf_territories()[c] for c in codes if c in jtf_territories()]
    if rows and len(rows) == len(codes) and all(r.get("level") == "whole" for r in rows):
        return ""
    places = []
    for row in rows:
        note = re.sub(r"^(part of the region|whole region):\s*", "", row.get("territory_note") or "")
        places.append(note)
    return "only in its Just Transition territories: " + "; ".join(places) if places else ""


def check_jtf_territory(region: Region, rule: dict, ins: dict) -> Verdict:
    codes = _codes(region)
    if not codes:
        return Verdict(None, "whether a territory of the region is in a Territorial Just Transition Plan "
                             "is not in the sourced facts")
    parts = [_jtf_part(code, region.country, rule.get("coverage") or {}) for code in codes]
    sources = tuple(dict.fromkeys(s for v in parts for s in v.sources))
    eligible = [v for v in parts if v.ok]
    if eligible:
        facts = (region_rules().get(region.slug) or {}).get("jtf") or {}
        amount = (facts.get("amount") or {}).get("eur_million") if facts.get("in_tjtp") else None
        money = f" (about EUR {amount:g} million of JTF)" if amount else ""
        return Verdict(True, f"in an approved Territorial Just Transition Plan{money}: "
                             + "; ".join(v.reason for v in eligible),
                       (*sources, *(facts.get("source") or ())) if money else sources)
    unknown = [v for v in parts if v.ok is None]
    if unknown:
        return Verdict(None, "; ".join(v.reason for v in unknown), sources)
    return Verdict(False, "; ".join(v.reason for v in parts), sources)


def check_country_in(region: Region, rule: dict, ins: dict) -> Verdict:
    wanted = rule.get("countries") or []
    names = ", ".join(country_name(c) for c in wanted)
    if region.country in wanted:
        return Verdict(True, f"a {names} instrument, and {region.name} is in {_in(region.country)}",
                       tuple(ins.get("sources") or ()))
    return Verdict(False, f"a {names} instrument; {region.name} is in {_in(region.country)}")


def check_region_in(region: Region, rule: dict, ins: dict) -> Verdict:
    wanted = rule.get("regions") or []
    if region.slug in wanted:
        return Verdict(True, f"{region.name} is one of the places the instrument names",
                       tuple(ins.get("sources") or ()))
    return Verdict(False, "open only to the places it names", tuple(ins.get("sources") or ()))


def inform_category_2021_2027(region: Region, rule: dict, ins: dict) -> Verdict | None:
    return category_2021_2027(region)


def inform_edih(region: Region, rule: dict, ins: dict) -> Verdict | None:
    hubs = (region_rules().get(region.slug) or {}).get("edih") or []
    if not hubs:
        return None
    text = "; ".join(f"{h.get('name')} ({str(h.get('status', '')).replace('_', ' ')})" for h in hubs)
    sources = tuple(s for h in hubs for s in (h.get("source") or ()) if isinstance(s, str))
    return Verdict(True, f"hubs linked to the region: {text}", sources)


def inform_networks(region: Region, rule: dict, ins: dict) -> Verdict | None:
    for net in networks():
        if net.get("id") != ins["id"]:
            continue
        mine = [m for m in net.get("members") or [] if m.get("region") == region.slug]
        if mine:
            return Verdict(True, f"{region.name} is a {mine[0].get('role', 'member')} "
                                 f"({mine[0].get('detail') or net.get('name')})",
                           tuple(m["source"] for m in mine if m.get("source")))
    return None


CHECKS: dict[str, Callable[[Region, dict, dict], Verdict]] = {
    "eu_member": check_eu_member,
    "horizon_participant": check_horizon_participant,
    "interreg_europe_partner": check_interreg_europe_partner,
    "pilot_region": check_pilot_region,
    "jtf_territory": check_jtf_territory,
    "country_in": check_country_in,
    "region_in": check_region_in,
}
INFORM: dict[str, Callable[[Region, dict, dict], Verdict | None]] = {
    "category_2021_2027": inform_category_2021_2027,
    "edih": inform_edih,
    "networks": inform_networks,
}


def applies_to(region: Region, ins: dict, rule: dict) -> bool:
    """Whether the instrument is assessed for the region at all: a national scheme is only for
    regions of the countries its rule names."""
    wanted = rule.get("countries")
    return not (ins.get("level") == "national" and wanted and region.country not in wanted)


def assess(region: Region) -> list[Assessment]:
    """Return every instrument that applies to `region`, evaluated: eligible first, then unknown,
    then not. Other countries' national schemes are left out."""
    out = []
    for ins_id, ins in instruments().items():
        rule = rules().get(ins_id, {"requires": []})
        if not applies_to(region, ins, rule):
            continue
        requires = list(rule.get("requires", []))
        covered = ""
        if "eu_member" in requires and region.country and not _is_eu(region):
            verdicts = [CHECKS["eu_member"](region, rule, ins)]  # decided by the region's note
            extra: list[Verdict] = []
            covered = COVERED_NON_EU
        else:
            verdicts = [CHECKS[name](region, rule, ins) for name in requires]
            extra = [v for name in rule.get("inform", []) for v in [INFORM[name](region, rule, ins)] if v]
        if any(v.ok is False for v in verdicts):
            eligible: bool | None = False
        elif any(v.ok is None for v in verdicts):
            eligible = None
        else:
            eligible = True
        reasons = [v.reason for v in verdicts + extra]
        verification = "unverified" if ins.get("verification") == "memory" else ins.get("verification", "unverified")
        if verification == "unverified" and not covered:
            reasons.append(UNCHECKED)
        sources = list(dict.fromkeys([*(s for v in verdicts + extra for s in v.sources), *(ins.get("sources") or [])]))
        what = ins.get("what_it_funds") or []
        out.append(Assessment(
            id=ins_id, name=ins["name"], level=LEVELS.get(ins.get("level", ""), ins.get("level", "")),
            eligible=eligible, reasons=reasons, sources=sources, verification=verification,
            kind=str(ins.get("type", "")),
            what_it_funds=[str(w) for w in what] if isinstance(what, list) else [str(w) for w in [what]],
            covered_by=covered, closed=bool(rule.get("closed")),
        ))
    order = {True: 0, None: 1, False: 2}
    return sorted(out, key=lambda a: order[a.eligible])


def funding_view(region: Region, eligible_only: bool = False) -> FundingView:
    """The assessment as `kb funding` shows it: region-wide facts once as notes, the rows a note
    decides named once under it, and no reason repeated from a note. `eligible_only` keeps the
    instruments that apply (eligible, and not a closed call) and drops the rest."""
    notes = region_notes(region)
    said = {n.reason for n in notes}
    cited = {s for n in notes for s in n.sources}
    rows = assess(region)
    covered = [a.id for a in rows if a.covered_by]
    kept = [replace(a, reasons=[r for r in a.reasons if r not in said],
                    sources=[s for s in a.sources if s not in cited or s in (instruments()[a.id].get("sources") or [])])
            for a in rows if not a.covered_by]
    if eligible_only:
        kept = [a for a in kept if a.applies]
    return FundingView(region=region.name, notes=notes, rows=kept, covered=covered)
