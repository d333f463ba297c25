"""Reading HTML pages in tests, and finding the browser that renders them: one parser for every
page kb writes (reports, the reports' index, packs, the search app's cards), so that each test
asks the same questions the same way."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

FETCHING_TAGS = frozenset({"script", "link", "img", "iframe"})
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def need_chromium() -> None:
    """Skip without Debian's chromium, except on CI, where its absence is a failure."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing on CI: .ci/run installs Debian's chromium package before `make test`")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); CI runs this test")


@dataclass
class Page:
    """What a page holds: its start tags with attributes, text, section ids, title, script
    bodies, event handlers (and javascript: links), and the src/href of tags a browser fetches."""

    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    title: str = ""
    scripts: list[str] = field(default_factory=list)
    handlers: list[str] = field(default_factory=list)
    refs: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def external(self) -> list[tuple[str, str, str]]:
        """The fetched refs that leave the page: not relative, not data:, not a #fragment."""
        out = []
        for tag, name, value in self.refs:
            url = value.strip()
            parts = urlsplit(url)
            if not (url.startswith("#") or parts.scheme == "data" or (not parts.scheme and not parts.netloc and url)):
                out.append((tag, name, value))
        return out


class _Reader(HTMLParser):
    def __init__(self, page: Page):
        super().__init__(convert_charrefs=True)
        self.page = page
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.page.tags.append((tag, a))
        if tag == "section" and a.get("id"):
            self.page.sections.append(a["id"] or "")
        if tag in FETCHING_TAGS:
            self.page.refs += [(tag, name, value or "") for name, value in attrs if name in ("src", "href")]
        self.page.handlers += [name for name in a if name.startswith("on")]
        if tag == "a" and (a.get("href") or "").strip().lower().startswith("javascript:"):
            self.page.handlers.append("javascript-href")
        self._in = tag if tag in ("script", "title") else None

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        self.page.text.append(data)
        if self._in == "script":
            self.page.scripts.append(data)
        elif self._in == "title":
            self.page.title += data


def read_page(markup: str) -> Page:
    page = Page()
    reader = _Reader(page)
    reader.feed(markup)
    reader.close()
    return page
