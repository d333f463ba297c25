"""Structurally similar regions ("peers"), in the spirit of the JRC/Orkestra regional
benchmarking tool: standardised structural variables, a weighted Euclidean distance, the k
nearest regions, and how stable each peer is when the variable weights change (the share of
random Dirichlet weight draws in which it stays in the top k)."""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass
from functools import lru_cache
from operator import mul

from kb.errors import MissingData
from kb.reference.data import load_yaml
from kb.reference.indicators import comparable_units, figure
from kb.reference.regions import Region, country_name

DRAWS = 200
SEED = 20171229


@dataclass(frozen=True)
class Variable:
    indicator: str
    label: str
    transform: str


@dataclass(frozen=True)
class Peer:
    region: str
    name: str
    country: str
    distance: float
    stability: float
    """Share of the random weightings in which the region stays among the nearest k."""
    reasons: list[str]
    closest: list[str]
    furthest: list[str]


@dataclass(frozen=True)
class PeerResult:
    region: str
    name: str
    peers: list[Peer]
    variables: list[str]
    candidates: int
    """How many regions had data on every variable."""

    def to_dict(self) -> dict:
        return {
            "region": self.region,
            "peers": [{"region": p.region, "name": p.name, "country": p.country, "distance": p.distance,
                       "stability": p.stability, "reasons": p.reasons} for p in self.peers],
            "variables": self.variables, "candidates": self.candidates,
        }


@lru_cache(maxsize=1)
def variables() -> tuple[Variable, ...]:
    return tuple(Variable(**row) for row in load_yaml("peer_variables.yaml"))


def _raw(region: Region, var: Variable) -> float | None:
    if var.indicator == "density":
        pop, area = figure(region, "population").value, figure(region, "area_km2").value
        value = pop / area if pop and area else None
    else:
        value = figure(region, var.indicator).value
    if value is None:
        return None
    if var.transform == "log":
        return math.log(value) if value > 0 else None
    return value


MAX_MISSING = 2


@lru_cache(maxsize=1)
def matrix() -> tuple[dict[str, tuple[float | None, ...]], dict[str, Region]]:
    """Return the standardised variables of every region with data on all but at most
    MAX_MISSING of them (None where missing)."""
    vs = variables()
    units = {r.slug: r for r in comparable_units()}
    raw = {slug: [_raw(region, v) for v in vs] for slug, region in units.items()}
    raw = {slug: row for slug, row in raw.items() if sum(x is None for x in row) <= MAX_MISSING}
    z: dict[str, list[float | None]] = {slug: [] for slug in raw}
    for i in range(len(vs)):
        column = [row[i] for row in raw.values() if row[i] is not None]
        mean = sum(column) / len(column)
        sd = math.sqrt(sum((x - mean) ** 2 for x in column) / (len(column) - 1)) or 1.0
        for slug, row in raw.items():
            z[slug].append(None if row[i] is None else (row[i] - mean) / sd)  # type: ignore[operator]
    return {slug: tuple(v) for slug, v in z.items()}, units


def _distance(a: tuple[float | None, ...], b: tuple[float | None, ...], weights: list[float]) -> float:
    """Weighted Euclidean distance over the variables both regions have, rescaled to the full
    weight so that a missing variable neither helps nor hurts."""
    pairs = [(x, y, w) for x, y, w in zip(a, b, weights, strict=True) if x is not None and y is not None]
    used = sum(w for _, _, w in pairs)
    if not pairs or used == 0:
        return math.inf
    return math.sqrt(sum(w * (x - y) ** 2 for x, y, w in pairs) * sum(weights) / used)


def _stability(me: tuple[float | None, ...], rows: list[tuple[float | None, ...]], names: list[str],
               top: list[str], k: int, draws: int) -> dict[str, float]:
    """Return, for each region in `top`, the share of `draws` random Dirichlet(1, ..., 1)
    weightings under which it stays among the k nearest (same distance as `_distance`)."""
    rng = random.Random(SEED)
    n = len(me)
    gaps = [[0.0 if x is None or y is None else (x - y) ** 2 for x, y in zip(me, row, strict=True)] for row in rows]
    masks = [[0.0 if x is None or y is None else 1.0 for x, y in zip(me, row, strict=True)] for row in rows]
    complete = [all(m) for m in masks]
    counts = dict.fromkeys(top, 0)
    keyed = list(zip(names, gaps, masks, complete, strict=True))
    for _ in range(draws):
        g = [rng.gammavariate(1.0, 1.0) for _ in range(n)]
        total = sum(g)
        w = [x / total for x in g]
        scored = []
        for name, gap, mask, full in keyed:
            num = sum(map(mul, w, gap))
            used = 1.0 if full else sum(map(mul, w, mask))
            scored.append((num / used if used else math.inf, name))
        for _, name in heapq.nsmallest(k, scored):
            if name in counts:
                counts[name] += 1
    return {name: counts[name] / draws for name in top}


def find_peers(region: Region, k: int = 5, other_countries: bool = False, draws: int = DRAWS) -> PeerResult:
    """Return the k regions structurally closest to `region` (never the region itself).

    `other_countries` leaves out regions of the same country. Raises MissingData when the region
    lacks data on a structural variable.
    """
    z, units = matrix()
    vs = variables()
    if region.slug not in z:
        missing = [v.label for v in vs if _raw(region, v) is None]
        raise MissingData(f"{region.name} lacks data on {', '.join(missing) or 'the structural variables'}: "
                      "no peers can be computed", region=region.slug)
    me = z[region.slug]
    own = set(region.all_codes())
    candidates = [s for s in z if s != region.slug and not (set(units[s].all_codes()) & own)
                  and not (other_countries and units[s].country == region.country)]
    n = len(vs)
    equal = [1.0 / n] * n
    ranked = sorted(candidates, key=lambda s: (_distance(me, z[s], equal), s))
    top = ranked[:k]
    stay = _stability(me, [z[s] for s in candidates], candidates, top, k, draws)
    peers = []
    for slug in top:
        diffs = sorted((abs(a - b), v.label) for a, b, v in zip(me, z[slug], vs, strict=True)
                       if a is not None and b is not None)
        closest = [label for _, label in diffs[:2]]
        furthest = [label for _, label in diffs[-2:][::-1]]
        other = units[slug]
        reasons = [f"closest on {', '.join(closest)}", f"furthest on {', '.join(furthest)}"]
        peers.append(Peer(region=slug, name=other.name, country=country_name(other.country),
                          distance=round(_distance(me, z[slug], equal), 3),
                          stability=round(stay[slug], 2), reasons=reasons,
                          closest=closest, furthest=furthest))
    return PeerResult(region=region.slug, name=region.name, peers=peers, variables=[v.label for v in vs],
                      candidates=len(candidates))
