"""The interface in the pilot languages (kb/i18n.py, kb/locale/*.po): every label the templates
and the pack use has a translation in every catalogue, and the brief and the pack render in
each language without a missing string."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from kb.errors import UsageError
from kb.i18n import LANGUAGES, LOCALE_DIR, check_language, gettext_for, language_of, translations

REPO = Path(__file__).resolve().parent.parent


def _catalogue(lang: str):  # type: ignore[no-untyped-def]
    from babel.messages.pofile import read_po

    with open(LOCALE_DIR / f"{lang}.po", "rb") as fh:
        return read_po(fh, locale=lang)


def test_the_template_lists_every_label_in_use() -> None:
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from update_catalogues import template
    finally:
        sys.path.pop(0)
    from babel.messages.pofile import read_po

    with open(LOCALE_DIR / "kb.pot", "rb") as fh:
        written = {m.id for m in read_po(fh) if m.id}
    assert {m.id for m in template() if m.id} == written  # run scripts/update_catalogues.py after a change


@pytest.mark.parametrize("lang", LANGUAGES[1:])
def test_every_label_is_translated_keeping_its_placeholders(lang: str) -> None:
    from babel.messages.pofile import read_po

    with open(LOCALE_DIR / "kb.pot", "rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    catalogue = {m.id: m.string for m in _catalogue(lang) if m.id}
    assert set(catalogue) == wanted
    for msgid, text in catalogue.items():
        assert text, (lang, msgid)
        assert sorted(re.findall(r"%\(\w+\)s", text)) == sorted(re.findall(r"%\(\w+\)s", msgid)), (lang, msgid)


def test_languages_are_checked_and_chosen_from_the_regions() -> None:
    with pytest.raises(UsageError, match="not one of en, fr"):
        check_language("xx")
    assert check_language("FR") == "fr"
    assert language_of(["saxony"]) == "de" and language_of(["wallonia", "hauts-de-france"]) == "fr"
    assert language_of(["saxony", "wallonia"]) == "en" and language_of(["greater-manchester"]) == "en"
    assert gettext_for("de")("Agenda") == "Tagesordnung"
    assert gettext_for("fr")("%(n)s min", n=25) == "25 min"
    assert translations("en").gettext("Agenda") == "Agenda"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_brief_renders_in_each_language(fixture_index: Path, lang: str) -> None:
    from kb.reports.build import build_report
    from kb.reports.html import render_all

    report = build_report("saxony", index_dir=fixture_index, workshops_dir="/nonexistent", generated_on="2026-01-01")
    html = render_all(report, ["brief"], lang=lang)
    expected = gettext_for(lang)("The brief")
    assert f"<h2>{expected}</h2>" in html
    assert lang == "en" or "<h2>The brief</h2>" not in html


def test_a_pack_in_french(fixture_index: Path) -> None:
    from kb.workshops.pack import build_pack, render_pack

    pack = build_pack("foresight", ["saxony", "wallonia"], "2027-01-20", [], fixture_index, lang="fr",
                      generated_on="2027-01-01")
    html = render_pack(pack)
    for label in ("Ordre du jour", "Fiches pratiques", "Transférabilité.", "note 1 2 3 4 5 · commentaire :",
                  "Séance d&#39;apprentissage entre pairs"):
        assert label in html, label
    assert pack.agenda[0].title == "Accueil, objectifs et échelle de notation"
    assert "Agenda" not in html
