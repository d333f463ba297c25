"""The shared Jinja2 environment's filters (kb/templating.py): what a template may put where."""

from __future__ import annotations

import re


def test_a_css_string_cannot_close_its_string_or_its_style_element() -> None:
    from kb.templating import css_string

    hostile = 'Côte d\'Azur"}</style><script>alert(1)</script>\\'
    text = str(css_string(hostile))
    inner = text[1:-1]
    assert text.startswith('"') and text.endswith('"')
    assert not set(inner) & set("\"'<>/{};\n")
    decoded = re.sub(r"\\([0-9a-f]{6}) ", lambda m: chr(int(m.group(1), 16)), inner)
    assert decoded == hostile


def test_sentences_keep_the_first_ones_whole() -> None:
    from kb.templating import sentences

    assert sentences("It began in 1999. It had EUR 2.5 million. A third one.", 2) == \
        "It began in 1999. It had EUR 2.5 million."
