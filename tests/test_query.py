"""The query pipeline, step by step (kb/search/query.py, kb/text.py)."""

from __future__ import annotations

import pytest

from kb.search.query import correct, edits1, parse, recognise, tokenize
from kb.text import americanise, clean_query, fold, plain_text


def test_clean_query_drops_control_bidi_and_zero_width_characters() -> None:
    assert clean_query("moni\u200btoring\u202e gov\x00ernance\u2066") == "monitoring governance"
    assert clean_query("a\tb\nc") == "a b c"
    assert len(clean_query("x" * 5000)) == 1000


def test_fold_removes_accents_and_case() -> None:
    assert fold("Pôle de Compétitivité") == "pole de competitivite"
    assert fold("Itä-Suomi") == "ita-suomi"


@pytest.mark.parametrize(("british", "american"), [
    ("digitalisation", "digitalization"), ("organise", "organize"), ("specialised", "specialized"),
    ("centre", "center"), ("programme", "program"), ("labour", "labor"),
    ("enterprise", "enterprise"), ("expertise", "expertise"), ("wise", "wise"),
])
def test_americanise(british: str, american: str) -> None:
    assert americanise(british) == american


def test_tokenize_phrases_prefixes_and_exclusions() -> None:
    tokens = tokenize('"smart specialisation" -coal digit* regions')
    assert [(t.kind, t.words) for t in tokens] == [
        ("phrase", ("smart", "specialization")), ("exclude", ("coal",)), ("prefix", ("digit",)),
        ("word", ("regions",)),
    ]


@pytest.mark.parametrize("text", ['"unbalanced quote', "*", "title:", "AND OR NOT", "((()", "-", '""', "a*b*c",
                                  "field: value:", "'; DROP TABLE", "\\", "🙂 ✓"])
def test_tokenize_never_fails_on_odd_syntax(text: str) -> None:
    tokens = tokenize(clean_query(text))
    assert all(t.words for t in tokens)


def test_unknown_word_one_edit_away_is_corrected() -> None:
    lexicon = {"monitoring": 5, "governance": 3}
    tokens, fixes = correct(tokenize("monitorng govrenance"), lexicon)
    assert [t.words for t in tokens] == [("monitoring",), ("governance",)]
    assert fixes == [("monitorng", "monitoring"), ("govrenance", "governance")]


def test_known_short_and_foreign_synonym_words_are_left_alone() -> None:
    _tokens, fixes = correct(tokenize("suivi pilotage data"), {"monitoring": 1, "date": 1})
    assert fixes == []


def test_edits1_includes_transpositions() -> None:
    assert "monitoring" in edits1("mnoitoring")


@pytest.mark.parametrize(("query", "theme"), [
    ("suivi de la stratégie", "monitoring-evaluation"),
    ("Evaluierung der Innovationsstrategie", "monitoring-evaluation"),
    ("seguimiento", "monitoring-evaluation"),
    ("pôles de compétitivité", "clusters"),
    ("poles de competitivite", "clusters"),
    ("Digitalisierung", "digitisation"),
    ("digitalisation", "digitisation"),
    ("digitalization", "digitisation"),
    ("rättvis omställning", "just-transition"),
    ("ennakointi", "foresight"),
    ("pametna tovarna", "industry-4.0"),
    ("skaitmeninimas", "digitisation"),
    ("entrepreneurial discovery process", "entrepreneurial-discovery"),
])
def test_theme_names_in_any_pilot_language_are_recognised(query: str, theme: str) -> None:
    themes, _ = recognise(tokenize(clean_query(query)))
    assert theme in [m.slug for m in themes]


@pytest.mark.parametrize(("query", "region"), [
    ("Sachsen", "saxony"), ("Piedmont", "piemonte"), ("Piemonte", "piemonte"), ("Wallonie", "wallonia"),
    ("Itä- ja Pohjois-Suomi", "east-north-finland"), ("Lietuva", "lithuania"), ("Slovenija", "slovenia"),
    ("Greater Manchester", "greater-manchester"), ("Centre-Val de Loire", "centre-val-de-loire"),
    ("Norra Mellansverige", "norra-mellansverige"), ("Grand Est", "grand-est"), ("Cantabria", "cantabria"),
    ("Hauts-de-France", "hauts-de-france"), ("Silesia", "silesia"), ("coal phase-out in Silesia", "silesia"),
    ("Śląskie", "silesia"), ("Lower Silesia", "lower-silesia"), ("Attica", "attica"), ("Attiki", "attica"),
    ("Styria", "styria"), ("Steiermark", "styria"), ("Moravia-Silesia", "moravia-silesia"),
])
def test_region_names_common_and_native_are_recognised(query: str, region: str) -> None:
    _, regions = recognise(tokenize(clean_query(query)))
    assert [m.slug for m in regions] == [region]


def test_parse_drops_stop_words_of_every_pilot_language() -> None:
    pq = parse("how did the regions monitor their strategy")
    assert pq.words == ("regions", "monitor", "strategy")
    assert parse("la stratégie de la région").words == ("strategie", "region")


def test_parse_of_nothing_is_empty() -> None:
    for text in ("", "   ", "*", "\u202e\u200b", '"', "the and of"):
        assert parse(text).is_empty


def test_two_spellings_parse_to_the_same_query() -> None:
    a, b = parse("digitalisation of SMEs"), parse("digitalization of smes")
    assert (a.words, a.themes) == (b.words, b.themes)
    assert parse("pôle compétitivité").words == parse("pole competitivite").words


def test_plain_text_strips_markdown() -> None:
    assert plain_text("**Bold** and [a link](https://x.org)\n\n- item") == "Bold and a link\nitem"
