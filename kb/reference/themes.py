"""The controlled vocabulary of themes (kb/data/themes.yaml): labels, definitions and the
multilingual synonyms that search expands queries with."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache

from kb.errors import UnknownName
from kb.reference.data import load_yaml
from kb.text import fold

LANGUAGES = ("en", "fr", "sv", "it", "de", "es", "fi", "lt", "sl")


@dataclass(frozen=True)
class Theme:
    slug: str
    label: str
    definition: str
    synonyms: dict[str, tuple[str, ...]]

    def all_names(self) -> tuple[str, ...]:
        """Return the slug, label and every synonym, in no particular language order."""
        names = [self.slug, self.slug.replace("-", " "), self.label]
        for terms in self.synonyms.values():
            names.extend(terms)
        return tuple(names)


@lru_cache(maxsize=1)
def themes() -> dict[str, Theme]:
    """Return every theme by slug, in the vocabulary's order."""
    out = {}
    for row in load_yaml("themes.yaml"):
        syn = {lang: tuple(str(t) for t in row["synonyms"].get(lang, ())) for lang in LANGUAGES}
        out[row["slug"]] = Theme(row["slug"], row["label"], row["definition"], syn)
    return out


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    index: dict[str, str] = {}
    for theme in themes().values():
        for name in theme.all_names():
            index.setdefault(fold(name), theme.slug)
    return index


def resolve_theme(value: str) -> str:
    """Return the slug of the theme named `value` (slug, label or any synonym, any case or
    accents); raise UnknownName listing the valid slugs otherwise."""
    key = fold(value.strip())
    if key in _names():
        return _names()[key]
    valid = list(themes())
    close = difflib.get_close_matches(key, list(_names()), n=3, cutoff=0.75)
    suggestions = list(dict.fromkeys(_names()[c] for c in close))
    raise UnknownName("theme", value, suggestions, valid)


def synonym_phrases() -> dict[tuple[str, ...], str]:
    """Return every theme name as a tuple of folded words, mapped to its theme slug."""
    from kb.text import words

    out: dict[tuple[str, ...], str] = {}
    for name, slug in _names().items():
        key = tuple(words(name))
        if key:
            out.setdefault(key, slug)
    return out
