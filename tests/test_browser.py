"""The search web app in a real browser: notebooks/search.ipynb served by Voila with the offline
template, driven by Chromium through Playwright. Nothing may be requested from another host, no
dialog may open, and a hostile record's markup must show as text."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from kb.apps.search import TEMPLATE_ROOT
from pages import CHROMIUM, CHROMIUM_ARGS, need_chromium

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "notebooks" / "search.ipynb"
VOILA = Path(sys.executable).parent / "voila"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
START_TIMEOUT = 60.0
WIDGET_TIMEOUT_MS = 30_000


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # Voila shuts its kernels down on SIGTERM
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def _voila(notebook: Path, tmp_path: Path, **env_vars: str) -> Iterator[str]:
    """Serve `notebook` with Voila's offline template on a free 127.0.0.1 port; yield its URL."""
    need_chromium()
    port = _free_port()
    env = dict(os.environ, **env_vars,
               JUPYTER_PATH=os.pathsep.join(p for p in (str(TEMPLATE_ROOT), os.environ.get("JUPYTER_PATH")) if p))
    log = (tmp_path / "voila.log").open("wb")
    proc = subprocess.Popen(
        [str(VOILA), str(notebook), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1", "--template=offline"],
        cwd=str(REPO), env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"voila exited with {proc.returncode}: {(tmp_path / 'voila.log').read_text()[-2000:]}")
            try:  # any HTTP answer means the server is up; GET / would start a kernel
                with urllib.request.urlopen(url + "api", timeout=2):
                    break
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"voila did not answer on {url} within {START_TIMEOUT:.0f} s")
                time.sleep(0.2)
        yield url
    finally:
        _stop(proc)
        log.close()


@pytest.fixture
def voila_url(hostile_index: Path, tmp_path: Path) -> Iterator[str]:
    """Serve the search notebook, reading the hostile fixture index."""
    with _voila(NOTEBOOK, tmp_path, KB_INDEX=str(hostile_index)) as url:
        yield url


def test_search_page_in_chromium(voila_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    requests: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on("websocket", lambda ws: requests.append(ws.url))

            def on_dialog(dialog) -> None:  # a script from a record would open one
                dialogs.append(dialog.message)
                dialog.dismiss()

            page.on("dialog", on_dialog)
            page_html = page.goto(voila_url).text()
            # The page itself names no other host to load from (mermaid, Font Awesome, widget CDNs).
            assert re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page_html) == []
            for cdn in ("cdnjs.cloudflare.com", "cdn.jsdelivr.net", "unpkg.com"):
                assert cdn not in page_html

            query = page.locator(".kb-query input")
            expect(query).to_be_visible(timeout=WIDGET_TIMEOUT_MS)
            cards = page.locator(".kb-results-box article.kb-card")
            expect(cards.first).to_be_visible(timeout=WIDGET_TIMEOUT_MS)  # the default query's results

            query.fill("Vorausschau")
            query.press("Enter")
            expect(cards).to_have_count(1)
            expect(cards.first).to_have_attribute("data-id", "fx-lapland-foresight-network")
            expect(cards.first).to_contain_text("Why it matched")

            query.fill("governance")
            page.locator(".kb-search").click()
            expect(cards.first).to_contain_text("theme Governance")
            before = cards.count()
            assert before >= 3
            theme = page.locator(".kb-theme select")
            foresight = theme.locator("option", has_text="Foresight (")
            expect(foresight).to_have_count(1)
            theme.select_option(label=foresight.inner_text())
            expect(cards).to_have_count(1)
            expect(cards.first).to_have_attribute("data-id", "fx-lapland-foresight-network")

            page.locator(".jupyter-button", has_text="Clear filters").click()
            expect(cards).to_have_count(before)

            query.fill("hostile governance record")
            query.press("Enter")
            hostile = page.locator('article.kb-card[data-id="fx-hostile-record"]')
            expect(hostile).to_be_visible()
            title = hostile.locator(".kb-title")
            assert title.inner_text().startswith('<script>alert("title")</script>')
            expect(hostile).to_contain_text('<iframe src="https://evil.example.org"></iframe> Ministry')
            results = page.locator(".kb-results-box")
            assert results.locator("script, iframe, img").count() == 0
            assert results.evaluate("el => [...el.querySelectorAll('*')].filter(e => "
                                    "[...e.attributes].some(a => a.name.startsWith('on'))).length") == 0
            hrefs = results.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
            assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
            page.wait_for_timeout(300)  # give any injected handler a chance to fire
            assert page.evaluate("() => window.__pwned === undefined")
            assert dialogs == []

            # The query and filters travel in a link; the link opens the app on them.
            query.fill("Vorausschau")
            query.press("Enter")
            expect(cards).to_have_count(1)
            link = page.locator(".kb-links-box a.kb-permalink")
            expect(link).to_have_attribute("href", "?q=Vorausschau")
            download = page.locator(".kb-links-box a.kb-download")
            assert download.get_attribute("href").startswith("data:text/csv")
            assert page.get_by_label("Search for").count() == 1  # the query box is labelled
            page.goto(voila_url + "?q=Vorausschau")
            expect(cards.first).to_have_attribute("data-id", "fx-lapland-foresight-network", timeout=WIDGET_TIMEOUT_MS)
            expect(cards).to_have_count(1)
        finally:
            browser.close()
    elsewhere = sorted({u for u in requests if urlsplit(u).scheme not in ("data", "blob")
                        and urlsplit(u).hostname not in LOCAL_HOSTS})
    assert elsewhere == [], elsewhere
    assert requests


def test_a_facilitator_runs_a_session_in_the_browser(fixture_index: Path, tmp_path: Path) -> None:
    """Rate a practice, add an action, reload the page: both are in the record and on the page."""
    import datetime as dt

    from playwright.sync_api import expect, sync_playwright

    from kb.workshops.sessions import new_session, read_session

    practice = "fx-lapland-foresight-network"
    record = new_session(tmp_path / "workshops", "foresight", ["saxony", "wallonia"], dt.date(2027, 1, 20),
                         [practice, "fx-saxony-monitoring-dashboard"])
    with _voila(REPO / "notebooks" / "session.ipynb", tmp_path, KB_INDEX=str(fixture_index),
                KB_SESSION=str(record)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1400})
            page.goto(url)
            form = page.locator(f".kb-rate-saxony-{practice}")
            expect(form).to_be_visible(timeout=WIDGET_TIMEOUT_MS)
            form.locator("select").select_option(label="4")
            form.locator(".kb-rate-comment input").fill("we want to try the scenario panel")
            form.locator("button", has_text="Save").click()
            status = page.locator(".kb-status")
            expect(status).to_contain_text("saved: Saxony rates", timeout=WIDGET_TIMEOUT_MS)
            page.locator(".kb-action-text textarea").fill("Pilot a foresight panel")
            page.locator(".kb-action-owner input").fill("SMWA")
            page.locator("button", has_text="Add action").click()
            expect(status).to_contain_text("action added", timeout=WIDGET_TIMEOUT_MS)

            page.reload()
            card = page.locator(f'article.kb-card[data-id="{practice}"]')
            expect(card).to_contain_text("Rated so far: Saxony 4/5", timeout=WIDGET_TIMEOUT_MS)
            expect(page.locator(".kb-actions-box")).to_contain_text("Pilot a foresight panel")
            expect(page.locator(f".kb-rate-saxony-{practice} select")).to_have_value("4")
        finally:
            browser.close()
    data = read_session(record)[0]
    assert data["ratings"] == [{"region": "saxony", "practice": practice, "score": 4,
                                "comment": "we want to try the scenario panel"}]
    assert data["actions"][0]["owner"] == "SMWA" and data["actions"][0]["due"] == dt.date(2027, 1, 20)
