"""A region's peer-learning report as plain data: one builder per section, in the order of
REPORT_SECTIONS. The notebook notebooks/region_report.ipynb calls `build_report` and renders the
result with kb/reports/html.py; nothing here knows about HTML."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from kb._version import __version__
from kb.corpus.checks import check_url
from kb.corpus.summary import PracticeSummary
from kb.errors import MissingData, NotARegion
from kb.reference.challenges import fmt_number, weakest
from kb.reference.compare import TREND_INDICATORS, Comparison, Trend, compare, trend
from kb.reference.data import load_yaml
from kb.reference.funding import Assessment, assess
from kb.reference.funding import networks as network_list
from kb.reference.indicators import Figure, figure, indicators, median_of, percentile
from kb.reference.peers import PeerResult, find_peers
from kb.reference.regions import PILOT_REGIONS, Region, country_name, regions, resolve_region
from kb.reference.themes import themes
from kb.search.build import read_documents
from kb.text import words
from kb.workshops.sessions import Feedback, feedback_for

PEER_PRACTICES = 3
"""How many practices from structural peers a report shows first, when the corpus has them."""
REPORT_SECTIONS = ("at-a-glance", "indicators", "challenges", "practices", "peers", "partnerships", "funding",
            "actions", "workshop-feedback", "sources")
EVIDENCE_POINTS = {"evaluated": 3.0, "results": 2.0, "outputs": 1.0, "described": 0.0}
VERIFICATION_POINTS = {"verified": 1.0, "partial": 0.5, "unverified": 0.0}


@dataclass
class Citations:
    """Numbers every source the report cites, in order of first use."""

    entries: dict[str, tuple[int, str]] = field(default_factory=dict)

    def cite(self, url: str, title: str = "") -> int:
        if url not in self.entries:
            self.entries[url] = (len(self.entries) + 1, title or url)
        elif title and self.entries[url][1] == url:
            self.entries[url] = (self.entries[url][0], title)
        return self.entries[url][0]

    def listing(self) -> list[tuple[int, str, str]]:
        return sorted((n, url, title) for url, (n, title) in self.entries.items())


@dataclass(frozen=True)
class Fact:
    """A value from the facts or the data, with its year and where it comes from."""

    label: str
    value: str | None
    year: int | None = None
    cites: tuple[int, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Profile:
    name: str
    native_names: list[str]
    country: str
    nuts: dict[str, list[str]]
    cohort: int | None
    facts: list[Fact]
    key_sectors: list[str]
    s3_domains: list[str]
    stated_challenges: list[str]
    profile_cites: tuple[int, ...]
    verification: str


@dataclass(frozen=True)
class IndicatorRow:
    id: str
    label: str
    unit: str
    better: str
    region: Figure
    peers: float | None
    pilots: float | None
    eu: Figure
    position: float | None
    """Percentile among EU regions, 0-100, oriented so that 100 is best."""
    peer_position: float | None
    pilot_position: float | None
    cite: int
    comparison: Comparison
    """Everything known about the figure: its rule, its age, each peer's value, the EU-27 aggregate."""


@dataclass(frozen=True)
class Challenge:
    label: str
    themes: list[str]
    detail: str
    indicator: str | None = None
    gap: float | None = None
    cites: tuple[int, ...] = ()
    size: str = ""
    """How far behind, in words ("25 % worse than the peers' median; 5th of 6 with its peers")."""
    relative: bool = False
    """Not a real challenge: one of the indicators where peers do better (the region leads elsewhere)."""


@dataclass(frozen=True)
class MatchedPractice:
    id: str
    title: str
    region: str
    region_name: str
    own: bool
    score: float
    why: list[str]
    themes: list[str]
    evidence: str
    verification: str
    lead_organisation: str
    start_year: int | None
    summary: str
    governance: str
    transferability: str
    cites: tuple[int, ...]
    from_peer: bool = False
    """From one of the region's structural peers: the practices a region learns most from."""


@dataclass(frozen=True)
class Partner:
    region: str
    name: str
    kind: str
    reasons: list[str]
    cites: tuple[int, ...] = ()


@dataclass(frozen=True)
class Action:
    challenge: str
    text: str
    practice: str
    practice_title: str
    instruments: list[str]
    cites: tuple[int, ...]


@dataclass(frozen=True)
class FundingRow:
    assessment: Assessment
    cites: tuple[int, ...]


@dataclass(frozen=True)
class RegionReport:
    region: Region
    profile: Profile
    indicators: list[IndicatorRow]
    trends: list[Trend]
    challenges: list[Challenge]
    practices: list[MatchedPractice]
    peers: PeerResult | None
    peers_error: str | None
    partners: list[Partner]
    funding: list[FundingRow]
    actions: list[Action]
    feedback: Feedback | None
    sources: list[tuple[int, str, str]]
    footer: dict[str, Any]

    @property
    def sections(self) -> list[str]:
        """The ids of the sections this report has, in order."""
        return [s for s in REPORT_SECTIONS if s != "workshop-feedback" or self.feedback]


@lru_cache(maxsize=1)
def profiles() -> dict[str, dict]:
    return {row["slug"]: row for row in load_yaml("pilot_profiles.yaml")}


@lru_cache(maxsize=1)
@lru_cache(maxsize=1)
def s3_domains() -> list[dict]:
    return list(load_yaml("s3_domains.yaml"))


def _cite_all(cit: Citations, urls: Any, title: str = "") -> tuple[int, ...]:
    out = []
    for url in urls or []:
        if isinstance(url, str) and check_url(url) is None:
            out.append(cit.cite(url, title))
    return tuple(out)


# --- sections ---------------------------------------------------------------------------------


def build_profile(region: Region, cit: Citations) -> Profile:
    row = profiles().get(region.slug, {})
    cites = _cite_all(cit, row.get("sources"), f"{region.name}: regional profile source")
    facts: list[Fact] = []
    pop = figure(region, "population")
    pop_cite = cit.cite(indicators()["population"].url, indicators()["population"].source)
    facts.append(Fact("Population", fmt_number(pop.value), pop.year, (pop_cite,) if pop.value else (), pop.note))
    gdp = row.get("gdp_meur") or {}
    facts.append(Fact("GDP", fmt_number(gdp.get("value"), "million EUR") if gdp.get("value") else None,
                      gdp.get("year"), (cit.cite(indicators()["population"].url),) if gdp.get("value") else (),
                      "sum over the NUTS 2 regions (Eurostat regional accounts)" if gdp.get("value") else ""))
    gdp_pc = row.get("gdp_per_capita_eur") or {}
    facts.append(Fact("GDP per inhabitant", fmt_number(gdp_pc.get("value"), "EUR") if gdp_pc.get("value") else None,
                      gdp_pc.get("year"), (), "GDP divided by population" if gdp_pc.get("value") else ""))
    pps = figure(region, "gdp_pps_index_eu27")
    ind = indicators()["gdp_pps_index_eu27"]
    facts.append(Fact("GDP per head in PPS", fmt_number(pps.value, "(EU = 100)"), pps.year,
                      (cit.cite(ind.url, ind.source),) if pps.value else (), pps.note))
    unemployment = figure(region, "unemployment_rate")
    ind = indicators()["unemployment_rate"]
    facts.append(Fact("Unemployment rate", fmt_number(unemployment.value, "%"), unemployment.year,
                      (cit.cite(ind.url, ind.source),) if unemployment.value else (), unemployment.note))
    if row.get("pilot_project"):
        facts.append(Fact("Pilot action project", str(row["pilot_project"]), None, cites[:1]))
    if row.get("managing_authority"):
        text = str(row["managing_authority"])
        note = "not checked against a source" if "(memory)" in text else ""
        facts.append(Fact("ERDF managing authority", text.replace(" (memory)", ""), None, (), note))
    own_names = [n for n in region.native if n != region.name]
    return Profile(
        name=region.name, native_names=own_names, country=country_name(region.country),
        nuts={k: list(v) for k, v in sorted(region.nuts_by_vintage.items(), reverse=True)},
        cohort=region.pilot_cohort, facts=facts, key_sectors=[str(s) for s in row.get("key_sectors") or []],
        s3_domains=[str(s) for s in row.get("s3_priority_domains") or []],
        stated_challenges=[str(s) for s in row.get("main_challenges") or []],
        profile_cites=cites, verification=str(row.get("verification") or "unverified"),
    )


def build_indicators(region: Region, peers: PeerResult | None, cit: Citations) -> list[IndicatorRow]:
    known = regions()
    peer_regions = [known[p.region] for p in peers.peers] if peers else []
    pilots = [known[s] for s in PILOT_REGIONS if s != region.slug]
    rows = []
    for c in compare(region, peer_regions):
        ind = c.indicator
        pilot_med = median_of([figure(r, ind.id) for r in pilots])
        rows.append(IndicatorRow(
            id=ind.id, label=ind.label, unit=ind.unit, better=ind.better, region=c.figure, peers=c.peer_median,
            pilots=pilot_med, eu=c.eu_median, position=c.position, peer_position=c.peer_position,
            pilot_position=percentile(c.base, pilot_med, ind.better),
            cite=cit.cite(indicators()[c.base].url, indicators()[c.base].source),
            comparison=c,
        ))
    return rows


def themes_in(text: str) -> list[str]:
    """Return the themes a free text names (in any pilot language), via the search vocabulary."""
    from kb.search.query import recognise, tokenize

    found, _ = recognise(tokenize(text))
    return [m.slug for m in found]


def build_challenges(profile: Profile, rows: list[IndicatorRow], cit: Citations) -> list[Challenge]:
    cites = {row.id: row.cite for row in rows}
    found = weakest([row.comparison for row in rows])
    out = [Challenge(label=w.label, themes=list(w.themes), detail=w.detail, indicator=w.indicator, gap=w.gap,
                     cites=(cites[w.indicator],), size=w.size, relative=w.relative) for w in found]
    for text in profile.stated_challenges:
        found = themes_in(text) or []
        out.append(Challenge(label=text, themes=found, detail="stated in the region's sources",
                             cites=profile.profile_cites[:1]))
    return out


def _region_name(slug: str) -> str:
    known = regions()
    return known[slug].name if slug in known else slug


def build_practices(region: Region, challenges: list[Challenge], peers: PeerResult | None,
                    documents: list[PracticeSummary], cit: Citations, limit: int = 8) -> list[MatchedPractice]:
    weights: Counter[str] = Counter()
    for rank, ch in enumerate(challenges):
        for t in ch.themes:
            weights[t] += 1.0 / (1 + 0.25 * rank)
    peer_score = {p.region: p.stability for p in peers.peers} if peers else {}
    scored = []
    for doc in documents:
        doc_themes, doc_regions = doc.themes, doc.regions
        hits = [t for t in doc_themes if weights.get(t)]
        if not hits:
            continue
        theme_score = sum(weights[t] for t in hits)
        similar = max((peer_score.get(r, 0.0) for r in doc_regions), default=0.0)
        own = region.slug in doc_regions
        pilot = any(r in PILOT_REGIONS for r in doc_regions)
        quality = EVIDENCE_POINTS.get(doc.evidence, 0) + VERIFICATION_POINTS.get(doc.verification, 0)
        score = theme_score * 2.0 + similar * 1.5 + (0.5 if pilot else 0.0) + quality * 0.5
        why = [f"answers {', '.join(themes()[t].label.lower() for t in hits)}"]
        if similar:
            peer_names = [_region_name(r) for r in doc_regions if r in peer_score]
            why.append(f"from a structurally similar region ({', '.join(peer_names)})")
        elif pilot and not own:
            why.append("from another pilot region")
        if own:
            why.append("your region's own practice")
        why.append(f"evidence: {doc.evidence}; {doc.verification}")
        scored.append((-score, doc.id, doc, own, why, score))
    scored.sort(key=lambda x: (x[0], x[1]))
    # Practices from structural peers come first (up to PEER_PRACTICES), then the rest by score.
    peer_first = [s for s in scored if set(s[2].regions) & set(peer_score) and not s[3]][:PEER_PRACTICES]
    ordered = peer_first + [s for s in scored if s not in peer_first]
    out = []
    own_count = 0
    for _, _, doc, own, why, score in ordered:
        if own and own_count >= 2:
            continue
        own_count += own
        cites = tuple(cit.cite(s.url, s.title) for s in doc.sources if check_url(s.url) is None)
        out.append(MatchedPractice(
            id=doc.id, title=doc.title, region=doc.region, region_name=_region_name(doc.region),
            own=own, score=round(score, 2), why=why, themes=list(doc.themes),
            evidence=doc.evidence, verification=doc.verification, lead_organisation=doc.lead_organisation,
            start_year=doc.start_year, summary=doc.summary, governance=doc.governance,
            transferability=doc.transferability, cites=cites, from_peer=bool(set(doc.regions) & set(peer_score)),
        ))
        if len(out) >= limit:
            break
    return out


def _domains(text: str) -> set[str]:
    folded = " " + " ".join(words(text)) + " "
    return {d["slug"] for d in s3_domains() if any(f" {' '.join(words(w))} " in folded for w in d["words"])}


def region_domains(slug: str) -> set[str]:
    row = profiles().get(slug, {})
    text = " ".join(str(x) for x in [*(row.get("key_sectors") or []), *(row.get("s3_priority_domains") or [])])
    return _domains(text)


def build_partners(region: Region, challenges: list[Challenge], peers: PeerResult | None,
                   documents: list[PracticeSummary], cit: Citations) -> list[Partner]:
    wanted = {t for ch in challenges for t in ch.themes}
    by_region: dict[str, list[PracticeSummary]] = defaultdict(list)
    for doc in documents:
        if set(doc.themes) & wanted:
            for r in doc.regions:
                if r and r != region.slug and r not in ("multi-region", "eu"):
                    by_region[r].append(doc)
    mine = region_domains(region.slug)
    labels = {d["slug"]: d["label"] for d in s3_domains()}
    memberships: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for net in network_list():
        members = net.get("members") or []
        if any(m.get("region") == region.slug for m in members):
            for m in members:
                if m.get("region") and m["region"] != region.slug:
                    memberships[m["region"]].append((net.get("name", net.get("id", "")), str(m.get("source") or ""),
                                                     str(net.get("id", ""))))
    candidates: list[tuple[str, str]] = [(p.region, "peer") for p in (peers.peers if peers else [])]
    candidates += [(s, "pilot") for s in PILOT_REGIONS if s != region.slug]
    seen: set[str] = set()
    out = []
    for slug, kind in candidates:
        if slug in seen:
            continue
        seen.add(slug)
        reasons: list[str] = []
        cites: list[int] = []
        if kind == "peer":
            reasons.append("structurally similar region (see peers)")
        docs = by_region.get(slug, [])
        if docs:
            names = "; ".join(d.title for d in docs[:3])
            reasons.append(f"{len(docs)} practice(s) in your challenge themes: {names}")
            cites += [cit.cite(d.sources[0].url, d.sources[0].title) for d in docs[:3]]
        shared = sorted(mine & region_domains(slug))
        if shared and kind == "pilot":
            reasons.append("shares S3 domains: " + ", ".join(labels[s] for s in shared))
            cites += list(_cite_all(cit, profiles().get(slug, {}).get("sources", [])[:1]))
        for name in dict.fromkeys(n for n, _, _ in memberships.get(slug, [])):
            reasons.append(f"fellow member of {name}")
            cites += list(_cite_all(cit, [u for n, u, _ in memberships[slug] if n == name]))
        if kind == "pilot" and not docs and not memberships.get(slug):
            continue
        if kind == "peer" or len(reasons) > 0:
            out.append(Partner(region=slug, name=_region_name(slug), kind=kind, reasons=reasons,
                               cites=tuple(dict.fromkeys(cites))))
    out.sort(key=lambda p: (p.kind != "peer", -len(p.reasons), p.name))
    return out


def build_funding(region: Region, cit: Citations) -> list[FundingRow]:
    rows = []
    for a in assess(region):
        rows.append(FundingRow(a, tuple(cit.cite(u) for u in a.sources if check_url(u) is None)))
    return rows


def build_actions(challenges: list[Challenge], practices: list[MatchedPractice],
                  funding: list[FundingRow], cit: Citations) -> list[Action]:
    from kb.reference.funding import instruments, rules

    eligible = [f.assessment for f in funding
                if f.assessment.eligible and not rules().get(f.assessment.id, {}).get("closed")]
    out = []
    used: set[str] = set()
    for ch in challenges:
        if not ch.themes:
            continue
        match = next((p for p in practices if not p.own and p.id not in used and set(p.themes) & set(ch.themes)), None)
        if match is None:
            continue
        used.add(match.id)
        money = [a for a in eligible if set(instruments()[a.id].get("themes") or []) & set(ch.themes)][:2]
        lesson = _first_sentence(match.transferability)
        text = (f"To tackle {ch.label}, study {match.title} ({match.region_name}, evidence: {match.evidence})."
                + (f" What it takes: {lesson}" if lesson else ""))
        if money:
            text += " Funding that could pay for it: " + "; ".join(a.name for a in money) + "."
        cites = match.cites[:1] + tuple(cit.cite(a.sources[0]) for a in money if a.sources)
        out.append(Action(challenge=ch.label, text=text, practice=match.id, practice_title=match.title,
                          instruments=[a.id for a in money], cites=cites))
        if len(out) >= 4:
            break
    return out


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return match.group(1) if match else text


def build_report(region_name: str, index_dir: Path | str = "build/index", workshops_dir: Path | str = "workshops",
                 peers_k: int = 8, practices_limit: int = 8, generated_on: str | None = None,
                 parameters: dict[str, Any] | None = None, index: Any = None) -> RegionReport:
    """Return every section of the report for one region (slug, NUTS code or name)."""
    region = resolve_region(region_name)
    if region.kind in ("multi-region", "eu"):
        raise NotARegion(region_name)
    cit = Citations()
    if index is not None:
        info, documents = index.info, index.documents()
    else:
        info, documents = read_documents(Path(index_dir))
    profile = build_profile(region, cit)
    try:
        peers: PeerResult | None = find_peers(region, k=peers_k)
        peers_error = None
    except MissingData as exc:
        peers, peers_error = None, str(exc)
    rows = build_indicators(region, peers, cit)
    peer_regions = [regions()[p.region] for p in peers.peers] if peers else []
    trends = [trend(region, peer_regions, ind) for ind in TREND_INDICATORS]
    challenges = build_challenges(profile, rows, cit)
    practices = build_practices(region, challenges, peers, documents, cit, practices_limit)
    partners = build_partners(region, challenges, peers, documents, cit)
    funding = build_funding(region, cit)
    actions = build_actions(challenges, practices, funding, cit)
    own = {d.id for d in documents if region.slug in d.regions}
    feedback = feedback_for(region.slug, Path(workshops_dir), own)
    footer = {
        "kb_version": __version__,
        "index_build": info.build_id,
        "corpus_hash": info.corpus_hash,
        "data": _data_years(rows),
        "parameters": dict(parameters or {}),
        "generated_on": generated_on or dt.date.today().isoformat(),
    }
    return RegionReport(region=region, profile=profile, indicators=rows, trends=trends, challenges=challenges,
                        practices=practices, peers=peers, peers_error=peers_error, partners=partners,
                        funding=funding, actions=actions, feedback=feedback, sources=cit.listing(), footer=footer)


def _data_years(rows: list[IndicatorRow]) -> list[dict[str, Any]]:
    out = [{"file": "kb/data/indicators.csv", "indicator": r.label, "year": r.region.year, "source": r.id}
           for r in rows]
    out += [{"file": f"kb/data/{name}", "indicator": "", "year": None, "source": name}
            for name in ("pilot_profiles.yaml", "instruments.yaml", "funding_rules.yaml", "networks.yaml")]
    return out

