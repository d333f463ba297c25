"""The query pipeline: from what a policy officer types to a plain description of what to
look for. Pure steps, in order, each testable alone and none touching the index:

1. `clean_query`: drop invisible and control characters, cap the length;
2. `tokenize`: words, "quoted phrases", -excluded words and prefix* words, tolerant of any
   syntax slip (an unbalanced quote is just a character);
3. `correct`: a word the corpus does not know, one edit away from a word it knows, is read as
   that word (a one-letter typo);
4. `expand`: a word of the field in a pilot language also stands for its English word
   (`politiikka` -> policy), and a compound the index does not know is split into parts it does
   (`Clusterpolitik` -> cluster + politik);
5. `recognise`: names of themes (in any of the pilot languages) and regions (common and native
   names) found in the words;
6. drop stop words of the pilot languages.

`searching.py` turns the result into a Whoosh query.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from kb.reference.regions import region_name_phrases
from kb.reference.themes import synonym_phrases
from kb.search.analyzer import query_stopwords, stem
from kb.search.languages import knows, split_compound, translate
from kb.text import americanise, clean_query, words

MAX_TERMS = 64
MIN_CORRECTABLE = 5
_LETTERS = string.ascii_lowercase
_TOKEN = re.compile(r'"[^"]*"|\S+')


@dataclass(frozen=True)
class Token:
    """One unit of the query as typed: a word, a phrase (several words), a prefix or an exclusion."""

    text: str
    """As typed (for messages)."""
    words: tuple[str, ...]
    """Folded, American-spelled words."""
    kind: str = "word"
    """`word`, `phrase`, `prefix` or `exclude`."""


@dataclass(frozen=True)
class Match:
    """A theme or region recognised in the query, with the words that named it."""

    slug: str
    text: str


@dataclass(frozen=True)
class ParsedQuery:
    """What to look for, as the pipeline understood it."""

    text: str
    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    prefixes: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    themes: tuple[Match, ...] = ()
    regions: tuple[Match, ...] = ()
    corrections: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = field(default=())
    typed: tuple[tuple[str, str], ...] = ()
    """(word searched for, what the user typed that it came from): a reason names the latter."""

    def typed_as(self, word: str) -> str:
        """What the user typed that `word` came from (the word itself when it was typed as is)."""
        return dict(self.typed).get(word, word)

    @property
    def is_empty(self) -> bool:
        """True when nothing is left to match on: the search then lists everything filtered."""
        return not (self.words or self.phrases or self.prefixes or self.themes or self.regions)


def tokenize(text: str) -> list[Token]:
    """Split a cleaned query into tokens. Never fails: stray quotes, lone operators and
    punctuation are dropped, not reported."""
    tokens: list[Token] = []
    for raw in _TOKEN.findall(text):
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            found = tuple(americanise(w) for w in words(raw[1:-1]))
            if len(found) > 1:
                tokens.append(Token(raw, found, "phrase"))
            elif found:
                tokens.append(Token(raw, found))
            continue
        kind = "word"
        body = raw.strip('"')
        if body.startswith("-") and len(body) > 1:
            kind, body = "exclude", body[1:]
        elif body.endswith("*") and len(body.rstrip("*")) >= 2 and body.count("*") == 1:
            kind, body = "prefix", body[:-1]
        found = tuple(americanise(w) for w in words(body))
        if not found:
            continue
        if kind == "prefix" and len(found) == 1:
            tokens.append(Token(raw, found, "prefix"))
        elif kind == "exclude":
            tokens.extend(Token(raw, (w,), "exclude") for w in found)
        else:
            tokens.extend(Token(w if len(found) > 1 else raw, (w,)) for w in found)
    return tokens[:MAX_TERMS]


def edits1(word: str) -> set[str]:
    """Return every string one edit (delete, transpose, replace, insert) away from `word`."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _LETTERS]
    inserts = [a + c + b for a, b in splits for c in _LETTERS]
    return set(deletes + transposes + replaces + inserts)


@lru_cache(maxsize=1)
def vocabulary_words() -> frozenset[str]:
    """Words of theme and region names: never typos, and fair targets for a correction."""
    known: set[str] = set()
    for phrase in (*synonym_phrases(), *region_name_phrases()):
        known.update(phrase)
    return frozenset(americanise(w) for w in known)


def correct(tokens: list[Token], lexicon: Mapping[str, int]) -> tuple[list[Token], list[tuple[str, str]]]:
    """Return the tokens with unknown words replaced by the most frequent known word one edit
    away, and the (typed, read as) pairs."""
    known = vocabulary_words()
    stops = query_stopwords()
    out: list[Token] = []
    fixes: list[tuple[str, str]] = []
    for token in tokens:
        if token.kind not in ("word", "phrase"):
            out.append(token)
            continue
        fixed = []
        for w in token.words:
            if len(w) < MIN_CORRECTABLE or not w.isalpha() or w in lexicon or w in known or w in stops:
                fixed.append(w)
                continue
            candidates = [c for c in edits1(w) if (c in lexicon or c in known) and c not in stops]
            if candidates:
                best = max(candidates, key=lambda c: (lexicon.get(c, 0), c in known, c))
                fixes.append((w, best))
                fixed.append(best)
            else:
                fixed.append(w)
        out.append(Token(token.text, tuple(fixed), token.kind))
    return out, fixes


@dataclass(frozen=True)
class Expansion:
    """The tokens to search for, the same query read in English (for recognising theme names
    such as "coal regions" in Kohleregionen), and per word searched for, what was typed."""

    tokens: list[Token]
    english: list[Token]
    typed: dict[str, str]


def expand(tokens: list[Token], lexicon: Mapping[str, int]) -> Expansion:
    """Follow each word of a pilot language by its English words, and replace each compound
    the index does not know by its parts (and theirs)."""
    known = knows(lexicon, vocabulary_words())
    out: list[Token] = []
    english_reading: list[Token] = []
    typed: dict[str, str] = {}
    for token in tokens:
        if token.kind not in ("word", "exclude"):
            out.append(token)
            english_reading.append(token)
            continue
        found: list[str] = []
        reading: list[str] = []
        for w in token.words:
            english = translate(w)
            parts = (w,)
            if not english and w not in lexicon and w not in vocabulary_words():
                parts = split_compound(w, known) or (w,)
                if len(parts) > 1:
                    found.append(w)  # the compound itself may stand in an original-language title
            for part in parts:
                meaning = english if part == w else translate(part)
                found += [part, *meaning]
                reading.append(meaning[0] if meaning else part)
        said = token.text.lstrip("-") if len(token.words) == 1 else None
        for w in found:
            if (said and said != w) or w not in token.words:
                typed.setdefault(w, said or w)
        out.append(Token(token.text, tuple(dict.fromkeys(found)), token.kind))
        english_reading.extend(Token(token.text, (w,), token.kind) for w in reading)
    return Expansion(out, english_reading, typed)


def _stem_key(ws: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    stops = query_stopwords()
    return tuple(s for s in (stem(w) for w in ws if w not in stops) if s)


@lru_cache(maxsize=1)
def _stem_phrases() -> dict[tuple[str, ...], tuple[str, str]]:
    """Theme and region names as stem sequences -> (kind, slug)."""
    table: dict[tuple[str, ...], tuple[str, str]] = {}
    for phrase, slug in synonym_phrases().items():
        key = _stem_key([americanise(w) for w in phrase])
        if key:
            table.setdefault(key, ("theme", slug))
    for phrase, slug in region_name_phrases().items():
        key = _stem_key([americanise(w) for w in phrase])
        if key:
            table.setdefault(key, ("region", slug))
    return table


def recognise(tokens: list[Token]) -> tuple[list[Match], list[Match]]:
    """Return the themes and regions named in the word and phrase tokens (longest name first)."""
    table = _stem_phrases()
    longest = max((len(k) for k in table), default=1)
    stops = query_stopwords()
    seq: list[tuple[str, str]] = []  # (stem, original word)
    for token in tokens:
        if token.kind in ("word", "phrase"):
            seq.extend((s, w) for w in token.words if w not in stops for s in [stem(w)] if s)
    themes: dict[str, Match] = {}
    found_regions: dict[str, Match] = {}
    i = 0
    while i < len(seq):
        for n in range(min(longest, len(seq) - i), 0, -1):
            key = tuple(s for s, _ in seq[i:i + n])
            hit = table.get(key)
            if hit:
                kind, slug = hit
                text = " ".join(w for _, w in seq[i:i + n])
                target = themes if kind == "theme" else found_regions
                target.setdefault(slug, Match(slug, text))
                i += n
                break
        else:
            i += 1
    return list(themes.values()), list(found_regions.values())


def parse(text: str, lexicon: Mapping[str, int] | None = None) -> ParsedQuery:
    """Run the whole pipeline on what the user typed."""
    cleaned = clean_query(text)
    tokens = tokenize(cleaned)
    fixes: list[tuple[str, str]] = []
    typed: dict[str, str] = {}
    english: list[Token] = []
    if lexicon is not None:
        tokens, fixes = correct(tokens, lexicon)
        expansion = expand(tokens, lexicon)
        tokens, english, typed = expansion.tokens, expansion.english, expansion.typed
    themes, found_regions = recognise(tokens)
    if english:
        more_themes, more_regions = recognise(english)
        themes += [m for m in more_themes if m.slug not in {t.slug for t in themes}]
        found_regions += [m for m in more_regions if m.slug not in {r.slug for r in found_regions}]
    stops = query_stopwords()
    plain = tuple(dict.fromkeys(w for t in tokens if t.kind == "word" for w in t.words if w not in stops))
    phrases = tuple(t.words for t in tokens if t.kind == "phrase")
    prefixes = tuple(dict.fromkeys(t.words[0] for t in tokens if t.kind == "prefix"))
    excluded = tuple(dict.fromkeys(w for t in tokens if t.kind == "exclude" for w in t.words))
    notes = []
    if len(text) > len(cleaned) + 100:
        notes.append(f"the query was cut to its first {len(cleaned)} characters")
    return ParsedQuery(cleaned, plain, phrases, prefixes, excluded, tuple(themes), tuple(found_regions),
                       tuple(fixes), tuple(notes), tuple(typed.items()))

