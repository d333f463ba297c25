"""Transition KB: a searchable collection of sourced good practices in innovation policy for
EU regions in industrial transition.

`kb.search`, `kb.similar`, `kb.list_regions`, `kb.list_themes` and `kb.open_index` are the API
for notebooks and scripts (see kb/api.py); they return plain dataclasses. They are loaded on
first use, so `import kb` stays cheap.
"""

from __future__ import annotations

import logging
from typing import Any

from kb._version import __version__

# The library logs warnings (a session record left out, ...); the application decides where
# they go (the CLI prints them). Without a handler here, they would land in report notebooks.
logging.getLogger(__name__).addHandler(logging.NullHandler())

_API = ("search", "similar", "list_regions", "list_themes", "open_index", "hits_frame", "facets_frame")
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        from kb import api

        return getattr(api, name)
    raise AttributeError(f"module 'kb' has no attribute {name!r}")
