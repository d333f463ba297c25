"""Workshop session records (workshops/<date>-<slug>.yaml): a facilitator's record of one
peer-learning session: date, theme, participating regions, the practices discussed, each
region's ratings (1-5, with a comment) and the actions agreed.

Records are checked like practices (one `path:line: message` per problem). Every write holds
a lock next to the file and replaces it atomically, so two facilitators rating at once lose
nothing, and a record that does not validate is never overwritten."""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
import statistics
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from kb.errors import Problem, SessionBusy, SessionError, UsageError
from kb.fields import Check, Field, Message, check_fields, is_int
from kb.files import exclusive_lock, write_atomic
from kb.text import check_text, text_problem
from kb.yamlio import brief, date_problem, decode_utf8, display_path, is_date, parse_yaml, read_limited

log = logging.getLogger(__name__)
MAX_SESSION_BYTES = 1024 * 1024
"""A session record larger than this is not read (a day's session with comments is a few KB)."""
MAX_TEXT = 2000
"""Longest comment or action text, in characters."""
MAX_NAME = 200
"""Longest facilitator or owner name, in characters."""
SCORES = range(1, 6)
HEADER = ("# Transition KB workshop session record. Edit with `kb workshop rate|action`, "
          "check with `kb workshop validate`.\n")


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


def _date(value: Any) -> dt.date | None:
    if is_date(value):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _typed_text(name: str, single_line: bool, limit: int) -> Check:
    """Text a writer would accept: what `rate`, `action` and `new` refuse, reading refuses too."""
    def check(value: Any, _: Mapping[str, Any]) -> Iterator[Message]:
        why = "must be text" if not isinstance(value, str) else text_problem(value, not single_line, limit)
        if why:
            yield f"'{name}' {why}"
    return check


def _session_date(value: Any, _: Mapping[str, Any]) -> Iterator[Message]:
    if _date(value) is None:
        yield date_problem("date", value)


def _theme(value: Any, _: Mapping[str, Any]) -> Iterator[Message]:
    from kb.reference.themes import themes

    if not isinstance(value, str) or value not in themes():
        yield f"unknown theme {brief(value)} (valid: {', '.join(themes())})"


def _regions(value: Any, _: Mapping[str, Any]) -> Iterator[Message]:
    from kb.reference.regions import regions

    if not isinstance(value, list) or not value:
        yield "'regions' must be a non-empty list of region slugs"
        return
    for i, slug in enumerate(value):
        if not isinstance(slug, str) or slug not in regions():
            yield f"unknown region {brief(slug)}", f"regions[{i}]"
        elif value.index(slug) != i:
            yield f"region {slug!r} is listed twice", f"regions[{i}]"


def _practices(value: Any, _: Mapping[str, Any]) -> Iterator[Message]:
    if not isinstance(value, list) or not all(isinstance(p, str) and p for p in value):
        yield "'practices' must be a list of practice ids"


def _participant(value: Any, session: Mapping[str, Any]) -> Iterator[Message]:
    if not isinstance(value, str) or value not in _list(session.get("regions")):
        yield f"region {brief(value)} is not a participant"


def _discussed(value: Any, session: Mapping[str, Any]) -> Iterator[Message]:
    if not isinstance(value, str) or value not in _list(session.get("practices")):
        yield f"practice {brief(value)} was not discussed"


def _score(value: Any, _: Mapping[str, Any]) -> Iterator[Message]:
    if not is_int(value) or value not in SCORES:
        yield f"score must be a whole number from 1 to 5, not {brief(value)}"


def _due(value: Any, _: Mapping[str, Any]) -> Iterator[Message]:
    if _date(value) is None:
        yield date_problem("due", value)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


RATING = (
    Field("region", _participant),
    Field("practice", _discussed),
    Field("score", _score),
    Field("comment", _typed_text("comment", False, MAX_TEXT), required=False, nullable=True),
)
ACTION = (
    Field("region", _participant),
    Field("text", _typed_text("text", False, MAX_TEXT)),
    Field("owner", _typed_text("owner", True, MAX_NAME)),
    Field("due", _due),
)


def _entries(kind: str, table: tuple[Field, ...], example: str) -> Check:
    """A list of mappings (ratings, actions), each checked against `table` at its own line."""
    def check(value: Any, session: Mapping[str, Any]) -> Iterator[Message]:
        if not isinstance(value, list):
            yield f"'{kind}s' must be a list"
            return
        for i, entry in enumerate(value):
            key = f"{kind}s[{i}]"
            if not isinstance(entry, dict):
                yield f"{kind} {i + 1} must be a mapping ({example})", key
                continue
            for problem in check_fields(entry, table, "", {}, missing_line=0, context=session):
                yield f"{kind} {i + 1}: {problem.message}", key
            if kind == "action":
                for field in ("text", "owner"):
                    if isinstance(entry.get(field), str) and not entry[field].strip():
                        yield f"action {i + 1}: '{field}' must be non-empty text", key
    return check


def _ratings_once(value: Any, _: Mapping[str, Any]) -> Iterator[Message]:
    seen: set[tuple[str, str]] = set()
    for i, r in enumerate(_list(value)):
        if isinstance(r, dict):
            pair = (str(r.get("region")), str(r.get("practice")))
            if pair in seen:
                yield f"rating {i + 1}: {pair[0]} rated {pair[1]} twice", f"ratings[{i}]"
            seen.add(pair)


def _all(*checks: Check) -> Check:
    def check(value: Any, session: Mapping[str, Any]) -> Iterator[Message]:
        for one in checks:
            yield from one(value, session)
    return check


SESSION = (
    Field("date", _session_date),
    Field("theme", _theme),
    Field("regions", _regions),
    Field("facilitator", _typed_text("facilitator", True, MAX_NAME), required=False, nullable=True),
    Field("practices", _practices),
    Field("ratings", _all(_entries("rating", RATING, "region, practice, score, comment"), _ratings_once),
          required=False, nullable=True),
    Field("actions", _entries("action", ACTION, "region, text, owner, due"), required=False, nullable=True),
)
"""A session record, one field a line (ratings and actions have tables of their own)."""
FIELDS = tuple(f.name for f in SESSION)


def check_data(data: Any, lines: dict[str, int], path: str,
               known_practices: set[str] | None = None) -> list[Problem]:
    """Return every problem of a session record's content."""
    if not isinstance(data, dict):
        return [Problem(path, 1, "a session record must be a mapping of fields (date, theme, regions, ...)")]
    out = list(check_fields(data, SESSION, path, lines, missing_line=1))
    practices = data.get("practices")
    if known_practices is not None and isinstance(practices, list):
        for i, pid in enumerate(practices):
            if isinstance(pid, str) and pid not in known_practices:
                out.append(Problem(path, lines.get(f"practices[{i}]", lines.get("practices", 1)),
                                   f"practice {brief(pid)} is not in the corpus"))
    return out


def read_session(path: Path, known_practices: set[str] | None = None) -> tuple[dict, list[Problem]]:
    """Return a record's data and its problems (data is {} when it cannot be read at all).
    Only regular files of at most MAX_SESSION_BYTES are read."""
    shown = display_path(path)
    raw, problem = read_limited(Path(path), MAX_SESSION_BYTES, shown)
    if raw is None:
        return {}, [problem] if problem else []
    text, problem = decode_utf8(raw, shown)
    if text is None:
        return {}, [problem] if problem else []
    parsed = parse_yaml(text.replace("\r\n", "\n"), shown, what="the session record")
    if parsed.data is None:
        return {}, list(parsed.problems) or [Problem(shown, 1, "the session record is empty")]
    problems = [*parsed.problems, *check_data(parsed.data, parsed.lines, shown, known_practices)]
    return (parsed.data if isinstance(parsed.data, dict) else {}), problems


def session_files(folder: Path) -> list[Path]:
    """The session records of a folder (`*.yaml`, hidden files left out), sorted."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("."))


def validate_folder(folder: Path, known_practices: set[str] | None = None) -> tuple[int, list[Problem]]:
    """Return how many records the folder holds and every problem in them. A folder that does
    not exist is a usage error, not an empty folder."""
    if not Path(folder).is_dir():
        raise UsageError(f"no folder of session records at {folder}")
    files = session_files(folder)
    problems: list[Problem] = []
    for path in files:
        problems += read_session(path, known_practices)[1]
    return len(files), sorted(problems)


# --- writing ---------------------------------------------------------------------------------


def locked(path: Path, wait: float = 30.0) -> Any:
    """Hold an exclusive lock for `path` (a sidecar `.name.lock` file) for a read-modify-write."""
    return exclusive_lock(path.parent / f".{path.name}.lock", wait,
                          lambda: SessionBusy(str(path)), poll=0.02)


def _dump(data: dict) -> str:
    ordered = {k: data[k] for k in FIELDS if k in data}
    return HEADER + yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, width=100)


def slug_for(theme: str, regions: list[str]) -> str:
    return re.sub(r"[^a-z0-9]+", "-", f"{theme}-{'-'.join(regions[:3])}".lower()).strip("-")[:80]


def new_session(folder: Path, theme: str, regions: list[str], date: dt.date, practices: list[str],
                facilitator: str | None = None) -> Path:
    """Create a session record and return its path; never overwrites an existing one."""
    if facilitator is not None:
        check_text(facilitator, "facilitator", multiline=False, limit=MAX_NAME)
    repeated = sorted({r for r in regions if regions.count(r) > 1})
    if repeated:
        raise UsageError(f"regions: {', '.join(repeated)} named more than once")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{date.isoformat()}-{slug_for(theme, regions)}.yaml"
    data: dict[str, Any] = {"date": date, "theme": theme, "regions": regions}
    if facilitator:
        data["facilitator"] = facilitator
    data.update({"practices": practices, "ratings": [], "actions": []})
    problems = check_data(data, {}, str(path))
    if problems:
        raise SessionError(problems)
    with locked(path):
        if path.exists():
            raise UsageError(f"{path} already exists; rate or add actions to it, or choose another date")
        write_atomic(path, _dump(data))
    return path


def _round_trip() -> Any:
    """A YAML reader-writer that keeps comments, key order and quoting (hand edits survive)."""
    from ruamel.yaml import YAML

    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 100
    return rt


def _update(path: Path, change: Any) -> tuple[dict, Any]:
    """Apply `change` to the record at `path` under its lock and return (the record as read back,
    what `change` returned). The file is edited as written (comments, order and quoting kept,
    through a round-trip YAML writer), checked by the same reader as every other record, and
    replaced atomically."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"no session record at {path} (create one with `kb workshop new`)")
    with locked(path):
        _, problems = read_session(path)
        if problems:
            raise SessionError(problems)
        rt = _round_trip()
        doc = rt.load(path.read_text(encoding="utf-8"))
        result = change(doc)
        buf = io.StringIO()
        rt.dump(doc, buf)
        text = buf.getvalue()
        parsed = parse_yaml(text, display_path(path), what="the session record")
        after = [*parsed.problems, *check_data(parsed.data, parsed.lines, str(path))]
        if after:
            raise UsageError("; ".join(p.message for p in after))
        write_atomic(path, text)
    return parsed.data, result


def _quoted(entry: dict[str, Any]) -> Any:
    """A new entry for the round-trip writer with its text quoted: the records are read as YAML
    1.1, where an unquoted `yes` or `no` would come back as a boolean."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    return CommentedMap((k, DoubleQuotedScalarString(v) if isinstance(v, str) else v) for k, v in entry.items())


def _block(doc: Any, key: str) -> Any:
    """The list under `key`, made a block list (a new entry in `ratings: []` reads as a block)."""
    from ruamel.yaml.comments import CommentedSeq

    seq = doc.get(key)
    if not isinstance(seq, CommentedSeq):
        seq = CommentedSeq(seq or [])
        doc[key] = seq
    seq.fa.set_block_style()
    return seq


@dataclass(frozen=True)
class RatingOutcome:
    """A rating written: the record after it, and the rating it replaced (None when new)."""

    data: dict
    replaced: dict | None


def rate(path: Path, region: str, practice: str, score: int, comment: str | None = None) -> RatingOutcome:
    """Record (or replace, saying so) a region's rating of a practice."""
    if not isinstance(score, int) or isinstance(score, bool) or score not in SCORES:
        raise UsageError(f"score must be a whole number from 1 to 5, not {brief(score)}")
    if comment is not None:
        check_text(comment, "comment", limit=MAX_TEXT)

    def change(doc: Any) -> dict | None:
        if region not in doc["regions"]:
            raise UsageError(f"region {brief(region)} is not a participant "
                             f"(participants: {', '.join(doc['regions'])})")
        if practice not in doc["practices"]:
            raise UsageError(f"practice {brief(practice)} was not discussed "
                             f"(discussed: {', '.join(doc['practices'])})")
        entry: dict[str, Any] = {"region": region, "practice": practice, "score": score}
        if comment:
            entry["comment"] = comment
        ratings = _block(doc, "ratings")
        for i, old in enumerate(ratings):
            if (old.get("region"), old.get("practice")) == (region, practice):
                before = {k: str(v) if isinstance(v, str) else v for k, v in old.items()}
                ratings[i] = _quoted(entry)
                return before
        ratings.append(_quoted(entry))
        return None

    data, replaced = _update(path, change)
    return RatingOutcome(data, replaced)


def add_rating(path: Path, region: str, practice: str, score: int, comment: str | None = None) -> dict:
    """Record (or replace) a region's rating of a practice; return the updated record."""
    return rate(path, region, practice, score, comment).data


def add_action(path: Path, region: str, text: str, owner: str, due: dt.date) -> dict:
    """Record an action a region agreed; return the updated record. A due date before the
    session is refused: an action agreed in a session falls due after it."""
    check_text(text, "text", limit=MAX_TEXT)
    check_text(owner, "owner", multiline=False, limit=MAX_NAME)
    if not text.strip() or not owner.strip():
        raise UsageError("an action needs a non-empty text and owner")

    def change(doc: Any) -> None:
        if region not in doc["regions"]:
            raise UsageError(f"region {brief(region)} is not a participant "
                             f"(participants: {', '.join(doc['regions'])})")
        held = _date(doc.get("date"))
        if held is not None and due < held:
            raise UsageError(f"due date {due.isoformat()} is before the session ({held.isoformat()}): "
                             "an action agreed there falls due on or after it")
        _block(doc, "actions").append(_quoted({"region": region, "text": text, "owner": owner, "due": due}))

    return _update(path, change)[0]


# --- what reports and search show --------------------------------------------------------------


def _identity(path: Path) -> tuple[int, ...] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


@lru_cache(maxsize=1024)
def _valid_session(path: str, identity: tuple[int, ...]) -> tuple[dict | None, Problem | None]:
    """The data of a valid record, or its first problem. Cached by the file's identity (device,
    inode, size, times), so a search re-reads only the records that changed, and a record that
    does not validate is warned about once per version."""
    data, problems = read_session(Path(path))
    if problems:
        first = min(problems)
        log.warning("%s (session record left out; `kb workshop validate` lists every problem)", first)
        return None, first
    return data, None


def _records(folder: Path) -> list[tuple[str, dict]]:
    """The valid session records of `folder` as (name, data); invalid ones are left out with a
    warning (see `skipped_sessions`), so one mistyped file cannot stop search or reports."""
    out = []
    for path in session_files(folder):
        identity = _identity(path)
        if identity is None:
            continue
        data, _ = _valid_session(str(path), identity)
        if data is not None:
            out.append((path.stem, data))
    return out


def skipped_sessions(folder: Path) -> list[Problem]:
    """The first problem of every record in `folder` that search and reports leave out."""
    out = []
    for path in session_files(folder):
        identity = _identity(path)
        if identity is not None:
            problem = _valid_session(str(path), identity)[1]
            if problem is not None:
                out.append(problem)
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
    signature = tuple((p.name, _identity(p)) for p in session_files(folder))
    return {pid: dict(summary) for pid, summary in _ratings_summary(str(folder.resolve()), signature).items()}


@lru_cache(maxsize=8)
def _ratings_summary(folder: str, signature: tuple) -> dict[str, dict[str, float]]:
    scores: dict[str, dict[str, int]] = {}
    for _, data in _records(Path(folder)):
        for r in data.get("ratings") or []:
            scores.setdefault(r["practice"], {})[r["region"]] = r["score"]
    return {pid: {"regions": len(by_region), "mean": round(statistics.fmean(by_region.values()), 2)}
            for pid, by_region in scores.items()}


def latest_sessions(folder: Path) -> dict[str, tuple[float, str]]:
    """Per region, the newest valid session record that involves it: (the file's modification
    time, the session's date). A report written before that time misses its feedback."""
    out: dict[str, tuple[float, str]] = {}
    for path in session_files(folder):
        identity = _identity(path)
        if identity is None:
            continue
        data, _ = _valid_session(str(path), identity)
        if data is None:
            continue
        changed = os.stat(path).st_mtime
        for region in data.get("regions") or []:
            if region not in out or changed > out[region][0]:
                out[region] = (changed, str(data.get("date")))
    return out
