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
