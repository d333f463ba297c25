"""Partners to call: regions a region should link up with, ranked by a score a person can
follow. Four parts, each shown with its reason: structural closeness (the peer model's distance),
complementarity (the partner does better where the region is weak, and has practices in the
themes that answer it), shared smart specialisation domains (known for the pilot regions), and
an existing channel (a network both belong to, each membership sourced)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from kb.corpus.summary import PracticeSummary
from kb.errors import MissingData
from kb.reference.challenges import Weakness, fmt_number
from kb.reference.indicators import figure, indicators
from kb.reference.networks import shared
from kb.reference.regions import Region, country_name, regions

CLOSENESS = 3.0
"""Points for an identical structure (distance 0), falling to 0 at distance 0.5 and beyond."""
STRONGER = 1.0
"""Points per weak indicator of the region on which the partner does better than the region's peers."""
PRACTICE = 0.75
"""Points per practice of the partner in the region's challenge themes (up to MAX_PRACTICES)."""
DOMAIN = 0.25
"""Points per shared S3 domain (up to 4): known for the pilot regions only, so kept small."""
CHANNEL = 1.5
MAX_PRACTICES = 3
"""Practices shown per partner."""
SCORED_PRACTICES = 2
"""Practices that count towards the score."""
LEVEL_POINTS = {"evaluated": 3, "results": 2, "outputs": 1, "described": 0}


@dataclass(frozen=True)
class PartnerPractice:
    id: str
    title: str
    evidence: str
    url: str


@dataclass(frozen=True)
class PartnerChannel:
    network: str
    roles: str
    source: str


@dataclass(frozen=True)
class PartnerRegion:
    """One partner: who, how strongly, why in words, what to visit, and what links them already."""

    region: str
    name: str
    country: str
    score: float
    parts: dict[str, float]
    """The score's parts: closeness, complementarity, practices, domains, channels."""
    reasons: list[str]
    practices: list[PartnerPractice] = field(default_factory=list)
    channels: list[PartnerChannel] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _closeness(region: Region, other: Region) -> tuple[float, float | None]:
    from kb.reference.peers import distance_between

    try:
        distance = distance_between(region, other)
    except (ValueError, KeyError, MissingData):
        return 0.0, None
    return max(0.0, CLOSENESS * (1 - distance / 0.5)), distance


def _stronger(weak: list[Weakness], mine_by_indicator: dict[str, Any], other: Region) -> list[str]:
    """The region's weak indicators on which `other` does clearly better, in words
    (`mine_by_indicator`: the region's own figures of those indicators)."""
    out = []
    for w in weak:
        ind = indicators()[w.indicator]
        mine, theirs = mine_by_indicator[w.indicator], figure(other, w.indicator)
        if mine.value is None or theirs.value is None or (mine.year and theirs.year and theirs.year < mine.year - 5):
            continue  # no figure, or one too old to compare with
        better = theirs.value < mine.value if ind.better == "lower" else theirs.value > mine.value
        if better and abs(theirs.value - mine.value) >= 0.1 * abs(mine.value or 1):
            out.append(f"{ind.label}: {fmt_number(theirs.value)} ({theirs.year}) against your "
                       f"{fmt_number(mine.value)} ({mine.year}) {ind.unit}")
    return out


def open_networks(region: Region) -> set[str]:
    """The networks that can be a channel for `region`: those that are not a programme closed to
    it (kb/data/networks/README.md), e.g. no EU-only platform for a UK region after 2020."""
    from kb.reference.funding import assess
    from kb.reference.networks import networks

    verdicts = {a.id: a.eligible for a in assess(region)}
    out = set()
    for net in networks():
        programme = str(net.get("instrument") or net.get("id"))
        if verdicts.get(programme) is not False:
            out.add(str(net.get("id")))
    return out


def rank_partners(region: Region, documents: list[PracticeSummary], theme: str | None = None,
                  limit: int = 10) -> list[PartnerRegion]:
    """The regions `region` should call, best first (never itself, nor a region it contains)."""
    from kb.reference.challenges import challenge_map, weakest
    from kb.reference.compare import compare
    from kb.reference.domains import region_domains, s3_domains
    from kb.reference.peers import find_peers

    try:
        peer_regions = [regions()[p.region] for p in find_peers(region).peers]
    except MissingData:
        peer_regions = []
    weak = weakest(compare(region, peer_regions))
    wanted = {theme} if theme else {t for w in weak for t in w.themes}
    if not wanted:
        wanted = {t for row in challenge_map().values() for t in row["themes"]}
    by_region: dict[str, list[PracticeSummary]] = {}
    for doc in documents:
        if set(doc.themes) & wanted:
            for slug in doc.regions:
                by_region.setdefault(slug, []).append(doc)
    open_to = open_networks(region)
    mine_figures = {w.indicator: figure(region, w.indicator) for w in weak}
    mine = region_domains(region.slug)
    labels = {d["slug"]: d["label"] for d in s3_domains()}
    own_codes = set(region.all_codes())
    out = []
    for slug, other in regions().items():
        if slug == region.slug or other.kind not in ("nuts2", "pilot") or own_codes & set(other.all_codes()):
            continue
        docs = sorted(by_region.get(slug, []), key=lambda d: (-LEVEL_POINTS.get(d.evidence, 0), d.id))
        if theme and not docs:
            continue
        close, distance = _closeness(region, other)
        stronger = _stronger(weak, mine_figures, other)
        channels = {name: pair for name, pair in shared(region.slug, slug).items() if pair[0].network in open_to}
        domains = sorted(mine & region_domains(slug))
        # Capped parts, so that a region the knowledge base knows well (a pilot: many records,
        # profiled domains, recorded networks) does not outrank a closer region for that alone.
        parts = {"closeness": round(close, 2), "complementarity": STRONGER * min(len(stronger), 3),
                 "practices": PRACTICE * min(len(docs), SCORED_PRACTICES),
                 "domains": DOMAIN * min(len(domains), 4), "channels": CHANNEL * min(len(channels), 1)}
        score = round(sum(parts.values()), 2)
        if score <= 0:
            continue
        reasons = []
        if distance is not None and close > 0:
            reasons.append(f"structurally close (distance {distance:.2f} on the peer model's 0-1 scale)")
        if stronger:
            reasons.append("does better where you are weak: " + "; ".join(stronger[:2]))
        if docs:
            more = f" and {len(docs) - MAX_PRACTICES} more" if len(docs) > MAX_PRACTICES else ""
            reasons.append(f"{len(docs)} practice(s) in {'the theme' if theme else 'your challenge themes'}: "
                           + "; ".join(f"{d.title} ({d.evidence})" for d in docs[:MAX_PRACTICES]) + more)
        if domains:
            reasons.append("shares S3 domains: " + ", ".join(labels[d] for d in domains))
        for name, (a, b) in channels.items():
            roles = f"you: {a.role}, they: {b.role}"
            reasons.append(f"already together in {name} ({roles})")
        out.append(PartnerRegion(
            region=slug, name=other.name, country=country_name(other.country), score=score, parts=parts,
            reasons=reasons,
            practices=[PartnerPractice(d.id, d.title, d.evidence, d.url) for d in docs[:MAX_PRACTICES]],
            channels=[PartnerChannel(name, f"{a.role} / {b.role}", b.source) for name, (a, b) in channels.items()]))
    out.sort(key=lambda p: (-p.score, p.name))
    return out[:limit]
