"""The search web app: result cards escape every record string, the widgets run searches,
apply facets and show one-line messages for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.api import open_index
from kb.apps.search import ANY, TEMPLATE_ROOT, SearchApp, fragment_runs, render_cards, summary_text
from kb.search.analyzer import stem
from kb.search.index import Hit, SearchResult, make_filters, snippet
from pages import Page, read_page


def assert_inert(markup: str) -> Page:
    """Fail if `markup` holds a script, an event handler, an embedded frame or a javascript: link."""
    parsed = read_page(markup)
    assert "<script" not in markup.lower()
    for tag, attrs in parsed.tags:
        assert tag in {"div", "p", "span", "b", "mark", "article", "h3", "ul", "li", "a", "details", "summary"}, tag
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        assert "src" not in attrs, (tag, attrs)
        if tag == "a":
            assert (attrs.get("href") or "").startswith(("http://", "https://")), attrs
    return parsed


def test_render_cards_escapes_a_hostile_record(hostile_index: Path) -> None:
    result = open_index(hostile_index).search("hostile governance record", make_filters(), 10)
    hit = next(h for h in result.hits if h.id == "fx-hostile-record")
    markup = render_cards(result)
    parsed = assert_inert(markup)
    text = "".join(parsed.text)
    # The payloads are shown as text, not run.
    assert '<script>alert("title")</script> Fixture: hostile governance record' in text
    assert '<iframe src="https://evil.example.org"></iframe> Ministry' in text
    assert "<b onmouseover=alert(3)>source</b>" in text
    assert hit.title in text
    # The hostile source URL stays a single, quoted https link.
    links = [attrs["href"] for tag, attrs in parsed.tags if tag == "a"]
    assert 'https://example.org/a?x="><script>alert(2)</script>' in links


def test_fragment_runs_split_marks_from_plain_text() -> None:
    assert fragment_runs("a <mark>pôle</mark> &amp; b") == [("a ", False), ("pôle", True), (" & b", False)]
    assert fragment_runs("&lt;mark&gt;x<mark>y</mark>") == [("<mark>x", False), ("y", True)]
    assert fragment_runs('<img src=x onerror="alert(1)"><mark>x</mark>') == [("x", True)]


def test_highlight_shows_markup_in_the_record_as_text_and_marks_only_the_match() -> None:
    text = "Plan <script>alert(1)</script> and a literal <mark>x</mark> beside the foresight work."
    fragment = snippet(text, {stem("foresight")})
    assert fragment is not None and fragment.count("<mark>") == 1
    hit = Hit(id="fx-markup", title="Markup", region="saxony", region_name="Saxony", country=["DE"],
              themes=["foresight"], score=1.0, highlights=[fragment], url="https://example.org/x", why=[],
              summary="", original_title=None, lead_organisation="", start_year=None, verification="verified",
              evidence="described", sources=[{"url": "https://example.org/x", "title": "x"}], path="x.md")
    markup = render_cards(SearchResult(query="foresight", total=1, hits=[hit], facets={}))
    parsed = assert_inert(markup)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup and "&lt;mark&gt;x&lt;/mark&gt;" in markup
    assert markup.count("<mark>") == 1 and "<mark>foresight</mark>" in markup
    assert text in "".join(parsed.text)


def test_render_cards_shows_badges_why_and_sources(fixture_index: Path) -> None:
    result = open_index(fixture_index).search("Vorausschau", make_filters(), 5)
    markup = render_cards(result)
    assert_inert(markup)
    assert 'data-id="fx-lapland-foresight-network"' in markup
    assert "Why it matched:" in markup and "theme Foresight" in markup
    assert 'class="badge badge-verified"' in markup and "evidence: described" in markup
    assert "East-North Finland · Finland · started 2015" in markup
    assert '<a href="https://example.org/fx-lapland-foresight-network"' in markup
    assert "<mark>foresight</mark>" in markup
    assert "<b>1</b> practice matches." in markup


def test_render_cards_shows_ratings_when_a_hit_has_them(fixture_index: Path) -> None:
    result = open_index(fixture_index).search("Vorausschau", make_filters(), 5)

    class Rated:
        def __init__(self, hit: object):
            self._hit = hit
            self.ratings = {"regions": 3, "mean": 4.25}

        def __getattr__(self, name: str) -> object:
            return getattr(self._hit, name)

    rated = type(result)(**{**result.__dict__, "hits": [Rated(h) for h in result.hits]})
    assert "rated by 3 regions, mean 4.2" in render_cards(rated)
    assert "rated by" not in render_cards(result)


def test_search_app_fills_results_and_applies_facets(fixture_index: Path) -> None:
    app = SearchApp(fixture_index, query="")
    assert app.error is None and app.result is not None
    assert app.result.total == 6
    assert app.results.value.count('class="kb-card"') == 6
    themes = dict((v, label) for label, v in app.theme.options)
    assert themes["governance"] == "Governance (2)"
    assert app.region.options[0] == ("any region", ANY)

    app.theme.value = "governance"  # picking a theme runs the search
    assert app.result.total == 2
    assert {h.id for h in app.result.hits} == {"fx-lapland-foresight-network", "fx-saxony-monitoring-dashboard"}
    # The filtered facet still offers the other themes, counted without its own filter.
    assert dict((v, label) for label, v in app.theme.options)["foresight"] == "Foresight (1)"

    app.region.value = "saxony"
    assert [h.id for h in app.result.hits] == ["fx-saxony-monitoring-dashboard"]
    app.clear.click()
    assert app.result.total == 6 and app.theme.value == ANY and app.region.value == ANY

    app.query.value = "Vorausschau"
    assert [h.id for h in app.result.hits] == ["fx-lapland-foresight-network"]
    assert "fx-lapland-foresight-network" in app.text() and "theme Foresight" in app.text()


def test_search_app_takes_names_and_codes_as_parameters(fixture_index: Path) -> None:
    app = SearchApp(fixture_index, query="", region="Sachsen", year_from=2010, limit=3)
    assert app.region.value == "saxony" and app.year_from.value == 2010
    assert [h.id for h in app.result.hits] == ["fx-saxony-monitoring-dashboard"]


def test_search_app_shows_more(fixture_index: Path) -> None:
    app = SearchApp(fixture_index, query="", limit=2)
    assert len(app.result.hits) == 2 and app.more.layout.display != "none"
    app.more.click()
    assert len(app.result.hits) == 6 and app.more.layout.display == "none"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"region": "Atlantis"}, "unknown region 'Atlantis'"),
    ({"theme": "basket weaving"}, "unknown theme 'basket weaving'"),
    ({"year_from": "last year"}, "year-from must be a year such as 2015, not 'last year'"),
])
def test_search_app_shows_one_line_for_a_bad_value(fixture_index: Path, kwargs: dict, message: str) -> None:
    app = SearchApp(fixture_index, query="foresight", **kwargs)
    assert app.result is None and app.error is not None and app.error.startswith(message)
    assert "\n" not in app.error and "Traceback" not in app.status.value
    assert message.replace("'", "&#39;") in app.status.value
    assert app.results.value == ""
    app.button.click()  # the next search runs with the filters shown, which are all "any"
    assert app.error is None and app.result is not None and app.result.total >= 1


def test_search_app_says_when_there_is_no_index(tmp_path: Path) -> None:
    app = SearchApp(tmp_path / "nowhere", query="foresight")
    assert app.error is not None and "run `kb index` first" in app.error


def test_search_app_reads_kb_index(fixture_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_INDEX", str(fixture_index))
    app = SearchApp(query="Vorausschau")
    assert app.index_dir == fixture_index
    assert summary_text(app.result).splitlines()[1].startswith("1. fx-lapland-foresight-network:")
    bundle = app.widget._repr_mimebundle_()
    assert "fx-lapland-foresight-network" in bundle["text/plain"]
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_offline_voila_template_is_shipped() -> None:
    template = TEMPLATE_ROOT / "voila" / "templates" / "offline"
    assert (template / "conf.json").is_file()
    text = (template / "index.html.j2").read_text(encoding="utf-8")
    assert "extends 'lab/index.html.j2'" in text and "https://" not in text


def test_hits_rated_in_workshops_show_their_rating(fixture_index: Path, tmp_path: Path) -> None:
    import datetime as dt

    from kb.workshops.sessions import add_rating, new_session

    path = new_session(tmp_path, "foresight", ["saxony", "wallonia"], dt.date(2026, 12, 1),
                       ["fx-lapland-foresight-network"])
    add_rating(path, "saxony", "fx-lapland-foresight-network", 5)
    app = SearchApp(fixture_index, query="foresight", workshops_dir=tmp_path)
    app.search()
    assert "rated by 1 region" in app.results.value


def test_a_session_record_that_does_not_validate_is_named_in_a_note(fixture_index: Path, tmp_path: Path) -> None:
    import datetime as dt

    from kb.workshops.sessions import add_rating, new_session

    path = new_session(tmp_path, "foresight", ["saxony", "wallonia"], dt.date(2026, 12, 1),
                       ["fx-lapland-foresight-network"])
    add_rating(path, "saxony", "fx-lapland-foresight-network", 5)
    (tmp_path / "2026-12-02-typo.yaml").write_text("date: 2026-02-30\ntheme: [x]\n<script>: 1\n", encoding="utf-8")
    app = SearchApp(fixture_index, query="foresight", workshops_dir=tmp_path)
    assert app.search() is not None and app.error is None
    assert "rated by 1 region" in app.results.value
    assert "workshop record left out, it does not validate: " in app.results.value
    assert "2026-12-02-typo.yaml:1: &#39;date&#39; &#39;2026-02-30&#39; is not a real date" in app.results.value


def test_the_search_travels_in_a_link_and_downloads_as_csv(fixture_index: Path) -> None:
    import csv
    import io
    from urllib.parse import unquote

    from kb.apps.search import from_query_string, permalink
    from kb.search.index import make_filters

    assert from_query_string("q=cluster+policy&region=saxony&year=2015&bogus=1") == {
        "query": "cluster policy", "region": "saxony", "year_from": "2015"}
    assert from_query_string("") == {} and from_query_string("q=") == {}
    filters = make_filters(region="Sachsen", theme="foresight")
    link = permalink("Vorausschau & more", filters)
    assert link == "?q=Vorausschau+%26+more&region=saxony&theme=foresight"
    assert from_query_string(link[1:]) == {"query": "Vorausschau & more", "region": "saxony", "theme": "foresight"}
    app = SearchApp(fixture_index, query="foresight", limit=3)
    links = app.links.value
    assert 'href="?q=foresight"' in links
    data = links.split('href="data:text/csv;charset=utf-8,')[1].split('"')[0]
    rows = list(csv.DictReader(io.StringIO(unquote(data.replace("&amp;", "&")))))
    assert [r["id"] for r in rows] == [h.id for h in app.result.hits]
