"""Shared fixtures: the small good corpus, broken cases laid over it, and built indexes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb.search.build import build_index

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = FIXTURES / "good"
BROKEN = FIXTURES / "broken"
REPO = Path(__file__).resolve().parent.parent
REAL_PRACTICES = REPO / "practices"


def make_corpus(root: Path, *broken_cases: str) -> Path:
    """Copy the good corpus to `root/practices` and add the files of each broken case."""
    target = root / "practices"
    shutil.copytree(GOOD, target)
    for case in broken_cases:
        shutil.copytree(BROKEN / case, target, dirs_exist_ok=True)
    return target


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the good fixture corpus."""
    return make_corpus(tmp_path)


@pytest.fixture(scope="session")
def fixture_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the good fixture corpus (read-only: do not rebuild it in tests)."""
    root = tmp_path_factory.mktemp("fixture-index")
    index = root / "index"
    build_index(GOOD, index)
    return index


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the real corpus in practices/."""
    index = tmp_path_factory.mktemp("real-index") / "index"
    build_index(REAL_PRACTICES, index)
    return index


HOSTILE = FIXTURES / "hostile"


@pytest.fixture(scope="session")
def hostile_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the good corpus plus a record whose every field carries HTML and script."""
    root = tmp_path_factory.mktemp("hostile")
    practices = make_corpus(root)
    shutil.copytree(HOSTILE, practices, dirs_exist_ok=True)
    index = root / "index"
    build_index(practices, index)
    return index
