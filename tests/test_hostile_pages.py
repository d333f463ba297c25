"""Every HTML page the project makes shows a hostile record's text inert, in a real browser:
the region report, reports/index.html and the workshop pack, rendered from an index holding a
record whose every field carries script and HTML payloads (the search app: test_browser.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kb.notebooks import RenderJob, render_one
from kb.reference.regions import regions
from kb.reports.batch import render_reports
from pages import CHROMIUM, CHROMIUM_ARGS, need_chromium

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pages(hostile_index: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("hostile-pages")
    outcomes = render_reports([regions()["saxony"]], out, hostile_index, out / "none",
                              notebook=REPO / "notebooks" / "region_report.ipynb", workers=1,
                              generated_on="2026-01-01")
    assert outcomes[0].ok, outcomes[0].error
    pack = render_one(REPO / "notebooks" / "workshop.ipynb", RenderJob("pack", {
        "theme": "governance", "regions": ["saxony", "wallonia"], "date": str(dt.date(2026, 12, 1)),
        "practices": ["fx-hostile-record"], "index_dir": str(hostile_index), "facilitator": "<b>x</b>"}), out)
    assert pack.ok, pack.error
    return [out / "saxony.html", out / "index.html", Path(pack.html or "")]


def test_hostile_text_is_inert_in_every_page(pages: list[Path]) -> None:
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for page_file in pages:
                context = browser.new_context(offline=True)
                page = context.new_page()
                dialogs: list[str] = []
                requests: list[str] = []
                page.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
                page.on("request", lambda r, seen=requests: seen.append(r.url))
                page.goto(page_file.as_uri())
                page.wait_for_load_state("load")
                page.wait_for_timeout(300)
                text = page.inner_text("body")
                assert dialogs == [], (page_file.name, dialogs)
                assert [u for u in requests if not u.startswith(("file:", "data:"))] == [], page_file.name
                if page_file.name != "index.html":
                    assert '<script>alert("title")</script>' in text, page_file.name
                assert page.evaluate("() => document.querySelectorAll('iframe').length") == 0
                context.close()
        finally:
            browser.close()
