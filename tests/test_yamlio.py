"""Reading typed YAML and typed files safely (kb/yamlio.py), through the corpus and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb.corpus.records import MAX_RECORD_BYTES, validate
from kb.yamlio import BadDate, brief, parse_yaml, read_limited

RECORD = "saxony/fx-saxony-monitoring-dashboard.md"
BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
    f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n" for i in range(9))


def kb(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run the installed `kb` in a child process, so that a hang fails the test instead of the run."""
    return subprocess.run([sys.executable, "-m", "kb.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, check=False)


def front_line(path: Path, key: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1)
                if line.startswith(f"{key}:"))


def set_field(path: Path, key: str, value: str, before: str = "") -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines = [f"{key}: {value}" if line.startswith(f"{key}:") else line for line in lines]
    if before:
        at = lines.index("---", 1)
        lines[at:at] = before.rstrip("\n").split("\n")
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.parametrize("key", ["id", "region", "last_reviewed"])
def test_an_alias_bomb_is_refused_at_its_line_without_expanding(corpus: Path, key: str) -> None:
    path = corpus / RECORD
    text = path.read_text(encoding="utf-8")
    bomb = "".join(f"x_{line}\n" for line in BOMB.splitlines())
    path.write_text(text.replace(f"\n{key}:", f"\n{bomb}{key}:", 1).replace(f"\n{key}: ", f"\n{key}: *j #", 1),
                    encoding="utf-8")
    started = time.perf_counter()
    result = kb("validate", "--practices", corpus, timeout=30)
    assert time.perf_counter() - started < 20
    assert result.returncode == 1
    alias_line = front_line(path, "x_b")
    assert f"{path}:{alias_line}: YAML aliases (*name) are not allowed" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) < 400


def test_duplicate_keys_are_refused_naming_both_lines() -> None:
    parsed = parse_yaml("id: a\ntitle: x\nid: b\n", "r.md", first_line=2)
    assert [str(p) for p in parsed.problems] == ["r.md:4: key 'id' is given twice (lines 2 and 4); keep one"]


def test_an_impossible_date_is_reported_at_its_line_with_the_other_problems(corpus: Path) -> None:
    path = corpus / RECORD
    set_field(path, "last_reviewed", "2026-02-30")
    set_field(path, "evidence", "anecdotal")
    problems = validate(corpus)
    assert [(p.line, p.message) for p in problems] == [
        (front_line(path, "evidence"), "'evidence' is 'anecdotal'; use one of: described, outputs, results, evaluated"),
        (front_line(path, "last_reviewed"), "'last_reviewed' '2026-02-30' is not a real date (YYYY-MM-DD)"),
    ]


def test_dates_that_do_not_exist_stay_text() -> None:
    parsed = parse_yaml("a: 2026-02-30\nb: 2026-02-28\n", "f")
    assert isinstance(parsed.data["a"], BadDate) and parsed.data["b"].day == 28 and parsed.problems == ()


@pytest.mark.parametrize("depth", [60, 5000])
def test_deep_nesting_is_a_problem_not_a_crash(depth: int) -> None:
    parsed = parse_yaml("a: " + "[" * depth + "]" * depth + "\n", "f")
    assert parsed.data is None and parsed.problems and "nest" in parsed.problems[0].message


def test_a_huge_value_is_quoted_briefly(corpus: Path) -> None:
    set_field(corpus / RECORD, "region", "x" * 500_000)
    (problem,) = [p for p in validate(corpus) if "region" in p.message]
    assert len(problem.message) < 200 and problem.message.startswith("unknown region 'xxx")
    assert brief(list(range(10_000))) == "a list of 10000 items"


@pytest.mark.parametrize("bad", ["!!python/object:os.system x", "!!float xyz", "[unclosed", "{? [a]: 1}",
                                 "\x07", "!!int abc"])
def test_any_value_yaml_cannot_read_is_a_problem(bad: str) -> None:
    parsed = parse_yaml(f"a: 1\nb: {bad}\n", "f")
    assert parsed.problems and all(p.path == "f" and p.line >= 1 for p in parsed.problems)


# --- files that are not what they are named -------------------------------------------------------


def test_a_fifo_named_md_is_named_and_does_not_hang(corpus: Path) -> None:
    os.mkfifo(corpus / "saxony" / "pipe.md")
    result = kb("validate", "--practices", corpus, timeout=30)
    assert result.returncode == 1
    assert f"{corpus}/saxony/pipe.md:1: is a named pipe (FIFO), not a text file" in result.stdout


def test_links_and_folders_named_md_are_named(corpus: Path) -> None:
    (corpus / "saxony" / "zero.md").symlink_to("/dev/zero")
    (corpus / "saxony" / "gone.md").symlink_to(corpus / "nowhere.md")
    (corpus / "saxony" / "folder.md").mkdir()
    messages = {Path(p.path).name: p.message for p in validate(corpus)}
    assert messages["zero.md"] == "is a character device, not a text file; remove it or rename it"
    assert messages["gone.md"].startswith("is a link to ") and messages["gone.md"].endswith("which does not exist")
    assert messages["folder.md"] == "is a folder, not a text file; remove it or rename it"


def test_a_record_over_the_size_limit_is_refused_unread(corpus: Path) -> None:
    path = corpus / RECORD
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("word " * (MAX_RECORD_BYTES // 5 + 10))
    (problem,) = validate(corpus)
    assert problem.path == str(path) and "the limit is 2,097,152" in problem.message


def test_read_limited_follows_links_to_regular_files(tmp_path: Path) -> None:
    (tmp_path / "real.md").write_text("hello", encoding="utf-8")
    (tmp_path / "link.md").symlink_to(tmp_path / "real.md")
    assert read_limited(tmp_path / "link.md", 10) == (b"hello", None)
    data, problem = read_limited(tmp_path / "real.md", 3)
    assert data is None and problem is not None and "limit" in problem.message


def test_hostile_file_names_are_printed_on_one_line_each(corpus: Path) -> None:
    latin1 = os.fsdecode(b"caf\xe9.md")
    (corpus / "saxony" / latin1).write_text("no front matter\n", encoding="utf-8")
    (corpus / "saxony" / "two\nlines.md").write_text("no front matter\n", encoding="utf-8")
    result = kb("validate", "--practices", corpus)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stdout.splitlines() == [
        f"{corpus}/saxony/caf\\xe9.md:1: missing front matter: the file must start with a '---' line",
        f"{corpus}/saxony/two\\nlines.md:1: missing front matter: the file must start with a '---' line",
    ]
