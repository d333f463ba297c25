"""Access to the reference data shipped in `kb/data/` (package data, read once)."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def data_path(name: str) -> Any:
    """Return a traversable path to `kb/data/<name>`."""
    return resources.files("kb") / "data" / name


@cache
def load_yaml(name: str) -> Any:
    """Return the parsed YAML file `kb/data/<name>` (cached: treat it as read-only)."""
    with data_path(name).open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_Loader)


@cache
def load_csv(name: str) -> tuple[dict[str, str], ...]:
    """Return the rows of the CSV file `kb/data/<name>` as dicts (cached)."""
    with data_path(name).open(encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def load_with_lines(text: str, first_line: int = 1) -> tuple[Any, dict[str, int]]:
    """Parse YAML text; return the data and the file line of each top-level key and of each item
    of a top-level list (`key[i]`), counting from `first_line`. Raises yaml.YAMLError."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            lines.setdefault(key, key_node.start_mark.line + first_line)
            if isinstance(value_node, yaml.SequenceNode):
                for i, item in enumerate(value_node.value):
                    lines.setdefault(f"{key}[{i}]", item.start_mark.line + first_line)
    return data, lines
