"""Funding and collaboration instruments (kb/data/instruments.yaml) evaluated against a region
with explicit rules (kb/data/instrument_rules.yaml): eligible or not, why, and the sources.

Each check is a small function in CHECKS returning a Verdict; an instrument is eligible when
all its required checks pass, not eligible when one fails, and unknown when one cannot be
decided from the sourced facts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from kb.reference.data import load_yaml
from kb.reference.regions import Region, countries, country_name

BREXIT = "the United Kingdom left the EU on 31 January 2020"
LEVELS = {"eu": "EU", "national": "national", "regional": "regional"}


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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=1)
def instruments() -> dict[str, dict]:
    return {row["id"]: row for row in load_yaml("instruments.yaml")}


@lru_cache(maxsize=1)
def rules() -> dict[str, dict]:
    return {row["instrument"]: row for row in load_yaml("instrument_rules.yaml")}


@lru_cache(maxsize=1)
def region_rules() -> dict[str, dict]:
    """The per-region funding facts (category of region, JTF, EDIH, UK position) by slug."""
    return {row["slug"]: row for row in load_yaml("funding_rules.yaml")}


@lru_cache(maxsize=1)
def networks() -> list[dict]:
    try:
        return list(load_yaml("networks.yaml") or [])
    except FileNotFoundError:
        return []


def _uk_position() -> dict:
    return region_rules().get("greater-manchester", {}).get("uk_position") or {}


def _in(code: str | None) -> str:
    name = country_name(code)
    return f"the {name}" if name.startswith(("United", "Netherlands")) else name


def _is_eu(region: Region) -> bool:
    return bool(region.country and countries().get(region.country, {}).get("eu"))


def check_eu_member(region: Region, rule: dict, ins: dict) -> Verdict:
    if _is_eu(region):
        return Verdict(True, f"{region.name} is in {country_name(region.country)}, an EU member state")
    if region.country == "UK":
        uk = _uk_position()
        return Verdict(False, f"{BREXIT}: UK regions get no new EU cohesion funding after 2020 and take part "
                              "only in the EU programmes the UK is associated to (Horizon Europe, Copernicus)",
                       (*(uk.get("cohesion_policy_source") or ()), *(uk.get("digital_europe_edih_source") or ())))
    return Verdict(False, f"{country_name(region.country)} is not an EU member state")


def check_horizon_participant(region: Region, rule: dict, ins: dict) -> Verdict:
    if _is_eu(region):
        return Verdict(True, f"{country_name(region.country)} is an EU member state")
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


def check_jtf_territory(region: Region, rule: dict, ins: dict) -> Verdict:
    facts = (region_rules().get(region.slug) or {}).get("jtf")
    if not facts or facts.get("in_tjtp") is None:
        return Verdict(None, "whether a territory of the region is in a Territorial Just Transition Plan "
                             "is not in the sourced facts")
    sources = tuple(facts.get("source") or ())
    if facts["in_tjtp"]:
        amount = (facts.get("amount") or {}).get("eur_million")
        money = f" (about EUR {amount:g} million of JTF)" if amount else ""
        return Verdict(True, f"part of the region is covered by an approved Territorial Just Transition Plan{money}",
                       sources)
    return Verdict(False, "no territory of the region is in an approved Territorial Just Transition Plan", sources)


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
    facts = (region_rules().get(region.slug) or {}).get("category_2021_2027")
    if not facts or not facts.get("value"):
        return None
    known = {code: cat for code, cat in facts["value"].items() if cat and cat != "not_applicable"}
    if not known:
        return None
    text = ", ".join(f"{code} {cat.replace('_', ' ')}" for code, cat in known.items())
    return Verdict(True, f"category of region 2021-2027 (sets co-financing rates): {text}",
                   tuple(facts.get("source") or ()))


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


def assess(region: Region) -> list[Assessment]:
    """Return every instrument evaluated for `region`: eligible first, then unknown, then not."""
    out = []
    for ins_id, ins in instruments().items():
        rule = rules().get(ins_id, {"requires": []})
        verdicts = [CHECKS[name](region, rule, ins) for name in rule.get("requires", [])]
        extra = [v for name in rule.get("inform", []) for v in [INFORM[name](region, rule, ins)] if v]
        if any(v.ok is False for v in verdicts):
            eligible: bool | None = False
        elif any(v.ok is None for v in verdicts):
            eligible = None
        else:
            eligible = True
        reasons = [v.reason for v in verdicts + extra]
        verification = "unverified" if ins.get("verification") == "memory" else ins.get("verification", "unverified")
        if verification == "unverified":
            reasons.append("the instrument's facts could not be checked against a source")
        sources = list(dict.fromkeys([*(s for v in verdicts + extra for s in v.sources), *(ins.get("sources") or [])]))
        what = ins.get("what_it_funds") or []
        out.append(Assessment(
            id=ins_id, name=ins["name"], level=LEVELS.get(ins.get("level", ""), ins.get("level", "")),
            eligible=eligible, reasons=reasons, sources=sources, verification=verification,
            kind=str(ins.get("type", "")),
            what_it_funds=[str(w) for w in what] if isinstance(what, list) else [str(what)],
        ))
    order = {True: 0, None: 1, False: 2}
    return sorted(out, key=lambda a: order[a.eligible])
