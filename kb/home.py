"""Where the project's folders are, so that `kb` works from any folder: the project root is
$KB_HOME, else the nearest folder at or above the current one that holds `practices/` and
`pyproject.toml`, else the checkout this package was installed from (an editable install); the
practices, the index and the workshop records are $KB_PRACTICES, $KB_INDEX and $KB_WORKSHOPS
when set, else their usual places under the root."""

from __future__ import annotations

import os
from pathlib import Path

from kb.errors import UsageError

MARKERS = ("practices", "pyproject.toml")


def _is_root(folder: Path) -> bool:
    return (folder / MARKERS[0]).is_dir() and (folder / MARKERS[1]).is_file()


def project_root() -> Path:
    """The project root (see the module's docstring); the current folder when none is found."""
    chosen = os.environ.get("KB_HOME")
    if chosen:
        root = Path(chosen).expanduser()
        if not root.is_dir():
            raise UsageError(f"KB_HOME={chosen} is not a folder")
        return root
    here = Path.cwd()
    for folder in (here, *here.parents):
        if _is_root(folder):
            return folder
    installed = Path(__file__).resolve().parent.parent
    return installed if _is_root(installed) else here


def _under_root(variable: str, relative: str) -> Path:
    value = os.environ.get(variable)
    if value:
        return Path(value).expanduser()
    root = project_root()
    path = root / relative
    return Path(os.path.relpath(path)) if root == Path.cwd() else path


def practices_dir() -> Path:
    return _under_root("KB_PRACTICES", "practices")


def index_dir() -> Path:
    return _under_root("KB_INDEX", "build/index")


def workshops_dir() -> Path:
    return _under_root("KB_WORKSHOPS", "workshops")


def in_root(relative: str) -> Path:
    """A path under the project root (notebooks, the reports folder)."""
    root = project_root()
    return Path(relative) if root == Path.cwd() else root / relative
