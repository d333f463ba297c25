"""The theme vocabulary (kb/reference/themes.py, kb/data/themes.yaml)."""

from __future__ import annotations

import pytest

from kb.errors import UnknownName
from kb.reference.themes import LANGUAGES, resolve_theme, themes

DESIGN_THEMES = [
    "governance", "monitoring-evaluation", "entrepreneurial-discovery", "clusters", "digitisation",
    "industry-4.0", "skills", "sme-support", "innovation-funding", "interregional-cooperation",
    "just-transition", "green-transition", "university-industry", "foresight",
]


def test_the_vocabulary_is_the_designed_one() -> None:
    assert list(themes()) == DESIGN_THEMES


@pytest.mark.parametrize("slug", DESIGN_THEMES)
def test_every_theme_has_label_definition_and_synonyms_in_every_language(slug: str) -> None:
    theme = themes()[slug]
    assert theme.label and len(theme.definition) > 20
    for lang in LANGUAGES:
        assert theme.synonyms[lang], f"{slug} has no {lang} synonyms"


@pytest.mark.parametrize(("value", "slug"), [
    ("governance", "governance"), ("Monitoring and evaluation", "monitoring-evaluation"),
    ("évaluation", "monitoring-evaluation"), ("Digitalisierung", "digitisation"), ("prospective", "foresight"),
    ("INDUSTRY 4.0", "industry-4.0"),
])
def test_resolve_theme(value: str, slug: str) -> None:
    assert resolve_theme(value) == slug


def test_unknown_theme_lists_valid_slugs() -> None:
    with pytest.raises(UnknownName) as err:
        resolve_theme("governence")
    assert err.value.suggestions == ["governance"]
    assert err.value.valid == DESIGN_THEMES
