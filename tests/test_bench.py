"""The benchmark (kb/bench.py): generated corpora and a smoke run of `kb bench`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from conftest import REAL_PRACTICES
from kb.bench import generate_corpus, table
from kb.cli import cli
from kb.corpus.records import load_corpus, validate


def test_generated_corpus_is_valid_and_deterministic(tmp_path: Path) -> None:
    templates = list(load_corpus(REAL_PRACTICES).practices)
    a = generate_corpus(templates, 40, tmp_path / "a")
    b = generate_corpus(templates, 40, tmp_path / "b")
    assert validate(a) == []
    files_a = sorted(p.relative_to(a) for p in a.rglob("*.md"))
    assert files_a == sorted(p.relative_to(b) for p in b.rglob("*.md")) and len(files_a) == 40
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files_a)


def test_bench_smoke(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(cli, ["bench", "--sizes", "60", "--reps", "1", "--no-reports", "--json", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    names = [f["name"] for f in data["figures"]]
    assert "index build, real corpus" in names
    assert "incremental re-index after editing one record, 60" in names
    assert any(n.startswith("query p95, multilingual") for n in names)
    edit = next(f for f in data["figures"] if f["name"].startswith("incremental re-index after editing"))
    assert edit["target"] == 0.1 and edit["status"] == ("pass" if edit["value"] <= 0.1 else "miss")
    for name in ("index build vs plain Whoosh, 60 records", "query p95 vs plain Whoosh, all classes, 60"):
        figure = next(f for f in data["figures"] if f["name"] == name)
        assert figure["floor"] > 0 and figure["ratio"] == figure["value"] / figure["floor"]
        assert figure["target"] == 1.2
    assert "figure" in result.output and table(data).splitlines()[0].startswith("figure")


def test_bench_rejects_bad_sizes() -> None:
    result = CliRunner().invoke(cli, ["bench", "--sizes", "ten"])
    assert result.exit_code == 2 and "sizes must be whole numbers" in result.output
