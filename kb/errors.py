"""The exceptions of the library: one type per kind of failure, each carrying what a user
needs to act on it. The CLI turns them into one line (or one line per problem) and an exit code."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a file: where it is and what is wrong."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class KBError(Exception):
    """Base class of every error the library raises on purpose."""

    exit_code = 1


class CorpusError(KBError):
    """The corpus has problems; `problems` lists each with its path and line."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = sorted(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the corpus")


class UsageError(KBError):
    """A value given by the user is not valid (exit code 2)."""

    exit_code = 2


class BadText(UsageError):
    """Text typed on the command line or in a form that cannot be stored as it is."""

    def __init__(self, name: str, why: str):
        self.name, self.why = name, why
        super().__init__(f"{name} {why}")


class UnknownName(UsageError):
    """A region, theme or country that the reference data does not know."""

    def __init__(self, kind: str, value: str, suggestions: Sequence[str], valid: Sequence[str]):
        self.kind, self.value = kind, value
        self.suggestions, self.valid = list(suggestions), list(valid)
        hint = f"did you mean {', '.join(self.suggestions)}? " if self.suggestions else ""
        shown = ", ".join(self.valid[:20]) + (", ..." if len(self.valid) > 20 else "")
        super().__init__(f"unknown {kind} {value!r}: {hint}valid: {shown}")


class IndexMissing(KBError):
    """No index at the given path: it has to be built first."""

    def __init__(self, path: str):
        self.path = path
        super().__init__(f"no index at {path}: run `kb index` first")


class IndexOutdated(KBError):
    """The index was built by another version of kb with a different layout."""

    def __init__(self, path: str, version: int):
        self.path = path
        super().__init__(f"the index at {path} has layout version {version}, not the current one: run `kb index`")


class IndexDamaged(KBError):
    """A file of the current index generation is missing, truncated or altered."""

    def __init__(self, path: str, detail: str):
        self.path, self.detail = path, detail
        super().__init__(f"the index at {path} is damaged ({detail}): run `kb index` to rebuild it")


class IndexPathTaken(UsageError):
    """The --index path cannot hold an index (exit code 2): nothing was created."""

    def __init__(self, path: str, why: str):
        self.path = path
        super().__init__(f"--index {path} {why}")


class IndexBusy(KBError):
    """Another build holds the index lock."""

    def __init__(self, path: str):
        self.path = path
        super().__init__(f"another `kb index` is building {path}; try again when it has finished")


class NotFound(UsageError):
    """A practice id that is not in the index."""
