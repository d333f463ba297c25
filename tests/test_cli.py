"""The `kb` command line: exit codes, messages and JSON shapes (kb/cli.py)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import GOOD, make_corpus
from kb.cli import cli


def run(*args: str | Path):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_validate_clean_corpus_prints_one_summary_line() -> None:
    result = run("validate", "--practices", GOOD)
    assert result.exit_code == 0
    assert result.output == f"6 records valid in {GOOD}\n"


def test_validate_prints_every_problem_as_path_line_message(tmp_path: Path) -> None:
    practices = make_corpus(tmp_path, "two-problems", "unknown-region")
    result = run("validate", "--practices", practices)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines == [
        f"{practices}/atlantis/fx-unknown-region.md:5: unknown region 'atlantis' (see `kb regions` for the slugs)",
        f"{practices}/saxony/fx-two-problems.md:10: 'start_year' 1066 is outside 1945-{dt.date.today().year + 5}",
        f"{practices}/saxony/fx-two-problems.md:14: 'verification' is 'certain'; use one of: verified, partial, "
        "unverified",
    ]
    assert "3 problem(s) in 2 file(s)" in result.stderr


def test_validate_json(tmp_path: Path) -> None:
    practices = make_corpus(tmp_path, "bad-url")
    result = run("validate", "--practices", practices, "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 1
    assert data["valid"] == 6 and data["problems"][0]["line"] == 12


def test_validate_missing_folder(tmp_path: Path) -> None:
    result = run("validate", "--practices", tmp_path / "nope")
    assert result.exit_code == 1
    assert "no such folder of practice records" in result.stdout


def test_index_then_search_json(tmp_path: Path) -> None:
    index = tmp_path / "index"
    built = run("index", "--practices", GOOD, "--index", index)
    assert built.exit_code == 0 and "indexed 6 records" in built.output
    result = run("search", "pôles de compétitivité", "--index", index, "--json", "--limit", "2")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) >= {"hits", "facets", "total", "query"}
    hit = data["hits"][0]
    assert {"id", "title", "region", "country", "themes", "score", "highlights", "url", "why"} <= set(hit)
    assert hit["id"] == "fx-wallonia-competitiveness-poles"
    assert set(data["facets"]) == {"region", "theme", "country"}
    assert len(data["hits"]) <= 2


def test_index_refuses_a_broken_corpus_and_lists_problems(tmp_path: Path) -> None:
    practices = make_corpus(tmp_path, "unknown-theme")
    result = run("index", "--practices", practices, "--index", tmp_path / "index")
    assert result.exit_code == 1
    assert "fx-unknown-theme.md:7: unknown theme 'blockchain'" in result.stderr
    assert "nothing was changed" in result.stderr
    assert not (tmp_path / "index").exists()


def test_search_human_output(fixture_index: Path) -> None:
    result = run("search", "foresight", "--index", fixture_index)
    assert result.exit_code == 0
    assert "Fixture: regional foresight network and scenarios" in result.output
    assert "why:" in result.output and "https://example.org/fx-lapland-foresight-network" in result.output
    assert "theme:" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--region", "atlantis"], "Error: unknown region 'atlantis'"),
    (["--theme", "blockchain"], "Error: unknown theme 'blockchain'"),
    (["--country", "ZZ"], "Error: unknown country 'ZZ'"),
    (["--limit", "-1"], "Invalid value for '--limit': must be 1 or more, not -1"),
    (["--limit", "many"], "Invalid value for '--limit'"),
    (["--year-from", "soon"], "Invalid value for '--year-from'"),
])
def test_bad_command_line_values_exit_2_with_one_line(fixture_index: Path, args: list[str], message: str) -> None:
    result = run("search", "x", "--index", fixture_index, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_unknown_region_message_names_valid_ones(fixture_index: Path) -> None:
    result = run("search", "x", "--index", fixture_index, "--region", "Saxonie")
    assert "did you mean saxony?" in result.stderr
    assert "valid: hauts-de-france, norra-mellansverige" in result.stderr


def test_search_without_an_index(tmp_path: Path) -> None:
    result = run("search", "x", "--index", tmp_path / "none")
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: no index at {tmp_path / 'none'}: run `kb index` first"


@pytest.mark.parametrize("query", ['"unbalanced', "*", "title:", "\u202e\u0000", "x" * 5000])
def test_odd_queries_never_crash(fixture_index: Path, query: str) -> None:
    result = run("search", query, "--index", fixture_index, "--json")
    assert result.exit_code == 0
    assert "hits" in json.loads(result.stdout)


def test_similar(fixture_index: Path) -> None:
    result = run("similar", "fx-saxony-monitoring-dashboard", "--index", fixture_index, "--json")
    assert result.exit_code == 0
    ids = [h["id"] for h in json.loads(result.stdout)["hits"]]
    assert ids and "fx-saxony-monitoring-dashboard" not in ids
    missing = run("similar", "no-such-id", "--index", fixture_index)
    assert missing.exit_code == 2 and "no practice with id 'no-such-id'" in missing.stderr


def test_regions_lists_pilots_with_codes() -> None:
    result = run("regions")
    assert result.exit_code == 0
    assert "saxony" in result.output and "DED2, DED4, DED5" in result.output
    data = json.loads(run("regions", "--json").stdout)
    by_slug = {r["slug"]: r for r in data}
    assert by_slug["hauts-de-france"]["nuts_by_vintage"]["2010"] == ["FR30", "FR22"]
    assert sum(1 for r in data if r["pilot_cohort"]) == 12
    assert len(data) > 300


def _one_usage_line(result, words: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ") and words in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("args", "words"), [
    (["bench", "--reps", "-1"], "'--reps': -1 is not in the range x>=1"),
    (["bench", "--reps", "0"], "'--reps': 0 is not in the range x>=1"),
    (["workshop", "validate", "--workshops", "/nonexistent"], "no folder of session records at /nonexistent"),
    (["workshop", "new", "--theme", "governance", "--regions", "saxony,saxony", "--date", "2026-03-01"],
     "'saxony' is named twice"),
    (["workshop", "new", "--theme", "governance", "--regions", "Sachsen,saxony,wallonia", "--date", "2026-03-01"],
     "'Sachsen' and 'saxony' are both saxony"),
    (["report", "eu"], "'eu' is not a region"),
    (["search", "x", "--limit", "0"], "'--limit': must be 1 or more"),
])
def test_bad_values_are_one_usage_line_before_any_work(fixture_index: Path, tmp_path: Path, args: list[str],
                                                       words: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    if args[0] != "bench":
        args = [*args, "--index", str(fixture_index)]
    if args[:2] == ["workshop", "new"]:
        args += ["--workshops", str(tmp_path / "w")]
    _one_usage_line(run(*args), words)
    assert not (tmp_path / "w").exists()


def test_a_bad_pack_start_time_is_refused_before_a_kernel_starts(fixture_index: Path, tmp_path: Path) -> None:
    from kb.workshops.sessions import new_session

    path = new_session(tmp_path / "w", "governance", ["saxony", "wallonia"], dt.date(2026, 3, 1),
                       ["fx-saxony-monitoring-dashboard"])
    result = run("workshop", "pack", path, "--start", "garbage", "--out", tmp_path / "out", "--index", fixture_index)
    _one_usage_line(result, "'--start': must be a time of day HH:MM")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv", [[b"similar", b"\xff"], [b"search", b"caf\xe9"], [b"peers", b"Sch\xf6nberg"]])
def test_undecodable_arguments_are_one_usage_line(fixture_index: Path, argv: list[bytes]) -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable.encode(), b"-m", b"kb.cli", *argv, b"--index",
                             str(fixture_index).encode()] if argv[0] != b"peers" else
                            [sys.executable.encode(), b"-m", b"kb.cli", *argv], capture_output=True, check=False,
                            env={"LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"}, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count(b"\n") == 1 and b"is not valid UTF-8 text" in result.stderr


def test_an_index_path_that_is_not_an_index_is_one_line(tmp_path: Path) -> None:
    result = run("search", "x", "--index", "/proc/x")
    assert result.exit_code == 1 and result.stderr == "Error: no index at /proc/x: run `kb index` first\n"
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "notes.txt").write_text("someone's files", encoding="utf-8")
    result = run("index", "--practices", GOOD, "--index", tmp_path / "plain")
    _one_usage_line(result, "exists and is not an index built by kb")


@pytest.mark.parametrize(("region", "code"), [("wallonia", "BE3"), ("lithuania", "LT"), ("saxony", "DED")])
def test_indicators_json_gives_the_published_figure(region: str, code: str) -> None:
    from kb.reference.indicators import series

    result = run("indicators", region, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    gerd = next(i for i in data["indicators"] if i["indicator"] == "gerd_pct_gdp")
    published = series(code, "gerd_pct_gdp")
    if gerd["year"] in published:
        assert gerd["value"] == published[gerd["year"]]
    else:
        assert gerd["year"] > max(published) and f"published for {code}" in gerd["rule"]
    assert code in gerd["rule"] and len(gerd["peers"]) == len(data["peers"]) == 5
    assert gerd["eu_aggregate"]["value"] is not None and gerd["eu_median"]["year"] is not None
    text = run("indicators", region)
    assert text.exit_code == 0 and "published for" in text.stdout and "old: 2012" in text.stdout


def test_validate_json_counts_the_corpus_and_peer_coverage() -> None:
    result = run("validate", "--practices", GOOD, "--json")
    counts = json.loads(result.stdout)["counts"]
    assert counts["records"] == 6 and counts["regions"]["saxony"] == 1
    assert counts["themes"]["governance"] >= 2 and sum(counts["evidence"].values()) == 6
    saxony = counts["peer_coverage"]["saxony"]
    assert saxony["of"] == 8 and len(saxony["peers"]) == 8 and saxony["covered"] == 0
    assert counts["peer_coverage"]["piemonte"]["peers"].get("slovenia", 0) in (0, 1)
