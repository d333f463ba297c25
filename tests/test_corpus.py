"""Reading and checking practice records (kb/corpus/records.py, kb/corpus/checks.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import BROKEN, GOOD, make_corpus
from kb.corpus.checks import check_url
from kb.corpus.records import SECTIONS, load_corpus, parse_record, read_record, validate
from kb.errors import CorpusError


def test_good_fixture_corpus_is_clean() -> None:
    assert validate(GOOD) == []
    corpus = load_corpus(GOOD)
    assert len(corpus.practices) == 6
    sax = corpus.by_id()["fx-saxony-monitoring-dashboard"]
    assert sax.region == "saxony"
    assert sax.countries == ("DE",)
    assert sax.themes == ("monitoring-evaluation", "governance")
    assert sax.last_reviewed == dt.date(2026, 11, 1)
    assert list(sax.sections) == list(SECTIONS)
    assert sax.url == "https://example.org/fx-saxony-monitoring-dashboard"


def test_multi_region_practice_takes_countries_from_partners() -> None:
    pilot = load_corpus(GOOD).by_id()["fx-interregional-pilot"]
    assert pilot.regions == ("multi-region", "piemonte", "slovenia")
    assert pilot.countries == ("IT", "SI")


@pytest.mark.parametrize(
    ("case", "line", "message"),
    [
        ("bad-yaml", 5, "front matter is not valid YAML"),
        ("unknown-region", 5, "unknown region 'atlantis'"),
        ("unknown-theme", 7, "unknown theme 'blockchain'"),
        ("missing-field", 2, "missing required field 'evidence'"),
        ("bad-url", 12, "source 1 URL 'javascript:alert(1)' must start with http:// or https://"),
        ("missing-section", 18, "missing section '## Resources'"),
        ("id-mismatch", 2, "id 'fx-some-other-id' does not match the file name 'fx-id-mismatch.md'"),
        ("non-utf8", 9, "not UTF-8 text: byte 0xe8"),
    ],
)
def test_each_broken_record_is_reported_with_path_and_line(tmp_path: Path, case: str, line: int,
                                                            message: str) -> None:
    practices = make_corpus(tmp_path, case)
    problems = validate(practices)
    assert len(problems) == 1, problems
    (problem,) = problems
    broken_file = next((BROKEN / case).rglob("*.md")).relative_to(BROKEN / case)
    assert problem.path == str(practices / broken_file)
    assert problem.line == line
    assert message in problem.message


def test_duplicate_id_names_both_files(tmp_path: Path) -> None:
    practices = make_corpus(tmp_path, "duplicate-id")
    (problem,) = validate(practices)
    assert "duplicate id 'fx-saxony-monitoring-dashboard'" in problem.message
    original = str(practices / "saxony" / "fx-saxony-monitoring-dashboard.md")
    copy = str(practices / "saxony" / "archive" / "fx-saxony-monitoring-dashboard.md")
    assert {problem.path, problem.message.split("(also in ")[1].rstrip(")")} == {original, copy}


def test_all_problems_are_reported_not_just_the_first(tmp_path: Path) -> None:
    practices = make_corpus(tmp_path, "two-problems", "unknown-theme", "bad-yaml")
    problems = validate(practices)
    assert len(problems) == 4
    assert [p.line for p in problems if "two-problems" in p.path] == [10, 14]


def test_load_corpus_raises_with_every_problem(tmp_path: Path) -> None:
    practices = make_corpus(tmp_path, "two-problems", "unknown-region")
    with pytest.raises(CorpusError) as err:
        load_corpus(practices)
    assert len(err.value.problems) == 3


def test_record_in_the_wrong_region_folder(corpus: Path) -> None:
    moved = corpus / "wallonia" / "fx-saxony-monitoring-dashboard.md"
    (corpus / "saxony" / "fx-saxony-monitoring-dashboard.md").rename(moved)
    (problem,) = validate(corpus)
    assert "move it to 'saxony/'" in problem.message


def test_bom_and_crlf_are_accepted(corpus: Path) -> None:
    path = corpus / "saxony" / "fx-saxony-monitoring-dashboard.md"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert validate(corpus) == []
    practice = load_corpus(corpus).by_id()["fx-saxony-monitoring-dashboard"]
    assert practice.title == "Fixture: S3 monitoring dashboard with annual indicators"
    assert "\r" not in practice.summary


def test_a_one_megabyte_body_is_read(corpus: Path) -> None:
    path = corpus / "saxony" / "fx-saxony-monitoring-dashboard.md"
    path.write_text(path.read_text(encoding="utf-8") + ("lorem ipsum dolor " * 60000), encoding="utf-8")
    assert path.stat().st_size > 1_000_000
    assert validate(corpus) == []


def test_front_matter_problems_carry_file_lines() -> None:
    text = "---\nid: x\ntitle: ''\nthemes: governance\n---\n"
    raw = parse_record(text, "p.md")
    from kb.corpus.records import check_record

    problems = list(check_record(raw, "x"))
    by_message = {p.message.split(" (")[0]: p.line for p in problems}
    assert by_message["'title' must be non-empty text"] == 3
    assert by_message["'themes' must be a non-empty list of theme slugs"] == 4


@pytest.mark.parametrize("text", ["no front matter\n", "---\nid: x\n", "---\n- a\n- b\n---\n", "---\n---\n"])
def test_malformed_files_give_a_problem_not_an_exception(text: str) -> None:
    from kb.corpus.records import check_record

    problems = list(check_record(parse_record(text, "p.md"), "p"))
    assert problems and all(p.path == "p.md" and p.line >= 1 for p in problems)


def test_read_record_reports_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_bytes(b"---\nid: x\n\xff\xfe\x00garbage")
    raw = read_record(path)
    assert raw.front is None
    assert raw.problems[0].line == 3


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://www.interregeurope.eu/good-practices/x", True),
        ("http://example.org/a?b=c", True),
        ("https://issuu.com./doc", True),
        ("javascript:alert(1)", False),
        ("ftp://example.org/file", False),
        ("https://localhost/x", False),
        ("https://exa mple.org", False),
        ("", False),
        (None, False),
    ],
)
def test_check_url(url: object, ok: bool) -> None:
    assert (check_url(url) is None) is ok


def test_a_source_on_a_document_mirror_is_a_warning_not_a_problem(corpus: Path) -> None:
    from kb.corpus.checks import mirror_host
    from kb.corpus.records import source_warnings

    path = corpus / "saxony" / "fx-saxony-monitoring-dashboard.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "https://example.org/fx-saxony-monitoring-dashboard", "https://www.docslib.org/doc/123/monitoring"),
        encoding="utf-8")
    assert validate(corpus) == []
    (warning,) = source_warnings(corpus)
    assert warning.line == 12 and "docslib.org, a document mirror" in warning.message
    assert mirror_host("https://sub.issuu.com/x") == "issuu.com" and mirror_host("https://notissuu.com/") is None
