"""A facilitator's printable pack for one peer-learning session: a card per practice, a timed
peer-review agenda, and a matchmaking shortlist (pairs of regions where one has a practice
answering the other's weakest indicators). Plain data here; the page is kb/templates/html/pack.j2."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.corpus.summary import PracticeSummary
from kb.errors import MissingData, UsageError
from kb.i18n import check_language, gettext_for, language_of
from kb.reference.challenges import MAX_CHALLENGES, Weakness, weakest
from kb.reference.compare import compare
from kb.reference.peers import find_peers
from kb.reference.regions import Region, regions, resolve_region
from kb.reference.themes import resolve_theme, themes
from kb.search.build import read_documents
from kb.templating import render

BREAK_EVERY = 3


@dataclass(frozen=True)
class Card:
    id: str
    title: str
    region_name: str
    summary: str
    governance: str
    evidence: str
    verification: str
    lessons: str
    transferability: str
    themes: list[str]
    sources: list[dict[str, str]]
    original_title: str | None = None


@dataclass(frozen=True)
class AgendaItem:
    start: str
    minutes: int
    title: str
    detail: str = ""


@dataclass(frozen=True)
class Pairing:
    giver: str
    receiver: str
    practice: str
    practice_title: str
    why: str
    gap: float


@dataclass(frozen=True)
class Pack:
    title: str
    theme: str
    date: str
    facilitator: str
    regions: list[str]
    cards: list[Card]
    agenda: list[AgendaItem]
    matches: list[Pairing]
    missing: list[str]
    footer: dict[str, Any]
    lang: str = "en"


def _name(slug: str) -> str:
    known = regions()
    return known[slug].name if slug in known else slug


def agenda(cards: list[Card], start: str = "09:30", minutes_per_practice: int = 25,
           lang: str = "en") -> list[AgendaItem]:
    """Return a timed agenda: welcome, one peer review per practice (breaks between blocks),
    matchmaking, agreeing actions, close; its labels in `lang`."""
    _ = gettext_for(lang)
    try:
        clock = dt.datetime.combine(dt.date(2000, 1, 1), dt.time.fromisoformat(start))
    except ValueError:
        raise UsageError(f"start time must look like 09:30, not {start!r}") from None
    if minutes_per_practice < 5:
        raise UsageError("allow at least 5 minutes per practice")
    items: list[AgendaItem] = []

    def add(minutes: int, title: str, detail: str = "") -> None:
        nonlocal clock
        items.append(AgendaItem(clock.strftime("%H:%M"), minutes, title, detail))
        clock += dt.timedelta(minutes=minutes)

    add(15, _("Welcome, aims and the rating scale"), _("1 = not useful for us, 5 = we want to adopt it"))
    for n, card in enumerate(cards, 1):
        present = max(1, round(minutes_per_practice * 0.4))
        questions = max(1, round(minutes_per_practice * 0.4))
        rate = minutes_per_practice - present - questions
        add(minutes_per_practice, _("Peer review: %(title)s (%(region)s)", title=card.title, region=card.region_name),
            _("%(present)s min presentation, %(questions)s min questions from peers, %(rate)s min rating",
              present=present, questions=questions, rate=rate))
        if n % BREAK_EVERY == 0 and n < len(cards):
            add(15, _("Break"))
    add(20, _("Matchmaking"), _("pairs from the shortlist meet to explore a transfer"))
    add(15, _("Agreeing actions"), _("each region records an action, an owner and a due date"))
    add(5, _("Close"))
    return items


def weaknesses(region: Region, limit: int = MAX_CHALLENGES) -> list[Weakness]:
    """The region's challenges (kb/reference/challenges.py), weakest first: the rule of the region
    reports, so a pack names the weak points the participants' reports name."""
    try:
        peers = [regions()[p.region] for p in find_peers(region).peers]
    except MissingData:  # no structural data: compared with the EU middle only, as in the report
        peers = []
    return weakest(compare(region, peers), limit)


def matchmaking(session_regions: list[str], documents: list[PracticeSummary], limit: int = 10,
                theme: str | None = None) -> list[Pairing]:
    """Pairs (giver, receiver): the giver has a practice whose themes answer one of the
    receiver's weakest indicators; in a session on `theme`, a practice of that theme."""
    out: list[Pairing] = []
    for receiver in session_regions:
        weak = weaknesses(regions()[receiver])
        for giver in session_regions:
            if giver == receiver:
                continue
            own = [d for d in documents if giver in d.regions and (theme is None or theme in d.themes)]
            for w in weak:
                docs = [d for d in own if set(d.themes) & set(w.themes)]
                if docs:
                    best = max(docs, key=lambda d: (EVIDENCE_ORDER.index(d.evidence), d.id))
                    hit = sorted(set(best.themes) & set(w.themes))
                    why = (f"{_name(receiver)} trails on {w.label} ({w.size or w.detail}); {_name(giver)}'s "
                           f"practice works on {', '.join(themes()[t].label.lower() for t in hit)}"
                           + (f", within the session's theme, {themes()[theme].label.lower()}" if theme else ""))
                    out.append(Pairing(giver, receiver, best.id, best.title, why, w.gap))
                    break
    out.sort(key=lambda m: (m.gap, m.receiver, m.giver))
    return out[:limit]


def build_pack(theme: str, session_regions: list[str], date: str, practices: list[str], index_dir: Path | str,
               facilitator: str = "", start: str = "09:30", minutes_per_practice: int = 25,
               generated_on: str | None = None, lang: str | None = None) -> Pack:
    """Return the pack of one session (regions by slug, code or name; theme by slug or synonym),
    its labels in `lang` (None: the participants' language when they share one, else English)."""
    theme = resolve_theme(theme)
    slugs = list(dict.fromkeys(resolve_region(r).slug for r in session_regions))
    lang = check_language(lang) if lang else language_of(slugs)
    _ = gettext_for(lang)
    info, documents = read_documents(Path(index_dir))
    by_id = {d.id: d for d in documents}
    chosen = practices or suggest_practices(theme, documents, index_dir=index_dir)
    cards = []
    missing = []
    for pid in chosen:
        d = by_id.get(pid)
        if d is None:
            missing.append(pid)
            continue
        cards.append(Card(d.id, d.title, _name(d.region), d.summary, d.governance, d.evidence, d.verification,
                          d.lessons, d.transferability, list(d.themes),
                          [{"url": s.url, "title": s.title} for s in d.sources], d.original_title))
    return Pack(
        title=_("Peer-learning session: %(theme)s", theme=themes()[theme].label), theme=theme, date=date,
        facilitator=facilitator, regions=slugs, cards=cards, agenda=agenda(cards, start, minutes_per_practice, lang),
        matches=matchmaking(slugs, documents, theme=theme), missing=missing,
        footer={"index_build": info.build_id, "corpus_hash": info.corpus_hash,
                "generated_on": generated_on or dt.date.today().isoformat()},
        lang=lang,
    )


EVIDENCE_ORDER = ("described", "outputs", "results", "evaluated")


THEME_CANDIDATES = 18
"""How many of the theme's best-matching practices a session's defaults are chosen from."""


def suggest_practices(theme: str, documents: list[PracticeSummary], limit: int = 6,
                      index_dir: Path | str | None = None) -> list[str]:
    """The practices a session on `theme` should discuss: the ones most about the theme (a
    search for the theme's names, among the practices tagged with it), the best-evidenced of
    those first, one per region before any second. Without an index, tagged practices whose
    first theme is `theme` come before those that only touch it."""
    tagged = [d for d in documents if theme in d.themes]
    relevance: dict[str, int] = {}
    if index_dir is not None:
        from kb.search.index import Index, make_filters

        with Index(index_dir) as ix:
            label = themes()[theme].label
            found = ix.search(label, make_filters(theme=theme), limit=THEME_CANDIDATES, highlights=False)
            relevance = {h.id: n for n, h in enumerate(found.hits)}
    if relevance:
        pool = [d for d in tagged if d.id in relevance]
    else:
        pool = sorted(tagged, key=lambda d: (d.themes[0] != theme, d.id))[:THEME_CANDIDATES]
    ranked = sorted(pool, key=lambda d: (-EVIDENCE_ORDER.index(d.evidence), d.verification != "verified",
                                         relevance.get(d.id, 0), d.id))
    first, rest, seen = [], [], set()
    for d in ranked:
        (rest if d.region in seen else first).append(d.id)
        seen.add(d.region)
    return (first + rest)[:limit]


def _view(pack: Pack) -> dict[str, Any]:
    """The pack as the template needs it: names and labels instead of slugs."""
    labels = themes()
    names = [_name(r) for r in pack.regions]
    cards = [{"id": c.id, "title": c.title, "original_title": c.original_title, "region": c.region_name,
              "evidence": c.evidence,
              "verification": c.verification, "themes": [labels[t].label for t in c.themes if t in labels],
              "summary": c.summary, "governance": c.governance, "lessons": c.lessons,
              "transferability": c.transferability,
              "sources": [{"url": s.get("url") or "", "title": s.get("title") or s.get("url") or ""}
                          for s in c.sources]}
             for c in pack.cards]
    _ = gettext_for(pack.lang)
    matches = [{"pair": _("%(receiver)s learns from %(giver)s", receiver=_name(m.receiver), giver=_name(m.giver)),
                "practice": m.practice_title, "why": m.why}
               for m in pack.matches]
    footer = {**pack.footer, "corpus_hash": str(pack.footer["corpus_hash"])[:16]}
    return {"title": pack.title, "date": pack.date, "facilitator": pack.facilitator, "regions": names,
            "missing": pack.missing, "agenda": pack.agenda, "cards": cards, "matches": matches, "footer": footer}


def render_pack(pack: Pack) -> str:
    """Return the pack as HTML: header, agenda, practice cards, matchmaking shortlist."""
    return render("pack.j2", lang=pack.lang, pack=_view(pack))
