"""The report as an officer reads it: printed to A4 by headless Chromium from the HTML that
`kb report` writes, at most 12 pages with the brief on at most two, no table cell clipped; and
read as text: no sentence said three times, every step paid for by a route the region can use."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from kb.reference.regions import regions
from kb.reports.batch import render_reports
from kb.reports.build import build_report
from kb.reports.html import render_all
from kb.reports.pdf import page_count, print_pdf
from pages import CHROMIUM, need_chromium, read_page

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "notebooks" / "region_report.ipynb"
LONGEST = ("slovenia", "grand-est")
"""The pilots whose reports run longest (most sources, peers with long names)."""


@pytest.fixture(scope="module")
def printed(real_index: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The HTML `kb report` writes for the longest pilot reports, and their brief alone."""
    need_chromium()
    out = tmp_path_factory.mktemp("printed")
    outcomes = render_reports([regions()[s] for s in LONGEST], out, real_index, out / "none", notebook=NOTEBOOK,
                              workers=2, generated_on="2026-01-01")
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    pages = {s: out / f"{s}.html" for s in LONGEST}
    for slug in LONGEST:
        report = build_report(slug, index_dir=real_index, workshops_dir="/nonexistent", generated_on="2026-01-01")
        brief = out / f"{slug}-brief.html"
        brief.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>brief</title></head><body>"
                         + render_all(report, ["brief"]) + "</body></html>", encoding="utf-8")
        pages[f"{slug}-brief"] = brief
    return pages


@pytest.mark.parametrize("slug", LONGEST)
def test_report_prints_on_at_most_12_pages_and_its_brief_on_2(printed: dict[str, Path], slug: str,
                                                                tmp_path: Path) -> None:
    whole = page_count(print_pdf(printed[slug], tmp_path / "report.pdf", str(CHROMIUM)))
    brief = page_count(print_pdf(printed[f"{slug}-brief"], tmp_path / "brief.pdf", str(CHROMIUM)))
    assert 3 <= whole <= 12, whole
    assert 1 <= brief <= 2, brief


def test_no_table_cell_is_clipped_in_print(printed: dict[str, Path]) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 700, "height": 1000})  # A4 less its margins, in CSS px
            for slug in LONGEST:
                page.goto(printed[slug].resolve().as_uri())
                page.emulate_media(media="print")
                clipped = page.evaluate("""() => [...document.querySelectorAll('.kb-report td, .kb-report th')]
                    .filter(c => c.scrollWidth > c.clientWidth + 1)
                    .map(c => c.textContent.trim().slice(0, 40))""")
                assert clipped == [], (slug, clipped)
        finally:
            browser.close()


@pytest.fixture(scope="module")
def pilots(real_index: Path) -> dict[str, object]:
    return {s: build_report(s, index_dir=real_index, workshops_dir="/nonexistent", generated_on="2026-01-01")
            for s in ("saxony", "greater-manchester", "lithuania", "wallonia")}


def _sentences(html: str) -> list[str]:
    page = read_page(html)
    text = " ".join(t for t in page.text if t.strip() and t not in page.scripts)
    text = re.sub(r"\[\d+(?:,\d+)*\]", "", " ".join(text.split()))
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 6]


def test_no_sentence_is_said_more_than_twice(pilots: dict) -> None:
    for slug, report in pilots.items():
        counts = Counter(_sentences(render_all(report)))
        repeated = {s: n for s, n in counts.items() if n > 2}
        assert repeated == {}, (slug, repeated)


def test_every_step_is_paid_for_by_an_instrument_that_applies(pilots: dict) -> None:
    for slug, report in pilots.items():
        applies = {row.assessment.id for row in report.funding.applies}
        assert report.actions, slug
        assert 3 <= len(report.brief.steps) <= 5 or len(report.brief.steps) == len(report.actions)
        for action in report.actions:
            assert action.routes and {r.instrument for r in action.routes} <= applies, (slug, action)
            assert action.lead and action.first_step


def test_greater_manchester_is_paid_through_uk_routes(pilots: dict) -> None:
    gm = pilots["greater-manchester"]
    national = {row.assessment.id for row in gm.funding.applies if row.assessment.level == "national"}
    for action in gm.actions:
        assert {r.instrument for r in action.routes} & national, action
    assert not any(row.assessment.id == "just-transition-fund" for row in gm.funding.applies)


def test_a_closed_call_never_applies(pilots: dict) -> None:
    for report in pilots.values():
        assert "pilot-action-industrial-transition" not in {r.assessment.id for r in report.funding.applies}
        closed = [r for r in report.funding.other if r.assessment.id == "pilot-action-industrial-transition"]
        assert closed and closed[0].status == "closed"


def test_the_brief_has_five_figures_three_challenges_five_practices(pilots: dict) -> None:
    for slug, report in pilots.items():
        b = report.brief
        assert len(b.headlines) == 5 and all(h.region.year for h in b.headlines), slug
        assert 1 <= len(b.challenges) <= 3 and len(b.practices) == 5 and b.funding, slug
        assert not any(p.own for p in b.practices)


def test_own_practices_are_apart_from_what_others_did(pilots: dict) -> None:
    lithuania = pilots["lithuania"]
    assert lithuania.own_practices and all(p.region == "lithuania" for p in lithuania.own_practices)
    assert not any(p.region == "lithuania" for p in lithuania.practices)


def test_sources_are_numbered_in_reading_order(pilots: dict) -> None:
    html = render_all(pilots["saxony"])
    body = html.split('<section id="sources">')[0]
    first_seen = list(dict.fromkeys(int(n) for n in re.findall(r'href="#src-(\d+)"', body)))
    assert first_seen == sorted(first_seen)[: len(first_seen)]
    assert first_seen == list(range(1, len(first_seen) + 1))


def test_a_region_outside_the_pilots_gets_a_useful_report(real_index: Path) -> None:
    styria = build_report("styria", index_dir=real_index, workshops_dir="/nonexistent", generated_on="2026-01-01")
    assert [c for c in styria.challenges if c.indicator]
    assert styria.practices and styria.actions and styria.funding.applies and styria.partners


def test_at_most_two_percent_of_a_reports_sources_are_mirror_copies(pilots: dict) -> None:
    for slug, report in pilots.items():
        mirrors = [c.url for c in report.sources if c.mirror]
        assert len(mirrors) <= 0.02 * len(report.sources), (slug, mirrors)
