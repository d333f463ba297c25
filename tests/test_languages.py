"""Search in the pilot regions' languages (kb/search/languages.py and the query pipeline): words
of the field translated to the corpus's English, compounds split against what the index knows,
a region named in the query ranked first, and reasons in the words the user typed."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.errors import NotFound
from kb.search.index import Index
from kb.search.languages import split_compound, translate


@pytest.fixture(scope="module")
def ix(real_index: Path):  # type: ignore[no-untyped-def]
    with Index(real_index) as index:
        yield index


@pytest.mark.parametrize(("word", "english"), [
    ("politiikka", "policy"), ("politik", "policy"), ("stebesena", "monitoring"), ("spremljanje", "monitoring"),
    ("uppfoljning", "monitoring"), ("monitoraggio", "monitoring"), ("regionen", "region"), ("strategijos", "strategy"),
    ("forderung", "funding"), ("kmu", "sme"),
])
def test_words_of_the_field_translate_to_english(word: str, english: str) -> None:
    assert english in translate(word)


def test_translation_leaves_unknown_and_english_words_alone() -> None:
    assert translate("governance") == () and translate("hauptbahnhof") == ()


@pytest.mark.parametrize(("word", "parts"), [
    ("clusterpolitik", ("cluster", "politik")), ("klusteripolitiikka", ("klusteri", "politiikka")),
    ("kohleregionen", ("kohle", "regionen")), ("kolregioner", ("kol", "regioner")),
    ("strategieuberwachung", ("strategie", "uberwachung")),
])
def test_compounds_split_into_known_parts(word: str, parts: tuple[str, ...]) -> None:
    known = {"cluster", "politik", "klusteri", "politiikka", "kohle", "regionen", "kol", "regioner", "strategie",
             "uberwachung"}.__contains__
    assert split_compound(word, known) == parts


def test_a_word_with_an_unknown_part_is_not_split() -> None:
    assert split_compound("hauptbahnhof", {"haupt"}.__contains__) == ()
    assert split_compound("region", {"reg", "ion"}.__contains__) == ()  # too short to be a compound


def _themes_of_top(ix: Index, query: str, n: int = 5) -> list[tuple[str, ...]]:
    return [tuple(h.themes) for h in ix.search(query, limit=n).hits]


@pytest.mark.parametrize(("query", "theme"), [
    ("Clusterpolitik", "clusters"),                      # German compound
    ("klusteripolitiikka", "clusters"),                  # Finnish compound
    ("Strategieüberwachung", "monitoring-evaluation"),   # German compound with an umlaut
    ("Kohleregionen", "just-transition"),                # German: coal regions
    ("kolregioner", "just-transition"),                  # Swedish: coal regions
    ("strategijos stebėsena", "monitoring-evaluation"),  # Lithuanian
    ("spremljanje strategije", "monitoring-evaluation"),  # Slovenian
    ("suivi de la stratégie", "monitoring-evaluation"),  # French
    ("monitoraggio della strategia", "monitoring-evaluation"),  # Italian
    ("seguimiento de la estrategia", "monitoring-evaluation"),  # Spanish
])
def test_queries_in_the_pilot_languages_find_the_practices_of_their_theme(ix: Index, query: str,
                                                                         theme: str) -> None:
    tops = _themes_of_top(ix, query)
    assert len(tops) == 5 and all(theme in t for t in tops), (query, tops)


def test_reasons_name_what_was_typed_never_a_stem_or_a_folded_form(ix: Index) -> None:
    result = ix.search("Clusterpolitik Förderung", limit=5)
    why = " ".join(w for h in result.hits for w in h.why)
    assert '"Clusterpolitik"' in why and '"Förderung"' in why
    assert '"forderung"' not in why and "clusters (" not in why and "theme clusters" not in why
    assert "theme Clusters" in why


def test_a_region_named_in_the_query_ranks_its_practices_first(ix: Index) -> None:
    result = ix.search("Sachsen Industrie 4.0", limit=30)
    regions = [h.region for h in result.hits]
    saxony = regions.count("saxony")
    assert saxony >= 3 and regions[:saxony] == ["saxony"] * saxony
    assert len(set(regions)) > 1  # others are not excluded
    assert any("the region you named" in w and '"Sachsen"' in w for w in result.hits[0].why)


def test_nothing_found_suggests_words_of_the_index(ix: Index) -> None:
    result = ix.search("clustr0 governanse0", limit=5)
    assert result.total == 0
    assert any(n.startswith("nothing matched; did you mean:") and "cluster" in n for n in result.notes)


def test_an_unknown_practice_id_suggests_close_ids(ix: Index) -> None:
    with pytest.raises(NotFound, match="did you mean saxony-silicon-saxony-cluster"):
        ix.similar("saxony-silicon-saxony")


def test_similar_never_names_a_fragment_as_a_shared_word(ix: Index) -> None:
    result = ix.similar("saxony-innopraemie-innovation-voucher", limit=10)
    for hit in result.hits:
        for reason in hit.why:
            if reason.startswith("shares the word"):
                word = reason.split('"')[1]
                assert len(word) >= 3, reason


def test_excluded_words_work_from_the_shell(real_index: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["search", "-cluster", "governance", "--index", str(real_index), "--json", "--limit",
                              "50"])
    assert out.exit_code == 0, out.output
    import json

    hits = json.loads(out.output)["hits"]
    assert hits and not any("cluster" in (h["title"] + h["summary"]).lower() for h in hits)
    bad = runner.invoke(cli, ["search", "--limt", "5", "governance", "--index", str(real_index)])
    assert bad.exit_code == 2 and "no such option: --limt" in bad.output


def test_search_hits_export_as_csv_that_pandas_reads_back(real_index: Path) -> None:
    import io

    import pandas as pd

    out = CliRunner().invoke(cli, ["search", "Kohleregionen", "--format", "csv", "--limit", "5", "--index",
                                   str(real_index)])
    assert out.exit_code == 0, out.output
    frame = pd.read_csv(io.StringIO(out.output))
    assert list(frame["rank"]) == [1, 2, 3, 4, 5] and frame["rank"].dtype.kind == "i"
    assert frame["score"].dtype.kind == "f" and frame["themes"].str.contains("just-transition").all()
    empty = CliRunner().invoke(cli, ["search", "qqqxxzzz", "--format", "csv", "--index", str(real_index)])
    assert empty.exit_code == 0 and empty.output.startswith("rank,id,title")


def test_export_a_region_a_theme_or_a_search(real_index: Path) -> None:
    import io

    import pandas as pd

    runner = CliRunner()
    saxony = pd.read_csv(io.StringIO(runner.invoke(cli, ["export", "--region", "Sachsen"]).output))
    assert len(saxony) >= 5 and set(saxony["region"]) == {"saxony"} and saxony["summary"].str.len().min() > 40
    monitoring = pd.read_csv(io.StringIO(runner.invoke(cli, ["export", "--theme", "monitoring"]).output))
    assert (monitoring["theme_monitoring-evaluation"] == 1).all()
    found = runner.invoke(cli, ["export", "--query", "Kohleregionen", "--index", str(real_index)])
    coal = pd.read_csv(io.StringIO(found.output))
    assert 0 < len(coal) < len(monitoring) + 200 and (coal["theme_just-transition"] == 1).mean() > 0.5


def test_original_titles_are_stemmed_in_their_own_language() -> None:
    from kb.search.analyzer import native_analyzer
    from kb.search.languages import native_term, record_language

    terms = [t.text for t in native_analyzer()("de Förderung von Clustern")]
    assert terms[0] == "de:forder" and "de:clust" in terms
    assert native_term("de", "forderungen") == "de:forder"  # the same stem in any inflection
    assert native_term("sl", "spremljanje") == "sl:spremljanje"  # no Slovenian stemmer: folded only
    assert record_language(("DE",), ("DED2",)) == "de" and record_language(("BE",), ("BE31",)) == "fr"
    assert record_language(("BE",), ("BE21",)) == "nl" and record_language(("DE", "FR"), ()) == ""


def test_an_inflected_word_finds_the_original_title_it_stems_to(ix: Index) -> None:
    result = ix.search("Fachkräfteallianzen", limit=3)  # two letters from the title's word: no typo fix
    assert result.hits and result.hits[0].id == "hanover-fachkraefteallianz-skills-alliance"
    assert result.hits[0].why == ['"Fachkräfteallianzen" in original title']


def test_a_word_the_index_lacks_does_not_hide_the_common_words(ix: Index) -> None:
    assert ix.search("qqqzz governance").total == ix.search("governance").total > 0
