"""Exporting the corpus as a table: one row per practice, every front-matter field, themes as
0/1 columns (the OECD STIP Compass convention), UTF-8, readable back by pandas unchanged.

CSV cells that a spreadsheet would run as a formula (text starting with `=`, `+`, `-`, `@`, a
tab or a carriage return) are written with a leading `'`, the OWASP rule against CSV
injection; spreadsheets show the text as typed. JSON is written as the records hold it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from kb.corpus.records import load_corpus
from kb.reference.themes import themes
from kb.text import plain_text

LIST_SEPARATOR = "; "
COLUMNS = ("id", "title", "original_title", "region", "partner_regions", "countries", "nuts", "instruments",
           "lead_organisation", "start_year", "end_year", "verification", "evidence", "last_reviewed",
           "unchecked", "themes", "source_urls", "source_titles", "summary")
HIT_COLUMNS = ("rank", "id", "title", "region", "region_name", "countries", "themes", "score", "evidence",
               "verification", "start_year", "lead_organisation", "url", "summary", "why")


def rows(practices_dir: Path, region: str | None = None, theme: str | None = None,
         ids: set[str] | None = None) -> list[dict[str, Any]]:
    """Return one flat row per practice (lists kept as lists), sorted by id: all of them, or
    those of `region` (a slug), with `theme`, and among `ids` (e.g. a search's matches)."""
    out = []
    for p in load_corpus(practices_dir).practices:
        if (region and region not in p.regions) or (theme and theme not in p.themes) or \
                (ids is not None and p.id not in ids):
            continue
        row: dict[str, Any] = {
            "id": p.id, "title": p.title, "original_title": p.original_title, "region": p.region,
            "partner_regions": list(p.partner_regions), "countries": list(p.countries), "nuts": list(p.nuts),
            "instruments": list(p.instruments), "lead_organisation": p.lead_organisation,
            "start_year": p.start_year, "end_year": p.end_year, "verification": p.verification,
            "evidence": p.evidence, "last_reviewed": p.last_reviewed.isoformat(), "unchecked": list(p.unchecked),
            "themes": list(p.themes), "source_urls": [s.url for s in p.sources],
            "source_titles": [s.title for s in p.sources], "summary": plain_text(p.summary),
        }
        for slug in themes():
            row[f"theme_{slug}"] = int(slug in p.themes)
        out.append(row)
    return out


def hit_rows(hits: list[Any]) -> list[dict[str, Any]]:
    """One flat row per search hit, in rank order (HIT_COLUMNS)."""
    return [{"rank": n, "id": h.id, "title": h.title, "region": h.region, "region_name": h.region_name,
             "countries": list(h.country), "themes": list(h.themes), "score": h.score, "evidence": h.evidence,
             "verification": h.verification, "start_year": h.start_year, "lead_organisation": h.lead_organisation,
             "url": h.url, "summary": h.summary, "why": list(h.why)} for n, h in enumerate(hits, 1)]


def to_csv(table: list[dict[str, Any]], columns: tuple[str, ...] = ()) -> str:
    """Return CSV text; list fields joined with '; ', missing values empty. An empty table is
    its header alone when `columns` names it."""
    if not table and not columns:
        return ""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(table[0]) if table else list(columns), lineterminator="\n")
    writer.writeheader()
    for row in table:
        writer.writerow({k: inert_cell(LIST_SEPARATOR.join(v) if isinstance(v, list) else v)
                         for k, v in row.items()})
    return buf.getvalue()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: `'` before text that it would run as a formula."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_json(table: list[dict[str, Any]]) -> str:
    return json.dumps(table, ensure_ascii=False, indent=1)
