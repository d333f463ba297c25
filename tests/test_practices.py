"""The real corpus in practices/: every record validates, and the corpus meets its targets."""

from __future__ import annotations

from collections import Counter

import pytest

from conftest import REAL_PRACTICES
from kb.corpus.records import load_corpus, validate
from kb.reference.regions import PILOT_REGIONS
from kb.reference.themes import themes


@pytest.fixture(scope="module")
def corpus():  # type: ignore[no-untyped-def]
    return load_corpus(REAL_PRACTICES)


def test_every_record_validates() -> None:
    assert [str(p) for p in validate(REAL_PRACTICES)] == []


def test_corpus_covers_every_pilot_region_and_theme(corpus) -> None:  # type: ignore[no-untyped-def]
    assert len(corpus.practices) >= 72
    per_region = Counter(p.region for p in corpus.practices)
    assert {r: per_region[r] for r in PILOT_REGIONS if per_region[r] < 5} == {}
    per_theme = Counter(t for p in corpus.practices for t in p.themes)
    assert {t: per_theme[t] for t in themes() if per_theme[t] < 3} == {}
    assert per_theme["governance"] >= 15 and per_theme["monitoring-evaluation"] >= 15


def test_unchecked_facts_are_never_marked_verified(corpus) -> None:  # type: ignore[no-untyped-def]
    assert [p.id for p in corpus.practices if p.unchecked and p.verification == "verified"] == []
