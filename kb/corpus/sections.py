"""The seven body sections of a practice record, and how a body is split into them."""

from __future__ import annotations

import re

SECTIONS = (
    "Summary",
    "What it does",
    "Governance and monitoring",
    "Resources",
    "Evidence of results",
    "Difficulties and lessons",
    "Transferability",
)
_HEADING = re.compile(r"^##[ \t]+(.+?)[ \t]*#*[ \t]*$")


def split_sections(body: str, first_line: int) -> list[tuple[str, int, str]]:
    """Return the `## ` sections of a body as (heading, file line, text)."""
    sections: list[tuple[str, int, list[str]]] = []
    in_fence = False
    for offset, line in enumerate(body.split("\n")):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            sections.append((match.group(1).strip(), first_line + offset, []))
        elif sections:
            sections[-1][2].append(line)
    return [(h, n, "\n".join(t).strip()) for h, n, t in sections]
