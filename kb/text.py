"""Text normalisation shared by indexing and querying.

Whatever the index does to a word, the query must do the same, so both sides call the
functions here: strip invisible and control characters, fold accents, and map British
spellings to American ones.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from kb.reference.data import load_yaml

MAX_QUERY_CHARS = 1000

# Bidirectional controls, zero-width characters and the BOM: invisible, and a way to make
# one string look like another.
_INVISIBLE = dict.fromkeys(
    [8203, 8204, 8205, 8288, 65279, 173, *list(range(8234, 8239)), *list(range(8294, 8298)), 8206, 8207, 1564]
)
WORD = re.compile(r"\w+(?:[.'’]\w+)*", re.UNICODE)


_BIDI_CONTROLS = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def text_problem(value: str, multiline: bool = True, limit: int | None = None) -> str | None:
    """Why `value` cannot be stored as typed text, or None when it can.

    Refused: text the terminal could not decode (Python keeps such bytes as lone surrogates,
    which no UTF-8 file can hold), control characters other than tab and newline (newline only
    when `multiline`), bidirectional overrides (they make text display as something else),
    non-characters, and text longer than `limit` characters.
    """
    if limit is not None and len(value) > limit:
        return f"is {len(value):,} characters long; the limit is {limit:,}"
    for pos, ch in enumerate(value):
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF:
            byte = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"U+{code:04X}"
            return (f"is not valid UTF-8 text ({byte} at position {pos + 1}): "
                    "set the terminal to UTF-8 (e.g. LANG=C.UTF-8) and type it again")
        if ch == "\t" or (ch == "\n" and multiline):
            continue
        if code < 0x20 or 0x7F <= code <= 0x9F:
            return f"contains the control character U+{code:04X} at position {pos + 1}"
        if code in _BIDI_CONTROLS:
            return f"contains the bidirectional control U+{code:04X} at position {pos + 1}"
        if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:
            return f"contains the non-character U+{code:04X} at position {pos + 1}"
    return None


def check_text(value: str, name: str, multiline: bool = True, limit: int | None = None) -> str:
    """Return `value` when it can be stored; raise BadText naming `name` (an option or field) otherwise."""
    from kb.errors import BadText

    if not isinstance(value, str):
        raise BadText(name, f"must be text, not {type(value).__name__}")
    why = text_problem(value, multiline, limit)
    if why:
        raise BadText(name, why)
    return value


def strip_invisible(text: str) -> str:
    """Return `text` without control, bidirectional and zero-width characters.

    Tabs and newlines become spaces; everything else in Unicode category C is dropped.
    """
    text = text.translate(_INVISIBLE)
    out = []
    for ch in text:
        if ch in "\t\n\r":
            out.append(" ")
        elif unicodedata.category(ch)[0] == "C":
            continue
        else:
            out.append(ch)
    return "".join(out)


def fold(text: str) -> str:
    """Return `text` lower-cased with accents removed (`Pôle` -> `pole`, `Straße` -> `strasse`)."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def clean_query(text: str) -> str:
    """Return a query string safe to parse: visible characters only, single spaces, capped length."""
    text = unicodedata.normalize("NFC", strip_invisible(text))
    text = " ".join(text.split())
    return text[:MAX_QUERY_CHARS]


@lru_cache(maxsize=200_000)
def _fold_word(word: str) -> str:
    return word.lower() if word.isascii() else fold(word)


def words(text: str) -> list[str]:
    """Return the folded words of `text`, in order (each word folded once per process)."""
    out: list[str] = []
    for word in WORD.findall(text):
        folded = _fold_word(word)
        out.extend(WORD.findall(folded) if not folded.isascii() or not folded.isalnum() else [folded])
    return out


@lru_cache(maxsize=1)
def _spellings() -> tuple[dict[str, str], frozenset[str]]:
    data = load_yaml("spellings.yaml")
    return dict(data["words"]), frozenset(data["ise_exceptions"])


@lru_cache(maxsize=65536)
def americanise(word: str) -> str:
    """Return the American spelling of a folded word (`digitalisation` -> `digitalization`)."""
    mapping, exceptions = _spellings()
    if word in mapping:
        return mapping[word]
    if word in exceptions or len(word) < 6:
        return word
    if "isation" in word:
        return word.replace("isation", "ization")
    for suffix in ("ise", "ised", "ises", "ising", "iser", "isers"):
        if word.endswith(suffix):
            return word[: -len(suffix)] + "iz" + suffix[2:]
    return word


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARK = re.compile(r"(\*\*|__|`+|^[ \t]{0,3}#+[ \t]*|^[ \t]{0,3}>[ \t]?)", re.MULTILINE)
_MD_BULLET = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+", re.MULTILINE)


def plain_text(markdown: str) -> str:
    """Return the readable text of a Markdown fragment: links become their text, emphasis
    and heading marks go, paragraphs stay apart."""
    text = _MD_LINK.sub(r"\1", markdown)
    text = _MD_BULLET.sub("", text)
    text = _MD_MARK.sub("", text)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return "\n".join(p for p in paragraphs if p)
