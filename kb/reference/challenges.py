"""Which performance indicators count as a region's challenges, and how they map to practice
themes (`kb/data/challenge_themes.yaml`). One rule, shared by region reports (their
`challenges` section) and workshop packs (their matchmaking), so both name the same weak points.

The rule: an indicator is a challenge when the region is in the bottom third of its peers, or at
least 10 % worse than their median (the EU median when it has no peers), and the indicator is
not saturated (when nearly every EU region scores about the same, as with household broadband
near 100 %, a small gap means nothing), and the figure is not old (a 2012 patent count says
little about a region today). A region ahead everywhere still gets its three
relatively weakest indicators, as "where peers do better", so every region is matched with
practices. Each challenge states its size.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from kb.reference.compare import Comparison
from kb.reference.data import load_yaml
from kb.reference.indicators import reference

MAX_CHALLENGES = 4
RELATIVE_FALLBACK = 3
MIN_GAP = 0.10
"""A gap to the peers' median smaller than this share of it is noise, unless the region is in
its peers' bottom third."""
SATURATED_SPREAD = 0.10
"""An indicator whose EU regions' 10th-90th percentile spread is below this share of their
median is saturated: gaps on it are not challenges."""


@dataclass(frozen=True)
class Weakness:
    """A performance indicator on which a region trails its peers or the EU middle."""

    indicator: str
    label: str
    themes: tuple[str, ...]
    detail: str
    gap: float
    """The region's distance to the peers' median (EU median without peers) as a share of it,
    oriented so that negative is worse: -0.25 is 25 % worse."""
    size: str
    """The gap in words, e.g. "25 % worse than the peers' median; 5th of its 6 peers"."""
    relative: bool = False
    """True for "where peers do better" (no real challenge, one of the relatively weakest)."""


@cache
def challenge_map() -> dict[str, dict]:
    """Per indicator id: the challenge it signals and the practice themes that answer it."""
    return {row["indicator"]: row for row in load_yaml("challenge_themes.yaml")}


def fmt_number(value: float | None, unit: str = "") -> str | None:
    """A figure as a person reads it: thousands separated, three significant digits when small."""
    if value is None:
        return None
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    return f"{text} {unit}".strip()


@cache
def saturated(base: str) -> bool:
    """True when the EU regions of the indicator's reference base barely differ."""
    values = reference(base)[1]
    if len(values) < 10:
        return False
    p10, p90 = values[len(values) // 10], values[(9 * len(values)) // 10]
    middle = values[len(values) // 2]
    return middle != 0 and (p90 - p10) / abs(middle) < SATURATED_SPREAD


def _gap(c: Comparison) -> tuple[float, str] | None:
    value = c.figure.value
    ref, against = (c.peer_median, "the peers' median") if c.peer_median is not None else \
        (c.eu_median.value, "the EU median")
    if value is None or ref is None or ref == 0:
        return None
    gap = (value - ref) / abs(ref)
    return (-gap if c.indicator.better == "lower" else gap), against


def _rank(c: Comparison) -> tuple[int, int] | None:
    """The region's place among itself and its peers with a value (1 = best), and how many."""
    value = c.figure.value
    others = [p.value for p in c.peers if p.value is not None]
    if value is None or not others:
        return None
    better = [v for v in others if (v < value if c.indicator.better == "lower" else v > value)]
    return len(better) + 1, len(others) + 1


def weakness(c: Comparison, relative: bool = False) -> Weakness | None:
    """The weakness one comparison shows (with `relative`, however small), or None."""
    entry = challenge_map().get(c.indicator.id)
    measured = _gap(c)
    if entry is None or measured is None or saturated(c.base) or c.old:
        return None
    gap, against = measured
    rank = _rank(c)
    bottom_third = rank is not None and rank[0] > (2 * rank[1]) / 3
    if not relative and not (gap <= -MIN_GAP or bottom_third):
        return None
    word = "worse" if gap < 0 else "better"
    size = f"{abs(gap):.0%} {word} than {against}"
    if rank is not None:
        size += f"; {_ordinal(rank[0])} of {rank[1]} with its peers"
    fig = c.figure
    parts = [f"{fmt_number(fig.value)} in {fig.year}"]
    if c.peer_median is not None:
        parts.append(f"peers' median {fmt_number(c.peer_median)}")
    if c.eu_median.value is not None:
        parts.append(f"EU median {fmt_number(c.eu_median.value)}")
    parts.append(f"unit: {c.indicator.unit}")
    return Weakness(c.indicator.id, entry["challenge"], tuple(entry["themes"]), "; ".join(parts), round(gap, 3),
                    size, relative)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def weakest(comparisons: list[Comparison], limit: int = MAX_CHALLENGES) -> list[Weakness]:
    """The region's challenges, weakest first (ties by indicator id); when there is none, its
    RELATIVE_FALLBACK relatively weakest indicators, marked relative."""
    found = [w for c in comparisons if (w := weakness(c)) is not None]
    if not found:
        found = [w for c in comparisons if (w := weakness(c, relative=True)) is not None]
        limit = min(limit, RELATIVE_FALLBACK)
    return sorted(found, key=lambda w: (w.gap, w.indicator))[:limit]
