"""The pilot regions' languages in search: Snowball stemmers per language, the field's words
in each language mapped to the English the corpus is written in (kb/data/query_words.yaml and
the theme synonyms), and compound splitting (Clusterpolitik -> cluster + politik) against what
the index and the vocabulary know.

Slovenian has no Snowball stemmer: its words match exactly, after accent folding, through the
vocabulary; the others are compared stem to stem in their own language."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache, lru_cache

import snowballstemmer

from kb.reference.data import load_yaml
from kb.text import americanise, words

LANGUAGES = ("de", "fr", "it", "es", "sv", "fi", "lt", "sl")
SNOWBALL = {"en": "english", "de": "german", "fr": "french", "it": "italian", "es": "spanish", "sv": "swedish",
            "fi": "finnish", "lt": "lithuanian", "nl": "dutch", "pt": "portuguese", "da": "danish",
            "no": "norwegian", "hu": "hungarian", "ro": "romanian", "cs": "czech", "pl": "polish", "el": "greek",
            "et": "estonian"}
"""The Snowball algorithm of each language that has one (Slovenian, Slovak, Croatian, Latvian,
Bulgarian and a few others have none: their words are only folded)."""
LINKS = ("", "s", "es", "n", "en", "e", "er")
"""Linking elements a German or Swedish compound may put after its first part (Kohle-n-, Strategie-)."""
MIN_PART = 3
MIN_COMPOUND = 7
MIN_STEM = 4


@cache
def stemmer(lang: str) -> Callable[[str], str] | None:
    """The Snowball stemmer of `lang` as a function of a folded word, or None (Slovenian)."""
    name = SNOWBALL.get(lang)
    if name is None:
        return None
    algorithm = snowballstemmer.stemmer(name)
    return lru_cache(maxsize=50_000)(algorithm.stemWord)


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, tuple[str, ...]], dict[tuple[str, str], tuple[str, ...]]]:
    """(folded word -> English words, (language, stem) -> English words) of query_words.yaml."""
    exact: dict[str, list[str]] = {}
    stems: dict[tuple[str, str], list[str]] = {}
    for row in load_yaml("query_words.yaml"):
        english = [americanise(w) for w in words(str(row["en"]))]
        if len(english) != 1:
            continue  # a multi-word English term is reached through its single-word entries
        for lang in LANGUAGES:
            for entry in row.get(lang) or []:
                folded = words(str(entry))
                if len(folded) != 1:
                    continue
                word = folded[0]
                exact.setdefault(word, []).extend(english)
                stem = stemmer(lang)
                if stem is not None and len(stem(word)) >= MIN_STEM:
                    stems.setdefault((lang, stem(word)), []).extend(english)
    return ({k: tuple(dict.fromkeys(v)) for k, v in exact.items()},
            {k: tuple(dict.fromkeys(v)) for k, v in stems.items()})


def translate(word: str) -> tuple[str, ...]:
    """The English words a folded query word stands for in a pilot language ('' when none):
    the word itself as listed, else the same stem in one of the languages."""
    exact, stems = _tables()
    if word in exact:
        return tuple(w for w in exact[word] if w != word)
    found: list[str] = []
    for lang in LANGUAGES:
        stem = stemmer(lang)
        if stem is not None and len(word) >= MIN_STEM:
            found.extend(stems.get((lang, stem(word)), ()))
    return tuple(w for w in dict.fromkeys(found) if w != word)


def split_compound(word: str, known: Callable[[str], bool]) -> tuple[str, ...]:
    """The parts of a compound whose parts are each known (`known(part)`), longest parts
    preferred; () when `word` is not such a compound. Two parts, the second of which may
    itself be split once (Strategieüberwachungssystem)."""
    if len(word) < MIN_COMPOUND or not word.isalpha():
        return ()
    best: tuple[str, ...] = ()
    best_key = (0, 0)
    for i in range(MIN_PART, len(word) - MIN_PART + 1):
        head, tail = word[:i], word[i:]
        for link in LINKS:
            if link and not head.endswith(link):
                continue
            part = head[: len(head) - len(link)] if link else head
            if len(part) < MIN_PART or not known(part):
                continue
            rest: tuple[str, ...] = (tail,) if known(tail) else ()
            if not rest and len(tail) >= MIN_COMPOUND:
                rest = split_compound(tail, lambda w: known(w) and len(w) >= MIN_PART)
                rest = rest if len(rest) == 2 else ()
            if rest:
                parts = (part, *rest)
                key = (-len(parts), min(len(p) for p in parts))
                if key > best_key or not best:
                    best, best_key = parts, key
    return best


def knows(lexicon: Mapping[str, int], vocabulary: frozenset[str]) -> Callable[[str], bool]:
    """A test of whether a part of a compound is a word: in the index, the theme and region
    vocabulary, or this vocabulary in any pilot language."""
    def known(part: str) -> bool:
        return part in lexicon or part in vocabulary or bool(translate(part)) or part in _tables()[0]
    return known


def record_language(countries: tuple[str, ...], nuts: tuple[str, ...]) -> str:
    """The language a record's original title is most likely in: its country's (countries.yaml),
    or a part's of that country (Flanders is Dutch-speaking); "" when unknown or several."""
    from kb.reference.regions import countries as country_table

    found = set()
    for code in countries:
        row = country_table().get(code, {})
        by_part = row.get("languages_by_nuts") or {}
        parts = {lang for prefix, lang in by_part.items() for n in nuts if n.startswith(prefix)}
        found |= parts or {row.get("language") or ""}
    found.discard("")
    return found.pop() if len(found) == 1 else ""


def native_term(lang: str, word: str) -> str:
    """The native-field term of a folded word in `lang`: "de:forder" (stemmed) or "sl:spremljanje"."""
    stem = stemmer(lang)
    return f"{lang}:{stem(word) if stem else word}"
