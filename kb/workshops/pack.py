"""A facilitator's printable pack for one peer-learning session: a card per practice, a timed
peer-review agenda, and a matchmaking shortlist (pairs of regions where one has a practice
answering the other's weakest indicators). Plain data here; HTML in `render_pack`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from kb.corpus.records import check_url
from kb.errors import UsageError
from kb.reference.regions import regions, resolve_region
from kb.reference.themes import resolve_theme, themes
from kb.search.build import read_documents

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


@dataclass(frozen=True)
class AgendaItem:
    start: str
    minutes: int
    title: str
    detail: str = ""


@dataclass(frozen=True)
class Match:
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
    matches: list[Match]
    missing: list[str]
    footer: dict[str, Any]


def _name(slug: str) -> str:
    known = regions()
    return known[slug].name if slug in known else slug


def agenda(cards: list[Card], start: str = "09:30", minutes_per_practice: int = 25) -> list[AgendaItem]:
    """Return a timed agenda: welcome, one peer review per practice (breaks between blocks),
    matchmaking, agreeing actions, close."""
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

    add(15, "Welcome, aims and the rating scale", "1 = not useful for us, 5 = we want to adopt it")
    for n, card in enumerate(cards, 1):
        present = max(1, round(minutes_per_practice * 0.4))
        questions = max(1, round(minutes_per_practice * 0.4))
        rate = minutes_per_practice - present - questions
        add(minutes_per_practice, f"Peer review: {card.title} ({card.region_name})",
            f"{present} min presentation, {questions} min questions from peers, {rate} min rating")
        if n % BREAK_EVERY == 0 and n < len(cards):
            add(15, "Break")
    add(20, "Matchmaking", "pairs from the shortlist meet to explore a transfer")
    add(15, "Agreeing actions", "each region records an action, an owner and a due date")
    add(5, "Close")
    return items


def matchmaking(session_regions: list[str], documents: list[dict], limit: int = 10) -> list[Match]:
    """Pairs (giver, receiver): the giver has a practice whose themes answer one of the
    receiver's weakest indicators (as in the receiver's report)."""
    from kb.reference.peers import find_peers
    from kb.reports.build import Citations, build_challenges, build_indicators, build_profile

    out: list[Match] = []
    for receiver in session_regions:
        region = regions()[receiver]
        cit = Citations()
        try:
            peers = find_peers(region)
        except Exception:
            peers = None
        challenges = [c for c in build_challenges(build_profile(region, cit), build_indicators(region, peers, cit), cit)
                      if c.indicator]
        for giver in session_regions:
            if giver == receiver:
                continue
            for ch in challenges:
                docs = [d for d in documents if giver in d["regions"].split(",")
                        and set(d["themes"].split(",")) & set(ch.themes)]
                if docs:
                    best = max(docs, key=lambda d: (EVIDENCE_ORDER.index(d["evidence"]), d["id"]))
                    hit = sorted(set(best["themes"].split(",")) & set(ch.themes))
                    why = (f"{_name(receiver)} shows {ch.label} ({ch.detail}); {_name(giver)}'s practice answers it "
                           f"through {', '.join(themes()[t].label.lower() for t in hit)}")
                    out.append(Match(giver, receiver, best["id"], best["title"], why, ch.gap or 0.0))
                    break
    out.sort(key=lambda m: (m.gap, m.receiver, m.giver))
    return out[:limit]


def build_pack(theme: str, session_regions: list[str], date: str, practices: list[str], index_dir: Path | str,
               facilitator: str = "", start: str = "09:30", minutes_per_practice: int = 25,
               generated_on: str | None = None) -> Pack:
    """Return the pack of one session (regions by slug, code or name; theme by slug or synonym)."""
    theme = resolve_theme(theme)
    slugs = list(dict.fromkeys(resolve_region(r).slug for r in session_regions))
    info, documents = read_documents(Path(index_dir))
    by_id = {d["id"]: d for d in documents}
    chosen = practices or suggest_practices(theme, documents)
    cards = []
    missing = []
    for pid in chosen:
        d = by_id.get(pid)
        if d is None:
            missing.append(pid)
            continue
        cards.append(Card(d["id"], d["title"], _name(d["region"]), d["summary"], d.get("governance", ""),
                          d["evidence"], d["verification"], d.get("lessons", ""), d.get("transferability", ""),
                          [t for t in d["themes"].split(",") if t], d["sources"]))
    return Pack(
        title=f"Peer-learning session: {themes()[theme].label}", theme=theme, date=date, facilitator=facilitator,
        regions=slugs, cards=cards, agenda=agenda(cards, start, minutes_per_practice),
        matches=matchmaking(slugs, documents), missing=missing,
        footer={"index_build": info.build_id, "corpus_hash": info.corpus_hash,
                "generated_on": generated_on or dt.date.today().isoformat()},
    )


EVIDENCE_ORDER = ("described", "outputs", "results", "evaluated")


def suggest_practices(theme: str, documents: list[dict], limit: int = 6) -> list[str]:
    """Return the ids of the best-evidenced practices with `theme`, one per region first."""
    ranked = sorted((d for d in documents if theme in d["themes"].split(",")),
                    key=lambda d: (-EVIDENCE_ORDER.index(d["evidence"]), d["verification"] != "verified", d["id"]))
    first, rest, seen = [], [], set()
    for d in ranked:
        (rest if d["region"] in seen else first).append(d["id"])
        seen.add(d["region"])
    return (first + rest)[:limit]


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


STYLE = """<style>
.kb-pack{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.45;color:#1d2430}
.kb-pack h2{border-bottom:2px solid #0b4f8a;padding-bottom:.2rem;margin-top:1.6rem}
.kb-pack table{border-collapse:collapse;width:100%;font-size:.92rem}
.kb-pack th,.kb-pack td{border-bottom:1px solid #dde2ea;padding:.3rem .45rem;text-align:left !important;vertical-align:top}
.kb-pack article.card{border:1px solid #aab4c3;border-radius:.4rem;padding:.3rem 1rem;margin:1rem 0}
.kb-pack .badge{display:inline-block;border-radius:.7rem;padding:0 .5rem;font-size:.78rem;border:1px solid #aab4c3;background:#f3f5f8}
.kb-pack .rate{border:1px dashed #888;padding:.4rem;margin:.5rem 0}.kb-pack .meta{color:#3a4656;font-size:.88rem}
@media print{.kb-pack article.card{break-before:page}.kb-pack a[href]::after{content:none !important}}
</style>"""


def render_pack(pack: Pack) -> str:
    """Return the pack as HTML: header, agenda, practice cards, matchmaking shortlist."""
    head = (f"{STYLE}<div class='kb-pack'><h1>{_e(pack.title)}</h1><p class='meta'>{_e(pack.date)}"
            f"{' · facilitator: ' + _e(pack.facilitator) if pack.facilitator else ''} · regions: "
            f"{_e(', '.join(_name(r) for r in pack.regions))}</p>")
    if pack.missing:
        head += f"<p class='meta'>Not in the corpus (left out): {_e(', '.join(pack.missing))}</p>"
    rows = "".join(f"<tr><td>{_e(a.start)}</td><td>{a.minutes} min</td><td>{_e(a.title)}</td>"
                   f"<td>{_e(a.detail)}</td></tr>" for a in pack.agenda)
    agenda_html = (f"<section id='agenda'><h2>Agenda</h2><table><colgroup><col style='width:10%'><col style='width:10%'>"
                   f"<col style='width:50%'><col style='width:30%'></colgroup><thead><tr><th>Start</th><th>Length</th><th>Item</th>"
                   f"<th>How</th></tr></thead><tbody>{rows}</tbody></table></section>")
    cards = []
    for c in pack.cards:
        links = "".join(f"<li><a href='{_e(s['url'])}'>{_e(s['title'])}</a></li>" if check_url(s["url"]) is None
                        else f"<li>{_e(s['title'])}</li>" for s in c.sources)
        boxes = "".join(f"<div class='rate'>{_e(_name(r))}: score 1 2 3 4 5 · comment:</div>" for r in pack.regions)
        cards.append(
            f"<article class='card' id='card-{_e(c.id)}'><h3>{_e(c.title)}</h3><p class='meta'>{_e(c.region_name)} · "
            f"<span class='badge'>evidence: {_e(c.evidence)}</span> <span class='badge'>{_e(c.verification)}</span> · "
            f"{_e(', '.join(themes()[t].label for t in c.themes if t in themes()))}</p>"
            f"<p>{_e(c.summary)}</p><p><strong>Governance and monitoring.</strong> {_e(c.governance)}</p>"
            f"<p><strong>Difficulties and lessons.</strong> {_e(c.lessons)}</p>"
            f"<p><strong>Transferability.</strong> {_e(c.transferability)}</p><p><strong>Sources</strong></p>"
            f"<ul>{links}</ul>{boxes}</article>")
    cards_html = f"<section id='practice-cards'><h2>Practice cards</h2>{''.join(cards)}</section>"
    if pack.matches:
        items = "".join(f"<tr><td>{_e(_name(m.giver))} → {_e(_name(m.receiver))}</td><td>{_e(m.practice_title)}</td>"
                        f"<td>{_e(m.why)}</td></tr>" for m in pack.matches)
        match_html = (f"<section id='matchmaking'><h2>Matchmaking shortlist</h2><table><thead><tr><th>Pair</th>"
                      f"<th>Practice</th><th>Why</th></tr></thead><tbody>{items}</tbody></table></section>")
    else:
        match_html = ("<section id='matchmaking'><h2>Matchmaking shortlist</h2><p>No pair found: no participant has a "
                      "practice answering another's weakest indicators.</p></section>")
    foot = (f"<p class='meta'>Transition KB · index build {_e(pack.footer['index_build'])} · corpus "
            f"{_e(pack.footer['corpus_hash'][:16])} · generated on {_e(pack.footer['generated_on'])}</p></div>")
    return head + agenda_html + cards_html + match_html + foot
