"""The Whoosh analyzer shared by the index and the query builder, so that a word is turned
into the same term on both sides: lower case, accents folded, British spellings mapped to
American ones, English stop words dropped, English stems."""

from __future__ import annotations

from functools import lru_cache

from whoosh.analysis import Filter, RegexTokenizer
from whoosh.lang import stemmer_for_language
from whoosh.lang.stopwords import stoplists

from kb.text import americanise, fold

STOP_LANGUAGES = ("en", "fr", "de", "es", "it", "sv", "fi")


@lru_cache(maxsize=200_000)
def normalise_word(word: str) -> str:
    """Return a lower-case word folded and American-spelled (cached: the same words recur)."""
    return americanise(word if word.isascii() else fold(word))


_EN_STOPS = frozenset(stoplists["en"])
_STEM = stemmer_for_language("en")


@lru_cache(maxsize=300_000)
def index_term(token: str) -> str:
    """Return the index term of one token as the tokenizer cut it ('' for a stop word):
    lower case, accents folded, American spelling, English stem."""
    word = normalise_word(token.lower())
    return "" if word in _EN_STOPS else _STEM(word)


class TermFilter(Filter):
    """Lower-case, fold, map spellings, drop English stop words and stem, in one cached step
    per token (the same as Whoosh's Lowercase, Stop and Stem filters in a row, at a fraction
    of the cost). Positions are renumbered over the words kept, as StopFilter does."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __call__(self, tokens):  # type: ignore[no-untyped-def]
        pos = None
        for t in tokens:
            term = index_term(t.text)
            if term:
                if t.positions:
                    pos = t.pos if pos is None else pos + 1
                    t.pos = pos
                t.text = term
                t.stopped = False
                yield t
            elif not t.removestops:
                t.stopped = True
                yield t


class NativeFilter(Filter):
    """The analysis of a record's original-language title: the field's text starts with the
    language's code ("de Förderung von Clustern"); every later word is folded and stemmed with
    that language's Snowball stemmer and indexed as "de:forder", so that a German query word
    meets a German title word in any inflection, and never a word of another language."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __call__(self, tokens):  # type: ignore[no-untyped-def]
        from kb.search.languages import native_term

        lang = None
        pos = -1
        for t in tokens:
            if lang is None:
                lang = t.text.lower()
                continue
            pos += 1
            t.text = native_term(lang, fold(t.text))
            if t.positions:
                t.pos = pos
            yield t


def native_analyzer():  # type: ignore[no-untyped-def]
    """Return the analyzer of the original-language title field (see NativeFilter)."""
    return RegexTokenizer() | NativeFilter()


def analyzer():  # type: ignore[no-untyped-def]
    """Return the analyzer of every text field."""
    return RegexTokenizer() | TermFilter()


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
