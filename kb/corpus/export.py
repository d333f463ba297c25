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

LIST_SEPARATOR = "; "
COLUMNS = ("id", "title", "original_title", "region", "partner_regions", "countries", "nuts", "instruments",
           "lead_organisation", "start_year", "end_year", "verification", "evidence", "last_reviewed",
           "unchecked", "themes", "source_urls", "source_titles")


def rows(practices_dir: Path) -> list[dict[str, Any]]:
    """Return one flat row per practice (lists kept as lists), sorted by id."""
    out = []
    for p in load_corpus(practices_dir).practices:
        row: dict[str, Any] = {
            "id": p.id, "title": p.title, "original_title": p.original_title, "region": p.region,
            "partner_regions": list(p.partner_regions), "countries": list(p.countries), "nuts": list(p.nuts),
            "instruments": list(p.instruments), "lead_organisation": p.lead_organisation,
            "start_year": p.start_year, "end_year": p.end_year, "verification": p.verification,
            "evidence": p.evidence, "last_reviewed": p.last_reviewed.isoformat(), "unchecked": list(p.unchecked),
            "themes": list(p.themes), "source_urls": [s.url for s in p.sources],
            "source_titles": [s.title for s in p.sources],
        }
        for slug in themes():
            row[f"theme_{slug}"] = int(slug in p.themes)
        out.append(row)
    return out


def to_csv(table: list[dict[str, Any]]) -> str:
    """Return CSV text; list fields joined with '; ', missing values empty."""
    if not table:
        return ""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(table[0]), lineterminator="\n")
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
