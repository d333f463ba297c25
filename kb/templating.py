"""HTML from Jinja2 templates, escaped by construction.

One environment for every page kb writes (report bodies, the reports' index page, workshop
packs, the search app's result cards): autoescaping is on, so text from a record, a data file
or a user is escaped unless a template says otherwise, and an undefined name is an error, not
an empty string. Python code builds plain data; the templates under `kb/templates/html/` lay
it out and share one stylesheet (`kb.css`) and a few macros (`macros.j2`).

nbconvert's own environment does not autoescape, so kb never renders its pages there: the
notebook cell displays the HTML this module makes.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

HTML_TEMPLATES = Path(__file__).resolve().parent / "templates" / "html"


def safe_url(url: object) -> str | None:
    """`url` when it is a well-formed http(s) URL (the only links kb makes), else None."""
    from kb.corpus.checks import check_url

    return url if isinstance(url, str) and check_url(url) is None else None


def css_string(text: object) -> Markup:
    """`text` as a quoted CSS string for a `<style>` element (a page margin's running title):
    every character but letters, digits and spaces is a CSS escape (six hex digits and the space
    that ends it), so nothing in it can close the string or the element."""
    out = []
    for ch in str(text):
        out.append(ch if (ch.isalnum() and ch.isascii()) or ch == " " else f"\\{ord(ch):06x} ")
    return Markup('"' + "".join(out) + '"')


SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def first_upper(text: object) -> str:
    """`text` with its first letter in capitals and the rest as it is ("GDP" stays "GDP")."""
    value = str(text or "")
    return value[:1].upper() + value[1:]


def sentences(text: object, count: int = 2) -> str:
    """The first `count` sentences of `text` (a card shows the start of a record's section)."""
    parts = SENTENCE_END.split(" ".join(str(text or "").split()))
    return " ".join(parts[:count])


@cache
def environment(lang: str = "en") -> Environment:
    """The shared environment of one interface language (built once per process): `_()` in a
    template translates a label through kb/locale/<lang>.po (kb/i18n.py)."""
    from kb.i18n import translations

    env = Environment(loader=FileSystemLoader(str(HTML_TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
                      extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["safe_url"] = safe_url
    env.filters["css_string"] = css_string
    env.filters["sentences"] = sentences
    env.filters["first_upper"] = first_upper
    env.globals["stylesheet"] = stylesheet
    return env


@cache
def _css() -> str:
    return (HTML_TEMPLATES / "kb.css").read_text(encoding="utf-8")


def stylesheet() -> Markup:
    """The shared stylesheet as a `<style>` element (pages are self-contained: no link to a file)."""
    return Markup("<style>\n") + Markup(_css()) + Markup("</style>")


def render(template: str, lang: str = "en", **data: Any) -> str:
    """Render `template` (a file under kb/templates/html) with `data`, its labels in `lang`."""
    return environment(lang).get_template(template).render(lang=lang, **data)
