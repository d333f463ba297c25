"""Rendering region reports in batch: one job per region through kb/notebooks.py, then
`index.html` listing every report with its headline figures and any failure."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kb._version import __version__
from kb.errors import NotARegion
from kb.files import write_atomic
from kb.notebooks import RenderJob, RenderOutcome, render_many
from kb.reference.indicators import figure
from kb.reference.regions import (
    PILOT_REGIONS,
    PSEUDO_REGIONS,
    Region,
    country_name,
    nuts_names,
    regions,
    resolve_region,
)
from kb.templating import render

DEFAULT_NOTEBOOK = Path("notebooks/region_report.ipynb")
HEADLINES = (("population", "Population", "{:,.0f}"), ("gdp_pps_index_eu27", "GDP per head, PPS (EU=100)", "{:.0f}"),
             ("gerd_pct_gdp", "R&D, % of GDP", "{:.2f}"), ("unemployment_rate", "Unemployment, %", "{:.1f}"))


def stale_reports(out_dir: Path, workshops_dir: Path) -> dict[str, str]:
    """The reports in `out_dir` written before the newest session record of their region, with
    that session's date: their workshop feedback is out of date (`kb report --stale`)."""
    from kb.workshops.sessions import latest_sessions

    latest = latest_sessions(workshops_dir)
    known = regions()
    out = {}
    for page in Path(out_dir).glob("*.html"):
        slug = page.stem
        if slug in known and slug in latest and page.stat().st_mtime < latest[slug][0]:
            out[slug] = latest[slug][1]
    return dict(sorted(out.items()))


def resolve_regions(names: list[str], all_pilots: bool) -> list[Region]:
    """Return the regions to report on, without repeats (UnknownName for a bad one)."""
    chosen = [regions()[s] for s in PILOT_REGIONS] if all_pilots else []
    for name in names:
        region = resolve_region(name)
        if region.slug in PSEUDO_REGIONS:
            raise NotARegion(name)
        chosen.append(region)
    return list({r.slug: r for r in chosen}.values())


def render_reports(targets: list[Region], out_dir: Path, index_dir: Path, workshops_dir: Path,
                   notebook: Path = DEFAULT_NOTEBOOK, workers: int = 4, generated_on: str | None = None,
                   progress: Callable[[RenderOutcome], None] | None = None,
                   lang: str | None = None, scheduler: str | None = None) -> list[RenderOutcome]:
    """Render one report per region and write `index.html`; return the outcomes in order."""
    date = generated_on or dt.date.today().isoformat()
    jobs = [RenderJob(r.slug, {"region": r.slug, "index_dir": os.path.abspath(index_dir),
                               "workshops_dir": os.path.abspath(workshops_dir), "generated_on": date,
                               **({"lang": lang} if lang else {})},
                      title=f"{r.name}: peer-learning report · Transition KB")
            for r in targets]
    if scheduler:  # the same jobs as Dask tasks (kb/cluster.py)
        from kb.cluster import render_on_cluster

        outcomes = render_on_cluster(Path(notebook), jobs, Path(out_dir), scheduler, workers, progress)
    else:
        outcomes = render_many(Path(notebook), jobs, Path(out_dir), workers=workers, progress=progress)
    write_index(targets, outcomes, Path(out_dir), date, Path(workshops_dir))
    return outcomes


@dataclass(frozen=True)
class Headline:
    """One headline figure of a region, formatted (None: no data); `uk` marks the EU28-based series."""

    value: str | None
    year: int | None
    uk: bool


@dataclass(frozen=True)
class IndexRow:
    """One region in the index; `status` is "new", "earlier" (a report from a previous run) or "failed"."""

    slug: str
    name: str
    country: str
    cohort: int | None
    headlines: list[Headline]
    status: str
    error: str
    stale: str = ""
    """The date of a session newer than the report (its feedback is out of date), or ''."""


def _headline(region: Region, indicator: str, fmt: str) -> Headline:
    fig = figure(region, indicator)
    return Headline(None if fig.value is None else fmt.format(fig.value), fig.year, fig.note.startswith("UK"))


def eu_regions() -> list[Region]:
    """Every region `kb report --eu` reports on: the pilot regions and each NUTS 2 region with
    figures (a population figure at least), in the order of the index (country, then name)."""
    known = regions().values()
    chosen = [r for r in known if r.kind == "pilot"]
    chosen += [r for r in known if r.kind == "nuts2" and figure(r, "population").value is not None]
    return sorted(chosen, key=lambda r: (country_name(r.country), r.name))


@dataclass(frozen=True)
class MapRegion:
    """One NUTS 2 region on the index page's map: its outline, how it is coloured, its link."""

    code: str
    path: str
    kind: str
    """"pilot", "report" (a report exists) or "none"."""
    href: str
    title: str


@dataclass(frozen=True)
class RegionMap:
    viewbox: str
    regions: list[MapRegion]
    attribution: str


def region_map(rows: list[IndexRow]) -> RegionMap | None:
    """The map of the index: every NUTS 2 region of kb/data/nuts2_map.json, pilots and regions
    with a report linked to it (a pilot's NUTS 2 parts to the pilot's report); None without
    the boundary file."""
    from kb.reference.data import data_path

    try:
        with data_path("nuts2_map.json").open(encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return None
    known = regions()
    linked: dict[str, tuple[str, str, str]] = {}
    for row in rows:
        if row.status == "failed":
            continue
        region = known[row.slug]
        kind = "pilot" if region.kind == "pilot" else "report"
        for code in region.nuts:
            if len(code) == 4 and (code not in linked or kind == "pilot"):
                linked[code] = (kind, f"{row.slug}.html", row.name)
    names = nuts_names()
    out = []
    for code, path in data["regions"].items():
        kind, href, title = linked.get(code, ("none", "", names.get(code, code)))
        out.append(MapRegion(code, path, kind, href, f"{title} ({code})"))
    return RegionMap(" ".join(str(v) for v in data["viewbox"]), out, str(data.get("attribution") or ""))


def write_index(targets: list[Region], outcomes: list[RenderOutcome], out_dir: Path, date: str,
                workshops_dir: Path | None = None) -> Path:
    """Write `out_dir/index.html`: a map and a table of every report (and every report already
    there) by country, marking those older than their region's newest workshop session."""
    by_slug = {o.name: o for o in outcomes}
    known = regions()
    slugs = sorted(dict.fromkeys([*(r.slug for r in targets),
                                  *(p.stem for p in out_dir.glob("*.html") if p.stem in known)]),
                   key=lambda s: (country_name(known[s].country), known[s].name))
    stale = stale_reports(out_dir, workshops_dir) if workshops_dir is not None else {}
    rows = []
    for slug in slugs:
        region = known[slug]
        outcome = by_slug.get(slug)
        status = "earlier" if outcome is None else "new" if outcome.ok else "failed"
        headlines = [_headline(region, ind, fmt) for ind, _, fmt in HEADLINES]
        rows.append(IndexRow(slug=slug, name=region.name, country=country_name(region.country),
                             cohort=region.pilot_cohort, headlines=headlines, status=status,
                             error=(outcome.error or "") if outcome else "", stale=stale.get(slug, "")))
    html = render("reports_index.j2", version=__version__, date=date, labels=[label for _, label, _ in HEADLINES],
                  rows=rows, map=region_map(rows))
    path = out_dir / "index.html"
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(path, html)
    return path
