"""Searching an index: ranking, why-it-matched, facets, filters, odd input (kb/search/index.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.errors import NotFound, UnknownName, UsageError
from kb.search.index import Index, make_filters


@pytest.fixture(scope="module")
def ix(fixture_index: Path):  # type: ignore[no-untyped-def]
    with Index(fixture_index) as index:
        yield index


def top(ix: Index, query: str, **filters: object) -> str | None:
    result = ix.search(query, make_filters(**filters))  # type: ignore[arg-type]
    return result.hits[0].id if result.hits else None


def test_hits_carry_the_documented_fields(ix: Index) -> None:
    result = ix.search("monitoring dashboard")
    hit = result.hits[0]
    assert hit.id == "fx-saxony-monitoring-dashboard"
    assert hit.region == "saxony" and hit.country == ["DE"]
    assert hit.url == "https://example.org/fx-saxony-monitoring-dashboard"
    assert hit.themes == ["monitoring-evaluation", "governance"]
    assert hit.score > 0
    assert any("<mark>" in h for h in hit.highlights)
    assert hit.why
    assert set(result.facets) == {"region", "theme", "country"}


def test_every_hit_says_why_it_matched(ix: Index) -> None:
    result = ix.search("foresight scenarios")
    for hit in result.hits:
        assert hit.why, hit.id
    first = result.hits[0]
    assert first.id == "fx-lapland-foresight-network"
    assert any(w.startswith('"scenarios" in') for w in first.why)
    assert any(w.startswith("theme Foresight") for w in first.why)


def test_facets_count_every_match_not_just_the_shown_hits(ix: Index) -> None:
    result = ix.search("", limit=1)
    assert result.total == 6 and len(result.hits) == 1
    assert sum(result.facets["region"].values()) == 6 + 2  # the multi-region record also counts for partners
    assert result.facets["country"]["DE"] == 1
    assert result.facets["theme"]["governance"] == 2
    assert "no search words" in result.notes[0]


@pytest.mark.parametrize(("query", "expected"), [
    ("pôles de compétitivité", "fx-wallonia-competitiveness-poles"),
    ("poles de competitivite", "fx-wallonia-competitiveness-poles"),
    ("POLES COMPETITIVITE", "fx-wallonia-competitiveness-poles"),
    ("Sachsen", "fx-saxony-monitoring-dashboard"),
    ("Wallonie", "fx-wallonia-competitiveness-poles"),
    ("Itä- ja Pohjois-Suomi", "fx-lapland-foresight-network"),
    ("Lapland", "fx-lapland-foresight-network"),
    ("ennakointi", "fx-lapland-foresight-network"),
    ("Vorausschau Szenarien", "fx-lapland-foresight-network"),
    ("suivi et évaluation", "fx-saxony-monitoring-dashboard"),
    ("Kohleausstieg Strukturwandel", "fx-hdf-mining-basin"),
    ("bassin minier", "fx-hdf-mining-basin"),
    ("Piemont Slowenien", "fx-interregional-pilot"),
    ("digitalisation skills", "fx-gm-digital-skills"),
    ("digitalization skills", "fx-gm-digital-skills"),
    ("monitorng dashbord", "fx-saxony-monitoring-dashboard"),
    ("forsight", "fx-lapland-foresight-network"),
])
def test_multilingual_accent_spelling_and_typo_queries(ix: Index, query: str, expected: str) -> None:
    assert top(ix, query) == expected


@pytest.mark.parametrize(("a", "b"), [
    ("digitalisation of small firms", "digitalization of small firms"),
    ("pôles de compétitivité", "poles de competitivite"),
    ("monitoring programme centre", "monitoring program center"),
    ("Wallonie", "Wallonia"),
    ("Sachsen", "Saxony"),
])
def test_two_spellings_return_the_same_top_hits(ix: Index, a: str, b: str) -> None:
    assert [h.id for h in ix.search(a).hits[:3]] == [h.id for h in ix.search(b).hits[:3]]


def test_a_corrected_typo_is_explained(ix: Index) -> None:
    hit = ix.search("monitorng").hits[0]
    assert any('"monitorng" read as "monitoring"' in w for w in hit.why)


def test_filters(ix: Index) -> None:
    assert {h.id for h in ix.search("", make_filters(region="FRE1")).hits} == {"fx-hdf-mining-basin"}
    assert {h.id for h in ix.search("", make_filters(region="slovenia")).hits} == {"fx-interregional-pilot"}
    assert {h.id for h in ix.search("", make_filters(theme="prospective")).hits} == {"fx-lapland-foresight-network"}
    assert {h.id for h in ix.search("", make_filters(country="gb")).hits} == {"fx-gm-digital-skills"}
    assert {h.id for h in ix.search("", make_filters(year_from=2019)).hits} == {
        "fx-gm-digital-skills", "fx-interregional-pilot"}
    result = ix.search("training", make_filters(region="greater-manchester"))
    assert [h.id for h in result.hits] == ["fx-gm-digital-skills"]
    assert "filter region=greater-manchester" in result.hits[0].why


def test_excluded_words_and_phrases(ix: Index) -> None:
    ids = {h.id for h in ix.search("steering -scenario").hits}
    assert "fx-lapland-foresight-network" not in ids and ids
    assert top(ix, '"pilot lines"') == "fx-interregional-pilot"


@pytest.mark.parametrize("bad", [
    {"region": "atlantis"}, {"theme": "blockchain"}, {"country": "XX"}, {"year_from": "last year"},
    {"year_from": 99999},
])
def test_bad_filter_values_name_the_value(bad: dict) -> None:
    with pytest.raises(UsageError) as err:
        make_filters(**bad)
    assert str(next(iter(bad.values()))) in str(err.value)


def test_unknown_region_suggests_close_names() -> None:
    with pytest.raises(UnknownName) as err:
        make_filters(region="Saxonie")
    assert "saxony" in err.value.suggestions


@pytest.mark.parametrize("limit", [0, -1])
def test_limit_must_be_positive(ix: Index, limit: int) -> None:
    with pytest.raises(UsageError, match="limit"):
        ix.search("x", limit=limit)


@pytest.mark.parametrize("text", ['"unbalanced', "*", "title:", "region: theme:", "\x00\x1b[31m", "\u202egov\u200b",
                                  "x" * 5000, "AND OR", "(((", "-", "🙂", "<script>alert(1)</script>"])
def test_odd_input_gives_results_not_exceptions(ix: Index, text: str) -> None:
    result = ix.search(text)
    assert len(result.hits) == min(10, result.total)
    assert result.hits or result.notes or result.total == 0
    for hit in result.hits:
        for fragment in hit.highlights:
            assert "<" not in fragment.replace("<mark>", "").replace("</mark>", "")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_unicode_never_raises(ix: Index, text: str) -> None:
    result = ix.search(text, limit=3)
    assert len(result.hits) == min(3, result.total)
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(("query", "escaped"), [("steering group", "&lt;img src=x onerror="),
                                                ("script alert summary", "&lt;<mark>script</mark>&gt;")])
def test_highlights_escape_record_text(hostile_index: Path, query: str, escaped: str) -> None:
    with Index(hostile_index) as ix:
        (hit,) = [h for h in ix.search(query, limit=20).hits if h.id == "fx-hostile-record"]
    (fragment,) = hit.highlights
    assert escaped in fragment
    assert "<" not in fragment.replace("<mark>", "").replace("</mark>", "")


def test_similar_returns_others_with_reasons(ix: Index) -> None:
    result = ix.similar("fx-saxony-monitoring-dashboard", limit=3)
    assert result.hits and all(h.id != "fx-saxony-monitoring-dashboard" for h in result.hits)
    assert all(h.why for h in result.hits)
    assert result.hits[0].id == "fx-lapland-foresight-network"  # the other governance record
    with pytest.raises(NotFound):
        ix.similar("no-such-practice")


def test_real_corpus_answers_the_policy_officers_question(real_index: Path) -> None:
    with Index(real_index) as ix:
        result = ix.search("how did regions monitor their smart specialisation strategy", limit=10)
        assert result.total > 0
        top5 = result.hits[:5]
        assert sum("monitoring-evaluation" in h.themes for h in top5) >= 3
        fr = ix.search("comment les régions ont-elles fait le suivi de leur stratégie de spécialisation "
                       "intelligente", limit=10)
        assert sum("monitoring-evaluation" in h.themes for h in fr.hits[:5]) >= 3
