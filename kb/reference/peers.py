"""Structurally similar regions ("peers"), after Navarro et al. (2014), the method of the
JRC/Orkestra regional benchmarking tool (see kb/data/peer_variables.yaml):

- structural variables only, grouped in dimensions (demography and settlement, economic
  structure, human capital), each standardised over every region with data;
- each dimension reduced to its principal components (eigenvalue >= 1), so that correlated
  variables are not counted twice, and scaled so that every dimension weighs the same;
- one distance index from 0 to 1 (the Euclidean distance over the dimensions, divided by the
  largest distance between any two regions);
- capital-city regions compared only with capital-city regions;
- the stability of a peer: the share of random Dirichlet weightings of the dimensions under
  which it stays among the region's nearest STABLE_TOP, whatever the number of peers asked for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from kb.errors import MissingData
from kb.reference.data import load_yaml
from kb.reference.indicators import comparable_units, figure
from kb.reference.regions import Region, country_name

DRAWS = 200
SEED = 20171229
STABLE_TOP = 10
UNSTABLE_BELOW = 0.5
MAX_MISSING = 2
"""A region missing more structural variables than this is not offered as a peer: filling the
gaps with averages would make it look like everybody's neighbour."""


@dataclass(frozen=True)
class Variable:
    indicator: str
    label: str
    transform: str
    unit: str
    dimension: str


@dataclass(frozen=True)
class Dimension:
    id: str
    label: str
    variables: tuple[Variable, ...]


@dataclass(frozen=True)
class Peer:
    region: str
    name: str
    country: str
    distance: float
    """0 (identical) to 1 (the two most different regions of Europe)."""
    stability: float
    """Share of the random weightings of the dimensions in which the peer stays among the
    region's nearest STABLE_TOP: a property of the peer, not of how many peers are shown."""
    reasons: list[str]
    closest: list[str]
    """The two dimensions on which the two regions are closest."""
    furthest: list[str]

    @property
    def unstable(self) -> bool:
        return self.stability < UNSTABLE_BELOW


@dataclass(frozen=True)
class PeerResult:
    region: str
    name: str
    peers: list[Peer]
    variables: list[str]
    candidates: int
    """How many regions it was compared with."""
    dimensions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What the comparison could not use (a dimension without data), or how it was restricted."""

    def to_dict(self) -> dict:
        return {
            "region": self.region,
            "peers": [{"region": p.region, "name": p.name, "country": p.country, "distance": p.distance,
                       "stability": p.stability, "unstable": p.unstable, "reasons": p.reasons,
                       "closest_dimensions": p.closest} for p in self.peers],
            "variables": self.variables, "dimensions": self.dimensions, "candidates": self.candidates,
            "notes": self.notes,
        }


@lru_cache(maxsize=1)
def dimensions() -> tuple[Dimension, ...]:
    out = []
    for row in load_yaml("peer_variables.yaml"):
        variables = tuple(Variable(str(v["indicator"]), str(v["label"]), str(v["transform"]), str(v["unit"]),
                                   str(row["dimension"])) for v in row["variables"])
        out.append(Dimension(str(row["dimension"]), str(row["label"]), variables))
    return tuple(out)


def variables() -> tuple[Variable, ...]:
    return tuple(v for d in dimensions() for v in d.variables)


@lru_cache(maxsize=1)
def capital_regions() -> frozenset[str]:
    """NUTS codes of capital-city regions (kb/data/capital_regions.yaml)."""
    return frozenset(str(row["code"]) for row in load_yaml("capital_regions.yaml"))


def is_capital(region: Region) -> bool:
    """A capital-city region: every NUTS 2 part of it is one (Wien, the five of Greater London,
    Eesti). A whole country of several NUTS 2 regions (Lithuania, Slovenia) is not one."""
    return bool(region.nuts) and set(region.nuts) <= capital_regions()


def _value(region: Region, var: Variable) -> float | None:
    """The variable's value, before its transform."""
    if var.indicator == "density":
        pop, area = figure(region, "population").value, figure(region, "area_km2").value
        return pop / area if pop and area else None
    return figure(region, var.indicator).value


def _transformed(value: float | None, transform: str) -> float:
    if value is None:
        return math.nan
    if transform == "log":
        return math.log(value) if value > 0 else math.nan
    return value


@dataclass(frozen=True)
class Model:
    """Every comparable region's raw values, z-scores and dimension scores."""

    slugs: tuple[str, ...]
    units: dict[str, Region]
    raw: np.ndarray
    """Regions x variables, before transforms (NaN where missing)."""
    z: np.ndarray
    scores: tuple[np.ndarray, ...]
    """Per dimension: regions x components, scaled so the dimension's typical distance is 1
    (NaN rows for regions without data on the dimension)."""
    scale: float
    """The largest distance between any two regions: what the 0-1 index divides by."""


@lru_cache(maxsize=1)
def model() -> Model:
    units = {r.slug: r for r in comparable_units()}
    vs = variables()
    slugs = tuple(units)
    raw = np.array([[(_value(units[s], v) if _value(units[s], v) is not None else math.nan) for v in vs]
                    for s in slugs], dtype=float)
    transformed = np.array([[_transformed(None if math.isnan(x) else x, v.transform) for x, v in zip(row, vs,
                                                                                                     strict=True)]
                            for row in raw], dtype=float)
    mean = np.nanmean(transformed, axis=0)
    sd = np.nanstd(transformed, axis=0, ddof=1)
    sd[sd == 0] = 1.0
    z = (transformed - mean) / sd
    scores = []
    start = 0
    for dim in dimensions():
        cols = slice(start, start + len(dim.variables))
        start += len(dim.variables)
        block = z[:, cols]
        have = ~np.all(np.isnan(block), axis=1)
        filled = np.where(np.isnan(block), 0.0, block)  # a missing variable counts as average
        complete = filled[~np.any(np.isnan(block), axis=1)]
        if block.shape[1] == 1:
            vectors, kept = np.ones((1, 1)), np.ones(1)
        else:
            values, vecs = np.linalg.eigh(np.corrcoef(complete, rowvar=False))
            order = np.argsort(values)[::-1]
            values, vecs = values[order], vecs[:, order]
            keep = max(1, int(np.sum(values >= 1.0)))
            vectors, kept = vecs[:, :keep], values[:keep]
        dim_scores = filled @ vectors / math.sqrt(float(np.sum(kept)))
        dim_scores[~have] = math.nan
        scores.append(dim_scores)
    probe = _pairwise_max(tuple(scores))
    return Model(slugs, units, raw, z, tuple(scores), probe)


def _pairwise_max(scores: tuple[np.ndarray, ...]) -> float:
    """The largest equal-weight distance between two regions with data on every dimension."""
    squared = None
    for block in scores:
        ok = ~np.any(np.isnan(block), axis=1)
        b = np.where(ok[:, None], block, 0.0)
        d2 = np.sum((b[:, None, :] - b[None, :, :]) ** 2, axis=2)
        squared = d2 if squared is None else squared + d2
    if squared is None:
        return 1.0
    return float(math.sqrt(np.max(squared) / len(scores))) or 1.0


def _dimension_gaps(m: Model, i: int) -> np.ndarray:
    """Regions x dimensions: the squared distance of every region to region i on each dimension
    (NaN where either lacks the dimension)."""
    return np.stack([np.sum((block - block[i]) ** 2, axis=1) for block in m.scores], axis=1)


def _distances(gaps: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted distance over the dimensions both regions have, rescaled to the full weight."""
    have = ~np.isnan(gaps)
    w = np.where(have, weights, 0.0)
    used = np.sum(w, axis=1)
    total = np.sum(np.where(have, gaps, 0.0) * w, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(used > 0, np.sqrt(total / used), np.inf)


def find_peers(region: Region, k: int = 5, other_countries: bool = False, draws: int = DRAWS) -> PeerResult:
    """Return the k regions structurally closest to `region` (never the region itself, nor a
    region sharing a NUTS code with it). Raises MissingData when it lacks every dimension."""
    m = model()
    dims = dimensions()
    if region.slug not in m.units:
        raise MissingData(f"{region.name} is not a region with structural data", region=region.slug)
    i = m.slugs.index(region.slug)
    present = [not np.all(np.isnan(block[i])) for block in m.scores]
    if not any(present):
        missing = [v.label for v in variables()]
        raise MissingData(f"{region.name} lacks data on {', '.join(missing)}: no peers can be computed",
                          region=region.slug)
    notes = [f"compared without the {d.label} dimension (no data)" for d, ok in zip(dims, present, strict=True)
             if not ok]
    own = set(region.all_codes())
    capital = is_capital(region)
    missing = np.sum(np.isnan(m.z), axis=1)
    candidates = [j for j, s in enumerate(m.slugs)
                  if s != region.slug and missing[j] <= MAX_MISSING and not (set(m.units[s].all_codes()) & own)
                  and is_capital(m.units[s]) == capital
                  and not (other_countries and m.units[s].country == region.country)]
    notes.append("capital-city regions are compared only with capital-city regions" if capital
                 else "capital-city regions are left out: they are compared only with each other")
    gaps = _dimension_gaps(m, i)[candidates]
    equal = np.full(len(dims), 1.0 / len(dims))
    dist = _distances(gaps, equal)
    order = sorted(range(len(candidates)), key=lambda n: (dist[n], m.slugs[candidates[n]]))
    shown = order[:k]
    stability = _stability(gaps, shown, draws)
    peers = []
    for n in shown:
        j = candidates[n]
        by_dim = sorted((gaps[n][d], dims[d].label) for d in range(len(dims)) if not math.isnan(gaps[n][d]))
        closest = [label for _, label in by_dim[:2]]
        furthest = [label for _, label in by_dim[-1:]]
        other = m.units[m.slugs[j]]
        peers.append(Peer(region=other.slug, name=other.name, country=country_name(other.country),
                          distance=round(float(dist[n]) / m.scale, 3), stability=round(stability[n], 2),
                          reasons=_reasons(m, i, j, closest), closest=closest, furthest=furthest))
    return PeerResult(region=region.slug, name=region.name, peers=peers, variables=[v.label for v in variables()],
                      candidates=len(candidates), dimensions=[d.label for d in dims], notes=notes)


def _stability(gaps: np.ndarray, shown: list[int], draws: int) -> dict[int, float]:
    """For each shown candidate: the share of Dirichlet(1, ..., 1) weightings of the dimensions
    under which it is among the STABLE_TOP nearest."""
    rng = np.random.default_rng(SEED)
    top = min(STABLE_TOP, len(gaps))
    counts = dict.fromkeys(shown, 0)
    for weights in rng.dirichlet(np.ones(gaps.shape[1]), size=draws):
        dist = _distances(gaps, weights)
        nearest = set(np.argpartition(dist, top - 1)[:top].tolist()) if top < len(dist) else set(range(len(dist)))
        for n in shown:
            counts[n] += n in nearest
    return {n: counts[n] / draws for n in shown}


def _fmt(value: float, unit: str) -> str:
    if unit == "inhabitants":
        return f"{value / 1e6:.1f} million" if value >= 1e6 else f"{value:,.0f}"
    if unit == "inhabitants per km²":
        return f"{value:,.0f} per km²"
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}"


def _reasons(m: Model, i: int, j: int, closest: list[str]) -> list[str]:
    """In a person's words: the closest dimensions, then the two variables on which the two
    regions are nearest, with both values."""
    vs = variables()
    diffs = sorted((abs(m.z[i][v] - m.z[j][v]), v) for v in range(len(vs))
                   if not math.isnan(m.z[i][v]) and not math.isnan(m.z[j][v]))
    out = [f"closest on {' and '.join(closest)}"]
    for _, v in diffs[:2]:
        var = vs[v]
        a, b = _fmt(float(m.raw[i][v]), var.unit), _fmt(float(m.raw[j][v]), var.unit)
        unit = "" if var.unit.startswith("inhabitants") else f" {var.unit}"
        out.append(f"{var.label}: {a} vs {b}{unit}" if a != b else f"{var.label}: both {a}{unit}")
    return out


def distance_between(a: Region, b: Region) -> float:
    """The 0-1 structural distance of two regions with equal dimension weights (symmetric)."""
    m = model()
    i, j = m.slugs.index(a.slug), m.slugs.index(b.slug)
    gaps = _dimension_gaps(m, i)[[j]]
    return float(_distances(gaps, np.full(len(dimensions()), 1.0 / len(dimensions())))[0]) / m.scale
