"""Running searches on an open index: ranked hits with highlights, the reasons each hit
matched, and facet counts per region, theme and country."""

from __future__ import annotations

import difflib
import functools
import html
import os
import pickle
import re
import struct
import threading
import zlib
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.query import And, AndMaybe, AndNot, Every, NullQuery, NumericRange, Or, Phrase, Prefix, Query, Term
from whoosh.reading import TermNotFound

from kb.corpus.summary import PracticeSummary
from kb.errors import IndexDamaged, IndexOutdated, NotFound, UsageError
from kb.reference.regions import regions, resolve_country, resolve_region
from kb.reference.themes import resolve_theme, themes
from kb.search.analyzer import stem, terms
from kb.search.build import SCHEMA_VERSION, IndexInfo, check_sound, read_lexicon, read_stamp, resolve
from kb.search.languages import native_term
from kb.search.query import ParsedQuery, parse
from kb.text import fold

# What Whoosh raises when it reads a damaged file: turned into IndexDamaged, never a traceback.
_DAMAGE = (EOFError, OSError, struct.error, zlib.error, pickle.UnpicklingError, UnicodeDecodeError, MemoryError)


def _guarded(method: Any) -> Any:
    """Report a read that fails on damaged index files as IndexDamaged (one line, exit 1)."""

    @functools.wraps(method)
    def wrapper(self: Index, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except _DAMAGE as exc:
            raise IndexDamaged(str(self.path), f"{type(exc).__name__} while reading it") from exc

    return wrapper


TEXT_FIELDS = ("title", "body", "original_title")
FACETS = {"region": "regions", "theme": "themes", "country": "country"}
THEME_BOOST = 4.0
REGION_BOOST = 2.0
LABEL_BOOST = 0.5
COMMON_SHARE = 0.4
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Filters:
    """Restrictions on the hits, already checked against the reference data."""

    region: str | None = None
    theme: str | None = None
    country: str | None = None
    year_from: int | None = None

    def describe(self) -> list[str]:
        return [f"{k.replace('_', '-')}={v}" for k, v in asdict(self).items() if v is not None]


@dataclass(frozen=True)
class Hit:
    """One practice found, with why it was found."""

    id: str
    title: str
    region: str
    region_name: str
    country: list[str]
    themes: list[str]
    score: float
    highlights: list[str]
    """Fragments of the record as HTML: the text is escaped, matches are wrapped in <mark>."""
    url: str
    why: list[str]
    summary: str
    original_title: str | None
    lead_organisation: str
    start_year: int | None
    verification: str
    evidence: str
    sources: list[dict[str, str]]
    path: str
    ratings: dict[str, float] | None = None
    """Workshop ratings when any exist: {"regions": how many rated it, "mean": mean score}."""


@dataclass(frozen=True)
class SearchResult:
    """What `search` returns: the hits in rank order and the facet counts over every match."""

    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    filters: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    index: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def with_ratings(self, summary: dict[str, dict[str, float]]) -> SearchResult:
        """Return the result with each rated hit carrying its workshop ratings."""
        if not summary:
            return self
        hits = [replace(h, ratings=summary[h.id]) if h.id in summary else h for h in self.hits]
        return replace(self, hits=hits)


def make_filters(region: str | None = None, theme: str | None = None, country: str | None = None,
                 year_from: int | str | None = None) -> Filters:
    """Check filter values against the reference data; raise UnknownName/UsageError naming
    the bad value and the valid ones."""
    year = None
    if year_from is not None and year_from != "":
        try:
            year = int(year_from)
        except (TypeError, ValueError):
            raise UsageError(f"year-from must be a year such as 2015, not {year_from!r}") from None
        if not 1900 <= year <= 2100:
            raise UsageError(f"year-from {year} is not a plausible year (1900-2100)")
    return Filters(
        region=resolve_region(region).slug if region else None,
        theme=resolve_theme(theme) if theme else None,
        country=resolve_country(country) if country else None,
        year_from=year,
    )


def check_limit(limit: int) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise UsageError(f"limit must be a whole number from 1 to {MAX_LIMIT}, not {limit!r}")
    return min(limit, MAX_LIMIT)


_TOKEN = re.compile(r"\w+(?:[.'’]\w+)*", re.UNICODE)


def _said(pq: ParsedQuery, text: str) -> str:
    """The words of the query as the user typed them, for a match found on `text` (folded words)."""
    parts = text.split()
    typed = [pq.typed_as(w) for w in parts]
    originals = {w.lower(): w for w in pq.text.split()}
    return " ".join(dict.fromkeys(originals.get(t.lower(), originals.get(w, t)) if t == w else t
                                  for w, t in zip(parts, typed, strict=True)))


def suggestions(word: str, lexicon: dict[str, int], n: int = 3) -> list[str]:
    """Words of the index close to a word that found nothing, most frequent first."""
    close = difflib.get_close_matches(word, list(lexicon), n=8, cutoff=0.75)
    return sorted(close, key=lambda w: (-lexicon[w], w))[:n]


def snippet(text: str, wanted: set[str], width: int = 240) -> str | None:
    """Return the window of `text` (about `width` characters, cut at word boundaries) holding
    the most words whose index term is in `wanted`, as HTML: escaped, matches in <mark>.
    None when no word matches. Cheaper than re-running the index analyzer over the record."""
    starts = {w[:4] for w in wanted}  # a word's stem starts as the word does: stem only the candidates
    spans = [(m.start(), m.end()) for m in _TOKEN.finditer(text)
             if fold(m.group()[:6].lower())[:4] in starts and stem(m.group().lower()) in wanted]
    if not spans:
        return None
    best, best_count = 0, 0
    j = 0
    for i, (start, _) in enumerate(spans):
        while j < len(spans) and spans[j][1] - start <= width:
            j += 1
        if j - i > best_count:
            best, best_count = i, j - i
    first = spans[best][0]
    lo = max(0, first - 70)
    lo = text.rfind(" ", 0, lo) + 1 if lo else 0
    hi = min(len(text), lo + width + 70)
    if hi < len(text):
        cut = text.rfind(" ", lo, hi)
        hi = cut if cut > lo else hi
    out, pos = [], lo
    for start, end in spans:
        if start < lo or end > hi:
            continue
        out.append(html.escape(text[pos:start]))
        out.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        pos = end
    out.append(html.escape(text[pos:hi]))
    return ("… " if lo else "") + "".join(out).strip() + (" …" if hi < len(text) else "")


def _surface_words(text: str) -> dict[str, str]:
    """Per index term of `text`, the first word of at least three letters that gives it."""
    out: dict[str, str] = {}
    for m in _TOKEN.finditer(text):
        word = m.group()
        if len(word) >= 3 and not word.isdigit():
            out.setdefault(stem(word.lower()), word)
    return out


class Index:
    """An open index: one per notebook or report; thread-safe for reading."""

    def __init__(self, index_dir: Path | str = "build/index"):
        self.path = Path(index_dir)
        self.generation = resolve(self.path)
        self.info: IndexInfo = read_stamp(self.path)
        if self.info.schema_version != SCHEMA_VERSION:
            raise IndexOutdated(str(self.path), self.info.schema_version)
        check_sound(self.path)
        try:
            self._ix = whoosh_index.open_dir(str(self.generation))
            self.lexicon: dict[str, int] = read_lexicon(self.generation)
            self._searcher = self._ix.searcher()
            self.native_languages = self._native_languages()
        except (*_DAMAGE, ValueError, KeyError, TypeError, IndexError, whoosh_index.IndexError) as exc:
            raise IndexDamaged(str(self.path), f"{type(exc).__name__} while opening it") from exc
        self._lock = threading.Lock()
        self._documents: list[PracticeSummary] | None = None
        self._facets: dict[int, tuple[tuple[str, ...], ...]] | None = None

    def _native_languages(self) -> tuple[str, ...]:
        """The languages of the original-language titles in the index (their terms' prefixes)."""
        found: set[str] = set()
        for term in self._searcher.reader().lexicon("native"):
            text = term.decode() if isinstance(term, bytes) else term
            found.add(text.split(":", 1)[0])
        return tuple(sorted(found))

    def close(self) -> None:
        self._searcher.close()
        self._ix.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def is_current(self) -> bool:
        """False when a newer build has been swapped in since this index was opened."""
        return os.path.realpath(self.path) == str(self.generation)

    @property
    def doc_count(self) -> int:
        return self._searcher.doc_count()

    # --- queries --------------------------------------------------------------------------

    def _build(self, pq: ParsedQuery) -> tuple[Query | None, dict[tuple[str, str], str]]:
        """Return the Whoosh query for a parsed query and, per (field, term), the reason to
        give when a hit matches that term.

        Words found in more than COMMON_SHARE of the practices ("region", "strategy") only
        add to the score of practices that match something rarer: they rank, they do not
        select. That keeps a long question from scoring the whole corpus."""
        origins: dict[tuple[str, str], str] = {}
        rare: list[Query] = []
        common: list[Query] = []
        n_docs = max(1, self._searcher.doc_count())

        def is_common(t: str) -> bool:
            return n_docs >= 50 and self._searcher.doc_frequency("body", t) > COMMON_SHARE * n_docs

        def text_terms(word: str, reason: str, native: bool = True) -> None:
            t = stem(word)
            if not t:
                return
            # Only terms the index holds: a word it does not know must not make the query
            # require a match that cannot happen (then its common words select, not just rank).
            present = [f for f in TEXT_FIELDS if self._searcher.doc_frequency(f, t)]
            for f in present:
                origins.setdefault((f, t), reason)
            (common if is_common(t) else rare).extend(Term(f, t) for f in present)
            for lang in self.native_languages if native else ():  # original titles, in their own language
                nt = native_term(lang, word)
                if self._searcher.doc_frequency("native", nt):
                    origins.setdefault(("native", nt), reason)
                    rare.append(Term("native", nt))

        fixed = dict((b, a) for a, b in pq.corrections)
        for w in pq.words:
            said = pq.typed_as(w)
            if w in fixed:
                reason = f'"{said}" read as "{w}"'
            elif said.lower() == w or fold(said) == w:
                reason = f'"{said}"'
            else:
                reason = f'"{said}" (as "{w}")'
            # A word as typed is also looked for in original-language titles; a translation or a
            # part of a compound is not ("regioner" of kolregioner is no Swedish title's subject).
            text_terms(w, reason, native=fold(said) == w)
        for phrase in pq.phrases:
            seq = [t for t in (stem(w) for w in phrase) if t]
            if len(seq) > 1:
                label = " ".join(phrase)
                for f in ("title", "body"):
                    for t in seq:
                        origins.setdefault((f, t), f'phrase "{label}"')
                rare.extend([Phrase("title", seq, boost=2.0), Phrase("body", seq)])
            elif seq:
                text_terms(phrase[0], f'"{phrase[0]}"')
        for p in pq.prefixes:
            for f in ("title", "body"):
                origins.setdefault((f, "*" + p), f'"{p}*"')
            rare.extend([Prefix("title", p), Prefix("body", p)])
        all_themes = themes()
        for m in pq.themes:
            reason = f'theme {all_themes[m.slug].label} (from "{_said(pq, m.text)}")'
            origins[("themes", m.slug)] = reason
            rare.append(Term("themes", m.slug, boost=THEME_BOOST))
            for t in terms(all_themes[m.slug].label):
                for f in ("title", "body"):
                    origins.setdefault((f, t), reason)
                common.extend([Term("title", t, boost=LABEL_BOOST), Term("body", t, boost=LABEL_BOOST)])
        known = regions()
        for m in pq.regions:
            name = known[m.slug].name if m.slug in known else m.slug
            origins[("regions", m.slug)] = f'a practice of {name}, the region you named ("{_said(pq, m.text)}")'
            rare.append(Term("regions", m.slug, boost=REGION_BOOST))
        selecting = rare or common
        query: Query | None = Or(selecting) if selecting else None
        if rare and common:
            query = AndMaybe(Or(rare), Or(common))
        excluded = [Term(f, t) for w in pq.excluded for t in [stem(w)] if t for f in TEXT_FIELDS]
        if excluded:
            query = AndNot(query or Every(), Or(excluded))
        return query, origins

    def _filter(self, filters: Filters) -> Query | None:
        parts: list[Query] = []
        if filters.region:
            parts.append(Term("regions", filters.region))
        if filters.theme:
            parts.append(Term("themes", filters.theme))
        if filters.country:
            parts.append(Term("country", filters.country))
        if filters.year_from is not None:
            parts.append(NumericRange("start_year", filters.year_from, None))
        return And(parts) if parts else None

    @_guarded
    def search(self, text: str, filters: Filters | None = None, limit: int = 10,
               highlights: bool = True) -> SearchResult:
        """Return the practices matching `text` under `filters`, best first."""
        limit = check_limit(limit)
        filters = filters or Filters()
        pq = parse(text, self.lexicon)
        query, origins = self._build(pq)
        notes = list(pq.notes)
        if query is None and pq.is_empty:
            query = Every()
            notes.append("no search words: listing every practice that the filters allow")
        elif query is None:
            query = NullQuery  # words, none of which the index holds: nothing matches
        result = self._run(pq.text, query, origins, filters, limit, highlights, notes,
                           [f'"{a}" read as "{b}"' for a, b in pq.corrections],
                           prefer=frozenset(m.slug for m in pq.regions))
        if result.total == 0:
            ideas = [x for w in pq.words if w not in self.lexicon for x in suggestions(w, self.lexicon)]
            if ideas:
                result.notes.append("nothing matched; did you mean: " + ", ".join(dict.fromkeys(ideas)) + "?")
        return result

    @_guarded
    def similar(self, practice_id: str, limit: int = 5, filters: Filters | None = None) -> SearchResult:
        """Return the practices most like `practice_id` (shared key terms and themes)."""
        limit = check_limit(limit)
        docnum = self._searcher.document_number(id=practice_id)
        if docnum is None:
            ids = [d.id for d in self.documents()]
            close = difflib.get_close_matches(practice_id, ids, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise NotFound(f"no practice with id {practice_id!r} in the index{hint}")
        doc = self._searcher.stored_fields(docnum)
        text = f"{doc['title']}\n{doc['body']}"
        key_terms = self._searcher.key_terms_from_text("body", text, numterms=18)
        surface = _surface_words(text)
        origins: dict[tuple[str, str], str] = {}
        clauses: list[Query] = []
        for t, weight in key_terms:
            if t not in surface:
                continue  # a fragment such as the "d" of "R&D": it ranks nothing a reader would name
            for f in ("title", "body"):
                origins[(f, t)] = f'shares the word "{surface[t]}"'
            clauses.append(Or([Term("title", t, boost=weight), Term("body", t, boost=weight)]))
        all_themes = themes()
        for slug in PracticeSummary.from_stored(doc).themes:
            label = all_themes[slug].label if slug in all_themes else slug
            origins[("themes", slug)] = f"shares the theme {label}"
            clauses.append(Term("themes", slug, boost=THEME_BOOST))
        query = AndNot(Or(clauses), Term("id", practice_id)) if clauses else Every()
        return self._run(f"similar:{practice_id}", query, origins, filters or Filters(), limit, False, [], [])

    @_guarded
    def documents(self) -> list[PracticeSummary]:
        """Return the summary of every practice, sorted by id (read once per open index)."""
        if self._documents is None:
            with self._lock:
                self._documents = sorted((PracticeSummary.from_stored(d) for d in self._searcher.all_stored_fields()),
                                         key=lambda d: d.id)
        return self._documents

    def _run(self, text: str, query: Query, origins: dict[tuple[str, str], str], filters: Filters,
             limit: int, with_highlights: bool, notes: list[str], corrections: list[str],
             prefer: frozenset[str] = frozenset()) -> SearchResult:
        with self._lock:
            allowed = self._filter(filters)
            # One scoring pass over every match (cheaper here than Whoosh's top-N pass plus a
            # second, unscored pass); the facets count every match against facet values read
            # once per open index.
            results = self._searcher.search(query, limit=None, filter=allowed)
            ranked = [(float(score or 0.0), docnum) for score, docnum in results.top_n]
            if prefer:
                # A region named in the query ranks its practices first, without excluding others.
                values = self._facet_values()
                ranked.sort(key=lambda sd: not prefer & set(values.get(sd[1], ((),))[0]))
            shown = ranked[:limit]
            docnums = [d for _, d in ranked]
            matched = self._matched_terms([d for _, d in shown], origins)
            hits = [self._hit(d, score, origins, filters, with_highlights, corrections, matched.get(d, set()))
                    for score, d in shown]
            counts = self._facet_counts(docnums)
            total = len(docnums)
        return SearchResult(query=text, total=total, hits=hits, facets=counts,
                            filters={k: v for k, v in asdict(filters).items() if v is not None},
                            notes=notes, index={"build_id": self.info.build_id,
                                                "corpus_hash": self.info.corpus_hash})

    def _facet_values(self) -> dict[int, tuple[tuple[str, ...], ...]]:
        """Return, per document number, its values of each facet (read once per open index)."""
        if self._facets is None:
            table = {}
            for docnum, stored in self._searcher.reader().iter_docs():
                table[docnum] = tuple(tuple(v for v in str(stored.get(field, "")).split(",") if v)
                                      for field in FACETS.values())
            self._facets = table
        return self._facets

    def _facet_counts(self, docnums: list[int]) -> dict[str, dict[str, int]]:
        values = self._facet_values()
        counters: list[Counter[str]] = [Counter() for _ in FACETS]
        for d in docnums:
            for counter, vals in zip(counters, values.get(d, ()), strict=False):
                counter.update(vals)
        out = {name: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) for name, c in zip(FACETS, counters,
                                                                                                strict=True)}
        out["country"] = {k.upper(): v for k, v in out["country"].items()}
        return out

    def _matched_terms(self, docnums: list[int], origins: dict[tuple[str, str], str]) -> dict[int, set]:
        """Return, for each shown hit, the (field, term) pairs of the query it contains: read
        from the postings of those few documents, not by tracking terms over every match."""
        reader = self._searcher.reader()
        wanted = sorted(set(docnums))
        found: dict[int, set[tuple[str, str]]] = defaultdict(set)
        for fieldname, text in origins:
            if text.startswith("*"):
                candidates = [(fieldname, t.decode() if isinstance(t, bytes) else t, text)
                              for t in list(reader.expand_prefix(fieldname, text[1:]))[:50]]
            else:
                candidates = [(fieldname, text, text)]
            for f, term, key in candidates:
                try:
                    postings = reader.postings(f, term)
                except TermNotFound:
                    continue
                for d in wanted:
                    if not postings.is_active():
                        break
                    postings.skip_to(d)
                    if postings.is_active() and postings.id() == d:
                        found[d].add((f, key))
        return found

    def _hit(self, docnum: int, score: float, origins: dict[tuple[str, str], str], filters: Filters,
             with_highlights: bool, corrections: list[str], matched: set[tuple[str, str]]) -> Hit:
        doc = self._searcher.stored_fields(docnum)
        why: dict[str, set[str]] = defaultdict(set)
        for fieldname, key in matched:
            reason = origins.get((fieldname, key))
            if reason:
                why[reason].add(fieldname)
        reasons = []
        for reason, fields in sorted(why.items()):
            where = sorted({"original title" if f == "native" else f.replace("_", " ") for f in fields
                            if f not in ("themes", "regions")})
            reasons.append(f"{reason} in {', '.join(where)}" if where else reason)
        reasons += [f"filter {f}" for f in filters.describe()]
        snippets: list[str] = []
        if with_highlights:
            wanted = {key for f, key in matched if f in ("title", "body") and not key.startswith("*")}
            for f in ("body", "title"):
                frag = snippet(doc.get(f) or "", wanted) if wanted else None
                if frag:
                    snippets.append(frag)
                    break
        practice = PracticeSummary.from_stored(doc)
        known = regions()
        return Hit(
            id=practice.id, title=practice.title, region=practice.region,
            region_name=known[practice.region].name if practice.region in known else practice.region,
            country=[c.upper() for c in practice.countries], themes=list(practice.themes),
            score=round(score, 4), highlights=snippets, url=practice.url, why=reasons,
            summary=practice.summary, original_title=practice.original_title,
            lead_organisation=practice.lead_organisation, start_year=practice.start_year,
            verification=practice.verification, evidence=practice.evidence,
            sources=[{"url": s.url, "title": s.title} for s in practice.sources], path=practice.path,
        )
