"""The practice corpus: reading records (`practices/<region>/<id>.md`), checking them, and
turning them into `Practice` values. Every check yields `Problem`s with path and line, so
`kb validate` can print all of them and `kb index` can refuse a broken corpus."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kb.errors import CorpusError, Problem
from kb.reference.data import load_yaml
from kb.reference.regions import PSEUDO_REGIONS, region_by_code, regions
from kb.reference.themes import themes
from kb.yamlio import brief, date_problem, decode_utf8, display_path, is_date, parse_yaml, read_limited

SECTIONS = (
    "Summary",
    "What it does",
    "Governance and monitoring",
    "Resources",
    "Evidence of results",
    "Difficulties and lessons",
    "Transferability",
)
VERIFICATION = ("verified", "partial", "unverified")
EVIDENCE = ("described", "outputs", "results", "evaluated")
REQUIRED = (
    "id", "title", "region", "nuts", "themes", "instruments", "lead_organisation",
    "start_year", "sources", "verification", "evidence", "last_reviewed",
)
OPTIONAL = ("original_title", "end_year", "partner_regions", "unchecked")
MIN_BODY_WORDS = 120
MIN_YEAR = 1945
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NUTS = re.compile(r"^[A-Z]{2}[A-Z0-9]{0,3}$")
MAX_RECORD_BYTES = 2 * 1024 * 1024
"""A record file larger than this is refused (a record is a few kilobytes; a huge one slows
every search that matches it)."""
_HEADING = re.compile(r"^##[ \t]+(.+?)[ \t]*#*[ \t]*$")


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


def split_sections(body: str, first_line: int) -> list[tuple[str, int, str]]:
    """Return the `## ` sections of a body as (heading, file line, text)."""
    sections: list[tuple[str, int, list[str]]] = []
    in_fence = False
    for offset, line in enumerate(body.split("\n")):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            sections.append((match.group(1).strip(), first_line + offset, []))
        elif sections:
            sections[-1][2].append(line)
    return [(h, n, "\n".join(t).strip()) for h, n, t in sections]


# --- checks --------------------------------------------------------------------------------


def _known_instruments() -> set[str]:
    return {row["id"] for row in load_yaml("funding_sources.yaml")} | {
        row["id"] for row in load_yaml("instruments.yaml")
    }


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def check_url(url: Any) -> str | None:
    """Return why `url` is not a well-formed http(s) URL, or None when it is."""
    if not isinstance(url, str) or not url.strip():
        return "is empty"
    if url != url.strip() or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return "contains spaces or control characters"
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"cannot be parsed ({exc})"
    if parts.scheme not in ("http", "https"):
        return "must start with http:// or https://"
    host = (parts.hostname or "").removesuffix(".")
    if "." not in host or host.startswith(".") or ".." in host:
        return "has no valid host name"
    return None


def check_record(raw: RawRecord, file_stem: str | None = None) -> Iterator[Problem]:
    """Yield every problem of one record's front matter and body."""
    yield from raw.problems
    fm = raw.front
    if fm is None:
        return
    path = raw.path

    def at(key: str) -> int:
        return raw.key_lines.get(key, 2)

    for key in REQUIRED:
        if key not in fm:
            yield Problem(path, 2, f"missing required field '{key}'")
    for key in fm:
        if key not in REQUIRED and key not in OPTIONAL:
            yield Problem(path, at(key), f"unknown field {brief(key)} (known: {', '.join(REQUIRED + OPTIONAL)})")

    pid = fm.get("id")
    if "id" in fm:
        if not isinstance(pid, str) or not SLUG.match(pid):
            yield Problem(path, at("id"), f"id {brief(pid)} must be a slug: lower-case letters, digits and hyphens")
        elif file_stem is not None and pid != file_stem:
            yield Problem(path, at("id"), f"id '{pid}' does not match the file name '{file_stem}.md'")

    for key in ("title", "lead_organisation", "original_title"):
        if key in fm and (not isinstance(fm[key], str) or not fm[key].strip()):
            if key == "original_title" and fm[key] is None:
                continue
            yield Problem(path, at(key), f"'{key}' must be non-empty text")

    known_regions = regions()
    region = fm.get("region")
    if "region" in fm and (not isinstance(region, str) or region not in known_regions):
        yield Problem(path, at("region"), f"unknown region {brief(region)} (see `kb regions` for the slugs)")
    partners = fm.get("partner_regions")
    if partners is not None:
        if not _str_list(partners):
            yield Problem(path, at("partner_regions"), "'partner_regions' must be a list of region slugs")
        else:
            for slug in partners:
                if slug not in known_regions or slug in PSEUDO_REGIONS:
                    yield Problem(path, at("partner_regions"), f"unknown partner region {brief(slug)}")
    if region in PSEUDO_REGIONS and not partners and region == "multi-region":
        yield Problem(path, at("region"), "a multi-region practice must list its 'partner_regions'")

    nuts = fm.get("nuts")
    if "nuts" in fm:
        if not isinstance(nuts, list) or not all(isinstance(c, str) for c in nuts):
            yield Problem(path, at("nuts"), "'nuts' must be a list of NUTS codes, e.g. [FRE1, FRE2]")
        else:
            for code in nuts:
                if not NUTS.match(code) or (region_by_code(code) is None and not _nuts_known(code)):
                    yield Problem(path, at("nuts"), f"unknown NUTS code {brief(code)}")
            if not nuts and region not in PSEUDO_REGIONS:
                yield Problem(path, at("nuts"), "'nuts' is empty: list the region's NUTS 2 codes")

    theme_slugs = themes()
    value = fm.get("themes")
    if "themes" in fm:
        if not _str_list(value) or not value:
            yield Problem(path, at("themes"), "'themes' must be a non-empty list of theme slugs")
        else:
            for slug in value:
                if slug not in theme_slugs:
                    yield Problem(path, at("themes"),
                                  f"unknown theme {brief(slug)} (valid: {', '.join(theme_slugs)})")
            if len(set(value)) != len(value):
                yield Problem(path, at("themes"), "'themes' lists a theme twice")

    value = fm.get("instruments")
    if "instruments" in fm:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            yield Problem(path, at("instruments"), "'instruments' must be a list of funding-source or instrument ids")
        else:
            known = _known_instruments()
            for slug in value:
                if slug not in known:
                    yield Problem(path, at("instruments"), f"unknown instrument {brief(slug)} "
                                  "(see kb/data/funding_sources.yaml and kb/data/instruments.yaml)")

    this_year = dt.date.today().year
    start = fm.get("start_year")
    if "start_year" in fm and start is not None:
        if not _is_int(start):
            yield Problem(path, at("start_year"), f"'start_year' must be a year such as 2018, not {brief(start)}")
        elif not MIN_YEAR <= start <= this_year + 5:
            yield Problem(path, at("start_year"), f"'start_year' {start} is outside {MIN_YEAR}-{this_year + 5}")
    end = fm.get("end_year")
    if end is not None:
        if not _is_int(end):
            yield Problem(path, at("end_year"), f"'end_year' must be a year such as 2020, not {brief(end)}")
        elif not MIN_YEAR <= end <= this_year + 10:
            yield Problem(path, at("end_year"), f"'end_year' {end} is outside {MIN_YEAR}-{this_year + 10}")
        elif _is_int(start) and end < start:
            yield Problem(path, at("end_year"), f"'end_year' {end} is before 'start_year' {start}")

    sources = fm.get("sources")
    if "sources" in fm:
        if not isinstance(sources, list) or not sources:
            yield Problem(path, at("sources"), "'sources' must list at least one {url, title}")
        else:
            for i, src in enumerate(sources, 1):
                line = raw.key_lines.get(f"sources[{i}]", at("sources"))
                if not isinstance(src, dict) or "url" not in src:
                    yield Problem(path, line, f"source {i} must be a mapping with 'url' and 'title'")
                    continue
                why = check_url(src.get("url"))
                if why:
                    yield Problem(path, line, f"source {i} URL {brief(src.get('url'), 120)} {why}")
                title = src.get("title")
                if not isinstance(title, str) or not title.strip():
                    yield Problem(path, line, f"source {i} needs a 'title'")
                extra = set(src) - {"url", "title"}
                if extra:
                    yield Problem(path, line, f"source {i} has unknown keys: {', '.join(sorted(map(str, extra)))}")

    for key, allowed in (("verification", VERIFICATION), ("evidence", EVIDENCE)):
        if key in fm and (not isinstance(fm[key], str) or fm[key] not in allowed):
            yield Problem(path, at(key), f"'{key}' is {brief(fm[key])}; use one of: {', '.join(allowed)}")
    if fm.get("verification") == "verified" and fm.get("unchecked"):
        yield Problem(path, at("verification"), "a record with 'unchecked' facts cannot be 'verified'")

    reviewed = fm.get("last_reviewed")
    if "last_reviewed" in fm:
        if not is_date(reviewed):
            yield Problem(path, at("last_reviewed"), date_problem("last_reviewed", reviewed))
        elif reviewed > dt.date.today():
            yield Problem(path, at("last_reviewed"), f"'last_reviewed' {reviewed} is in the future")
    if "unchecked" in fm and not _str_list(fm["unchecked"]):
        yield Problem(path, at("unchecked"), "'unchecked' must be a list of text")

    yield from check_body(raw)


def check_body(raw: RawRecord) -> Iterator[Problem]:
    """Yield problems with the body's sections: all seven, in order, none empty, enough words."""
    sections = split_sections(raw.body, raw.body_line)
    seen = [h for h, _, _ in sections]
    expected_pos = 0
    for heading, line, text in sections:
        if heading not in SECTIONS:
            yield Problem(raw.path, line, f"unknown section '## {heading}' (sections: {'; '.join(SECTIONS)})")
            continue
        if seen.count(heading) > 1 and seen.index(heading) != sections.index((heading, line, text)):
            yield Problem(raw.path, line, f"section '## {heading}' appears twice")
            continue
        pos = SECTIONS.index(heading)
        if pos < expected_pos:
            order = "; ".join(SECTIONS)
            yield Problem(raw.path, line, f"section '## {heading}' is out of order (expected order: {order})")
        expected_pos = max(expected_pos, pos)
        if not text:
            yield Problem(raw.path, line, f"section '## {heading}' is empty")
    for name in SECTIONS:
        if name not in seen:
            yield Problem(raw.path, raw.body_line, f"missing section '## {name}'")
    n_words = len(raw.body.split())
    if n_words < MIN_BODY_WORDS:
        yield Problem(raw.path, raw.body_line, f"body has {n_words} words; at least {MIN_BODY_WORDS} expected")


def _nuts_known(code: str) -> bool:
    from kb.reference.regions import nuts_names

    return code in nuts_names()


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
