"""The interface in the participants' languages: gettext catalogues under kb/locale/ (`<lang>.po`,
read with Babel), for the labels of workshop packs and of a report's brief. Record text stays as
written; a label without a translation yet shows in English.

The catalogues are the project's own translations (see the README for which are drafts)."""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from kb.errors import UsageError

LANGUAGES = ("en", "fr", "de", "it", "es", "sv", "fi", "lt", "sl")
"""English and the languages of the pilot regions."""
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def check_language(lang: str | None) -> str:
    """`lang` if the interface speaks it; UsageError naming the choices otherwise."""
    value = (lang or "en").strip().lower()
    if value not in LANGUAGES:
        raise UsageError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    return value


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of `lang` (English: the strings as written)."""
    lang = check_language(lang)
    if lang == "en":
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(LOCALE_DIR / f"{lang}.po", "rb") as fh:
        catalog = read_po(fh, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def gettext_for(lang: str):  # type: ignore[no-untyped-def]
    """The `_` of `lang`: `_("Agenda")`, `_("%(n)s min", n=25)`."""
    catalogue = translations(lang)

    def _(message: str, **values: object) -> str:
        text = catalogue.gettext(message)
        return text % values if values else text
    return _


def language_of(region_slugs: list[str]) -> str:
    """The interface language for these regions: the language of their countries when they all
    share one the interface speaks, else English."""
    from kb.reference.regions import regions
    from kb.search.languages import record_language

    known = regions()
    found = {record_language((known[s].country,) if known[s].country else (), known[s].nuts) or "en"
             for s in region_slugs if s in known}
    return found.pop() if len(found) == 1 and next(iter(found)) in LANGUAGES else "en"
