"""The policy officer's search as a web page: a query box, facet filters and result cards built
from ipywidgets, for notebooks/search.ipynb (served by Voila with `make serve`).

`render_cards` turns a SearchResult into HTML without any widget: every string that came from
a record is escaped, highlights keep only their <mark> tags, and links are made only from
well-formed http(s) URLs. `SearchApp` wires the widgets to `kb.api.open_index`; bad filter
values and a missing index show as a one-line message, never a traceback.
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import ipywidgets as w

from kb.api import open_index, with_workshop_ratings
from kb.corpus.records import check_url
from kb.errors import KBError
from kb.reference.regions import country_name, regions
from kb.reference.themes import themes
from kb.search.index import Filters, Hit, SearchResult, make_filters

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

STYLE = """<style>
.kb-app{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;color:#1d2430;
 line-height:1.45}
.kb-app .kb-count{margin:.3rem 0 .2rem;font-size:.95rem}.kb-app .kb-note{color:#5b6675;font-size:.88rem;margin:.1rem 0}
.kb-app .kb-error{color:#9b1c1c;background:#fdecec;border:1px solid #e5a3a3;border-radius:.3rem;padding:.35rem .6rem;
 display:block;overflow-wrap:anywhere}
.kb-app article.kb-card{border:1px solid #dde2ea;border-radius:.45rem;padding:.55rem .95rem .6rem;margin:.7rem 0;
 background:#fff}
.kb-app .kb-card h3{margin:.1rem 0 .25rem;font-size:1.1rem;line-height:1.3;overflow-wrap:anywhere}
.kb-app .kb-card h3 .kb-rank{color:#5b6675;font-weight:normal;margin-right:.3rem}
.kb-app .kb-orig{display:block;font-size:.85rem;font-weight:normal;color:#5b6675;font-style:italic}
.kb-app .kb-meta{color:#3a4656;font-size:.88rem;margin:.15rem 0;overflow-wrap:anywhere}
.kb-app .kb-badge{display:inline-block;border-radius:.7rem;padding:0 .5rem;margin:.1rem .25rem .1rem 0;font-size:.78rem;
 border:1px solid #aab4c3;background:#f3f5f8;color:#1d2430;white-space:nowrap;cursor:help}
.kb-app .kb-verified,.kb-app .kb-evaluated{background:#e3f1e4;border-color:#3c8d40}
.kb-app .kb-results,.kb-app .kb-outputs{background:#eef4fb;border-color:#5b86b5}
.kb-app .kb-partial{background:#fff4df;border-color:#d9822b}.kb-app .kb-unverified{background:#fbe5e5;border-color:#b33}
.kb-app .kb-rating{background:#f1ebfa;border-color:#7a5aa8}
.kb-app .kb-theme{background:#fff;border-color:#c9d1dc;cursor:default}
.kb-app .kb-snippet{margin:.35rem 0;padding:.15rem .7rem;border-left:3px solid #c9d1dc;color:#27303d;font-size:.93rem}
.kb-app mark{background:#ffe98a;color:inherit;padding:0 .1rem;border-radius:.15rem}
.kb-app .kb-why{font-size:.88rem;color:#27303d;margin:.25rem 0}.kb-app .kb-why b{font-weight:600}
.kb-app .kb-sources{font-size:.86rem;margin:.2rem 0;padding-left:1.1rem;overflow-wrap:anywhere}
.kb-app .kb-sources .kb-host{color:#5b6675}.kb-app .kb-sources ul{padding-left:0;list-style:none;margin:.1rem 0}
.kb-app .kb-more-sources{list-style:none;margin-left:-1.1rem}
.kb-app .kb-more-sources summary{cursor:pointer;color:#0b4f8a}
.kb-app .kb-more-sources ul li::before{content:"• ";color:#5b6675}
.kb-app .kb-id{font-family:ui-monospace,monospace;font-size:.78rem;color:#5b6675}
.kb-app .kb-empty{color:#3a4656;font-style:italic}
.kb-app a{color:#0b4f8a}
</style>"""


def esc(value: object) -> str:
    """Return `value` as HTML text ('' for None), quotes included."""
    return html.escape("" if value is None else str(value), quote=True)


_MARK = re.compile(r"(</?mark>)")


def safe_fragment(fragment: str) -> str:
    """Return a highlight fragment with its <mark> tags kept and everything else escaped.
    Fragments arrive escaped already; unescaping then escaping each text run leaves them as they
    are and neutralises any markup that was not escaped."""
    return "".join(part if _MARK.fullmatch(part) else esc(html.unescape(part)) for part in _MARK.split(fragment))


def region_label(slug: str) -> str:
    known = regions()
    return known[slug].name if slug in known else slug


def theme_label(slug: str) -> str:
    known = themes()
    return known[slug].label if slug in known else slug


def _badge(text: str, kind: str, help_text: str = "") -> str:
    tip = f' title="{esc(help_text)}"' if help_text else ""
    return f'<span class="kb-badge kb-{esc(kind)}"{tip}>{esc(text)}</span>'


def _source(source: dict[str, Any]) -> str:
    url, title = str(source.get("url") or ""), str(source.get("title") or "")
    problem = check_url(url)
    if problem is not None:
        return f'<li>{esc(title or url)} <span class="kb-host">(no link: the URL {esc(problem)})</span></li>'
    host = (urlsplit(url).hostname or "").removeprefix("www.").rstrip(".")
    return (f'<li><a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{esc(title or url)}</a>'
            f' <span class="kb-host">{esc(host)}</span></li>')


def _excerpt(fragment: str) -> str:
    """Return a highlight fragment made safe, with "…" where it cuts a sentence."""
    text = safe_fragment(fragment).strip()
    plain = html.unescape(_MARK.sub("", text))
    if plain and not plain[0].isupper() and not plain[0].isdigit():
        text = "… " + text
    if plain and plain[-1] not in ".!?)\"”":
        text += " …"
    return text


def _ratings(hit: Hit) -> str:
    ratings = getattr(hit, "ratings", None)
    if not ratings:
        return ""
    count, mean = int(ratings.get("regions") or 0), ratings.get("mean")
    text = f"rated by {count} region{'' if count == 1 else 's'}"
    if mean is not None:
        text += f", mean {float(mean):.1f}"
    return _badge(text, "rating", "ratings given in peer-learning workshops (1-5)")


def render_hit(hit: Hit, rank: int) -> str:
    """Return one result card as HTML."""
    orig = f'<span class="kb-orig">{esc(hit.original_title)}</span>' if hit.original_title else ""
    meta = [esc(hit.region_name)]
    countries = ", ".join(country_name(c) for c in hit.country)
    if countries and countries != hit.region_name:  # Lithuania, Slovenia: region and country are one
        meta.append(esc(countries))
    if hit.start_year:
        meta.append(f"started {esc(hit.start_year)}")
    if hit.lead_organisation:
        meta.append(f"led by {esc(hit.lead_organisation)}")
    badges = [
        _badge(hit.verification, hit.verification, VERIFICATION_HELP.get(hit.verification, "")),
        _badge(f"evidence: {hit.evidence}", hit.evidence, EVIDENCE_HELP.get(hit.evidence, "")),
        _ratings(hit),
        *(_badge(theme_label(t), "theme") for t in hit.themes),
    ]
    if hit.highlights:
        snippet = ""
        for part in (_excerpt(h) for h in hit.highlights):
            if snippet.endswith("…") and part.startswith("…"):
                part = part[1:].lstrip()
            elif snippet and not snippet.endswith("…") and not part.startswith("…"):
                part = "… " + part
            snippet = f"{snippet} {part}" if snippet else part
    else:
        snippet = esc(hit.summary if len(hit.summary) <= 300 else hit.summary[:300].rsplit(" ", 1)[0] + " …")
    snippet = f'<p class="kb-snippet">{snippet}</p>' if snippet else ""
    why = f'<p class="kb-why"><b>Why it matched:</b> {esc("; ".join(hit.why))}</p>' if hit.why else ""
    sources = "".join(_source(s) for s in hit.sources[:SOURCES_SHOWN])
    rest = hit.sources[SOURCES_SHOWN:]
    if rest:
        more = f"{len(rest)} more source{'s' if len(rest) > 1 else ''}"
        sources += (f'<li class="kb-more-sources"><details><summary>{more}</summary>'
                    f'<ul>{"".join(_source(s) for s in rest)}</ul></details></li>')
    return (f'<article class="kb-card" data-id="{esc(hit.id)}">'
            f'<h3><span class="kb-rank">{rank}.</span><span class="kb-title">{esc(hit.title)}</span>{orig}</h3>'
            f'<div class="kb-meta">{" · ".join(meta)}</div>'
            f'<div class="kb-badges">{"".join(b for b in badges if b)}</div>'
            f'{snippet}{why}'
            f'<ul class="kb-sources">{sources}</ul>'
            f'<div class="kb-id">{esc(hit.id)}</div></article>')


def render_cards(result: SearchResult, first: int = 1) -> str:
    """Return the hits of `result` as HTML result cards (no widgets needed), with a line saying
    how many practices match and any notes on how the query was read."""
    shown = len(result.hits)
    if result.total == 0:
        count = '<p class="kb-count kb-empty">No practice matches. Try other words, or fewer filters.</p>'
    elif shown < result.total:
        count = (f'<p class="kb-count"><b>{result.total}</b> practices match; showing the best {shown}.</p>')
    else:
        verb = "practice matches" if result.total == 1 else "practices match"
        count = f'<p class="kb-count"><b>{result.total}</b> {verb}.</p>'
    notes = "".join(f'<p class="kb-note">{esc(n)}</p>' for n in result.notes)
    cards = "".join(render_hit(h, n) for n, h in enumerate(result.hits, first))
    return f'<div class="kb-app">{count}{notes}{cards}</div>'


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
    """The app's layout; its plain-text form (saved by papermill next to the widget) lists the hits."""

    def __init__(self, app: SearchApp, **kwargs: Any):
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
        self.query = w.Text(value=query or "", continuous_update=False,
                            placeholder="What did other regions do? e.g. monitoring the smart specialisation strategy",
                            layout=w.Layout(flex="1 1 auto", width="auto"))
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

        self.query.observe(self._on_change, names="value")
        for dropdown in (self.region, self.theme, self.country, self.year_from):
            dropdown.observe(self._on_change, names="value")
        self.button.on_click(lambda _: self._new_search())
        self.clear.on_click(lambda _: self._clear())
        self.more.on_click(lambda _: self._show_more())

        self._box = _AppBox(self, children=[
            w.HTML(STYLE),
            w.HBox([self.query, self.button], layout=w.Layout(width="100%")),
            w.HBox([self.region, self.theme, self.country, self.year_from, self.clear],
                   layout=w.Layout(flex_flow="row wrap", margin="0.4rem 0")),
            self.status, self.results, self.more,
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
            years = sorted({int(d["start_year"]) for d in index.documents() if d.get("start_year")})
        except KBError as exc:
            return self._fail(str(exc))
        except Exception as exc:  # a web page shows one line, not a traceback
            return self._fail(f"the search failed: {type(exc).__name__}: {exc}")
        self.result, self.error = result, None
        self._set_options(filters, counts, years)
        self.results.value = render_cards(result)
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
        self.status.value = f'<div class="kb-app"><span class="kb-error">{esc(message)}</span></div>'
        self.results.value = ""
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
