"""HTML for a region report: one renderer per section (RENDERERS, in report order), each
returning a `<section id="...">` block. Every string that came from a record, a data file or a
parameter goes through `esc`; links are made only from well-formed http(s) URLs."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from kb.reports.charts import StripRow, bar, position_strip
from kb.corpus.records import check_url
from kb.reports.build import RegionReport
from kb.reference.themes import themes

TITLES = {
    "at-a-glance": "At a glance",
    "indicators": "Where the region stands",
    "challenges": "Challenges",
    "practices": "What others did: matched practices",
    "peers": "Peer regions",
    "partnerships": "Partnerships to explore",
    "funding": "Funding and collaboration instruments",
    "actions": "Possible next steps",
    "workshop-feedback": "Workshop feedback",
    "sources": "Sources",
}


def esc(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def link(url: str, text: str | None = None) -> str:
    if check_url(url) is None:
        return f'<a href="{esc(url)}">{esc(text or url)}</a>'
    return esc(text or url)


def cites(numbers: tuple[int, ...] | list[int]) -> str:
    if not numbers:
        return ""
    refs = ",".join(f'<a href="#src-{n}">{n}</a>' for n in sorted(set(numbers)))
    return f'<sup class="cite">[{refs}]</sup>'


def badge(text: str, kind: str) -> str:
    return f'<span class="badge badge-{esc(kind)}">{esc(text)}</span>'


def section(sid: str, body: str) -> str:
    return f'<section id="{esc(sid)}"><h2>{esc(TITLES[sid])}</h2>{body}</section>'


def unknown(value: object) -> str:
    return esc(value) if value not in (None, "") else '<span class="unknown">unknown</span>'


def render_glance(r: RegionReport) -> str:
    p = r.profile
    native = f" ({', '.join(esc(n) for n in p.native_names)})" if p.native_names else ""
    cohort = f"pilot region, cohort {p.cohort}" if p.cohort else "not one of the pilot regions"
    codes = "; ".join(f"NUTS {esc(v)}: {esc(', '.join(c))}" for v, c in p.nuts.items())
    rows = [f"<tr><th>Region</th><td>{esc(p.name)}{native}</td></tr>",
            f"<tr><th>Country</th><td>{esc(p.country)}</td></tr>",
            f"<tr><th>Pilot action</th><td>{esc(cohort)}</td></tr>",
            f"<tr><th>NUTS codes</th><td>{codes}</td></tr>"]
    for f in p.facts:
        year = f" ({esc(f.year)})" if f.year else ""
        note = f' <span class="note">{esc(f.note)}</span>' if f.note else ""
        rows.append(f"<tr><th>{esc(f.label)}</th><td>{unknown(f.value)}{year}{cites(f.cites)}{note}</td></tr>")
    sectors = ", ".join(esc(s) for s in p.key_sectors) or '<span class="unknown">unknown</span>'
    rows.append(f"<tr><th>Key sectors</th><td>{sectors}{cites(p.profile_cites[:1])}</td></tr>")
    domains = "".join(f"<li>{esc(d)}</li>" for d in p.s3_domains)
    rows.append(f"<tr><th>S3 priority domains</th><td>{'<ul>' + domains + '</ul>' if domains else unknown(None)}"
                f"{cites(p.profile_cites[:1])}</td></tr>")
    stated = "".join(f"<li>{esc(c)}</li>" for c in p.stated_challenges)
    rows.append(f"<tr><th>Stated challenges</th><td>{'<ul>' + stated + '</ul>' if stated else unknown(None)}</td></tr>")
    verification = badge(f"profile {p.verification}", p.verification)
    return section("at-a-glance", f'<table class="facts">{"".join(rows)}</table><p>{verification}</p>')


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return '<span class="unknown">no data</span>'
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"
    return esc(text)


def render_indicators(r: RegionReport) -> str:
    strip = position_strip(
        [StripRow(f"{row.label}", row.position, row.peer_position, row.pilot_position) for row in r.indicators],
        f"{r.region.name}: position among EU regions (percentile, right = better)",
    )
    cols = ("<colgroup><col style='width:24%'><col style='width:17%'><col style='width:12%'><col style='width:8%'>"
            "<col style='width:11%'><col style='width:11%'><col style='width:10%'><col style='width:7%'></colgroup>")
    head = ("<tr><th>Indicator</th><th>Unit</th><th>Region</th><th>Year</th><th>Peers' median</th>"
            "<th>Pilot regions' median</th><th>EU median</th><th>Source</th></tr>")
    body = []
    for row in r.indicators:
        note = ""
        if row.region.note and row.region.value is not None and "weighted" not in row.region.note:
            note = f'<div class="note">{esc(row.region.note)}</div>'
        body.append(
            f"<tr><td>{esc(row.label)}{' (lower is better)' if row.better == 'lower' else ''}</td><td>{esc(row.unit)}</td>"
            f"<td class='num'>{_fmt(row.region.value)}{note}</td><td>{esc(row.region.year or '')}</td>"
            f"<td class='num'>{_fmt(row.peers)}</td><td class='num'>{_fmt(row.pilots)}</td>"
            f"<td class='num'>{_fmt(row.eu.value)}</td><td>{cites([row.cite])}</td></tr>")
    explain = ("<p>The chart places the region among the EU's NUTS 2 regions for each indicator (percentile of "
               "their latest values; right is better). A region made of several NUTS 2 regions is combined by a "
               "stated rule: counts are summed, rates are averaged weighted by population (shares of employment "
               "by employment), always in one year for all its parts. The EU median is the median over the EU's "
               "NUTS 2 regions with data in the region's year (or their latest year when too few have it).</p>")
    figure = f'<figure class="chart">{strip}</figure>'
    return section("indicators", explain + figure + f'<table class="data fixed">{cols}<thead>{head}</thead>'
                                                    f'<tbody>{"".join(body)}</tbody></table>')


def render_challenges(r: RegionReport) -> str:
    if not r.challenges:
        return section("challenges", "<p>No indicator falls below the region's peers or the EU median, and the "
                                     "sources state no challenge.</p>")
    items = []
    for ch in r.challenges:
        names = ", ".join(themes()[t].label for t in ch.themes) if ch.themes else "no theme recognised"
        items.append(f"<li><strong>{esc(ch.label)}</strong>{cites(ch.cites)}<div class='note'>{esc(ch.detail)}</div>"
                     f"<div>Themes that address it: {esc(names)}</div></li>")
    intro = ("<p>The region's weakest indicators relative to its peers (or below the EU median), each mapped to "
             "the practice themes that address it, then the challenges its own sources state.</p>")
    return section("challenges", intro + f"<ol class='challenges'>{''.join(items)}</ol>")


def render_practices(r: RegionReport) -> str:
    if not r.practices:
        return section("practices", "<p>No practice in the knowledge base answers the region's challenges.</p>")
    cards = []
    for p in r.practices:
        own = badge("your region", "own") if p.own else ""
        since = f", since {esc(p.start_year)}" if p.start_year else ""
        theme_names = ", ".join(themes()[t].label for t in p.themes if t in themes())
        cards.append(
            f'<article class="practice" id="practice-{esc(p.id)}"><h3>{esc(p.title)} {own}</h3>'
            f'<p class="meta">{esc(p.region_name)}{since} · {esc(p.lead_organisation)} · '
            f'{badge("evidence: " + p.evidence, p.evidence)} {badge(p.verification, p.verification)}</p>'
            f'<p class="why">Why it was chosen: {esc("; ".join(p.why))}</p>'
            f"<p>{esc(p.summary)}</p>"
            f'<p><strong>Governance and monitoring.</strong> {esc(p.governance)}</p>'
            f'<p><strong>What it takes to transfer.</strong> {esc(p.transferability)}</p>'
            f'<p class="meta">Themes: {esc(theme_names)}. Sources {cites(p.cites)}</p></article>')
    intro = ("<p>Practices ranked by how well their themes answer the challenges above, how similar their region "
             "is, and their evidence. Badges show the evidence level (described, outputs, results, evaluated) and "
             "how well the record was checked against its sources.</p>")
    return section("practices", intro + "".join(cards))


def render_peers(r: RegionReport) -> str:
    if r.peers is None:
        return section("peers", f"<p>{esc(r.peers_error or 'No peers could be computed.')}</p>")
    rows = []
    for p in r.peers.peers:
        rows.append(f"<tr><td>{esc(p.name)}</td><td>{esc(p.country)}</td><td class='num'>{p.distance:.2f}</td>"
                    f"<td>{bar(p.stability)} {p.stability:.0%}</td><td>{esc('; '.join(p.reasons))}</td></tr>")
    intro = (f"<p>The regions structurally closest to {esc(r.region.name)} among {r.peers.candidates} European "
             f"NUTS 2 regions with data, on standardised structural variables ({esc(', '.join(r.peers.variables))}). "
             "Distance is Euclidean on z-scores with equal weights; stability is the share of 200 random "
             "weightings (Dirichlet) in which the region stays among the nearest five.</p>")
    head = "<tr><th>Region</th><th>Country</th><th>Distance</th><th>Stability</th><th>Why</th></tr>"
    return section("peers", intro + f"<table class='data'><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>")


def render_partnerships(r: RegionReport) -> str:
    if not r.partners:
        return section("partnerships", "<p>No partner region found in the knowledge base.</p>")
    items = [f"<li><strong>{esc(p.name)}</strong> <span class='note'>({esc(p.kind)})</span>{cites(p.cites)}"
             f"<ul>{''.join(f'<li>{esc(x)}</li>' for x in p.reasons)}</ul></li>" for p in r.partners]
    intro = ("<p>Peers and pilot regions with practices in the region's challenge themes, shared smart "
             "specialisation domains, and networks the region already shares with them.</p>")
    return section("partnerships", intro + f"<ul class='partners'>{''.join(items)}</ul>")


def render_funding(r: RegionReport) -> str:
    label = {True: ("eligible", "eligible"), False: ("not eligible", "no"), None: ("unknown", "unknown")}
    rows = []
    for row in r.funding:
        a = row.assessment
        text, kind = label[a.eligible]
        rows.append(f"<tr><td>{esc(a.name)} {badge(a.verification, a.verification)}</td><td>{esc(a.level)}</td>"
                    f"<td>{badge(text, kind)}</td><td><ul>{''.join(f'<li>{esc(x)}</li>' for x in a.reasons)}</ul>"
                    f"</td><td>{cites(row.cites)}</td></tr>")
    head = ("<colgroup><col style='width:28%'><col style='width:8%'><col style='width:11%'><col style='width:43%'>"
            "<col style='width:10%'></colgroup><tr><th>Instrument</th><th>Level</th><th>For this region</th>"
            "<th>Reasons</th><th>Sources</th></tr>")
    intro = ("<p>Every instrument in the knowledge base, checked against the region with explicit rules (EU "
             "membership, the UK after 2020, pilot membership, Just Transition territories, category of region "
             "where sourced).</p>")
    return section("funding", intro + f"<table class='data fixed'>{head.split('<tr>')[0]}<thead><tr>"
                                      f"{head.split('<tr>', 1)[1]}</thead><tbody>{''.join(rows)}</tbody></table>")


def render_actions(r: RegionReport) -> str:
    if not r.actions:
        return section("actions", "<p>No step can be suggested: no matched practice answers a challenge.</p>")
    items = [f"<li>{esc(a.text)}{cites(a.cites)} <a href='#practice-{esc(a.practice)}'>(see the practice)</a></li>"
             for a in r.actions]
    intro = "<p>Each step draws on a matched practice's transferability and an instrument the region can use.</p>"
    return section("actions", intro + f"<ol>{''.join(items)}</ol>")


def render_feedback(r: RegionReport) -> str:
    fb = r.feedback
    if not fb:
        return ""
    parts = []
    if fb.given:
        rows = "".join(f"<tr><td>{esc(x.date)}</td><td>{esc(x.practice)}</td><td>{esc(x.score)}</td>"
                       f"<td>{esc(x.comment)}</td></tr>" for x in fb.given)
        parts.append("<h3>Ratings given</h3><table class='data'><thead><tr><th>Date</th><th>Practice</th>"
                     f"<th>Score</th><th>Comment</th></tr></thead><tbody>{rows}</tbody></table>")
    if fb.received:
        rows = "".join(f"<tr><td>{esc(x.date)}</td><td>{esc(x.region)}</td><td>{esc(x.practice)}</td>"
                       f"<td>{esc(x.score)}</td><td>{esc(x.comment)}</td></tr>" for x in fb.received)
        parts.append("<h3>Ratings received</h3><table class='data'><thead><tr><th>Date</th><th>By</th>"
                     f"<th>Practice</th><th>Score</th><th>Comment</th></tr></thead><tbody>{rows}</tbody></table>")
    if fb.actions:
        rows = "".join(f"<tr><td>{esc(x.text)}</td><td>{esc(x.owner)}</td><td>{esc(x.due)}</td></tr>"
                       for x in fb.actions)
        parts.append("<h3>Agreed actions</h3><table class='data'><thead><tr><th>Action</th><th>Owner</th>"
                     f"<th>Due</th></tr></thead><tbody>{rows}</tbody></table>")
    return section("workshop-feedback", "".join(parts))


def render_sources(r: RegionReport) -> str:
    items = [f'<li id="src-{n}" value="{n}">{link(url, title)}{" — " + esc(url) if title != url else ""}</li>'
             for n, url, title in r.sources]
    return section("sources", f"<ol class='sources'>{''.join(items)}</ol>")


RENDERERS: dict[str, Callable[[RegionReport], str]] = {
    "at-a-glance": render_glance,
    "indicators": render_indicators,
    "challenges": render_challenges,
    "practices": render_practices,
    "peers": render_peers,
    "partnerships": render_partnerships,
    "funding": render_funding,
    "actions": render_actions,
    "workshop-feedback": render_feedback,
    "sources": render_sources,
}

STYLE = """<style>
.kb-report{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.45;color:#1d2430}
.kb-report h1{font-size:1.9rem;margin:.2rem 0}.kb-report h2{border-bottom:2px solid #0b4f8a;padding-bottom:.2rem;margin-top:2rem}
.kb-report table{border-collapse:collapse;width:100%;margin:.6rem 0;font-size:.92rem}
.kb-report th,.kb-report td{border-bottom:1px solid #dde2ea;padding:.3rem .45rem;text-align:left !important;vertical-align:top}
.kb-report table.data{table-layout:auto;font-size:.86rem}.kb-report ul{margin:.2rem 0;padding-left:1.2rem}
.kb-report table.facts th{width:14rem;color:#3a4656}.kb-report td.num{text-align:right !important;white-space:nowrap}
.kb-report .note{color:#5b6675;font-size:.85rem;white-space:normal}.kb-report .unknown{color:#8a5a00;font-style:italic}
.kb-report .badge{display:inline-block;border-radius:.7rem;padding:0 .5rem;font-size:.78rem;border:1px solid #aab4c3;background:#f3f5f8;color:#1d2430;white-space:nowrap}
.kb-report .badge-verified,.kb-report .badge-eligible,.kb-report .badge-evaluated{background:#e3f1e4;border-color:#3c8d40}
.kb-report .badge-partial,.kb-report .badge-unknown,.kb-report .badge-results{background:#fff4df;border-color:#d9822b}
.kb-report .badge-unverified,.kb-report .badge-no{background:#fbe5e5;border-color:#b33}
.kb-report .badge-own{background:#0b4f8a;color:#fff;border-color:#0b4f8a}
.kb-report article.practice{border:1px solid #dde2ea;border-radius:.4rem;padding:.2rem .9rem;margin:.8rem 0}
.kb-report article.practice h3{margin:.5rem 0 .2rem;font-size:1.08rem}.kb-report .meta{color:#3a4656;font-size:.88rem}
.kb-report .why{font-style:italic}.kb-report sup.cite{font-size:.7rem}.kb-report figure.chart{margin:.5rem 0}
.kb-report ol.sources{font-size:.85rem;word-break:break-word}.kb-report footer{margin-top:2rem;font-size:.8rem;color:#5b6675;border-top:1px solid #dde2ea}
.kb-report table.fixed{table-layout:fixed}.kb-report td{overflow-wrap:anywhere}
@media print{.kb-report a[href]::after{content:none !important}.kb-report{font-size:10pt}.kb-report section~section{break-before:page}
.kb-report a{color:inherit;text-decoration:none}.kb-report tr{break-inside:avoid}}
</style>"""


def _header(r: RegionReport) -> str:
    native = f" <span class='note'>({esc(', '.join(r.profile.native_names))})</span>" if r.profile.native_names else ""
    return (f"<header><h1>{esc(r.region.name)}{native}</h1>"
            f"<p class='meta'>Peer-learning report · Transition KB · {esc(r.footer['generated_on'])}</p></header>")


def _footer(r: RegionReport) -> str:
    f = r.footer
    data = "; ".join(f"{esc(d['indicator'] or d['file'])}{' ' + esc(d['year']) if d['year'] else ''}"
                     for d in f["data"])
    params = ", ".join(f"{esc(k)}={esc(v)}" for k, v in sorted(f["parameters"].items()))
    return (f"<footer><p>Transition KB {esc(f['kb_version'])} · index build "
            f"{esc(f['index_build'])} · corpus {esc(f['corpus_hash'][:16])} · generated on {esc(f['generated_on'])}</p>"
            f"<p>Data used (latest year shown for this region): {data}</p><p>Parameters: {params}</p></footer>")


def render_section(r: RegionReport, sid: str) -> str:
    """Return one section's HTML wrapped for the report's styles ('' when it has nothing to show)."""
    body = RENDERERS[sid](r)
    return f"{STYLE}<div class='kb-report'>{body}</div>" if body else ""


def render_all(r: RegionReport) -> str:
    """Return the whole report as one HTML fragment: header, the sections in order (siblings,
    so that print starts each on a new page), footer."""
    sections = "".join(RENDERERS[s](r) for s in r.sections)
    return f"{STYLE}<div class='kb-report'>{_header(r)}{sections}{_footer(r)}</div>"
