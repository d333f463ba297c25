"""The policy officer's search as a web page: a query box, facet filters and result cards built
from ipywidgets, for notebooks/search.ipynb (served by Voila with `make serve`).

`render_cards` turns a SearchResult into HTML without any widget, from the templates
kb/templates/html/search_*.j2: every string that came from a record is escaped by the template,
highlights reach it as runs of plain text to mark, and links are made only from well-formed
http(s) URLs. `SearchApp` wires the widgets to `kb.api.open_index`; bad filter
values and a missing index show as a one-line message, never a traceback.
"""

from __future__ import annotations

import os
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import ipywidgets as w

from kb.api import open_index, with_workshop_ratings
from kb.corpus.checks import check_url
from kb.errors import KBError
from kb.reference.regions import country_name, regions
from kb.reference.themes import themes
from kb.search.index import Filters, Hit, SearchResult, make_filters
from kb.templating import render

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent / "templates"
"""Put this directory on JUPYTER_PATH so that `voila --template=offline` finds
voila/templates/offline (the template that requests nothing from any other host)."""
DEFAULT_INDEX = "../build/index"
"""The index the notebook reads when neither `index_dir` nor $KB_INDEX is given (relative to
notebooks/, where Voila, JupyterLab and papermill start the kernel)."""
ANY = ""
MORE = 10
SOURCES_SHOWN = 3
FACET_NAMES = ("region", "theme", "country")

EVIDENCE_HELP = {
    "described": "the sources describe the practice, nothing more",
    "outputs": "the sources report outputs (projects, firms or people reached)",
    "results": "the sources report results (changes attributed to the practice)",
    "evaluated": "an evaluation of the practice is cited",
}
VERIFICATION_HELP = {
    "verified": "every fact was checked against the cited sources",
    "partial": "some facts could not be checked against the sources",
    "unverified": "the facts were not checked against the sources",
}

Run = tuple[str, bool]
"""A stretch of highlight text and whether it matched the query (the template marks it)."""
SENTENCE_END = ".!?)\"”…"
ELLIPSIS = "…"


class _Runs(HTMLParser):
    """Reads a highlight fragment: text with its entities resolved, split where mark elements begin and end."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[Run] = []
        self._marks = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "mark":
            self._marks += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark" and self._marks:
            self._marks -= 1

    def handle_data(self, data: str) -> None:
        marked = self._marks > 0
        if self.runs and self.runs[-1][1] == marked:
            self.runs[-1] = (self.runs[-1][0] + data, marked)
        else:
            self.runs.append((data, marked))


def fragment_runs(fragment: str) -> list[Run]:
    """Return a highlight fragment (escaped text, matches in mark elements) as plain-text runs, each
    marked or not, so that the template writes the only markup and escapes every character of the record.

    Tags are read before entities are resolved, so a record's own "&lt;mark&gt;" stays text; any other
    markup (there is none: `snippet` escapes the record) is dropped and its text kept.
    """
    parser = _Runs()
    parser.feed(fragment)
    parser.close()
    return [run for run in parser.runs if run[0]]


def region_label(slug: str) -> str:
    known = regions()
    return known[slug].name if slug in known else slug


def theme_label(slug: str) -> str:
    known = themes()
    return known[slug].label if slug in known else slug


def _badge(text: str, kind: str, help_text: str = "") -> dict[str, str]:
    return {"text": text, "kind": kind, "help": help_text}


def _source(source: dict[str, Any]) -> dict[str, str | None]:
    """A source as the card lists it: a link when its URL is well-formed, else the reason there is none."""
    url, title = str(source.get("url") or ""), str(source.get("title") or "")
    problem = check_url(url)
    host = (urlsplit(url).hostname or "").removeprefix("www.").rstrip(".") if problem is None else ""
    return {"url": url, "title": title or url, "host": host, "problem": problem}


def _excerpt(fragment: str) -> tuple[bool, list[Run], bool]:
    """Return a fragment's runs without its own ellipses, and whether it cuts a sentence at its start and end."""
    runs = fragment_runs(fragment)
    if not runs:
        return False, [], False
    first, marked = runs[0][0].lstrip(), runs[0][1]
    cut_start = not marked and first.startswith(ELLIPSIS)
    runs[0] = (first.removeprefix(ELLIPSIS).lstrip() if cut_start else first, marked)
    last, marked = runs[-1][0].rstrip(), runs[-1][1]
    cut_end = not marked and last.endswith(ELLIPSIS)
    runs[-1] = (last.removesuffix(ELLIPSIS).rstrip() if cut_end else last, marked)
    runs = [run for run in runs if run[0]]
    plain = "".join(text for text, _ in runs)
    if not plain:
        return False, [], False
    return (cut_start or not (plain[0].isupper() or plain[0].isdigit()), runs,
            cut_end or plain[-1] not in SENTENCE_END)


def _snippet(hit: Hit) -> list[Run]:
    """The card's excerpt: the highlights joined by one "…" wherever text is left out, else the summary."""
    if not hit.highlights:
        summary = hit.summary if len(hit.summary) <= 300 else hit.summary[:300].rsplit(" ", 1)[0] + " …"
        return [(summary, False)] if summary else []
    out: list[Run] = []
    excerpts = [e for e in (_excerpt(h) for h in hit.highlights) if e[1]]
    for n, (cut_start, runs, cut_end) in enumerate(excerpts):
        if n:
            out.append((f" {ELLIPSIS} ", False))
        elif cut_start:
            out.append((f"{ELLIPSIS} ", False))
        out += runs
        if cut_end and n == len(excerpts) - 1:
            out.append((f" {ELLIPSIS}", False))
    return out


def _ratings(hit: Hit) -> dict[str, str] | None:
    ratings = getattr(hit, "ratings", None)
    if not ratings:
        return None
    count, mean = int(ratings.get("regions") or 0), ratings.get("mean")
    text = f"rated by {count} region{'' if count == 1 else 's'}"
    if mean is not None:
        text += f", mean {float(mean):.1f}"
    return _badge(text, "rating", "ratings given in peer-learning workshops (1-5)")


def _card(hit: Hit, rank: int) -> dict[str, Any]:
    """One hit as the card template needs it: plain strings, labels instead of slugs."""
    meta = [hit.region_name]
    countries = ", ".join(country_name(c) for c in hit.country)
    if countries and countries != hit.region_name:  # Lithuania, Slovenia: region and country are one
        meta.append(countries)
    if hit.start_year:
        meta.append(f"started {hit.start_year}")
    if hit.lead_organisation:
        meta.append(f"led by {hit.lead_organisation}")
    badges = [
        _badge(hit.verification, hit.verification, VERIFICATION_HELP.get(hit.verification, "")),
        _badge(f"evidence: {hit.evidence}", hit.evidence, EVIDENCE_HELP.get(hit.evidence, "")),
        _ratings(hit),
        *(_badge(theme_label(t), "theme") for t in hit.themes),
    ]
    return {"id": hit.id, "rank": rank, "title": hit.title, "original_title": hit.original_title or "",
            "meta": meta, "badges": [b for b in badges if b], "snippet": _snippet(hit), "why": hit.why,
            "sources": [_source(s) for s in hit.sources[:SOURCES_SHOWN]],
            "more_sources": [_source(s) for s in hit.sources[SOURCES_SHOWN:]]}


def render_hit(hit: Hit, rank: int) -> str:
    """Return one result card as HTML."""
    return render("search_card.j2", card=_card(hit, rank))


def render_cards(result: SearchResult, first: int = 1) -> str:
    """Return the hits of `result` as HTML result cards (no widgets needed), with a line saying
    how many practices match and any notes on how the query was read. The stylesheet is not in
    it: a page shows many of these, and includes `render_style()` once."""
    return render("search_cards.j2", total=result.total, shown=len(result.hits), notes=result.notes,
                  cards=[_card(h, n) for n, h in enumerate(result.hits, first)])


def render_style() -> str:
    """Return the shared stylesheet, for the one HTML widget of the app that carries it."""
    return render("search_style.j2")


URL_KEYS = {"q": "query", "region": "region", "theme": "theme", "country": "country", "year": "year_from"}
"""The search's URL parameters and the SearchApp arguments they set."""


def from_query_string(query_string: str) -> dict[str, str]:
    """SearchApp arguments from a page's query string ("q=cluster&region=saxony"); Voila hands the
    request's query string to the kernel as $QUERY_STRING."""
    from urllib.parse import parse_qs

    values = parse_qs(query_string or "", keep_blank_values=False)
    return {URL_KEYS[k]: v[-1] for k, v in values.items() if k in URL_KEYS and v and v[-1].strip()}


def permalink(text: str, filters: Filters) -> str:
    """A relative URL that opens the app on this query and these filters."""
    from urllib.parse import urlencode

    values = {"q": text, "region": filters.region, "theme": filters.theme, "country": filters.country,
              "year": filters.year_from}
    return "?" + urlencode({k: v for k, v in values.items() if v not in (None, "")})


def render_links(result: SearchResult, filters: Filters) -> str:
    """The link to this search and the CSV download of the shown hits (a data: URL)."""
    from urllib.parse import quote

    from kb.corpus.export import HIT_COLUMNS, hit_rows, to_csv

    csv_text = to_csv(hit_rows(result.hits), HIT_COLUMNS)
    return render("search_links.j2", permalink=permalink(result.query, filters), shown=len(result.hits),
                  csv="data:text/csv;charset=utf-8," + quote(csv_text), filename="transition-kb-search.csv")


def render_message(message: str) -> str:
    """Return a one-line message (a bad filter value, no index) as HTML."""
    return render("search_message.j2", message=message)


def summary_text(result: SearchResult) -> str:
    """Return the hits as plain text: one line per hit (rank, id, title, region) and why it matched."""
    lines = [f"{result.total} practices match {result.query!r}; showing {len(result.hits)}"]
    for n, h in enumerate(result.hits, 1):
        lines.append(f"{n}. {h.id}: {h.title} ({h.region_name})")
        if h.why:
            lines.append(f"   why: {'; '.join(h.why)}")
    return "\n".join(lines)


def default_index_dir() -> str:
    """Return $KB_INDEX when set, else ../build/index (relative to the notebook)."""
    return os.environ.get("KB_INDEX") or DEFAULT_INDEX


def default_workshops_dir() -> str:
    """Return $KB_WORKSHOPS when set, else ../workshops (relative to the notebook)."""
    return os.environ.get("KB_WORKSHOPS") or "../workshops"


class _AppBox(w.VBox):
    """An app's layout whose plain-text form (what papermill saves next to the widget) is the
    app's `text()`: the hits of the search app, the record's summary of the session app."""

    def __init__(self, app: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self._app = app

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        data = super()._repr_mimebundle_(**kwargs)
        if isinstance(data, dict):
            data["text/plain"] = self._app.text()
        return data


class SearchApp:
    """The search page: query box, Search button, region/theme/country/year filters with counts,
    a status line and result cards. `widget` is the layout to display; `search()` runs the query."""

    def __init__(self, index_dir: str | Path | None = None, query: str = "", region: str | None = None,
                 theme: str | None = None, country: str | None = None, year_from: int | str | None = None,
                 limit: int = 10, workshops_dir: str | Path | None = None):
        self.index_dir = Path(index_dir or default_index_dir())
        self.workshops_dir = Path(workshops_dir or default_workshops_dir())
        self.page_size = self.limit = limit
        self.result: SearchResult | None = None
        self.error: str | None = None
        # Values given as parameters may be names or NUTS codes: resolved (or rejected) by the first search.
        self._pending: dict[str, Any] | None = {"region": region, "theme": theme, "country": country,
                                                "year_from": year_from}
        self._updating = False

        wide = {"description_width": "initial"}
        self.query = w.Text(value=query or "", continuous_update=False, description="Search for",
                            placeholder="What did other regions do? e.g. monitoring the smart specialisation strategy",
                            style=wide, layout=w.Layout(flex="1 1 auto", width="auto"))
        self.query.add_class("kb-query")
        self.button = w.Button(description="Search", button_style="primary", tooltip="Run the search",
                               layout=w.Layout(width="7rem"))
        self.button.add_class("kb-search")
        self.region = w.Dropdown(description="Region", options=[("any region", ANY)], value=ANY, style=wide,
                                 layout=w.Layout(width="15rem"))
        self.theme = w.Dropdown(description="Theme", options=[("any theme", ANY)], value=ANY, style=wide,
                                layout=w.Layout(width="15rem"))
        self.country = w.Dropdown(description="Country", options=[("any country", ANY)], value=ANY, style=wide,
                                  layout=w.Layout(width="11.5rem"))
        self.year_from = w.Dropdown(description="Started", options=[("any year", ANY)], value=ANY, style=wide,
                                    layout=w.Layout(width="12rem"))
        for name in (*FACET_NAMES, "year_from"):
            getattr(self, name).add_class(f"kb-{name.replace('_', '-')}")
        self.clear = w.Button(description="Clear filters", tooltip="Show every region, theme, country and year",
                              layout=w.Layout(width="7.5rem"))
        self.more = w.Button(description=f"Show {MORE} more", layout=w.Layout(width="9rem", display="none"))
        self.status = w.HTML()
        self.status.add_class("kb-status")
        self.results = w.HTML()
        self.results.add_class("kb-results-box")
        self.links = w.HTML()
        self.links.add_class("kb-links-box")

        self.query.observe(self._on_change, names="value")
        for dropdown in (self.region, self.theme, self.country, self.year_from):
            dropdown.observe(self._on_change, names="value")
        self.button.on_click(lambda _: self._new_search())
        self.clear.on_click(lambda _: self._clear())
        self.more.on_click(lambda _: self._show_more())

        self._box = _AppBox(self, children=[
            w.HTML(render_style()),
            w.HBox([self.query, self.button], layout=w.Layout(width="100%")),
            w.HBox([self.region, self.theme, self.country, self.year_from, self.clear],
                   layout=w.Layout(flex_flow="row wrap", margin="0.4rem 0")),
            self.status, self.results, self.more, self.links,
        ], layout=w.Layout(width="100%"))
        self.search()

    @property
    def widget(self) -> w.VBox:
        """The layout to display."""
        return self._box

    # --- running the search ----------------------------------------------------------------

    def _filter_values(self) -> dict[str, Any]:
        if self._pending is not None:
            return self._pending
        return {name: getattr(self, name).value or None for name in (*FACET_NAMES, "year_from")}

    def search(self) -> SearchResult | None:
        """Run the query with the chosen filters, fill the results and the filter counts; return
        the result, or None after showing a one-line message (bad value, no index)."""
        values, self._pending = self._filter_values(), None
        text = self.query.value
        try:
            filters = make_filters(**values)
            index = open_index(self.index_dir)
            result = with_workshop_ratings(index.search(text, filters, self.limit), self.workshops_dir,
                                           note_skipped=True)
            counts = self._facet_counts(index, text, filters, result)
            years = sorted({d.start_year for d in index.documents() if d.start_year})
        except KBError as exc:
            return self._fail(str(exc))
        except Exception as exc:  # a web page shows one line, not a traceback
            return self._fail(f"the search failed: {type(exc).__name__}: {exc}")
        self.result, self.error = result, None
        self._set_options(filters, counts, years)
        self.results.value = render_cards(result)
        self.links.value = render_links(result, filters)
        self.status.value = ""
        self.more.layout.display = "inline-flex" if result.total > len(result.hits) else "none"
        return result

    def _facet_counts(self, index: Any, text: str, filters: Filters,
                      result: SearchResult) -> dict[str, dict[str, int]]:
        """Counts per value of each facet; a facet that is filtered on counts without its own filter,
        so its dropdown still offers the other values."""
        counts = dict(result.facets)
        for name in FACET_NAMES:
            if getattr(filters, name):
                counts[name] = index.search(text, replace(filters, **{name: None}), 1, highlights=False).facets[name]
        return counts

    def _fail(self, message: str) -> None:
        self.result, self.error = None, message
        self.status.value = render_message(message)
        self.results.value = self.links.value = ""
        self.more.layout.display = "none"
        return None

    def _set_options(self, filters: Filters, counts: dict[str, dict[str, int]], years: list[int]) -> None:
        labels = {"region": region_label, "theme": theme_label, "country": country_name}
        self._updating = True
        try:
            for name in FACET_NAMES:
                chosen = getattr(filters, name) or ANY
                found = dict(counts.get(name, {}))
                if name == "country" and chosen:
                    chosen = chosen.upper()
                if chosen and chosen not in found:
                    found[chosen] = 0
                entries = sorted(found.items(), key=lambda kv: labels[name](kv[0]).lower())
                options = [(f"any {name}", ANY)] + [(f"{labels[name](v)} ({n})", v) for v, n in entries]
                dropdown = getattr(self, name)
                dropdown.options = options
                dropdown.value = chosen
            if filters.year_from is not None and filters.year_from not in years:
                years = sorted([*years, filters.year_from])
            self.year_from.options = [("any year", ANY)] + [(f"{y} or later", y) for y in years]
            self.year_from.value = filters.year_from if filters.year_from is not None else ANY
        finally:
            self._updating = False

    # --- events ----------------------------------------------------------------------------

    def _on_change(self, change: dict[str, Any]) -> None:
        if not self._updating:
            self._new_search()

    def _new_search(self) -> None:
        self.limit = self.page_size
        self.search()

    def _clear(self) -> None:
        self._updating = True
        try:
            for dropdown in (self.region, self.theme, self.country, self.year_from):
                dropdown.value = ANY
        finally:
            self._updating = False
        self._new_search()

    def _show_more(self) -> None:
        self.limit += MORE
        self.search()

    def text(self) -> str:
        """Return the current state as plain text: the hits with why they matched, or the message."""
        if self.error:
            return self.error
        return summary_text(self.result) if self.result else ""
