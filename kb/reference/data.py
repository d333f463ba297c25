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
