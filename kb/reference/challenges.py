"""Which performance indicators count as a region's challenges, and how they map to practice
themes (`kb/data/challenge_themes.yaml`). One rule, shared by region reports (their
`challenges` section) and workshop packs (their matchmaking), so both name the same weak points.

The rule: an indicator is a challenge when the region sits below its structural peers' median
(or the EU middle, the 50th percentile, when it has no peers) or below the EU middle itself;
the further below, the weaker. Positions are EU percentiles, so indicators of different units
compare."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from kb.reference.data import load_yaml

MAX_CHALLENGES = 4


@dataclass(frozen=True)
class Weakness:
    """A performance indicator on which a region trails its peers or the EU middle."""

    indicator: str
    label: str
    themes: tuple[str, ...]
    detail: str
    gap: float
    """Percentile points below the peers' median (50 without peers) or below the EU middle,
    whichever is lower: negative, and the lower the weaker."""


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


def weakness(indicator: str, position: float | None, peer_position: float | None, value: float | None,
             year: object, peer_median: float | None, eu_value: float | None, unit: str) -> Weakness | None:
    """The weakness an indicator shows, or None when it shows none (or maps to no theme)."""
    entry = challenge_map().get(indicator)
    if entry is None or position is None:
        return None
    gap = position - (peer_position if peer_position is not None else 50.0)
    if gap >= 0 and position >= 50:
        return None
    parts = [f"{fmt_number(value)} in {year}"]
    if peer_median is not None:
        parts.append(f"peers' median {fmt_number(peer_median)}")
    if eu_value is not None:
        parts.append(f"EU median {fmt_number(eu_value)}")
    parts.append(f"unit: {unit}")
    return Weakness(indicator, entry["challenge"], tuple(entry["themes"]), "; ".join(parts),
                    round(min(gap, position - 50), 1))


def weakest(found: list[Weakness | None], limit: int = MAX_CHALLENGES) -> list[Weakness]:
    """The `limit` weakest, weakest first (ties by indicator id, so the order is stable)."""
    return sorted((w for w in found if w is not None), key=lambda w: (w.gap, w.indicator))[:limit]
