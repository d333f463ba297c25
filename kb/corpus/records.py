"""The practice corpus: reading records (`practices/<region>/<id>.md`), checking them (with
kb/corpus/checks.py) and turning them into `Practice` values. Problems carry path and line, so
`kb validate` can print all of them and `kb index` can refuse a broken corpus."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.corpus.checks import check_record
from kb.corpus.sections import SECTIONS, split_sections
from kb.errors import CorpusError, Problem
from kb.reference.regions import regions
from kb.yamlio import decode_utf8, display_path, parse_yaml, read_limited

MAX_RECORD_BYTES = 2 * 1024 * 1024
"""A record file larger than this is refused (a record is a few kilobytes; a huge one slows
every search that matches it)."""


@dataclass(frozen=True)
class Source:
    url: str
    title: str


@dataclass(frozen=True)
class Practice:
    """One practice record, as checked and parsed from its file."""

    id: str
    title: str
    region: str
    nuts: tuple[str, ...]
    themes: tuple[str, ...]
    instruments: tuple[str, ...]
    lead_organisation: str
    start_year: int | None
    sources: tuple[Source, ...]
    verification: str
    evidence: str
    last_reviewed: dt.date
    sections: dict[str, str]
    path: str
    original_title: str | None = None
    end_year: int | None = None
    partner_regions: tuple[str, ...] = ()
    unchecked: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    sha256: str = ""

    @property
    def url(self) -> str:
        """The first source's URL (every record has one)."""
        return self.sources[0].url

    @property
    def summary(self) -> str:
        return self.sections.get("Summary", "")

    @property
    def body(self) -> str:
        return "\n\n".join(self.sections.get(name, "") for name in SECTIONS)

    @property
    def regions(self) -> tuple[str, ...]:
        """The region and the partner regions: every region the practice belongs to."""
        return tuple(dict.fromkeys((self.region, *self.partner_regions)))


@dataclass
class RawRecord:
    """A record file split into its parts, before checking."""

    path: str
    front: dict[str, Any] | None
    key_lines: dict[str, int]
    body: str
    body_line: int
    problems: list[Problem] = field(default_factory=list)
    sha256: str = ""


# --- reading -------------------------------------------------------------------------------


def record_files(practices_dir: Path) -> list[Path]:
    """Return every record file under `practices_dir`, sorted (hidden folders skipped)."""
    return sorted(
        p for p in practices_dir.rglob("*.md")
        if not any(part.startswith(".") for part in p.relative_to(practices_dir).parts)
    )


def read_record(path: Path, display: str | None = None) -> RawRecord:
    """Split one file into front matter and body. Problems (not a regular file, too large,
    encoding, YAML) are collected in the result, never raised."""
    shown = display or str(path)
    data, problem = read_limited(Path(path), MAX_RECORD_BYTES, shown)
    if data is None:
        return RawRecord(shown, None, {}, "", 1, [problem] if problem else [], "")
    digest = hashlib.sha256(data).hexdigest()
    text, problem = decode_utf8(data, shown, "; save the file as UTF-8")
    if text is None:
        return RawRecord(shown, None, {}, "", 1, [problem] if problem else [], digest)
    return parse_record(text, shown, digest)


def parse_record(text: str, path: str, digest: str = "") -> RawRecord:
    """Split record text into front matter and body (see `read_record`)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return RawRecord(path, None, {}, text, 1,
                         [Problem(path, 1, "missing front matter: the file must start with a '---' line")], digest)
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        return RawRecord(path, None, {}, "", 1,
                         [Problem(path, 1, "front matter is not closed: add a '---' line after it")], digest)
    front_text = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1:])
    raw = RawRecord(path, None, {}, body, end + 2, [], digest)
    parsed = parse_yaml(front_text, path, first_line=2, what="front matter")
    raw.problems.extend(parsed.problems)
    if parsed.data is None:
        if not parsed.problems:
            raw.problems.append(Problem(path, 2, "front matter is empty: add the record's fields"))
        return raw
    if not isinstance(parsed.data, dict):
        raw.problems.append(Problem(path, 2, "front matter must be a mapping of fields (key: value)"))
        return raw
    raw.front = parsed.data
    # Items are numbered from 1 in messages ("source 1"), from 0 by the YAML loader.
    for key, line in parsed.lines.items():
        if key.endswith("]"):
            name, index = key[:-1].rsplit("[", 1)
            raw.key_lines[f"{name}[{int(index) + 1}]"] = line
        else:
            raw.key_lines[key] = line
    return raw


def to_practice(raw: RawRecord) -> Practice:
    """Return the Practice of a record that passed `check_record`."""
    fm = raw.front or {}
    sections = split_sections(raw.body, raw.body_line)
    nuts = tuple(fm.get("nuts") or ())
    region = fm["region"]
    partners = tuple(fm.get("partner_regions") or ())
    return Practice(
        id=fm["id"], title=fm["title"].strip(), region=region, nuts=nuts,
        themes=tuple(fm["themes"]), instruments=tuple(fm["instruments"]),
        lead_organisation=fm["lead_organisation"].strip(), start_year=fm.get("start_year"),
        sources=tuple(Source(s["url"], s["title"].strip()) for s in fm["sources"]),
        verification=fm["verification"], evidence=fm["evidence"], last_reviewed=fm["last_reviewed"],
        sections={h: t for h, _, t in sections}, path=raw.path,
        original_title=(fm.get("original_title") or None), end_year=fm.get("end_year"),
        partner_regions=partners, unchecked=tuple(fm.get("unchecked") or ()),
        countries=practice_countries(region, partners, nuts), sha256=raw.sha256,
    )


def practice_countries(region: str, partners: Iterable[str], nuts: Iterable[str]) -> tuple[str, ...]:
    """Return the country codes of a practice: its region's, else its partners' and NUTS codes'."""
    known = regions()
    own = known[region].country if region in known else None
    if own:
        return (own,)
    found = [known[p].country for p in partners if p in known and known[p].country]
    found += [code[:2] for code in nuts]
    return tuple(sorted(set(found))) or ("EU",)


@dataclass(frozen=True)
class Corpus:
    """A checked corpus: its practices and the files they came from."""

    root: Path
    practices: tuple[Practice, ...]
    digest: str
    """sha256 over every file's relative path and content: equal digests, equal corpora."""

    def by_id(self) -> dict[str, Practice]:
        return {p.id: p for p in self.practices}


def check_file(root: Path, path: Path) -> tuple[RawRecord, list[Problem], Practice | None]:
    """Read and check one record file (everything but cross-file checks such as duplicate ids)."""
    shown = display_path(path)
    raw = read_record(path, shown)
    found = list(check_record(raw, display_path(path.stem)))
    fm = raw.front or {}
    region = fm.get("region")
    parts = path.relative_to(root).parts
    folder = parts[0] if len(parts) > 1 else None
    if isinstance(region, str) and region in regions() and folder is not None and folder != region:
        found.append(Problem(shown, raw.key_lines.get("region", 2),
                             f"record of region '{region}' is in folder '{display_path(folder)}/'; "
                             f"move it to '{region}/'"))
    return raw, found, (None if found else to_practice(raw))


def digest_of(entries: Iterable[tuple[str, str]]) -> str:
    """Return the corpus digest over (relative path, file sha256) pairs: equal corpora, equal digests."""
    digest = hashlib.sha256()
    for rel, sha in sorted(entries):
        digest.update(os.fsencode(rel) + b"\0" + sha.encode() + b"\n")
    return digest.hexdigest()


def source_warnings(practices_dir: Path) -> list[Problem]:
    """Every warning of the corpus (sources on document mirrors), sorted: `kb validate` prints
    them but they do not fail it."""
    from kb.corpus.checks import source_warnings as warnings_of

    root = Path(practices_dir)
    out: list[Problem] = []
    for path in record_files(root) if root.is_dir() else []:
        out += warnings_of(read_record(path, display_path(path)))
    return sorted(out)


def scan(practices_dir: Path) -> tuple[list[Practice], list[Problem], str]:
    """Read and check every record under `practices_dir`; return the good practices, every
    problem found, and the corpus digest."""
    root = Path(practices_dir)
    if not root.is_dir():
        return [], [Problem(str(root), 0, "no such folder of practice records")], ""
    problems: list[Problem] = []
    good: list[Practice] = []
    first_seen: dict[str, str] = {}
    entries: list[tuple[str, str]] = []
    files = record_files(root)
    for path in files:
        raw, found, practice = check_file(root, path)
        entries.append((path.relative_to(root).as_posix(), raw.sha256))
        pid = (raw.front or {}).get("id")
        if isinstance(pid, str):
            if pid in first_seen:
                found.append(Problem(raw.path, raw.key_lines.get("id", 2),
                                     f"duplicate id '{pid}' (also in {first_seen[pid]})"))
                practice = None
            else:
                first_seen[pid] = raw.path
        problems.extend(found)
        if practice is not None:
            good.append(practice)
    if not files:
        problems.append(Problem(str(root), 0, "no practice records (*.md) found"))
    return good, problems, digest_of(entries)


def validate(practices_dir: Path) -> list[Problem]:
    """Return every problem in the corpus at `practices_dir` (empty when it is clean)."""
    return sorted(scan(practices_dir)[1])


def load_corpus(practices_dir: Path) -> Corpus:
    """Return the checked corpus; raise CorpusError listing every problem when there is one."""
    good, problems, digest = scan(practices_dir)
    if problems:
        raise CorpusError(problems)
    return Corpus(Path(practices_dir), tuple(sorted(good, key=lambda p: p.id)), digest)
