"""A region's peer-learning report as plain data: one builder per section, in the order of
REPORT_SECTIONS. The notebook notebooks/region_report.ipynb calls `build_report` and renders the
result with kb/reports/html.py; nothing here knows about HTML."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kb._version import __version__
from kb.corpus.checks import check_url, mirror_host
from kb.corpus.summary import PracticeSummary
from kb.errors import MissingData, NotARegion
from kb.reference.challenges import fmt_number, weakest
from kb.reference.compare import TREND_INDICATORS, Comparison, Trend, compare, trend
from kb.reference.data import load_yaml
from kb.reference.domains import profiles
from kb.reference.funding import (
    UNCHECKED,
    Assessment,
    Programme,
    funding_view,
    instruments,
    jtf_limit,
    programme_for,
    programmes,
)
from kb.reference.indicators import Figure, figure, indicators, median_of, percentile
from kb.reference.peers import PeerResult, find_peers
from kb.reference.regions import PILOT_REGIONS, Region, country_name, regions, resolve_region
from kb.search.build import read_documents
from kb.workshops.sessions import Feedback, feedback_for

PEER_PRACTICES = 3
"""How many practices from structural peers a report shows first, when the corpus has them."""
REPORT_SECTIONS = ("brief", "profile", "indicators", "challenges", "practices", "own-practices", "peers",
                   "partnerships", "funding", "actions", "workshop-feedback", "sources")
HEADLINE_INDICATORS = ("gdp_pps_index_eu27", "gerd_pct_gdp", "berd_pct_gdp", "hrst_pct_active", "employment_rate",
                       "unemployment_rate", "patents_per_million", "broadband_households")
"""The brief's five headline figures: the first five of these the region has a figure for."""
BRIEF_CHALLENGES = 3
BRIEF_PRACTICES = 5
MAX_ACTIONS = 4
MAX_PARTNERS = 5
MAX_OWN = 8
CARD_SOURCES = 4
EVIDENCE_POINTS = {"evaluated": 3.0, "results": 2.0, "outputs": 1.0, "described": 0.0}
VERIFICATION_POINTS = {"verified": 1.0, "partial": 0.5, "unverified": 0.0}


@dataclass(frozen=True)
class Cited:
    """One entry of the report's source list."""

    number: int
    url: str
    title: str
    publisher: str
    """The host that publishes it, without "www."."""
    mirror: str
    """The document-mirror host it is a copy on, or ''."""


@dataclass
class Citations:
    """Numbers the sources of what the report shows, in order of first use (one number per URL)."""

    entries: dict[str, tuple[int, str]] = field(default_factory=dict)

    def cite(self, url: str, title: str = "") -> int:
        if url not in self.entries:
            self.entries[url] = (len(self.entries) + 1, title or url)
        elif title and self.entries[url][1] == url:
            self.entries[url] = (self.entries[url][0], title)
        return self.entries[url][0]

    def listing(self) -> list[Cited]:
        out = []
        for url, (n, title) in self.entries.items():
            host = (urlsplit(url).hostname or "").removeprefix("www.")
            out.append(Cited(n, url, title, host, mirror_host(url) or ""))
        return sorted(out, key=lambda c: c.number)


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
    """Why it was chosen, in words: the challenge it answers and its size, and the peer it comes from."""
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
    resources: str = ""
    results: str = ""
    lessons: str = ""
    answers: tuple[str, ...] = ()
    """The labels of the report's challenges it answers, most pressing first."""
    answer_sizes: tuple[str, ...] = ()
    """How far behind the region is on each of `answers` ("12 % worse than the peers' median")."""
    more_sources: int = 0
    """How many of the record's sources the report does not list (the record cites them)."""
    peer_note: str = ""
    """For a practice from a peer: which peer and how close ("Detmold, distance 0.12")."""


@dataclass(frozen=True)
class Partner:
    region: str
    name: str
    kind: str
    """"peer", "pilot" or "region": how the region relates to the report's region."""
    reasons: list[str]
    cites: tuple[int, ...] = ()
    networks: tuple[str, ...] = ()
    """Networks both belong to (each membership sourced)."""


@dataclass(frozen=True)
class Route:
    """A way to pay for an action: an instrument the region can use, through its programme when known."""

    instrument: str
    name: str
    detail: str
    cites: tuple[int, ...]


@dataclass(frozen=True)
class Action:
    challenge: str
    size: str
    practice: str
    practice_title: str
    practice_region: str
    practice_lead: str
    routes: list[Route]
    first_step: str
    lead: str
    """The kind of body that would lead the work in the region."""
    cites: tuple[int, ...]


@dataclass(frozen=True)
class FundingRow:
    assessment: Assessment
    cites: tuple[int, ...]
    status: str = ""
    """"applies", "closed", "unknown" or "no"."""
    programme: Programme | None = None
    note: str = ""
    """One line on why the row does not apply (its first reason)."""


@dataclass(frozen=True)
class ProgrammeRow:
    programme: Programme
    cites: tuple[int, ...]


@dataclass(frozen=True)
class FundingNote:
    text: str
    cites: tuple[int, ...]


@dataclass(frozen=True)
class Funding:
    """What the funding section shows: region-wide notes once, the instruments that apply (with
    the programmes that carry them), and the rest in one compact table."""

    notes: list[FundingNote]
    programmes: list[ProgrammeRow]
    applies: list[FundingRow]
    """Those reached through a programme first, then those with a reason of their own, then the rest."""
    other: list[FundingRow]
    covered: list[str]
    """Names of instruments a note rules out (the UK: EU-only instruments), listed once."""


@dataclass(frozen=True)
class Brief:
    """The first two pages: where the region stands, its main challenges, the best-matched
    practices, the funding that applies and the next steps."""

    headlines: list[IndicatorRow]
    challenges: list[Challenge]
    practices: list[MatchedPractice]
    funding: list[Route]
    steps: list[Action]


@dataclass(frozen=True)
class RegionReport:
    region: Region
    profile: Profile
    indicators: list[IndicatorRow]
    trends: list[Trend]
    challenges: list[Challenge]
    practices: list[MatchedPractice]
    own_practices: list[MatchedPractice]
    peers: PeerResult | None
    peers_error: str | None
    partners: list[Partner]
    funding: Funding
    actions: list[Action]
    brief: Brief
    feedback: Feedback | None
    sources: list[Cited]
    footer: dict[str, Any]
    practice_titles: dict[str, str] = field(default_factory=dict)
    """Title of every practice in the index, for the feedback section."""

    @property
    def sections(self) -> list[str]:
        """The ids of the sections this report has, in order."""
        return [s for s in REPORT_SECTIONS if s != "workshop-feedback" or self.feedback]




def _cite_all(cit: Citations, urls: Any, title: str = "") -> tuple[int, ...]:
    out = []
    for url in urls or []:
        if isinstance(url, str) and check_url(url) is None:
            out.append(cit.cite(url, title))
    return tuple(out)


# --- sections ---------------------------------------------------------------------------------


MEMORY_MARK = re.compile(r"\s*\(memory\)")


def _unmarked(text: str) -> tuple[str, bool]:
    """`text` without the fact base's "(memory)" marks, and whether it had one (an unchecked fact)."""
    return MEMORY_MARK.sub("", text).strip(), bool(MEMORY_MARK.search(text))


def _checked_list(values: Any) -> list[str]:
    """A profile list as shown: an item the fact base marks "(memory)" says it is unchecked."""
    out = []
    for value in values or []:
        text, unchecked = _unmarked(str(value))
        out.append(f"{text} (not checked against a source)" if unchecked else text)
    return out


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
        text, unchecked = _unmarked(str(row["managing_authority"]))
        note = "not checked against a source" if unchecked else ""
        facts.append(Fact("ERDF managing authority", text, None, (), note))
    own_names = [n for n in region.native if n != region.name]
    return Profile(
        name=region.name, native_names=own_names, country=country_name(region.country),
        nuts={k: list(v) for k, v in sorted(region.nuts_by_vintage.items(), reverse=True)},
        cohort=region.pilot_cohort, facts=facts, key_sectors=_checked_list(row.get("key_sectors")),
        s3_domains=_checked_list(row.get("s3_priority_domains")),
        stated_challenges=_checked_list(row.get("main_challenges")),
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


def _challenge_weights(challenges: list[Challenge]) -> Counter[str]:
    """How much each theme matters: the themes of the first challenges weigh most."""
    weights: Counter[str] = Counter()
    for rank, ch in enumerate(challenges):
        for t in ch.themes:
            weights[t] += 1.0 / (1 + 0.25 * rank)
    return weights


def _answers(doc_themes: tuple[str, ...] | list[str], challenges: list[Challenge]) -> list[Challenge]:
    """The challenges a practice with `doc_themes` answers, most pressing first (real before relative)."""
    found = [ch for ch in challenges if set(ch.themes) & set(doc_themes)]
    return sorted(found, key=lambda ch: ch.relative)


def _why(answers: list[Challenge], peer_note: str, pilot_name: str) -> list[str]:
    """Why a practice was chosen, in a line: the challenges it answers and where it comes from
    (the size of each challenge is in `MatchedPractice.answer_sizes`)."""
    why = []
    if answers:
        why.append("answers " + " and ".join(ch.label for ch in answers[:2]))
    if peer_note:
        why.append(f"from {peer_note}")
    elif pilot_name:
        why.append(f"from {pilot_name}, another pilot region")
    return why


def _matched(doc: PracticeSummary, own: bool, score: float, answers: list[Challenge], peer_note: str,
             pilot_name: str, cit: Citations) -> MatchedPractice:
    """A practice as the report shows it: a card citing its record's first CARD_SOURCES sources
    (the record has the rest), or, for an own practice, one line naming its record."""
    shown = () if own else doc.sources[:CARD_SOURCES]
    cites = tuple(cit.cite(s.url, s.title) for s in shown if check_url(s.url) is None)
    return MatchedPractice(
        id=doc.id, title=doc.title, region=doc.region, region_name=_region_name(doc.region),
        own=own, score=round(score, 2), why=_why(answers, peer_note, pilot_name), themes=list(doc.themes),
        evidence=doc.evidence, verification=doc.verification, lead_organisation=doc.lead_organisation,
        start_year=doc.start_year, summary=doc.summary, governance=doc.governance,
        transferability=doc.transferability, cites=cites, from_peer=bool(peer_note), resources=doc.resources,
        results=doc.results, lessons=doc.lessons, answers=tuple(ch.label for ch in answers),
        answer_sizes=tuple(ch.size for ch in answers), peer_note=peer_note,
        more_sources=max(0, len(doc.sources) - len(shown)))


def _varied(scored: list[tuple], challenges: list[Challenge], count: int,
            covered: set[str] | None = None) -> list[tuple]:
    """Pick `count` of `scored` (best first), preferring a practice that answers a challenge no
    pick answers yet, so that the practices shown spread over the region's challenges."""
    done = set(covered or ())
    answers = {item[1]: [ch.label for ch in _answers(item[2].themes, challenges)] for item in scored}
    left = list(scored)
    picks: list[tuple] = []
    while left and len(picks) < count:
        best = min(left, key=lambda item: (not set(answers[item[1]]) - done, item[0], item[1]))
        left.remove(best)
        picks.append(best)
        done.update([a for a in answers[best[1]] if a not in done][:1])
    return picks


def build_practices(region: Region, challenges: list[Challenge], peers: PeerResult | None,
                    documents: list[PracticeSummary], cit: Citations,
                    limit: int = 5) -> tuple[list[MatchedPractice], list[MatchedPractice]]:
    """Return the practices of other regions that answer the challenges (up to PEER_PRACTICES from
    structural peers first, then by score), and the region's own practices."""
    weights = _challenge_weights(challenges)
    peer_by_region = {p.region: p for p in peers.peers} if peers else {}
    scored = []
    own_docs = []
    for doc in documents:
        if region.slug in doc.regions:
            own_docs.append(doc)
            continue
        hits = [t for t in doc.themes if weights.get(t)]
        if not hits:
            continue
        theme_score = sum(weights[t] for t in hits)
        peer = next((peer_by_region[r] for r in doc.regions if r in peer_by_region), None)
        similar = peer.stability * (1 - peer.distance) if peer else 0.0
        pilot = next((r for r in doc.regions if r in PILOT_REGIONS), "")
        quality = EVIDENCE_POINTS.get(doc.evidence, 0) + VERIFICATION_POINTS.get(doc.verification, 0)
        score = theme_score * 2.0 + similar * 2.0 + (0.5 if pilot else 0.0) + quality * 0.5
        scored.append((-score, doc.id, doc, peer, pilot, score))
    scored.sort(key=lambda x: (x[0], x[1]))
    peer_first = _varied([s for s in scored if s[3] is not None], challenges, PEER_PRACTICES)
    ordered = peer_first + _varied([s for s in scored if s not in peer_first], challenges, limit - len(peer_first),
                                   {ch.label for s in peer_first for ch in _answers(s[2].themes, challenges)[:1]})
    others = []
    for _, _, doc, peer, pilot, score in ordered[:limit]:
        note = f"{peer.name}, a structural peer (distance {peer.distance:.2f})" if peer else ""
        others.append(_matched(doc, False, score, _answers(doc.themes, challenges), note,
                               "" if peer else _region_name(pilot) if pilot else "", cit))
    own_docs.sort(key=lambda d: (-sum(weights.get(t, 0) for t in d.themes), d.id))
    own = [_matched(doc, True, 0.0, _answers(doc.themes, challenges), "", "", cit) for doc in own_docs[:MAX_OWN]]
    return others, own


def build_partners(region: Region, challenges: list[Challenge], peers: PeerResult | None,
                   documents: list[PracticeSummary], cit: Citations) -> list[Partner]:
    """The first partners of `kb partners` (kb/reference/partners.py), with their reasons; each
    shared network cites the page that states the partner's membership."""
    from kb.reference.partners import rank_partners

    peer_slugs = {p.region for p in peers.peers} if peers else set()
    out = []
    for p in rank_partners(region, documents, limit=MAX_PARTNERS):
        kind = "peer" if p.region in peer_slugs else "pilot" if p.region in PILOT_REGIONS else "region"
        cites = tuple(dict.fromkeys(n for c in p.channels for n in _cite_all(cit, [c.source])))
        out.append(Partner(region=p.region, name=p.name, kind=kind, reasons=p.reasons, cites=cites,
                           networks=tuple(c.network for c in p.channels)))
    return out


def build_funding(region: Region, cit: Citations) -> Funding:
    """Region-wide notes once; what applies now first, with the programme that carries it; a
    closed call is not "applies"; the rest in one compact table with its first reason."""
    view = funding_view(region)
    notes = [FundingNote(n.reason, _cite_all(cit, list(n.sources)[:1])) for n in view.notes]
    applies, other = [], []
    for a in view.rows:
        a = replace(a, reasons=[x for x in a.reasons if x != UNCHECKED])  # the row's badge says so
        if a.applies:
            prog = programme_for(region, a.id)
            cites = _cite_all(cit, ([prog.source] if prog and prog.source else []) + list(a.sources)[:1])
            applies.append(FundingRow(a, cites, "applies", prog))
            continue
        if a.closed:
            status, note = "closed", "the call is closed" + (f"; {region.name} took part" if a.eligible else "")
        else:
            status, note = "unknown" if a.eligible is None else "no", a.reasons[0] if a.reasons else ""
        other.append(FundingRow(a, _cite_all(cit, list(a.sources)[:1]), status, None, note))
    covered = [instruments()[i]["name"] for i in view.covered if i in instruments()]
    progs = [ProgrammeRow(p, _cite_all(cit, [p.source])) for p in programmes(region)]
    applies.sort(key=lambda row: (row.programme is None, not row.assessment.reasons))
    return Funding(notes=notes, applies=applies, other=other, covered=covered, programmes=progs)


@lru_cache(maxsize=1)
def action_roles() -> dict[str, dict]:
    """Per practice theme: the kind of body that would lead such work in a region."""
    return {row["theme"]: row for row in load_yaml("action_roles.yaml")}


def _route(region: Region, row: FundingRow) -> Route:
    """How the region reaches an instrument: through its programme (name, amount, CCI) when known;
    the Just Transition Fund with the territories it is limited to."""
    a = row.assessment
    prog = row.programme
    limit = jtf_limit(region) if a.id == "just-transition-fund" else ""
    if prog:
        detail = "; ".join(x for x in (prog.amount_text(), f"CCI {prog.cci}" if prog.cci else "", limit) if x)
        fund = a.name.split(" (")[0].split(" - ")[0]
        name = prog.name if fund.lower() in prog.name.lower() else f"{prog.name} ({fund})"
        return Route(a.id, name, detail, row.cites[:1])
    return Route(a.id, a.name, limit, row.cites[:1])


def _routes_for(region: Region, themes_wanted: set[str], funding: Funding, limit: int = 2) -> list[Route]:
    """The instruments that apply now and fund work in `themes_wanted`: programmes the region runs
    first, then national schemes, then EU-wide calls."""
    level_rank = {"regional": 0, "national": 1, "EU": 2}
    found = [row for row in funding.applies
             if set(instruments().get(row.assessment.id, {}).get("themes") or []) & themes_wanted]
    found.sort(key=lambda row: (row.programme is None, level_rank.get(row.assessment.level, 3)))
    return [_route(region, row) for row in found[:limit]]


def build_actions(region: Region, challenges: list[Challenge], practices: list[MatchedPractice],
                  funding: Funding, cit: Citations) -> list[Action]:
    """One step per challenge, most pressing first: the practice to learn from, how to pay for the
    work (only routes open to the region; a challenge without one gets no step), who would lead
    it and the first thing to do."""
    out = []
    used: set[str] = set()
    for ch in sorted(challenges, key=lambda c: c.relative):
        if not ch.themes:
            continue
        match = next((p for p in practices if p.id not in used and set(p.themes) & set(ch.themes)), None)
        if match is None:
            continue
        shared = [t for t in ch.themes if t in match.themes]
        routes = _routes_for(region, set(shared) | set(ch.themes), funding)
        if not routes:
            continue
        used.add(match.id)
        role = next((action_roles()[t] for t in shared if t in action_roles()), {})
        lead = str(role.get("lead") or "the regional body in charge of the smart specialisation strategy")
        first = (f"ask {match.lead_organisation} for a study visit or a call on how {match.title} was set up"
                 f" and what it cost")
        out.append(Action(challenge=ch.label, size=ch.size, practice=match.id, practice_title=match.title,
                          practice_region=match.region_name, practice_lead=match.lead_organisation, routes=routes,
                          first_step=first, lead=lead,
                          cites=match.cites[:1] + tuple(c for r in routes for c in r.cites)))
        if len(out) >= MAX_ACTIONS:
            break
    return out


def build_brief(rows: list[IndicatorRow], challenges: list[Challenge], practices: list[MatchedPractice],
                funding: Funding, actions: list[Action], region: Region) -> Brief:
    by_id = {row.id: row for row in rows}
    headlines = [by_id[i] for i in HEADLINE_INDICATORS if i in by_id and by_id[i].region.value is not None][:5]
    real = [ch for ch in challenges if ch.indicator and not ch.relative]
    relative = [ch for ch in challenges if ch.indicator and ch.relative]
    stated = [ch for ch in challenges if not ch.indicator]
    top = (real + relative + stated)[:BRIEF_CHALLENGES]
    money = [_route(region, row) for row in funding.applies[:5]]  # programmes first (build_funding)
    return Brief(headlines=headlines, challenges=top, practices=practices[:BRIEF_PRACTICES], funding=money,
                 steps=actions[:MAX_ACTIONS])


def build_report(region_name: str, index_dir: Path | str = "build/index", workshops_dir: Path | str = "workshops",
                 peers_k: int = 8, practices_limit: int = 5, generated_on: str | None = None,
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
    practices, own_practices = build_practices(region, challenges, peers, documents, cit, practices_limit)
    partners = build_partners(region, challenges, peers, documents, cit)
    funding = build_funding(region, cit)
    actions = build_actions(region, challenges, practices, funding, cit)
    brief = build_brief(rows, challenges, practices, funding, actions, region)
    feedback = feedback_for(region.slug, Path(workshops_dir), {d.id for d in own_practices})
    footer = {
        "kb_version": __version__,
        "index_build": info.build_id,
        "corpus_hash": info.corpus_hash,
        "data": _data_years(rows),
        "parameters": dict(parameters or {}),
        "generated_on": generated_on or dt.date.today().isoformat(),
    }
    report = RegionReport(region=region, profile=profile, indicators=rows, trends=trends, challenges=challenges,
                          practices=practices, own_practices=own_practices, peers=peers, peers_error=peers_error,
                          partners=partners, funding=funding, actions=actions, brief=brief, feedback=feedback,
                          sources=cit.listing(), footer=footer,
                          practice_titles={d.id: d.title for d in documents})
    return renumber(report)


# --- citations in reading order ----------------------------------------------------------------

def _cite_numbers(obj: Any) -> Iterator[int]:
    """Every citation number in `obj`, in field order (a card's sources after its text)."""
    if isinstance(obj, (list, tuple)):
        for x in obj:
            yield from _cite_numbers(x)
    elif isinstance(obj, _OWN_TYPES):
        for f in fields(obj):
            value = getattr(obj, f.name)
            if f.name == "cites":
                yield from value
            elif f.name == "cite":
                yield value
            else:
                yield from _cite_numbers(value)


def _remap(obj: Any, new: dict[int, int]) -> Any:
    if isinstance(obj, list):
        return [_remap(x, new) for x in obj]
    if isinstance(obj, tuple):
        return tuple(_remap(x, new) for x in obj)
    if isinstance(obj, _OWN_TYPES):
        changes = {}
        for f in fields(obj):
            value = getattr(obj, f.name)
            if f.name == "cites":
                changes[f.name] = tuple(dict.fromkeys(new[n] for n in value if n in new))
            elif f.name == "cite":
                changes[f.name] = new.get(value, 0)
            elif isinstance(value, (list, tuple, *_OWN_TYPES)):
                changes[f.name] = _remap(value, new)
        return replace(obj, **changes)
    return obj


def renumber(report: RegionReport) -> RegionReport:
    """Number the sources in the order a reader meets them (the brief first) and keep only the
    sources of what the report shows."""
    b = report.brief
    brief = [*_cite_numbers(b.headlines), *(n for ch in b.challenges for n in ch.cites),
             *(n for p in b.practices for n in p.cites[:1]), *_cite_numbers(b.funding),
             *(n for a in b.steps for n in a.cites[:2])]
    dossier = [report.profile, report.indicators, report.challenges, report.practices, report.own_practices,
               report.partners, report.funding, report.actions]
    order = list(dict.fromkeys([*brief, *(n for part in dossier for n in _cite_numbers(part))]))
    new = {old: i + 1 for i, old in enumerate(order)}
    sources = sorted((replace(c, number=new[c.number]) for c in report.sources if c.number in new),
                     key=lambda c: c.number)
    fields_ = {name: _remap(getattr(report, name), new)
               for name in ("profile", "indicators", "challenges", "practices", "own_practices", "partners",
                            "funding", "actions", "brief")}
    return replace(report, sources=sources, **fields_)


def _data_years(rows: list[IndicatorRow]) -> list[dict[str, Any]]:
    out = [{"file": "kb/data/indicators.csv", "indicator": r.label, "year": r.region.year, "source": r.id}
           for r in rows]
    out += [{"file": f"kb/data/{name}", "indicator": "", "year": None, "source": name}
            for name in ("pilot_profiles.yaml", "instruments.yaml", "funding_rules.yaml", "networks/")]
    return out


_OWN_TYPES: tuple[type, ...] = (Fact, Profile, IndicatorRow, Challenge, MatchedPractice, Partner, Route, Action,
                                FundingRow, FundingNote, Funding, ProgrammeRow, Brief)
"""The report's own dataclasses: where renumbering looks for `cite` and `cites`."""
