"""The `kb` command: a thin shell over the library. Each command parses its options, calls
one function of `kb`, and prints text or `--json`. Library errors become one line on stderr
and an exit code: 1 for corpus and index problems, 2 for bad command-line values."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import html
import json
import logging
import os
import re
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from kb._version import __version__
from kb.errors import KBError, ProblemsError, UsageError

DEFAULT_PRACTICES = "practices"
DEFAULT_INDEX = "build/index"


class Text(click.ParamType):
    """Text from the command line, checked before anything uses it: undecodable bytes (a
    terminal in another encoding), control characters and overlong values are refused with
    one line naming the option, exit 2. `free` text (a query) may hold control characters:
    search drops them."""

    name = "text"

    def __init__(self, multiline: bool = False, limit: int | None = None, free: bool = False):
        self.multiline, self.limit, self.free = multiline, limit, free

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from kb.text import text_problem

        if not isinstance(value, str):
            return value
        why = text_problem(value, self.multiline, self.limit)
        if why and (not self.free or "UTF-8" in why):
            self.fail(why, param, ctx)
        return value


TEXT = Text()
QUERY = Text(multiline=True, free=True)


def os_message(exc: OSError) -> str:
    """One line for an OSError: the path and the system's words (disk full, read-only, ...)."""
    where = exc.filename if exc.filename is not None else None
    what = exc.strerror or str(exc) or type(exc).__name__
    return f"{where}: {what}" if where is not None else what


def _home(name: str, relative: str = "") -> Callable[[], str]:
    """A default evaluated when the command runs: a folder of the project (kb/home.py), so the
    command works from any folder inside the project, or anywhere with $KB_HOME."""
    def default() -> str:
        from kb import home

        try:
            return str(getattr(home, name)(relative) if relative else getattr(home, name)())
        except UsageError as exc:
            raise click.UsageError(str(exc)) from None
    return default


def practices_option(f: Callable) -> Callable:
    return click.option("--practices", "practices", default=_home("practices_dir"),
                        show_default=f"{DEFAULT_PRACTICES} of the project, or $KB_PRACTICES",
                        type=click.Path(file_okay=False, path_type=Path),
                        help="Folder of practice records.")(f)


def index_option(f: Callable) -> Callable:
    return click.option("--index", "index", default=_home("index_dir"),
                        show_default=f"{DEFAULT_INDEX} of the project, or $KB_INDEX",
                        type=click.Path(file_okay=False, path_type=Path),
                        help="Index folder (a link to the current build).")(f)


def workshops_option(f: Callable) -> Callable:
    return click.option("--workshops", "workshops_dir", default=_home("workshops_dir"),
                        show_default="workshops of the project, or $KB_WORKSHOPS",
                        type=click.Path(file_okay=False, path_type=Path),
                        help="Folder of workshop session records.")(f)


def json_option(f: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")(f)


def handle_errors(f: Callable) -> Callable:
    """Turn library errors into one line on stderr and the right exit code."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except ProblemsError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            click.echo(f"{exc}; nothing was changed", err=True)
            sys.exit(exc.exit_code)
        except KBError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except BrokenPipeError:
            # The reader went away (`kb search ... | head`): stop quietly.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except OSError as exc:
            click.echo(f"Error: {os_message(exc)}", err=True)
            sys.exit(1)

    return wrapper


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def positive_int(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    if value is not None and value < 1:
        raise click.BadParameter(f"must be 1 or more, not {value}")
    return value


class _Group(click.Group):
    """Click's group, but a usage error is one line (`Error: ...`) with exit code 2."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
            click.echo(f"Error: {' '.join(exc.format_message().split())}{where}", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)


class _Warnings(logging.Handler):
    """Library warnings (a session record left out, ...) as `warning: ...` lines on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"warning: {record.getMessage()}", err=True)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kb")
def cli() -> None:
    """Transition KB: good practices in innovation policy for regions in industrial transition."""
    logger = logging.getLogger("kb")
    if not any(isinstance(h, _Warnings) for h in logger.handlers):
        logger.addHandler(_Warnings(logging.WARNING))
        logger.propagate = False


@cli.command()
@practices_option
@json_option
@handle_errors
def validate(practices: Path, as_json: bool) -> None:
    """Check every practice record; print one `path:line: message` per problem.

    Exit 0 when the corpus is clean, 1 otherwise.
    """
    from kb.corpus.records import scan, source_warnings
    from kb.corpus.stats import counts
    from kb.reference.networks import check_networks

    good, problems, _ = scan(practices)
    problems = sorted([*problems, *check_networks()])
    warnings = source_warnings(practices)
    if as_json:
        echo_json({"records": len(good) + len({p.path for p in problems}), "valid": len(good),
                   "problems": [asdict(p) for p in problems], "warnings": [asdict(w) for w in warnings],
                   "counts": counts(good)})
    else:
        for problem in problems:
            click.echo(str(problem))
        for warning in warnings:
            click.echo(str(warning), err=True)
    if problems:
        if not as_json:
            click.echo(f"{len(problems)} problem(s) in {len({p.path for p in problems})} file(s)", err=True)
        sys.exit(1)
    if not as_json:
        more = f" ({len(warnings)} warning(s) about sources)" if warnings else ""
        click.echo(f"{len(good)} records valid in {practices}{more}")


@cli.command()
@practices_option
@index_option
@click.option("--full", is_flag=True, help="Rebuild from every file instead of re-indexing only what changed.")
@click.option("--check", is_flag=True, help="Only check the current index against its checksums (exit 1 if damaged).")
@json_option
@handle_errors
def index(practices: Path, index: Path, full: bool, check: bool, as_json: bool) -> None:
    """Validate the corpus, then build the search index and swap it in atomically.

    Only added, changed and deleted records are re-indexed when the current index was built
    from the same folder. A failed build leaves the previous index serving. A damaged index
    (a file missing or truncated) is rebuilt in full.
    """
    import time

    from kb.search.build import build_index, read_stamp, verify

    if check:
        info = read_stamp(index)
        wrong = verify(index, full=True)
        if as_json:
            echo_json({"build_id": info.build_id, "sound": not wrong, "problems": wrong})
        elif not wrong:
            click.echo(f"{index} is sound: every file matches its checksum (build {info.build_id})")
        else:
            click.echo(f"Error: the index at {index} is damaged: {'; '.join(wrong)}; run `kb index` to rebuild it",
                       err=True)
        if wrong:
            sys.exit(1)
        return

    started = time.perf_counter()
    with _progress_bar("indexing", enabled=not as_json) as progress:
        info = build_index(practices, index, progress=progress, full=full)
    seconds = time.perf_counter() - started
    if as_json:
        echo_json({**asdict(info), "seconds": round(seconds, 3)})
    else:
        if info.repaired:
            click.echo(f"warning: the previous index was damaged ({info.repaired}); rebuilt it in full", err=True)
        if info.mode == "unchanged":
            click.echo(f"{index} is up to date ({info.records} records, build {info.build_id})")
            return
        what = (f"{info.added} added, {info.changed} changed, {info.deleted} deleted"
                if info.mode == "incremental" else "full rebuild")
        click.echo(f"indexed {info.records} records ({what}) in {seconds:.2f} s -> {index} "
                   f"(build {info.build_id}, corpus {info.corpus_hash[:12]})")


@contextlib.contextmanager
def _progress_bar(label: str, enabled: bool = True) -> Iterator[Callable[[int, int], None] | None]:
    """Yield a progress callback (done, total) drawing a bar on a terminal, or None elsewhere."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    bars: list[Any] = []

    def update(done: int, total: int) -> None:
        if not bars:
            bars.append(click.progressbar(length=total, label=label, file=sys.stderr))
            bars[0].__enter__()
        bars[0].update(done - bars[0].pos)

    try:
        yield update
    finally:
        if bars:
            bars[0].__exit__(None, None, None)


def _terminal_highlight(fragment: str) -> str:
    parts = re.split(r"(<mark>.*?</mark>)", fragment)
    out = []
    for part in parts:
        if part.startswith("<mark>"):
            out.append(click.style(html.unescape(part[6:-7]), bold=True))
        else:
            out.append(html.unescape(part))
    return "".join(out)


def _print_result(result: Any, show_facets: bool = True) -> None:
    width = min(shutil.get_terminal_size((100, 20)).columns, 110)
    for note in result.notes:
        click.echo(f"note: {note}")
    if not result.hits:
        click.echo("no practices found" + (f" for {result.query!r}" if result.query else ""))
    for n, hit in enumerate(result.hits, 1):
        badge = f"[{hit.evidence}, {hit.verification}]"
        click.echo(click.style(f"{n:>2}. {hit.title}", bold=True) + f"  ({hit.id})")
        years = f", since {hit.start_year}" if hit.start_year else ""
        click.echo(f"    {hit.region_name} ({', '.join(hit.country)}){years}  {badge}  score {hit.score:.2f}")
        click.echo(f"    themes: {', '.join(hit.themes)}")
        if hit.ratings:
            rated = f"{hit.ratings['regions']:.0f} region(s), mean score {hit.ratings['mean']:.1f}/5"
            click.echo(f"    rated in workshops by {rated}")
        for fragment in hit.highlights[:1]:
            text = " ".join(_terminal_highlight(fragment).split())
            for line in textwrap.wrap(text, width - 6)[:3]:
                click.echo(f"      {line}")  # the fragment marks its own cuts with one "…"
        if hit.why:
            click.echo(textwrap.fill("why: " + "; ".join(hit.why), width, initial_indent="    ",
                                     subsequent_indent="         "))
        click.echo(f"    {hit.url}")
    if show_facets and result.hits:
        click.echo(f"\n{result.total} matching practice(s); showing {len(result.hits)}")
        for name, counts in result.facets.items():
            shown = ", ".join(f"{k} {v}" for k, v in list(counts.items())[:8])
            more = f", … ({len(counts) - 8} more)" if len(counts) > 8 else ""
            click.echo(textwrap.fill(f"{name}: {shown}{more}", width, subsequent_indent="    "))


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1, type=QUERY)
@click.option("--region", type=TEXT, help="Only practices of this region (slug, NUTS code or name).")
@click.option("--theme", type=TEXT, help="Only practices with this theme (slug, label or synonym).")
@click.option("--country", type=TEXT, help="Only practices in this country (NUTS country code, e.g. FR, UK).")
@click.option("--year-from", type=int, help="Only practices that started in or after this year.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True,
              help="How to print the hits (--json is the same as --format json).")
@click.option("--limit", default=10, show_default=True, type=int, callback=positive_int,
              help="Number of hits to show.")
@workshops_option
@index_option
@json_option
@handle_errors
def search(query: tuple[str, ...], region: str | None, theme: str | None, country: str | None,
           year_from: int | None, fmt: str, limit: int, workshops_dir: Path, index: Path, as_json: bool) -> None:
    """Search the practices: ranked hits with highlights, why each matched, and facet counts.

    QUERY is free text in any pilot-region language; "quoted phrases", -excluded words and
    prefix* words are understood. With no QUERY, every practice the filters allow is listed.
    """
    from kb.api import search as run_search

    mistyped = next((q for q in query if q.startswith("--")), None)
    if mistyped:  # a -word is an excluded word; a --word can only be a mistyped option
        raise click.UsageError(f"no such option: {mistyped.split('=')[0]}")
    result = run_search(" ".join(query), region=region, theme=theme, country=country, year_from=year_from,
                        limit=limit, index=index, workshops=workshops_dir)
    if as_json or fmt == "json":
        echo_json(result.to_dict())
    elif fmt == "csv":
        from kb.corpus.export import HIT_COLUMNS, hit_rows, to_csv

        click.echo(to_csv(hit_rows(result.hits), HIT_COLUMNS), nl=False)
    else:
        _print_result(result)


@cli.command()
@click.argument("practice_id", type=TEXT)
@click.option("--limit", default=5, show_default=True, type=int, callback=positive_int,
              help="Number of practices to show.")
@index_option
@json_option
@handle_errors
def similar(practice_id: str, limit: int, index: Path, as_json: bool) -> None:
    """Practices most like PRACTICE_ID ("more like this")."""
    from kb.api import open_index

    result = open_index(index).similar(practice_id, limit)
    if as_json:
        echo_json(result.to_dict())
    else:
        _print_result(result, show_facets=False)


@cli.command()
@click.option("--all", "show_all", is_flag=True, help="Also list every other NUTS 2 region.")
@json_option
@handle_errors
def regions(show_all: bool, as_json: bool) -> None:
    """The regions known, with their NUTS codes (pilot regions first)."""
    from kb.reference.regions import country_name
    from kb.reference.regions import regions as all_regions

    rows = [r for r in all_regions().values() if show_all or as_json or r.kind != "nuts2"]
    if as_json:
        echo_json([{
            "slug": r.slug, "name": r.name, "native_names": list(r.native), "other_names": list(r.names),
            "country": r.country, "country_name": country_name(r.country) if r.country else None,
            "nuts": list(r.nuts), "nuts_by_vintage": {k: list(v) for k, v in r.nuts_by_vintage.items()},
            "pilot_cohort": r.pilot_cohort, "kind": r.kind,
        } for r in rows])
        return
    for r in rows:
        cohort = f"pilot {r.pilot_cohort}" if r.pilot_cohort else r.kind
        native = f" ({', '.join(n for n in r.native if n != r.name)})" if any(n != r.name for n in r.native) else ""
        codes = ", ".join(r.all_codes()) or "-"
        click.echo(f"{r.slug:<24} {r.name}{native}  [{r.country or 'EU'}; {cohort}]  NUTS {codes}")
    if not show_all:
        click.echo(f"... and {sum(1 for r in all_regions().values() if r.kind == 'nuts2')} other NUTS 2 regions "
                   "(kb regions --all)")


@cli.command()
@click.argument("region", type=TEXT)
@click.option("--limit", default=5, show_default=True, type=int, callback=positive_int, help="Number of peers.")
@click.option("--other-countries", is_flag=True, help="Only peers in other countries than the region's.")
@json_option
@handle_errors
def peers(region: str, limit: int, other_countries: bool, as_json: bool) -> None:
    """Structurally similar regions, with the reasons and how stable each peer is.

    REGION is a slug, NUTS code (any vintage) or name.
    """
    from kb.reference.peers import find_peers
    from kb.reference.regions import resolve_region

    result = find_peers(resolve_region(region), k=limit, other_countries=other_countries)
    if as_json:
        echo_json(result.to_dict())
        return
    click.echo(f"Peers of {result.name} among {result.candidates} regions, on {', '.join(result.dimensions)}")
    for note in result.notes:
        click.echo(f"note: {note}")
    for n, p in enumerate(result.peers, 1):
        flag = "  UNSTABLE" if p.unstable else ""
        click.echo(f"{n:>2}. {p.name} ({p.country})  distance {p.distance:.2f}  stability {p.stability:.0%}{flag}")
        click.echo(f"    {'; '.join(p.reasons)}")


@cli.command()
@click.argument("region", type=TEXT)
@click.option("--peers", "peers_k", default=5, show_default=True, type=int, callback=positive_int,
              help="How many structural peers to compare with.")
@json_option
@handle_errors
def indicators(region: str, peers_k: int, as_json: bool) -> None:
    """Every figure of REGION: value, year, unit, the rule that made it, its age, each peer's
    value and their median, the EU-27 aggregate and the EU median, and the source."""
    from kb.errors import MissingData
    from kb.reference.compare import compare
    from kb.reference.peers import find_peers
    from kb.reference.regions import regions as all_regions
    from kb.reference.regions import resolve_region

    found = resolve_region(region)
    try:
        peer_regions = [all_regions()[p.region] for p in find_peers(found, k=peers_k).peers]
    except MissingData:
        peer_regions = []
    rows = compare(found, peer_regions)
    if as_json:
        echo_json({"region": found.slug, "name": found.name, "peers": [r.slug for r in peer_regions],
                   "indicators": [c.to_dict() for c in rows]})
        return
    from kb.reference.challenges import fmt_number

    click.echo(f"Indicators of {found.name} (peers: {', '.join(r.name for r in peer_regions) or 'none'})")
    for c in rows:
        fig = c.figure
        value = fmt_number(fig.value) if fig.value is not None else "no data"
        click.echo(click.style(f"- {c.indicator.label}", bold=True) + f" ({c.indicator.unit}): {value}"
                   + (f" in {fig.year}" if fig.year else ""))
        click.echo(f"    {fig.rule}" + (f"; {fig.note}" if fig.note and fig.value is not None else ""))
        if fig.parts:
            click.echo("    parts: " + "; ".join(f"{code} {fmt_number(v)}" for code, v in fig.parts))
        if c.old:
            click.echo(f"    {c.old}")
        peers_text = "; ".join(f"{p.name} {fmt_number(p.value) if p.value is not None else 'no data'}" for p in c.peers)
        if peers_text:
            click.echo(f"    peers: {peers_text} (median {fmt_number(c.peer_median)})")
        eu = [f"EU median {fmt_number(c.eu_median.value)} ({c.eu_median.note})"] \
            if c.eu_median.value is not None else []
        if c.eu_aggregate.value is not None:
            eu.append(f"EU-27 {fmt_number(c.eu_aggregate.value)} in {c.eu_aggregate.year}")
        if eu:
            click.echo("    " + "; ".join(eu))
        click.echo(f"    source: {c.indicator.source}")


@cli.command()
@click.argument("region", type=TEXT)
@click.option("--eligible", "eligible_only", is_flag=True,
              help="Only the instruments that apply to REGION (eligible); region-wide notes are kept.")
@json_option
@handle_errors
def funding(region: str, eligible_only: bool, as_json: bool) -> None:
    """Every funding and collaboration instrument: eligible or not for REGION, why, and the sources.

    Facts that hold for the whole region (category of region 2021-2027, the UK's exit from the
    EU) are stated once at the top; other countries' national schemes are not listed.
    """
    from kb.reference.funding import funding_view
    from kb.reference.regions import resolve_region

    view = funding_view(resolve_region(region), eligible_only=eligible_only)
    if as_json:
        echo_json(view.to_dict())
        return
    word = {True: "eligible", False: "not eligible", None: "unknown"}
    click.echo(f"Instruments for {view.region}" + (" (only those that apply):" if eligible_only else ":"))
    for note in view.notes:
        click.echo(f"  {note.reason}")
        if note.ok is False and view.covered:
            click.echo(f"    open only to EU member states, so not listed below ({len(view.covered)}): "
                       + ", ".join(view.covered))
        if note.sources:
            click.echo(f"    source: {note.sources[0]}")
    if not view.rows:
        click.echo("  no instrument applies" if eligible_only else "  no instrument")
    for r in view.rows:
        click.echo(click.style(f"- {r.name}", bold=True) + f"  [{r.level}; {word[r.eligible]}; {r.verification}]")
        for reason in r.reasons:
            click.echo(f"    {reason}")
        if r.sources:
            click.echo(f"    source: {r.sources[0]}")


@cli.command()
@click.argument("regions", nargs=-1, type=TEXT)
@click.option("--all", "all_pilots", is_flag=True, help="The 12 pilot regions.")
@click.option("--eu", "all_eu", is_flag=True, help="Every NUTS 2 region with figures, and the pilot regions.")
@click.option("--scheduler", default=None, type=TEXT,
              help="Run the reports on Dask: tcp://HOST:PORT, or `local` for a LocalCluster of --jobs workers "
                   "(pip install -e '.[cluster]').")
@click.option("--out", "out_dir", default=_home("in_root", "reports"), show_default="reports of the project",
              type=click.Path(file_okay=False, path_type=Path), help="Folder for the HTML reports.")
@click.option("--jobs", default=4, show_default=True, type=int, callback=positive_int,
              help="Reports rendered at once (kernel start-up is mostly waiting: 4 suits 2 cores).")
@workshops_option
@click.option("--notebook", default=_home("in_root", "notebooks/region_report.ipynb"),
              show_default="notebooks/region_report.ipynb of the project",
              type=click.Path(dir_okay=False, exists=True, path_type=Path), help="The report notebook.")
@click.option("--pdf", "pdf", is_flag=True,
              help="Also print each report to a PDF beside its HTML, with headless Chromium (Debian's chromium).")
@click.option("--stale", is_flag=True,
              help="The reports in --out older than their region's newest workshop session.")
@click.option("--lang", default=None, type=TEXT,
              help="Language of the headings and the brief: en, fr, de, it, es, sv, fi, lt, sl "
                   "(default: the region's).")
@index_option
@json_option
@handle_errors
def report(regions: tuple[str, ...], all_pilots: bool, all_eu: bool, scheduler: str | None, out_dir: Path, jobs: int,
           workshops_dir: Path, notebook: Path, pdf: bool, stale: bool, lang: str | None, index: Path,
           as_json: bool) -> None:
    """Render a peer-learning report per region (REGION... or --all) and reports/index.html.

    Each report is executed with papermill and exported to offline HTML; the executed notebook
    is kept next to it. A failed region does not stop the others: failures are listed at the
    end and the exit code is 1.
    """
    import time

    from kb.i18n import check_language
    from kb.reference.indicators import check_data_files
    from kb.reports.batch import render_reports, resolve_regions, stale_reports
    from kb.search.build import check_sound, read_stamp
    from kb.workshops.sessions import skipped_sessions

    lang = check_language(lang) if lang else None
    if scheduler:
        import importlib.util

        from kb.cluster import ClusterMissing

        if importlib.util.find_spec("distributed") is None:
            raise ClusterMissing()
    if not regions and not all_pilots and not stale and not all_eu:
        raise click.UsageError("name at least one REGION, or use --all for the 12 pilot regions, --eu or --stale")
    outdated = stale_reports(out_dir, workshops_dir) if stale else {}
    targets = resolve_regions([*regions, *outdated], all_pilots)
    if all_eu:
        from kb.reports.batch import eu_regions

        targets = list({r.slug: r for r in [*targets, *eu_regions()]}.values())
    if not targets:
        if as_json:
            echo_json({"reports": [], "index": None})
        else:
            click.echo(f"no report in {out_dir}/ is older than its region's newest workshop session")
        return
    browser = None
    if pdf:
        from kb.reports.pdf import chromium

        browser = chromium()  # before any kernel starts: a missing browser is one line, not a late failure
    check_data_files()
    read_stamp(index)
    check_sound(index)
    skipped_sessions(workshops_dir)  # warns once per record that the reports will leave out
    started = time.perf_counter()
    done = [0]
    with _progress_bar("rendering") as bar:

        def progress(outcome: Any) -> None:
            done[0] += 1
            if bar is not None:
                bar(done[0], len(targets))

        outcomes = render_reports(targets, out_dir, index, workshops_dir, notebook=notebook, workers=jobs,
                                  progress=progress, lang=lang, scheduler=scheduler)
    if browser is not None:
        from kb.reports.pdf import print_pdf

        for o in outcomes:
            if o.ok:
                html_path = out_dir / f"{o.name}.html"
                print_pdf(html_path, html_path.with_suffix(".pdf"), browser)
    failed = [o for o in outcomes if not o.ok]
    seconds = time.perf_counter() - started
    if as_json:
        echo_json({"reports": [{"region": o.name, "ok": o.ok, "html": o.html,
                                "pdf": str(out_dir / f"{o.name}.pdf") if o.ok and browser else None,
                                "notebook": o.notebook, "error": o.error} for o in outcomes],
                   "index": str(out_dir / "index.html"), "seconds": round(seconds, 1)})
    else:
        click.echo(f"{len(outcomes) - len(failed)} of {len(outcomes)} report(s) written to {out_dir}/ "
                   f"in {seconds:.1f} s{' (HTML and PDF)' if browser else ''}; index: {out_dir}/index.html")
    for o in failed:
        click.echo(f"FAILED {o.name}: {o.error} (executed notebook: {o.notebook})", err=True)
    if failed:
        sys.exit(1)


@cli.command()
@click.argument("region", type=TEXT)
@click.option("--theme", type=TEXT, help="Only partners with practices of this theme (slug, label or synonym).")
@click.option("--limit", default=10, show_default=True, type=int, callback=positive_int, help="Partners to show.")
@index_option
@json_option
@handle_errors
def partners(region: str, theme: str | None, limit: int, index: Path, as_json: bool) -> None:
    """Regions REGION should link up with, ranked: structural closeness, where they do better than
    REGION is weak and have practices that answer it, shared S3 domains, networks both are in."""
    from kb.reference.partners import rank_partners
    from kb.reference.regions import resolve_region
    from kb.reference.themes import resolve_theme
    from kb.search.build import read_documents

    target = resolve_region(region)
    slug = resolve_theme(theme) if theme else None
    found = rank_partners(target, read_documents(index)[1], slug, limit)
    if as_json:
        echo_json({"region": target.slug, "theme": slug, "partners": [p.to_dict() for p in found]})
        return
    click.echo(f"Partners for {target.name}{f' on {slug}' if slug else ''}:")
    for n, p in enumerate(found, 1):
        parts = ", ".join(f"{k} {v:g}" for k, v in p.parts.items() if v)
        click.echo(f"{n:2}. {p.name} ({p.country})  score {p.score:g}  [{parts}]")
        for reason in p.reasons:
            click.echo(textwrap.fill(reason, 100, initial_indent="    - ", subsequent_indent="      "))
        for practice in p.practices:
            click.echo(f"    visit: {practice.title} ({practice.id}) {practice.url}")
        for channel in p.channels:
            click.echo(f"    channel: {channel.network} ({channel.roles}) {channel.source}")
    if not found:
        click.echo("no partner found" + (" with practices of that theme" if slug else ""))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output).")
@click.option("--region", type=TEXT, help="Only practices of this region (slug, NUTS code or name).")
@click.option("--theme", type=TEXT, help="Only practices with this theme (slug, label or synonym).")
@click.option("--query", type=QUERY, help="Only practices matching this search (needs the index).")
@practices_option
@index_option
@handle_errors
def export(fmt: str, out_file: Path | None, region: str | None, theme: str | None, query: str | None,
           practices: Path, index: Path) -> None:
    """One row per practice with every front-matter field, the summary, and the themes as 0/1 columns."""
    from kb.corpus.export import rows, to_csv, to_json
    from kb.search.index import MAX_LIMIT, make_filters

    filters = make_filters(region, theme)
    ids = None
    if query:
        from kb.api import open_index

        found = open_index(index).search(query, filters, MAX_LIMIT, highlights=False)
        ids = {h.id for h in found.hits}
    table = rows(practices, filters.region, filters.theme, ids)
    text = to_csv(table) if fmt == "csv" else to_json(table)
    if out_file is None:
        click.echo(text, nl=False)
        return
    from kb.files import write_atomic

    out_file.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out_file, text)
    click.echo(f"{len(table)} practices written to {out_file}", err=True)


@cli.command()
@click.option("--quick", is_flag=True, help="1,000 generated records only, fewer repetitions (about a minute).")
@click.option("--sizes", default="1000,10000", show_default=True, help="Generated corpus sizes, comma-separated.")
@click.option("--reps", type=click.IntRange(min=1), default=None,
              help="Repetitions per figure (default 3; 2 with --quick).")
@click.option("--no-reports", is_flag=True, help="Skip the report figures (no kernels started).")
@click.option("--eu", "eu_workers", default="", help="Also time the EU batch (every region's report) against "
              "as many trivial notebooks, for these numbers of workers, e.g. 1,2,4 (several minutes each).")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), help="Write every figure here.")
@click.option("--check", is_flag=True, help="Exit 1 when a figure misses its target.")
@practices_option
@handle_errors
def bench(quick: bool, sizes: str, reps: int | None, no_reports: bool, eu_workers: str, json_file: Path | None,
          check: bool, practices: Path) -> None:
    """Measure index build, incremental re-index, queries and reports against floors from the same run."""
    from kb.bench import dump, misses, run, table

    try:
        chosen = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError:
        raise click.BadParameter(f"sizes must be whole numbers separated by commas, not {sizes!r}") from None
    if quick and sizes == "1000,10000":
        chosen = [1000]
    if not chosen or min(chosen) < 10:
        raise click.BadParameter("each size must be at least 10")
    try:
        eu = tuple(int(x) for x in eu_workers.split(",") if x.strip())
    except ValueError:
        raise click.BadParameter(f"--eu takes numbers of workers separated by commas, not {eu_workers!r}") from None
    result = run(practices, chosen, reps or (2 if quick else 3), reports=not no_reports,
                 progress=lambda msg: click.echo(f"measuring {msg} ...", err=True), eu_workers=eu)
    click.echo(table(result))
    if json_file:
        dump(result, json_file)
    missed = misses(result)
    if missed:
        click.echo(f"{len(missed)} figure(s) miss their target: {'; '.join(missed)}", err=True)
        if check:
            sys.exit(1)


def _known_practices(index: Path) -> set[str] | None:
    from kb.errors import IndexMissing
    from kb.search.build import read_documents

    try:
        return {d.id for d in read_documents(index)[1]}
    except (IndexMissing, FileNotFoundError):
        return None


def _region_list(value: str) -> list[str]:
    from kb.reference.regions import resolve_region

    names = [v.strip() for v in value.split(",") if v.strip()]
    if len(names) < 2:
        raise click.BadParameter("name at least two regions, separated by commas")
    slugs: dict[str, str] = {}
    for name in names:
        slug = resolve_region(name).slug
        if slug in slugs:
            same = f"{slugs[slug]!r} and {name!r} are both" if slugs[slug] != name else f"{name!r} is named twice:"
            raise UsageError(f"--regions: {same} {slug}; name each participating region once")
        slugs[slug] = name
    return list(slugs)


def _clock_time(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", value):
        raise click.BadParameter(f"must be a time of day HH:MM, such as 09:30, not {value!r}")
    return value


def _date(value: str, what: str = "date") -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{what} must be YYYY-MM-DD, not {value!r}") from None


@cli.group()
def workshop() -> None:
    """Facilitators' session records (ratings, actions) and printable packs."""


@workshop.command("new")
@click.option("--theme", required=True, type=TEXT, help="Theme slug, label or synonym.")
@click.option("--regions", "region_list", required=True, type=TEXT, help="Participating regions, comma-separated.")
@click.option("--date", "date_text", required=True, type=TEXT, help="Session date, YYYY-MM-DD.")
@click.option("--facilitator", default="", type=Text(limit=200), help="Who runs the session.")
@click.option("--practices", "practice_list", default="", type=TEXT,
              help="Practice ids to discuss, comma-separated (default: the best-evidenced of the theme).")
@workshops_option
@index_option
@json_option
@handle_errors
def workshop_new(theme: str, region_list: str, date_text: str, facilitator: str, practice_list: str,
                 workshops_dir: Path, index: Path, as_json: bool) -> None:
    """Create a session record in the workshops folder."""
    from kb.reference.themes import resolve_theme
    from kb.search.build import read_documents
    from kb.workshops.pack import suggest_practices
    from kb.workshops.sessions import new_session

    slug = resolve_theme(theme)
    chosen = [p.strip() for p in practice_list.split(",") if p.strip()]
    known = _known_practices(index)
    if chosen and known is not None:
        unknown = [p for p in chosen if p not in known]
        if unknown:
            raise UsageError(f"unknown practice id(s): {', '.join(unknown)} (see `kb search`)")
    if not chosen:
        chosen = suggest_practices(slug, read_documents(index)[1], index_dir=index)
    path = new_session(workshops_dir, slug, _region_list(region_list), _date(date_text), chosen, facilitator or None)
    if as_json:
        echo_json({"file": str(path), "practices": chosen})
    else:
        click.echo(f"created {path} with {len(chosen)} practices: {', '.join(chosen)}")


def _session_summary(path: Path) -> dict[str, Any]:
    from kb.workshops.sessions import read_session

    data, problems = read_session(path)
    return {"file": str(path), "date": str(data.get("date", "")), "theme": data.get("theme"),
            "regions": list(data.get("regions") or []), "practices": list(data.get("practices") or []),
            "ratings": len(data.get("ratings") or []), "actions": len(data.get("actions") or []),
            "problems": [str(p) for p in problems]}


@workshop.command("list")
@workshops_option
@json_option
@handle_errors
def workshop_list(workshops_dir: Path, as_json: bool) -> None:
    """The session records of the workshops folder: date, theme, regions, ratings, actions."""
    from kb.workshops.sessions import session_files

    rows = [_session_summary(p) for p in session_files(workshops_dir)]
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        flag = f"  [{len(row['problems'])} problem(s): kb workshop validate]" if row["problems"] else ""
        click.echo(f"{row['date']}  {row['theme']}  {', '.join(row['regions'])}  "
                   f"{row['ratings']} rating(s), {row['actions']} action(s)  {row['file']}{flag}")
    click.echo(f"{len(rows)} session record(s) in {workshops_dir}")


@workshop.command("show")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@json_option
@handle_errors
def workshop_show(file: Path, as_json: bool) -> None:
    """One session record: participants, practices (with titles), ratings and actions."""
    from kb.errors import SessionError
    from kb.workshops.sessions import read_session

    data, problems = read_session(file)
    if problems:
        raise SessionError(problems)
    if as_json:
        echo_json(data)
        return
    titles = {d.id: d.title for d in _documents_or_none()}
    click.echo(f"{file}: {data['theme']} session on {data['date']}"
               + (f", facilitated by {data['facilitator']}" if data.get("facilitator") else ""))
    click.echo(f"regions: {', '.join(data['regions'])}")
    for pid in data["practices"]:
        click.echo(f"practice {pid}: {titles.get(pid, '(not in the index)')}")
    for r in data.get("ratings") or []:
        comment = f" - {r['comment']}" if r.get("comment") else ""
        click.echo(f"rating {r['region']} -> {titles.get(r['practice'], r['practice'])}: {r['score']}/5{comment}")
    for a in data.get("actions") or []:
        click.echo(f"action {a['region']}: {a['text']} (owner {a['owner']}, due {a['due']})")


def _documents_or_none() -> list[Any]:
    from kb.errors import KBError
    from kb.search.build import read_documents

    try:
        from kb.home import index_dir

        return read_documents(index_dir())[1]
    except KBError:
        return []


@workshop.command("rate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--region", required=True, type=TEXT, help="The rating region (slug, NUTS code or name).")
@click.option("--practice", required=True, type=TEXT, help="The practice id.")
@click.option("--score", required=True, type=click.IntRange(1, 5), help="1 (not useful) to 5 (we want to adopt it).")
@click.option("--comment", default=None, type=Text(multiline=True, limit=2000), help="A short comment.")
@json_option
@handle_errors
def workshop_rate(file: Path, region: str, practice: str, score: int, comment: str | None, as_json: bool) -> None:
    """Record a region's rating of a practice (replaces its earlier rating of it, and says so)."""
    from kb.reference.regions import resolve_region
    from kb.workshops.sessions import rate

    slug = resolve_region(region).slug
    outcome = rate(file, slug, practice, score, comment)
    if as_json:
        echo_json({"file": str(file), "ratings": len(outcome.data["ratings"]), "replaced": outcome.replaced})
        return
    if outcome.replaced:
        click.echo(f"{file}: replaced {slug}'s earlier rating of {practice} "
                   f"({outcome.replaced.get('score')} -> {score})")
    click.echo(f"{file}: {len(outcome.data['ratings'])} rating(s)")


@workshop.command("action")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--region", required=True, type=TEXT, help="The region that agreed the action.")
@click.option("--text", "text", required=True, type=Text(multiline=True, limit=2000), help="What will be done.")
@click.option("--owner", required=True, type=Text(limit=200), help="Who is responsible.")
@click.option("--due", "due_text", required=True, type=TEXT, help="Due date, YYYY-MM-DD (not before the session).")
@json_option
@handle_errors
def workshop_action(file: Path, region: str, text: str, owner: str, due_text: str, as_json: bool) -> None:
    """Record an action a region agreed in the session."""
    from kb.reference.regions import resolve_region
    from kb.workshops.sessions import add_action

    data = add_action(file, resolve_region(region).slug, text, owner, _date(due_text, "due"))
    if as_json:
        echo_json({"file": str(file), "actions": len(data["actions"])})
    else:
        click.echo(f"{file}: {len(data['actions'])} action(s)")


@workshop.command("validate")
@workshops_option
@index_option
@json_option
@handle_errors
def workshop_validate(workshops_dir: Path, index: Path, as_json: bool) -> None:
    """Check every session record; print one `path:line: message` per problem (exit 1)."""
    from kb.workshops.sessions import validate_folder

    count, problems = validate_folder(workshops_dir, _known_practices(index))
    if as_json:
        echo_json({"records": count, "problems": [asdict(p) for p in problems]})
    else:
        for problem in problems:
            click.echo(str(problem))
    if problems:
        sys.exit(1)
    if not as_json:
        click.echo(f"{count} session record(s) valid in {workshops_dir}")


@workshop.command("pack")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--out", "out_dir", default=_home("in_root", "reports/workshops"),
              show_default="reports/workshops of the project",
              type=click.Path(file_okay=False, path_type=Path), help="Folder for the pack.")
@click.option("--start", default="09:30", show_default=True, callback=_clock_time,
              help="Start time of the session, HH:MM.")
@click.option("--minutes", default=25, show_default=True, type=click.IntRange(5, 240), help="Minutes per practice.")
@click.option("--lang", default=None, type=TEXT,
              help="Language of the labels: en, fr, de, it, es, sv, fi, lt, sl (default: the participants' if shared).")
@click.option("--notebook", default=_home("in_root", "notebooks/workshop.ipynb"),
              show_default="notebooks/workshop.ipynb of the project",
              type=click.Path(dir_okay=False, exists=True, path_type=Path), help="The pack notebook.")
@index_option
@handle_errors
def workshop_pack(file: Path, out_dir: Path, start: str, minutes: int, lang: str | None, notebook: Path,
                  index: Path) -> None:
    """Render a printable pack for a session record: practice cards, agenda, matchmaking."""
    import os

    from kb.errors import RenderFailed, SessionError
    from kb.i18n import check_language
    from kb.notebooks import RenderJob, render_many
    from kb.reference.themes import themes
    from kb.workshops.sessions import read_session

    data, problems = read_session(file)
    if problems:
        raise SessionError(problems)
    name = f"{file.stem.lstrip('.') or 'session'}-pack"
    params = {"theme": data["theme"], "regions": data["regions"], "date": str(data["date"]),
              "facilitator": data.get("facilitator") or "", "practices": data["practices"],
              "index_dir": os.path.abspath(index), "start_time": start, "minutes_per_practice": minutes,
              "lang": check_language(lang) if lang else None}
    title = f"Workshop pack: {themes()[data['theme']].label} · {data['date']}"
    (outcome,) = render_many(notebook, [RenderJob(name, params, title=title)], out_dir, workers=1)
    if not outcome.ok:
        raise RenderFailed("the pack", outcome.error or "", outcome.notebook)
    click.echo(f"pack written to {outcome.html}")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
