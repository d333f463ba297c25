"""The Python API for notebooks and scripts: the same features as the CLI, returning plain
dataclasses (and pandas DataFrames on request)."""

from __future__ import annotations

import os
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from kb.reference.regions import Region, regions
from kb.reference.themes import Theme, themes
from kb.search.index import Index, SearchResult, make_filters

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_INDEX = Path("build/index")
_open: dict[str, Index] = {}
_open_lock = threading.Lock()


def open_index(index: Path | str = DEFAULT_INDEX) -> Index:
    """Return an open index for `index` (shared between calls; reopened when a newer build has
    been swapped in). Raises IndexMissing when there is none."""
    key = os.path.abspath(index)
    with _open_lock:
        current = _open.get(key)
        if current is None or not current.is_current():
            if current is not None:
                current.close()
            current = _open[key] = Index(index)
        return current


def search(query: str = "", *, region: str | None = None, theme: str | None = None,
           country: str | None = None, year_from: int | None = None, limit: int = 10,
           index: Path | str = DEFAULT_INDEX, workshops: Path | str | None = "workshops") -> SearchResult:
    """Return the practices matching `query`, best first, with highlights, reasons and facets.

    `region` takes a slug, NUTS code or name; `theme` a slug, label or synonym; `country` a
    NUTS country code. Hits rated in workshop records under `workshops` carry their ratings.
    Raises UnknownName/UsageError for bad values.
    """
    filters = make_filters(region, theme, country, year_from)
    result = open_index(index).search(query, filters, limit)
    return with_workshop_ratings(result, workshops)


def with_workshop_ratings(result: SearchResult, workshops: Path | str | None,
                          note_skipped: bool = False) -> SearchResult:
    """Return the result with "rated by N regions, mean score" on hits that workshops rated.
    Session records that do not validate are left out (and logged); with `note_skipped` each
    is also named in the result's notes, for pages that show no log."""
    if workshops is None or not Path(workshops).is_dir():
        return result
    from kb.workshops.sessions import ratings_summary, skipped_sessions

    rated = result.with_ratings(ratings_summary(Path(workshops)))
    if not note_skipped:
        return rated
    skipped = [f"workshop record left out, it does not validate: {p}" for p in skipped_sessions(Path(workshops))]
    return replace(rated, notes=[*rated.notes, *skipped]) if skipped else rated


def similar(practice_id: str, *, limit: int = 5, index: Path | str = DEFAULT_INDEX) -> SearchResult:
    """Return the practices most like `practice_id`."""
    return open_index(index).similar(practice_id, limit)


def list_regions(kind: str | None = None) -> list[Region]:
    """Return the known regions (pilot regions first), optionally only those of one kind
    (`pilot`, `named`, `nuts2`, `multi-region`, `eu`)."""
    return [r for r in regions().values() if kind is None or r.kind == kind]


def list_themes() -> list[Theme]:
    """Return the theme vocabulary in its order."""
    return list(themes().values())


def hits_frame(result: SearchResult) -> pd.DataFrame:
    """Return the hits of a result as a DataFrame, one row per hit, in rank order."""
    import pandas as pd

    rows = [{
        "rank": n, "id": h.id, "title": h.title, "region": h.region_name, "country": ", ".join(h.country),
        "themes": ", ".join(h.themes), "score": h.score, "evidence": h.evidence,
        "verification": h.verification, "start_year": h.start_year, "why": "; ".join(h.why), "url": h.url,
    } for n, h in enumerate(result.hits, 1)]
    columns = ["rank", "id", "title", "region", "country", "themes", "score", "evidence",
               "verification", "start_year", "why", "url"]
    return pd.DataFrame(rows, columns=columns).set_index("rank")


def facets_frame(result: SearchResult) -> pd.DataFrame:
    """Return the facet counts of a result as a long DataFrame (facet, value, count)."""
    import pandas as pd

    rows = [{"facet": facet, "value": value, "count": count}
            for facet, counts in result.facets.items() for value, count in counts.items()]
    return pd.DataFrame(rows, columns=["facet", "value", "count"])
