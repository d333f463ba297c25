"""The checks of a practice record: its front-matter fields (one line each in `FIELDS`), the
rules that tie fields together, and the body's sections. Every check yields `Problem`s with the
file line, so `kb validate` can print all of them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from kb.corpus.sections import SECTIONS, split_sections
from kb.errors import Problem
from kb.fields import Field, Message, check_fields, is_int, is_text_list, one_of, text, text_list
from kb.reference.data import load_yaml
from kb.reference.regions import PSEUDO_REGIONS, nuts_names, region_by_code, regions
from kb.reference.themes import themes
from kb.yamlio import brief, date_problem, is_date

if TYPE_CHECKING:
    from kb.corpus.records import RawRecord

VERIFICATION = ("verified", "partial", "unverified")
EVIDENCE = ("described", "outputs", "results", "evaluated")
MIN_BODY_WORDS = 120
MIN_YEAR = 1945
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NUTS = re.compile(r"^[A-Z]{2}[A-Z0-9]{0,3}$")


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


@cache
def _mirrors() -> tuple[str, ...]:
    return tuple(str(d).lower() for d in load_yaml("mirror_domains.yaml"))


def mirror_host(url: Any) -> str | None:
    """The document-mirror site `url` is on (kb/data/mirror_domains.yaml), or None."""
    if not isinstance(url, str):
        return None
    try:
        host = (urlsplit(url).hostname or "").lower().removesuffix(".")
    except ValueError:
        return None
    return next((m for m in _mirrors() if host == m or host.endswith("." + m)), None)


def source_warnings(raw: RawRecord) -> Iterator[Problem]:
    """Warnings, not problems: sources on document mirrors, where an original is better."""
    for i, src in enumerate((raw.front or {}).get("sources") or [], 1):
        host = mirror_host(src.get("url")) if isinstance(src, dict) else None
        if host:
            yield Problem(raw.path, raw.key_lines.get(f"sources[{i}]", 2),
                          f"warning: source {i} is a copy on {host}, a document mirror; cite the original if it "
                          "can be found")


# --- one check per field ---------------------------------------------------------------------------


def _slug(value: Any, _: Mapping[str, Any]) -> Iterator[Message]:
    if not isinstance(value, str) or not SLUG.match(value):
        yield f"id {brief(value)} must be a slug: lower-case letters, digits and hyphens"


def _region(value: Any, _: Mapping[str, Any]) -> Iterator[Message]:
    if not isinstance(value, str) or value not in regions():
        yield f"unknown region {brief(value)} (see `kb regions` for the slugs)"


def _partners(value: Any, _: Mapping[str, Any]) -> Iterator[Message]:
    if not is_text_list(value):
        yield "'partner_regions' must be a list of region slugs"
        return
    known = regions()
    for slug in value:
        if slug not in known or slug in PSEUDO_REGIONS:
            yield f"unknown partner region {brief(slug)}"


def _nuts(value: Any, record: Mapping[str, Any]) -> Iterator[Message]:
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        yield "'nuts' must be a list of NUTS codes, e.g. [FRE1, FRE2]"
        return
    for code in value:
        if not NUTS.match(code) or (region_by_code(code) is None and code not in nuts_names()):
            yield f"unknown NUTS code {brief(code)}"
    if not value and record.get("region") not in PSEUDO_REGIONS:
        yield "'nuts' is empty: list the region's NUTS 2 codes"


def _themes(value: Any, _: Mapping[str, Any]) -> Iterator[Message]:
    if not is_text_list(value) or not value:
        yield "'themes' must be a non-empty list of theme slugs"
        return
    valid = themes()
    for slug in value:
        if slug not in valid:
            yield f"unknown theme {brief(slug)} (valid: {', '.join(valid)})"
    if len(set(value)) != len(value):
        yield "'themes' lists a theme twice"


def _instruments(value: Any, _: Mapping[str, Any]) -> Iterator[Message]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        yield "'instruments' must be a list of funding-source or instrument ids"
        return
    known = {row["id"] for name in ("funding_sources.yaml", "instruments.yaml") for row in load_yaml(name)}
    for slug in value:
        if slug not in known:
            yield f"unknown instrument {brief(slug)} (see kb/data/funding_sources.yaml and kb/data/instruments.yaml)"


def _year(name: str, example: int, ahead: int) -> Any:
    def check(value: Any, record: Mapping[str, Any]) -> Iterator[Message]:
        last = dt.date.today().year + ahead
        if not is_int(value):
            yield f"'{name}' must be a year such as {example}, not {brief(value)}"
        elif not MIN_YEAR <= value <= last:
            yield f"'{name}' {value} is outside {MIN_YEAR}-{last}"
        elif name == "end_year" and is_int(record.get("start_year")) and value < record["start_year"]:
            yield f"'end_year' {value} is before 'start_year' {record['start_year']}"
    return check


def _sources(value: Any, _: Mapping[str, Any]) -> Iterator[Message]:
    if not isinstance(value, list) or not value:
        yield "'sources' must list at least one {url, title}"
        return
    for i, src in enumerate(value, 1):
        key = f"sources[{i}]"
        if not isinstance(src, dict) or "url" not in src:
            yield f"source {i} must be a mapping with 'url' and 'title'", key
            continue
        why = check_url(src.get("url"))
        if why:
            yield f"source {i} URL {brief(src.get('url'), 120)} {why}", key
        title = src.get("title")
        if not isinstance(title, str) or not title.strip():
            yield f"source {i} needs a 'title'", key
        extra = set(src) - {"url", "title"}
        if extra:
            yield f"source {i} has unknown keys: {', '.join(sorted(map(str, extra)))}", key


def _reviewed(value: Any, _: Mapping[str, Any]) -> Iterator[Message]:
    if not is_date(value):
        yield date_problem("last_reviewed", value)
    elif value > dt.date.today():
        yield f"'last_reviewed' {value} is in the future"


FIELDS = (
    Field("id", _slug),
    Field("title", text("title")),
    Field("region", _region),
    Field("nuts", _nuts),
    Field("themes", _themes),
    Field("instruments", _instruments),
    Field("lead_organisation", text("lead_organisation")),
    Field("start_year", _year("start_year", 2018, 5), nullable=True),
    Field("sources", _sources),
    Field("verification", one_of("verification", VERIFICATION)),
    Field("evidence", one_of("evidence", EVIDENCE)),
    Field("last_reviewed", _reviewed),
    Field("original_title", text("original_title"), required=False, nullable=True),
    Field("end_year", _year("end_year", 2020, 10), required=False, nullable=True),
    Field("partner_regions", _partners, required=False, nullable=True),
    Field("unchecked", text_list("unchecked"), required=False),
)
"""The front matter of a record, one field a line: the contract of docs/records.md."""


# --- rules across fields, and the body ------------------------------------------------------------


def _rules(fm: Mapping[str, Any], at: Any, path: str, file_stem: str | None) -> Iterator[Problem]:
    pid = fm.get("id")
    if file_stem is not None and isinstance(pid, str) and SLUG.match(pid) and pid != file_stem:
        yield Problem(path, at("id"), f"id '{pid}' does not match the file name '{file_stem}.md'")
    if fm.get("region") == "multi-region" and not fm.get("partner_regions"):
        yield Problem(path, at("region"), "a multi-region practice must list its 'partner_regions'")
    if fm.get("verification") == "verified" and fm.get("unchecked"):
        yield Problem(path, at("verification"), "a record with 'unchecked' facts cannot be 'verified'")


def check_record(raw: RawRecord, file_stem: str | None = None) -> Iterator[Problem]:
    """Yield every problem of one record: reading, front matter, cross-field rules, body."""
    yield from raw.problems
    fm = raw.front
    if fm is None:
        return

    def at(key: str) -> int:
        return raw.key_lines.get(key, 2)

    yield from check_fields(fm, FIELDS, raw.path, raw.key_lines, missing_line=2)
    yield from _rules(fm, at, raw.path, file_stem)
    yield from check_body(raw)


def check_body(raw: RawRecord) -> Iterator[Problem]:
    """Yield problems with the body's sections: all seven, in order, none empty, enough words."""
    sections = split_sections(raw.body, raw.body_line)
    seen = [h for h, _, _ in sections]
    expected_pos = 0
    for n, (heading, line, body) in enumerate(sections):
        if heading not in SECTIONS:
            yield Problem(raw.path, line, f"unknown section '## {heading}' (sections: {'; '.join(SECTIONS)})")
            continue
        if seen.index(heading) != n:
            yield Problem(raw.path, line, f"section '## {heading}' appears twice")
            continue
        pos = SECTIONS.index(heading)
        if pos < expected_pos:
            yield Problem(raw.path, line, f"section '## {heading}' is out of order (expected order: "
                                          f"{'; '.join(SECTIONS)})")
        expected_pos = max(expected_pos, pos)
        if not body:
            yield Problem(raw.path, line, f"section '## {heading}' is empty")
    for name in SECTIONS:
        if name not in seen:
            yield Problem(raw.path, raw.body_line, f"missing section '## {name}'")
    n_words = len(raw.body.split())
    if n_words < MIN_BODY_WORDS:
        yield Problem(raw.path, raw.body_line, f"body has {n_words} words; at least {MIN_BODY_WORDS} expected")
