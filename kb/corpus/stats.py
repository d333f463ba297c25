"""What the corpus holds, counted: records per region, theme, evidence level and verification,
and how well each pilot region's structural peers are covered. `kb validate --json` prints it,
so the corpus's targets are one command away."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from kb.corpus.records import Practice

PEERS_CHECKED = 8
RECORDS_PER_PEER = 2


@dataclass(frozen=True)
class PeerCoverage:
    """How many of a pilot's nearest PEERS_CHECKED peers have RECORDS_PER_PEER records or more."""

    region: str
    covered: int
    peers: dict[str, int]
    """Records per peer (by slug), in peer order."""


def peer_coverage(practices: Iterable[Practice]) -> list[PeerCoverage]:
    """Per pilot region: its peers and their record counts (a record counts for each region it
    belongs to, partners included)."""
    from kb.errors import MissingData
    from kb.reference.peers import find_peers
    from kb.reference.regions import PILOT_REGIONS, regions

    per_region = Counter(r for p in practices for r in p.regions)
    out = []
    for slug in PILOT_REGIONS:
        try:
            peers = [p.region for p in find_peers(regions()[slug], k=PEERS_CHECKED).peers]
        except MissingData:
            peers = []
        counts = {peer: per_region[peer] for peer in peers}
        out.append(PeerCoverage(slug, sum(n >= RECORDS_PER_PEER for n in counts.values()), counts))
    return out


def counts(practices: list[Practice]) -> dict:
    """The corpus in numbers, as plain data for JSON."""
    return {
        "records": len(practices),
        "regions": dict(Counter(p.region for p in practices).most_common()),
        "themes": dict(Counter(t for p in practices for t in p.themes).most_common()),
        "evidence": dict(Counter(p.evidence for p in practices).most_common()),
        "verification": dict(Counter(p.verification for p in practices).most_common()),
        "peer_coverage": {c.region: {"covered": c.covered, "of": PEERS_CHECKED, "peers": c.peers}
                          for c in peer_coverage(practices)},
    }
