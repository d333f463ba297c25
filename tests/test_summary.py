"""The practice summary shared by search hits, reports and packs (kb/corpus/summary.py)."""

from __future__ import annotations

from pathlib import Path

from conftest import GOOD
from kb.corpus.records import load_corpus
from kb.corpus.summary import PracticeSummary
from kb.search.build import read_documents
from kb.search.index import Index


def test_documents_hold_real_lists_equal_to_the_records(fixture_index: Path) -> None:
    practices = load_corpus(GOOD).by_id()
    _, documents = read_documents(fixture_index)
    assert [d.id for d in documents] == sorted(practices)
    for doc in documents:
        p = practices[doc.id]
        assert (doc.themes, doc.regions, doc.countries, doc.instruments) == (p.themes, p.regions, p.countries,
                                                                              p.instruments)
        assert doc.sources == p.sources and doc.url == p.url


def test_whoosh_stored_fields_and_documents_json_give_the_same_summary(fixture_index: Path) -> None:
    _, from_json = read_documents(fixture_index)
    with Index(fixture_index) as ix:
        assert ix.documents() == from_json


def test_comma_strings_and_lists_read_alike() -> None:
    base = {"id": "x", "title": "T", "region": "saxony", "verification": "verified", "evidence": "outputs",
            "sources": [{"url": "https://example.org/", "title": "S"}]}
    a = PracticeSummary.from_stored({**base, "themes": "skills,clusters", "regions": "saxony", "country": "DE"})
    b = PracticeSummary.from_stored({**base, "themes": ["skills", "clusters"], "regions": ["saxony"],
                                     "countries": ["DE"]})
    assert a == b and a.themes == ("skills", "clusters")
    assert PracticeSummary.from_stored(a.to_stored()) == a
