"""Workshop session records (workshops/<date>-<slug>.yaml): what the region reports show of
them. A record holds the date, theme, participating regions, the practices discussed, each
region's ratings (1-5, with comments) and the actions agreed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Rating:
    session: str
    date: str
    region: str
    practice: str
    score: int
    comment: str = ""


@dataclass(frozen=True)
class AgreedAction:
    session: str
    region: str
    text: str
    owner: str
    due: str


@dataclass(frozen=True)
class Feedback:
    """What a region gave and received in workshops, and what it agreed to do."""

    given: list[Rating] = field(default_factory=list)
    received: list[Rating] = field(default_factory=list)
    actions: list[AgreedAction] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.given or self.received or self.actions)


def _records(folder: Path) -> list[tuple[str, dict]]:
    out = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        if isinstance(data, dict):
            out.append((path.stem, data))
    return out


def feedback_for(region: str, folder: Path, own_practices: set[str] | None = None) -> Feedback | None:
    """Return the region's workshop feedback, or None when no workshop record mentions it.
    Records `kb workshop validate` would reject are skipped here, not guessed at."""
    given: list[Rating] = []
    received: list[Rating] = []
    actions: list[AgreedAction] = []
    for session, data in _records(Path(folder)):
        date = str(data.get("date", ""))
        for r in data.get("ratings") or []:
            if not isinstance(r, dict) or not isinstance(r.get("score"), int):
                continue
            rating = Rating(session, date, str(r.get("region", "")), str(r.get("practice", "")), r["score"],
                            str(r.get("comment") or ""))
            if rating.region == region:
                given.append(rating)
            elif own_practices and rating.practice in own_practices:
                received.append(rating)
        for a in data.get("actions") or []:
            if isinstance(a, dict) and a.get("region") == region:
                actions.append(AgreedAction(session, region, str(a.get("text", "")), str(a.get("owner", "")),
                                            str(a.get("due", ""))))
    feedback = Feedback(given, received, actions)
    return feedback or None
