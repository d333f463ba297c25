"""Rendering region reports in batch: one job per region through kb/render.py, then
`index.html` listing every report with its headline figures and any failure."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from html import escape
from pathlib import Path

from kb._version import __version__
from kb.errors import UsageError
from kb.files import write_atomic
from kb.reference.indicators import figure
from kb.reference.regions import PILOT_REGIONS, PSEUDO_REGIONS, Region, country_name, regions, resolve_region
from kb.notebooks import RenderJob, RenderOutcome, render_many

DEFAULT_NOTEBOOK = Path("notebooks/region_report.ipynb")
HEADLINES = (("population", "Population", "{:,.0f}"), ("gdp_pps_index_eu27", "GDP per head, PPS (EU=100)", "{:.0f}"),
             ("gerd_pct_gdp", "R&D, % of GDP", "{:.2f}"), ("unemployment_rate", "Unemployment, %", "{:.1f}"))


def resolve_regions(names: list[str], all_pilots: bool) -> list[Region]:
    """Return the regions to report on, without repeats (UnknownName for a bad one)."""
    chosen = [regions()[s] for s in PILOT_REGIONS] if all_pilots else []
    for name in names:
        region = resolve_region(name)
        if region.slug in PSEUDO_REGIONS:
            raise UsageError(f"{name!r} is not a region but a grouping of practices; a report is made for one "
                             "region: name it by slug, NUTS code or name (see `kb regions`)")
        chosen.append(region)
    return list({r.slug: r for r in chosen}.values())


def render_reports(targets: list[Region], out_dir: Path, index_dir: Path, workshops_dir: Path,
                   notebook: Path = DEFAULT_NOTEBOOK, workers: int = 4, generated_on: str | None = None,
                   progress: Callable[[RenderOutcome], None] | None = None) -> list[RenderOutcome]:
    """Render one report per region and write `index.html`; return the outcomes in order."""
    date = generated_on or dt.date.today().isoformat()
    jobs = [RenderJob(r.slug, {"region": r.slug, "index_dir": os.path.abspath(index_dir),
                               "workshops_dir": os.path.abspath(workshops_dir), "generated_on": date})
            for r in targets]
    outcomes = render_many(Path(notebook), jobs, Path(out_dir), workers=workers, progress=progress)
    write_index(targets, outcomes, Path(out_dir), date)
    return outcomes


def write_index(targets: list[Region], outcomes: list[RenderOutcome], out_dir: Path, date: str) -> Path:
    """Write `out_dir/index.html`: a table of every report (and every report already there)."""
    by_slug = {o.name: o for o in outcomes}
    known = regions()
    slugs = sorted(dict.fromkeys([*(r.slug for r in targets),
                                  *(p.stem for p in out_dir.glob("*.html") if p.stem in known)]),
                   key=lambda s: known[s].name)
    head = "".join(f"<th>{escape(label)}</th>" for _, label, _ in HEADLINES)
    rows = []
    for slug in slugs:
        region = known[slug]
        outcome = by_slug.get(slug)
        cells = []
        for ind, _, fmt in HEADLINES:
            fig = figure(region, ind)
            mark = "*" if fig.note.startswith("UK") else ""
            cells.append(f"<td class='num'>{escape(fmt.format(fig.value))}{mark} <small>{fig.year}</small></td>"
                         if fig.value is not None else "<td class='num'>–</td>")
        if outcome is not None and not outcome.ok:
            status = f"<td class='failed'>failed: {escape(outcome.error or '')}</td>"
            name = escape(region.name)
        else:
            status = "<td>new</td>" if outcome else "<td>from an earlier run</td>"
            name = f"<a href='{escape(slug)}.html'>{escape(region.name)}</a>"
        cohort = f"pilot {region.pilot_cohort}" if region.pilot_cohort else ""
        rows.append(f"<tr><td>{name}</td><td>{escape(country_name(region.country))}</td><td>{cohort}</td>"
                    f"{''.join(cells)}{status}</tr>")
    html = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Transition KB: region reports</title>
<style>body{{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1d2430}}
table{{border-collapse:collapse;width:100%}}
th,td{{border-bottom:1px solid #dde2ea;padding:.35rem .5rem;text-align:left}}
td.num{{text-align:right}}td.failed{{color:#b33}}small{{color:#5b6675}}</style></head><body>
<h1>Peer-learning reports</h1><p>Transition KB {escape(__version__)} · generated on {escape(date)} ·
one report per region: profile, indicators against peers, matched practices, partners, funding and next steps.</p>
<table><thead><tr><th>Region</th><th>Country</th><th>Cohort</th>{head}<th>Report</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
<p><small>Figures: Eurostat regional statistics (population 2018; GDP per head in PPS; R&amp;D; unemployment),
latest year available for all of a region's NUTS 2 parts; see each report's sources.
* UK regions: GDP per head in PPS with EU28 = 100 (the EU27 series has no UK figures).</small></p></body></html>"""
    path = out_dir / "index.html"
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(path, html)
    return path
