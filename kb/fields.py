"""Field checks from a table: one `Field` per field of a record or a session, saying whether it
is required, whether it may be empty (`null`), and which function checks its value. Adding a
field is one line in the table; the loop that reports unknown, missing and bad fields (with
each field's file line) is written once, here.

A value check yields messages; a message may come as (message, line key) to point at a list
item's own line (`sources[2]`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kb.errors import Problem
from kb.yamlio import brief

Message = str | tuple[str, str]
Check = Callable[[Any, Mapping[str, Any]], Iterable[Message]]


@dataclass(frozen=True)
class Field:
    name: str
    check: Check
    required: bool = True
    nullable: bool = False
    """A null value (`key:` with nothing after it) is accepted and not checked."""


def check_fields(data: Mapping[str, Any], table: Sequence[Field], path: str, lines: Mapping[str, int],
                 missing_line: int, context: Mapping[str, Any] | None = None) -> Iterator[Problem]:
    """Yield the problems of `data` against `table`: unknown fields, missing required fields,
    and whatever each field's check says of its value, each at its line. Checks see `context`
    (by default `data` itself; the whole session for one of its ratings)."""
    names = [f.name for f in table]

    def at(key: str) -> int:
        return lines.get(key, missing_line)

    for key in data:
        if key not in names:
            yield Problem(path, at(str(key)), f"unknown field {brief(key)} (known: {', '.join(names)})")
    for spec in table:
        if spec.name not in data:
            if spec.required:
                yield Problem(path, missing_line, f"missing required field '{spec.name}'")
            continue
        value = data[spec.name]
        if value is None and spec.nullable:
            continue
        for message in spec.check(value, data if context is None else context):
            if isinstance(message, tuple):
                text, key = message
                yield Problem(path, lines.get(key, at(spec.name)), text)
            else:
                yield Problem(path, at(spec.name), message)


# --- value checks shared by records and sessions -------------------------------------------------


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_text_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def text(name: str) -> Check:
    """Non-empty text."""
    def check(value: Any, _: Mapping[str, Any]) -> Iterator[Message]:
        if not isinstance(value, str) or not value.strip():
            yield f"'{name}' must be non-empty text"
    return check


def one_of(name: str, allowed: Sequence[str]) -> Check:
    def check(value: Any, _: Mapping[str, Any]) -> Iterator[Message]:
        if not isinstance(value, str) or value not in allowed:
            yield f"'{name}' is {brief(value)}; use one of: {', '.join(allowed)}"
    return check


def text_list(name: str) -> Check:
    def check(value: Any, _: Mapping[str, Any]) -> Iterator[Message]:
        if not is_text_list(value):
            yield f"'{name}' must be a list of text"
    return check
