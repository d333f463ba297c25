"""Workshop session records (workshops/<date>-<slug>.yaml): a facilitator's record of one
peer-learning session: date, theme, participating regions, the practices discussed, each
region's ratings (1-5, with a comment) and the actions agreed.

Records are checked like practices (one `path:line: message` per problem). Every write holds
a lock next to the file and replaces it atomically, so two facilitators rating at once lose
nothing, and a record that does not validate is never overwritten."""

from __future__ import annotations

import datetime as dt
import re
import statistics
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from kb.data import load_with_lines
from kb.errors import KBError, Problem, UsageError
from kb.files import exclusive_lock, write_atomic

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FIELDS = ("date", "theme", "regions", "facilitator", "practices", "ratings", "actions")
REQUIRED = ("date", "theme", "regions", "practices")
SCORES = range(1, 6)
HEADER = ("# Transition KB workshop session record. Edit with `kb workshop rate|action`, "
          "check with `kb workshop validate`.\n")


class WorkshopError(KBError):
    """A session record has problems; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("; ".join(str(p) for p in self.problems[:3]))


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


# --- reading and checking -------------------------------------------------------------------


def _parse(text: str, path: str) -> tuple[Any, dict[str, int], list[Problem]]:
    """Return the data, the line of each top-level key and of each list item, and YAML problems."""
    try:
        data, lines = load_with_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, {}, [Problem(path, mark.line + 1 if mark else 1, f"not valid YAML: {problem}")]
    return data, lines, []


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def check_data(data: Any, lines: dict[str, int], path: str,
               known_practices: set[str] | None = None) -> list[Problem]:
    """Return every problem of a session record's content."""
    from kb.regions import regions
    from kb.themes import themes

    if not isinstance(data, dict):
        return [Problem(path, 1, "a session record must be a mapping of fields (date, theme, regions, ...)")]
    out: list[Problem] = []

    def at(key: str) -> int:
        return lines.get(key, 1)

    for key in REQUIRED:
        if key not in data:
            out.append(Problem(path, 1, f"missing required field '{key}'"))
    for key in data:
        if key not in FIELDS:
            out.append(Problem(path, at(str(key)), f"unknown field '{key}' (known: {', '.join(FIELDS)})"))
    if "date" in data and _date(data["date"]) is None:
        out.append(Problem(path, at("date"), f"'date' must be a date YYYY-MM-DD, not {data['date']!r}"))
    if "theme" in data and data["theme"] not in themes():
        out.append(Problem(path, at("theme"), f"unknown theme {data['theme']!r} (valid: {', '.join(themes())})"))
    session_regions = data.get("regions")
    if "regions" in data:
        if not isinstance(session_regions, list) or not session_regions:
            out.append(Problem(path, at("regions"), "'regions' must be a non-empty list of region slugs"))
            session_regions = []
        for i, slug in enumerate(session_regions):
            if slug not in regions():
                out.append(Problem(path, lines.get(f"regions[{i}]", at("regions")), f"unknown region {slug!r}"))
    practices = data.get("practices")
    if "practices" in data:
        if not isinstance(practices, list) or not all(isinstance(p, str) for p in practices):
            out.append(Problem(path, at("practices"), "'practices' must be a list of practice ids"))
            practices = []
        elif known_practices is not None:
            for i, pid in enumerate(practices):
                if pid not in known_practices:
                    out.append(Problem(path, lines.get(f"practices[{i}]", at("practices")),
                                       f"practice {pid!r} is not in the corpus"))
    if data.get("facilitator") is not None and not isinstance(data.get("facilitator"), str):
        out.append(Problem(path, at("facilitator"), "'facilitator' must be text"))
    ratings = data.get("ratings") or []
    if not isinstance(ratings, list):
        out.append(Problem(path, at("ratings"), "'ratings' must be a list"))
        ratings = []
    seen: set[tuple[str, str]] = set()
    for i, r in enumerate(ratings):
        line = lines.get(f"ratings[{i}]", at("ratings"))
        if not isinstance(r, dict):
            out.append(Problem(path, line, f"rating {i + 1} must be a mapping (region, practice, score, comment)"))
            continue
        if r.get("region") not in (session_regions or []):
            out.append(Problem(path, line, f"rating {i + 1}: region {r.get('region')!r} is not a participant"))
        if r.get("practice") not in (practices or []):
            out.append(Problem(path, line, f"rating {i + 1}: practice {r.get('practice')!r} was not discussed"))
        score = r.get("score")
        if not isinstance(score, int) or isinstance(score, bool) or score not in SCORES:
            out.append(Problem(path, line, f"rating {i + 1}: score must be a whole number from 1 to 5, not {score!r}"))
        if r.get("comment") is not None and not isinstance(r.get("comment"), str):
            out.append(Problem(path, line, f"rating {i + 1}: comment must be text"))
        key = (str(r.get("region")), str(r.get("practice")))
        if key in seen:
            out.append(Problem(path, line, f"rating {i + 1}: {key[0]} rated {key[1]} twice"))
        seen.add(key)
    actions = data.get("actions") or []
    if not isinstance(actions, list):
        out.append(Problem(path, at("actions"), "'actions' must be a list"))
        actions = []
    for i, a in enumerate(actions):
        line = lines.get(f"actions[{i}]", at("actions"))
        if not isinstance(a, dict):
            out.append(Problem(path, line, f"action {i + 1} must be a mapping (region, text, owner, due)"))
            continue
        if a.get("region") not in (session_regions or []):
            out.append(Problem(path, line, f"action {i + 1}: region {a.get('region')!r} is not a participant"))
        for key in ("text", "owner"):
            if not isinstance(a.get(key), str) or not a[key].strip():
                out.append(Problem(path, line, f"action {i + 1}: '{key}' must be non-empty text"))
        if _date(a.get("due")) is None:
            out.append(Problem(path, line, f"action {i + 1}: 'due' must be a date YYYY-MM-DD, not {a.get('due')!r}"))
    return out


def read_session(path: Path, known_practices: set[str] | None = None) -> tuple[dict, list[Problem]]:
    """Return a record's data and its problems (data is {} when it cannot be read at all)."""
    shown = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return {}, [Problem(shown, 0, f"cannot read the file: {exc.strerror}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return {}, [Problem(shown, line, f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at offset {exc.start}")]
    data, lines, problems = _parse(text.replace("\r\n", "\n"), shown)
    if problems:
        return {}, problems
    return (data if isinstance(data, dict) else {}), check_data(data, lines, shown, known_practices)


def validate_folder(folder: Path, known_practices: set[str] | None = None) -> tuple[int, list[Problem]]:
    """Return how many records the folder holds and every problem in them."""
    files = sorted(Path(folder).glob("*.yaml")) if Path(folder).is_dir() else []
    problems: list[Problem] = []
    for path in files:
        problems += read_session(path, known_practices)[1]
    return len(files), sorted(problems)


# --- writing ---------------------------------------------------------------------------------


def locked(path: Path, wait: float = 30.0) -> Any:
    """Hold an exclusive lock for `path` (a sidecar `.name.lock` file) for a read-modify-write."""
    return exclusive_lock(path.parent / f".{path.name}.lock", wait,
                          lambda: KBError(f"{path} is being written by someone else; try again"), poll=0.02)


def _dump(data: dict) -> str:
    ordered = {k: data[k] for k in FIELDS if k in data}
    return HEADER + yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, width=100)


def slug_for(theme: str, regions: list[str]) -> str:
    return re.sub(r"[^a-z0-9]+", "-", f"{theme}-{'-'.join(regions[:3])}".lower()).strip("-")[:80]


def new_session(folder: Path, theme: str, regions: list[str], date: dt.date, practices: list[str],
                facilitator: str | None = None) -> Path:
    """Create a session record and return its path; never overwrites an existing one."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{date.isoformat()}-{slug_for(theme, regions)}.yaml"
    data: dict[str, Any] = {"date": date, "theme": theme, "regions": regions}
    if facilitator:
        data["facilitator"] = facilitator
    data.update({"practices": practices, "ratings": [], "actions": []})
    problems = check_data(data, {}, str(path))
    if problems:
        raise WorkshopError(problems)
    with locked(path):
        if path.exists():
            raise UsageError(f"{path} already exists; rate or add actions to it, or choose another date")
        write_atomic(path, _dump(data))
    return path


def _update(path: Path, change: Any) -> dict:
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"no session record at {path} (create one with `kb workshop new`)")
    with locked(path):
        data, problems = read_session(path)
        if problems:
            raise WorkshopError(problems)
        change(data)
        after = check_data(data, {}, str(path))
        if after:
            raise UsageError("; ".join(p.message for p in after))
        write_atomic(path, _dump(data))
    return data


def add_rating(path: Path, region: str, practice: str, score: int, comment: str | None = None) -> dict:
    """Record (or replace) a region's rating of a practice; return the updated record."""
    if not isinstance(score, int) or score not in SCORES:
        raise UsageError(f"score must be a whole number from 1 to 5, not {score!r}")

    def change(data: dict) -> None:
        if region not in data["regions"]:
            raise UsageError(f"region {region!r} is not a participant (participants: {', '.join(data['regions'])})")
        if practice not in data["practices"]:
            raise UsageError(f"practice {practice!r} was not discussed (discussed: {', '.join(data['practices'])})")
        ratings = [r for r in data.get("ratings") or [] if (r.get("region"), r.get("practice")) != (region, practice)]
        entry: dict[str, Any] = {"region": region, "practice": practice, "score": score}
        if comment:
            entry["comment"] = comment
        data["ratings"] = [*ratings, entry]

    return _update(path, change)


def add_action(path: Path, region: str, text: str, owner: str, due: dt.date) -> dict:
    """Record an action a region agreed; return the updated record."""
    def change(data: dict) -> None:
        if region not in data["regions"]:
            raise UsageError(f"region {region!r} is not a participant (participants: {', '.join(data['regions'])})")
        data["actions"] = [*(data.get("actions") or []),
                           {"region": region, "text": text, "owner": owner, "due": due}]

    return _update(path, change)


# --- what reports and search show --------------------------------------------------------------


def _records(folder: Path) -> list[tuple[str, dict]]:
    out = []
    for path in sorted(Path(folder).glob("*.yaml")) if Path(folder).is_dir() else []:
        data, problems = read_session(path)
        if data and not problems:
            out.append((path.stem, data))
    return out


def feedback_for(region: str, folder: Path, own_practices: set[str] | None = None) -> Feedback | None:
    """Return the region's workshop feedback, or None when no valid record mentions it.
    Records `kb workshop validate` rejects are left out, not guessed at."""
    given: list[Rating] = []
    received: list[Rating] = []
    actions: list[AgreedAction] = []
    for session, data in _records(Path(folder)):
        date = str(data.get("date", ""))
        for r in data.get("ratings") or []:
            rating = Rating(session, date, r["region"], r["practice"], r["score"], str(r.get("comment") or ""))
            if rating.region == region:
                given.append(rating)
            elif own_practices and rating.practice in own_practices:
                received.append(rating)
        for a in data.get("actions") or []:
            if a.get("region") == region:
                actions.append(AgreedAction(session, region, a["text"], a["owner"], str(a["due"])))
    feedback = Feedback(given, received, actions)
    return feedback or None


def ratings_summary(folder: Path) -> dict[str, dict[str, float]]:
    """Return, per practice id, how many regions rated it and their mean score. Read again only
    when a record in the folder changes: searches call this on every query."""
    folder = Path(folder)
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    signature = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    return {pid: dict(summary) for pid, summary in _ratings_summary(str(folder.resolve()), signature).items()}


@lru_cache(maxsize=8)
def _ratings_summary(folder: str, signature: tuple) -> dict[str, dict[str, float]]:
    scores: dict[str, dict[str, int]] = {}
    for _, data in _records(Path(folder)):
        for r in data.get("ratings") or []:
            scores.setdefault(r["practice"], {})[r["region"]] = r["score"]
    return {pid: {"regions": len(by_region), "mean": round(statistics.fmean(by_region.values()), 2)}
            for pid, by_region in scores.items()}
