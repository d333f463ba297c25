"""The Whoosh analyzer shared by the index and the query builder, so that a word is turned
into the same term on both sides: lower case, accents folded, British spellings mapped to
American ones, English stop words dropped, English stems."""

from __future__ import annotations

from functools import lru_cache

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang.stopwords import stoplists

from kb.text import americanise, fold

STOP_LANGUAGES = ("en", "fr", "de", "es", "it", "sv", "fi")


@lru_cache(maxsize=200_000)
def normalise_word(word: str) -> str:
    """Return a lower-case word folded and American-spelled (cached: the same words recur)."""
    return americanise(word if word.isascii() else fold(word))


class FoldFilter(Filter):
    """Fold accents and map British spellings, token by token."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __call__(self, tokens):  # type: ignore[no-untyped-def]
        for t in tokens:
            t.text = normalise_word(t.text)
            yield t


def analyzer():  # type: ignore[no-untyped-def]
    """Return the analyzer of every text field."""
    return (RegexTokenizer() | LowercaseFilter() | FoldFilter()
            | StopFilter(stoplist=stoplists["en"], minsize=1)
            | StemFilter(lang="en", cachesize=50000))


@lru_cache(maxsize=1)
def _analyzer():  # type: ignore[no-untyped-def]
    return analyzer()


def terms(text: str) -> list[str]:
    """Return the index terms of `text` in order (stop words removed)."""
    return [t.text for t in _analyzer()(text)]


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Return the index term of one word, or '' for a stop word (cached: words recur)."""
    out = terms(word)
    return out[0] if out else ""


@lru_cache(maxsize=1)
def query_stopwords() -> frozenset[str]:
    """Stop words of the pilot regions' main languages, folded: dropped from free-text queries."""
    words: set[str] = set()
    for lang in STOP_LANGUAGES:
        words.update(fold(w) for w in stoplists[lang])
    return frozenset(words)
