"""The exceptions of the library: one type per kind of failure, each carrying what a user
needs to act on it (the path, line and value where there is one). The CLI turns them into one
line (or one line per problem) and an exit code: 2 for a usage error (a bad value typed on the
command line or in a form), 1 for a data error (a broken file, a missing or damaged index)."""

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
    """Base class of every error the library raises on purpose: a message a user can act on,
    and where known the file (`path`), its `line` and the offending `value`."""

    exit_code = 1

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None, value: object = None):
        self.path, self.line, self.value = path, line, value
        super().__init__(message)


# --- data errors (exit 1) ------------------------------------------------------------------------


class ProblemsError(KBError):
    """Files have problems; `problems` lists each with its path and line. Nothing was changed."""

    what = "the files"

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = sorted(problems)
        first = self.problems[0] if self.problems else None
        super().__init__(f"{len(self.problems)} problem(s) in {self.what}", path=first.path if first else None,
                         line=first.line if first else None)


class CorpusError(ProblemsError):
    """The corpus (practice records) has problems."""

    what = "the corpus"


class SessionError(ProblemsError):
    """A workshop session record has problems; nothing was written."""

    what = "the session record"


class DataError(ProblemsError):
    """A reference data file (indicators, ...) has bad rows."""

    what = "the reference data"


class IndexMissing(KBError):
    """No index at the given path: it has to be built first."""

    def __init__(self, path: str):
        super().__init__(f"no index at {path}: run `kb index` first", path=path)


class IndexOutdated(KBError):
    """The index was built by another version of kb with a different layout."""

    def __init__(self, path: str, version: int):
        super().__init__(f"the index at {path} has layout version {version}, not the current one: run `kb index`",
                         path=path, value=version)


class IndexDamaged(KBError):
    """A file of the current index generation is missing, truncated or altered."""

    def __init__(self, path: str, detail: str):
        self.detail = detail
        super().__init__(f"the index at {path} is damaged ({detail}): run `kb index` to rebuild it", path=path)


class Busy(KBError):
    """Someone else holds the lock of a file or folder for longer than we may wait."""

    def __init__(self, path: str, what: str):
        super().__init__(f"{what}; try again when it has finished", path=path)


class IndexBusy(Busy):
    """Another build holds the index lock."""

    def __init__(self, path: str):
        super().__init__(path, f"another `kb index` is building {path}")


class SessionBusy(Busy):
    """Another writer holds a session record's lock."""

    def __init__(self, path: str):
        super().__init__(path, f"{path} is being written by someone else")


class MissingData(KBError):
    """The reference data lacks what a computation needs for a region (e.g. peer variables)."""

    def __init__(self, message: str, *, region: str):
        super().__init__(message, value=region)


class RenderFailed(KBError):
    """A notebook (a report, a pack) failed to render; `notebook` is the executed copy kept for audit."""

    def __init__(self, what: str, error: str, notebook: str):
        super().__init__(f"{what} failed: {error} (executed notebook: {notebook})", path=notebook)


class Stopped(KBError):
    """A batch stopped by a signal (SIGTERM, SIGINT, SIGHUP): workers and kernels were ended,
    finished reports kept, unfinished ones left as they were. The exit code is 128 + the signal."""

    def __init__(self, signal_name: str, signum: int, done: int, total: int):
        self.signum = signum
        self.exit_code = 128 + signum
        super().__init__(f"stopped by {signal_name}: {done} of {total} report(s) were written; "
                         "the others were left as they were")


# --- usage errors (exit 2) ------------------------------------------------------------------------


class UsageError(KBError):
    """A value given by the user is not valid (exit code 2)."""

    exit_code = 2


class BadText(UsageError):
    """Text typed on the command line or in a form that cannot be stored as it is."""

    def __init__(self, name: str, why: str):
        self.name, self.why = name, why
        super().__init__(f"{name} {why}", value=name)


class UnknownName(UsageError):
    """A region, theme or country that the reference data does not know."""

    def __init__(self, kind: str, value: str, suggestions: Sequence[str], valid: Sequence[str]):
        self.kind = kind
        self.suggestions, self.valid = list(suggestions), list(valid)
        hint = f"did you mean {', '.join(self.suggestions)}? " if self.suggestions else ""
        shown = ", ".join(self.valid[:20]) + (", ..." if len(self.valid) > 20 else "")
        super().__init__(f"unknown {kind} {value!r}: {hint}valid: {shown}", value=value)


class NotARegion(UsageError):
    """A grouping of practices (`eu`, `multi-region`) named where one region is needed."""

    def __init__(self, name: str):
        super().__init__(f"{name!r} is not a region but a grouping of practices; a report is made for one region: "
                         "name it by slug, NUTS code or name (see `kb regions`)", value=name)


class NotFound(UsageError):
    """A practice id that is not in the index."""


class IndexPathTaken(UsageError):
    """The --index path cannot hold an index (exit code 2): nothing was created."""

    def __init__(self, path: str, why: str):
        super().__init__(f"--index {path} {why}", path=path)
