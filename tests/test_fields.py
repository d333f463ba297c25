"""Field checks from a table (kb/fields.py), and the record and session tables built on it."""

from __future__ import annotations

from kb.corpus.checks import FIELDS as RECORD_FIELDS
from kb.fields import Field, check_fields, one_of, text
from kb.workshops.sessions import SESSION

TABLE = (Field("name", text("name")), Field("kind", one_of("kind", ("a", "b"))),
         Field("note", text("note"), required=False, nullable=True))


def test_unknown_missing_and_bad_fields_are_reported_at_their_lines() -> None:
    problems = list(check_fields({"kind": "c", "extra": 1, "note": None}, TABLE, "f.yaml",
                                 {"kind": 3, "extra": 4}, missing_line=1))
    assert [str(p) for p in sorted(problems)] == [
        "f.yaml:1: missing required field 'name'",
        "f.yaml:3: 'kind' is 'c'; use one of: a, b",
        "f.yaml:4: unknown field 'extra' (known: name, kind, note)",
    ]


def test_a_message_can_point_at_an_item_line() -> None:
    def items(value: object, _: object):  # type: ignore[no-untyped-def]
        yield "second item is bad", "items[1]"

    (problem,) = check_fields({"items": [1, 2]}, (Field("items", items),), "f", {"items": 2, "items[1]": 4}, 1)
    assert (problem.line, problem.message) == (4, "second item is bad")


def test_the_tables_name_every_documented_field_once() -> None:
    names = [f.name for f in RECORD_FIELDS]
    assert len(names) == len(set(names))
    assert {f.name for f in RECORD_FIELDS if f.required} == {
        "id", "title", "region", "nuts", "themes", "instruments", "lead_organisation", "start_year", "sources",
        "verification", "evidence", "last_reviewed"}
    assert [f.name for f in SESSION] == ["date", "theme", "regions", "facilitator", "practices", "ratings",
                                         "actions"]
