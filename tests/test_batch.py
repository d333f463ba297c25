"""Rendering reports in batch, end to end (kb/batch.py, kb report)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.reference.regions import regions
from kb.reports.batch import render_reports, resolve_regions
from pages import read_page

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "region_report.ipynb"


def test_one_failing_region_does_not_stop_the_others(fixture_index: Path, tmp_path: Path) -> None:
    targets = [regions()["saxony"], regions()["eu"], regions()["greater-manchester"]]
    out = tmp_path / "reports"
    outcomes = render_reports(targets, out, fixture_index, tmp_path / "none", notebook=NOTEBOOK, workers=2,
                              generated_on="2026-01-01")
    assert [o.name for o in outcomes] == ["saxony", "eu", "greater-manchester"]
    assert [o.ok for o in outcomes] == [True, False, True]
    assert "is not a region but a grouping of practices" in (outcomes[1].error or "")
    assert Path(outcomes[1].notebook).exists() and not (out / "eu.html").exists()
    page = (out / "saxony.html").read_text(encoding="utf-8")
    refs = read_page(page)
    assert refs.sections == ["brief", "profile", "indicators", "challenges", "practices", "own-practices", "peers",
                             "partnerships", "funding", "actions", "sources"]
    assert refs.external == []
    assert "region = " not in page
    assert "<title>Saxony: peer-learning report · Transition KB</title>" in page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "saxony.html" in index and "failed:" in index and "greater-manchester.html" in index


def test_cli_lists_failures_and_exits_1(fixture_index: Path, tmp_path: Path) -> None:
    broken = Path(__file__).parent / "fixtures" / "notebooks" / "broken.ipynb"
    result = CliRunner().invoke(cli, ["report", "saxony", "--index", str(fixture_index), "--out", str(tmp_path),
                                      "--notebook", str(broken), "--jobs", "1"])
    assert result.exit_code == 1
    assert "0 of 1 report(s)" in result.output
    assert "FAILED saxony: cell 3: ValueError: boom" in result.stderr


def test_a_pseudo_region_is_a_usage_error_before_any_kernel(fixture_index: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["report", "saxony", "eu", "--index", str(fixture_index), "--out",
                                      str(tmp_path / "out"), "--notebook", str(NOTEBOOK)])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: 'eu' is not a region") and result.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_cli_needs_a_region(fixture_index: Path) -> None:
    result = CliRunner().invoke(cli, ["report", "--index", str(fixture_index)])
    assert result.exit_code == 2 and "--all" in result.output


def test_all_means_the_twelve_pilots() -> None:
    assert [r.slug for r in resolve_regions([], True)][:2] == ["hauts-de-france", "norra-mellansverige"]
    assert len(resolve_regions(["saxony", "DED2"], True)) == 12


def test_reports_older_than_a_session_are_marked_and_rerendered(fixture_index: Path, tmp_path: Path) -> None:
    import json
    import os

    import yaml

    out, workshops = tmp_path / "reports", tmp_path / "workshops"
    runner = CliRunner()
    first = runner.invoke(cli, ["report", "saxony", "wallonia", "--index", str(fixture_index), "--out", str(out),
                                "--workshops", str(workshops), "--jobs", "2", "--json"])
    assert first.exit_code == 0, first.output
    assert {r["region"] for r in json.loads(first.output)["reports"]} == {"saxony", "wallonia"}
    nothing = runner.invoke(cli, ["report", "--stale", "--index", str(fixture_index), "--out", str(out),
                                  "--workshops", str(workshops)])
    assert nothing.exit_code == 0 and "no report" in nothing.output
    workshops.mkdir()
    record = workshops / "2026-03-01-foresight.yaml"
    record.write_text(yaml.safe_dump({"date": "2026-03-01", "theme": "foresight", "regions": ["saxony", "lithuania"],
                                      "practices": ["fx-lapland-foresight-network"], "ratings": [], "actions": []}),
                      encoding="utf-8")
    later = (out / "saxony.html").stat().st_mtime + 0.001  # just after the report was written
    os.utime(record, (later, later))
    again = runner.invoke(cli, ["report", "wallonia", "--index", str(fixture_index), "--out", str(out),
                                "--workshops", str(workshops)])
    assert again.exit_code == 0
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "older than the session of 2026-03-01" in index and index.count("older than the session") == 1
    stale = runner.invoke(cli, ["report", "--stale", "--index", str(fixture_index), "--out", str(out),
                                "--workshops", str(workshops), "--json"])
    assert stale.exit_code == 0, stale.output
    assert [r["region"] for r in json.loads(stale.output)["reports"]] == ["saxony"]
    assert "older than the session" not in (out / "index.html").read_text(encoding="utf-8")


def test_the_eu_batch_covers_every_region_with_figures_and_the_index_maps_them(fixture_index: Path,
                                                                              tmp_path: Path) -> None:
    from kb.reference.regions import PILOT_REGIONS
    from kb.reports.batch import eu_regions, region_map, write_index

    chosen = eu_regions()
    slugs = {r.slug for r in chosen}
    assert len(chosen) >= 240 and set(PILOT_REGIONS) <= slugs and "eu" not in slugs
    assert len(slugs) == len(chosen)
    out = tmp_path / "reports"
    out.mkdir()
    for slug in ("saxony", "stuttgart"):
        (out / f"{slug}.html").write_text("<html></html>", encoding="utf-8")
    html = write_index([], [], out, "2026-12-02").read_text(encoding="utf-8")
    assert html.count("<path") >= 240 and 'href="saxony.html"' in html and 'href="stuttgart.html"' in html
    svg = html.split("<svg")[1].split("</svg>")[0]
    assert svg.count('href="saxony.html"') == 3  # Dresden, Chemnitz and Leipzig open the Saxony report
    assert "EuroGeographics" in html
    rows = [r for r in region_map([]).regions if r.href]
    assert rows == []


def test_the_same_reports_on_a_two_worker_dask_cluster(fixture_index: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    targets = [regions()[s] for s in ("saxony", "wallonia", "greater-manchester")]
    local, dask = tmp_path / "local", tmp_path / "dask"
    done_local = render_reports(targets, local, fixture_index, tmp_path / "none", notebook=NOTEBOOK, workers=2,
                                generated_on="2026-01-01")
    done_dask = render_reports(targets, dask, fixture_index, tmp_path / "none", notebook=NOTEBOOK, workers=2,
                               generated_on="2026-01-01", scheduler="local")
    assert [o.ok for o in done_local] == [o.ok for o in done_dask] == [True, True, True]
    for region in targets:
        a = (local / f"{region.slug}.html").read_bytes()
        b = (dask / f"{region.slug}.html").read_bytes()
        assert a == b, region.slug


def test_a_failing_report_on_dask_is_tried_twice_then_listed(fixture_index: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    broken = Path(__file__).parent / "fixtures" / "notebooks" / "broken.ipynb"
    outcomes = render_reports([regions()["saxony"]], tmp_path / "out", fixture_index, tmp_path / "none",
                              notebook=broken, workers=1, scheduler="local")
    assert [o.ok for o in outcomes] == [False] and "boom" in (outcomes[0].error or "")


def test_without_dask_the_scheduler_option_is_one_line(fixture_index: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "distributed" else real(name, *a))
    result = CliRunner().invoke(cli, ["report", "saxony", "--scheduler", "local", "--index", str(fixture_index),
                                      "--out", str(tmp_path)])
    assert result.exit_code == 2 and "pip install -e '.[cluster]'" in result.output
    assert not any(tmp_path.iterdir())
