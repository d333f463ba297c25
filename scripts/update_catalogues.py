"""Extract the interface strings (`_()` in kb/templates/html/*.j2 and kb/workshops/pack.py) into
kb/locale/kb.pot and bring every kb/locale/<lang>.po up to date with it (new strings added
untranslated, translations kept). Run after changing a label: python scripts/update_catalogues.py"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import read_po, write_po

from kb.i18n import LANGUAGES, LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [(p, "jinja2.ext:babel_extract", {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true",
                                            "trim_blocks": "true", "lstrip_blocks": "true"})
           for p in sorted((ROOT / "kb" / "templates" / "html").glob("*.j2"))]
SOURCES += [(ROOT / "kb" / "workshops" / "pack.py", "python", {})]


def template() -> Catalog:
    pot = Catalog(project="Transition KB", domain="kb")
    for path, method, options in SOURCES:
        with open(path, "rb") as fh:
            for line, message, comments, _context in extract(method, fh, keywords={"_": None}, options=options):
                pot.add(message, locations=[(str(path.relative_to(ROOT)), line)], auto_comments=comments)
    return pot


def main() -> None:
    pot = template()
    LOCALE_DIR.mkdir(exist_ok=True)
    with open(LOCALE_DIR / "kb.pot", "wb") as fh:
        write_po(fh, pot, omit_header=True, sort_output=True)
    for lang in LANGUAGES[1:]:
        path = LOCALE_DIR / f"{lang}.po"
        if path.exists():
            with open(path, "rb") as fh:
                catalog = read_po(fh, locale=lang)
        else:
            catalog = Catalog(locale=lang, project="Transition KB", domain="kb")
        catalog.update(pot, no_fuzzy_matching=True)
        with open(path, "wb") as fh:
            write_po(fh, catalog, omit_header=False, sort_output=True, ignore_obsolete=True)
    print(f"{len(pot)} strings; catalogues in {LOCALE_DIR}")


if __name__ == "__main__":
    main()
