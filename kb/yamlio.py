"""One safe way to read the YAML that people type: practice front matter and workshop session
records.

Plain `yaml.safe_load` trusts its input in ways a hand-edited file cannot be trusted: an alias
bomb of a few kilobytes expands to gigabytes, a duplicate key silently replaces the first, an
impossible date (`2026-02-30`) raises instead of being reported, and a deeply nested value
overflows the stack. Here every one of those is a `Problem` with its file line, and the caller
still gets every other field to check, so a file's problems are reported together.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kb.errors import Problem

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}")
MAX_DEPTH = 50
"""Deepest nesting of lists and mappings accepted (records need 3)."""


class BadDate(str):
    """The text of a timestamp-like scalar that is not a real date (`2026-02-30`): kept as text
    so that the field's own check reports it at the field's line, with the other problems."""


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """The C parser and composer with Python constructors: fast, and a date that does not exist
    becomes a `BadDate` instead of an exception that would hide the file's other problems."""


def _timestamp(loader: Any, node: yaml.Node) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return BadDate(node.value)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


@dataclass(frozen=True)
class Parsed:
    """YAML text read safely: the data (None when it could not be read), the file line of each
    top-level key and of each item of a top-level list (`key[i]`, from 0), and the problems."""

    data: Any
    lines: dict[str, int]
    problems: tuple[Problem, ...]


def cut(text: str, limit: int = 160) -> str:
    """`text` cut to `limit` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def brief(value: Any, limit: int = 60) -> str:
    """`repr(value)` cut to `limit` characters: messages quote what the user wrote without
    printing a megabyte of it back."""
    if isinstance(value, str) and len(value) > 4 * limit:
        value = value[: 4 * limit]
    elif isinstance(value, (list, dict, tuple, set)) and len(value) > limit:
        return f"a {type(value).__name__} of {len(value)} items"
    return cut(repr(value), limit)


def is_date(value: Any) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def date_problem(field: str, value: Any) -> str:
    """Why `value` is not a date for `field` (the message of every date check)."""
    if isinstance(value, BadDate) or (isinstance(value, str) and _DATE.match(value)):
        return f"'{field}' {brief(str(value))} is not a real date (YYYY-MM-DD)"
    return f"'{field}' must be a date YYYY-MM-DD, not {brief(value)}"


def _walk(root: yaml.Node, first_line: int, path: str) -> Iterator[Problem]:
    """Problems of the node graph itself: aliases (a node reached twice), duplicate keys,
    nesting deeper than MAX_DEPTH. Iterative, so no input can overflow the stack."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            continue  # reported once, by _alias_problem
        seen.add(id(node))
        if depth > MAX_DEPTH:
            yield Problem(path, node.start_mark.line + first_line, f"values are nested more than {MAX_DEPTH} deep")
            continue
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            keys: dict[str, int] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    line = key_node.start_mark.line + first_line
                    if key_node.value in keys:
                        yield Problem(path, line, f"key {brief(key_node.value)} is given twice "
                                                  f"(lines {keys[key_node.value]} and {line}); keep one")
                    keys.setdefault(key_node.value, line)
                stack.append((value_node, depth + 1))
                stack.append((key_node, depth + 1))


def _has_shared_nodes(root: yaml.Node) -> bool:
    """True when a node is reached twice: the composer's trace of an alias (`*name`)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                stack.extend((key_node, value_node))
    return False


def _alias_problem(text: str, path: str, first_line: int) -> Problem:
    line = first_line
    try:
        for event in yaml.parse(text, Loader=_Base):
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + first_line
                break
    except yaml.YAMLError:
        pass
    return Problem(path, line, "YAML aliases (*name) are not allowed: write the value out")


def parse_yaml(text: str, path: str, first_line: int = 1, what: str = "the text") -> Parsed:
    """Read YAML text that a person wrote. Never raises for bad input: every problem, with the
    file line (`first_line` is the line of the text's first line), is in the result."""
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as exc:
            return Parsed(None, {}, (_yaml_problem(exc, path, first_line, what),))
        except RecursionError:
            return Parsed(None, {}, (Problem(path, first_line, f"{what} is nested too deeply"),))
        if node is None:
            return Parsed(None, {}, ())
        if _has_shared_nodes(node):
            return Parsed(None, {}, (_alias_problem(text, path, first_line),))
        problems = list(_walk(node, first_line, path))
        if any("nested more than" in p.message for p in problems):
            return Parsed(None, {}, tuple(problems))
        try:
            data = loader.construct_document(node)
        except yaml.YAMLError as exc:
            return Parsed(None, {}, (*problems, _yaml_problem(exc, path, first_line, what)))
        except (ValueError, TypeError, OverflowError, RecursionError) as exc:
            return Parsed(None, {}, (*problems, Problem(path, first_line,
                                                        f"{what} has a value YAML cannot read: {cut(str(exc))}")))
    finally:
        loader.dispose()
    return Parsed(data, _key_lines(node, first_line), tuple(problems))


def _yaml_problem(exc: yaml.YAMLError, path: str, first_line: int, what: str) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + first_line if mark else first_line
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return Problem(path, line, f"{what} is not valid YAML: {cut(str(problem))}")


def _key_lines(node: yaml.Node, first_line: int) -> dict[str, int]:
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = str(key_node.value)
            lines.setdefault(key, key_node.start_mark.line + first_line)
            if isinstance(value_node, yaml.SequenceNode):
                for i, item in enumerate(value_node.value):
                    lines.setdefault(f"{key}[{i}]", item.start_mark.line + first_line)
    return lines


# --- reading files that people can put anything in ------------------------------------------------


def display_path(path: Path | str) -> str:
    """A path as one printable line: bytes that are not UTF-8 as `\\xe8`, control characters
    (a newline in a file name) as escapes. Messages name files this way, so that a hostile
    name can neither crash the output nor forge a line of it."""
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def read_limited(path: Path, limit: int, shown: str | None = None) -> tuple[bytes | None, Problem | None]:
    """Return the bytes of a regular file of at most `limit` bytes, or a problem saying why it
    was not read: a dangling link, a folder, a FIFO or device (which could block or never end),
    a file over the limit, or an OS error. Links to regular files are followed."""
    shown = shown or str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return None, Problem(shown, 1, f"is a link to {cut(os.readlink(path))}, which does not exist")
        return None, Problem(shown, 1, "no such file")
    except OSError as exc:
        return None, Problem(shown, 1, f"cannot be read: {exc.strerror}")
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _KINDS if test(st.st_mode)), "not a regular file")
        return None, Problem(shown, 1, f"is {kind}, not a text file; remove it or rename it")
    if st.st_size > limit:
        return None, Problem(shown, 1, f"is {st.st_size:,} bytes; the limit is {limit:,} "
                                       "(split it, or move long material to a linked source)")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None, Problem(shown, 1, "was replaced by something that is not a regular file")
            with os.fdopen(fd, "rb", closefd=False) as fh:
                data = fh.read(limit + 1)
        finally:
            os.close(fd)
    except OSError as exc:
        return None, Problem(shown, 1, f"cannot be read: {exc.strerror}")
    if len(data) > limit:
        return None, Problem(shown, 1, f"is over the limit of {limit:,} bytes")
    return data, None


def decode_utf8(data: bytes, shown: str, hint: str = "") -> tuple[str | None, Problem | None]:
    """Return the text of UTF-8 bytes (a BOM is dropped), or a problem naming the bad byte's line."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Problem(shown, line, f"not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start}{hint}")
