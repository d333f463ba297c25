"""The docs stay honest: every command has help and is in the README."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_and_is_in_the_readme(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert cli.commands[name].help, name
    assert f"`kb {name}" in README, f"kb {name} is not in README.md"


def test_readme_starts_with_the_two_commands() -> None:
    head = README[:600]
    assert "make report" in head and "make test" in head


@pytest.mark.parametrize("name", sorted(cli.commands["workshop"].commands))  # type: ignore[attr-defined]
def test_every_workshop_command_has_help_and_is_in_the_readme(name: str) -> None:
    command = cli.commands["workshop"].commands[name]  # type: ignore[attr-defined]
    assert command.help
    assert CliRunner().invoke(cli, ["workshop", name, "--help"]).exit_code == 0
    assert f"`kb workshop {name}" in README


def _guaranteed_tests() -> list[tuple[str, str]]:
    """(file, test) for every test the README's Guarantees table names (`::name` means the file before)."""
    import re

    section = README.split("## Guarantees", 1)[1].split("\n## ", 1)[0]
    found: list[tuple[str, str]] = []
    for row in section.splitlines():
        if not row.startswith("| ") or row.startswith("| promise"):
            continue
        current = ""
        for match in re.finditer(r"`(?:(test_\w+\.py)(?:::(\w+))?|::(\w+))", row.rsplit("|", 2)[1]):
            current = match.group(1) or current
            name = match.group(2) or match.group(3)
            if name:
                found.append((current, name))
    return found


def test_every_test_the_guarantees_name_exists() -> None:
    tests_dir = Path(__file__).resolve().parent
    named = _guaranteed_tests()
    assert len(named) > 30
    missing = [f"{file}::{name}" for file, name in named
               if not (tests_dir / file).is_file() or f"def {name}(" not in (tests_dir / file).read_text("utf-8")]
    assert missing == []
