"""Exporting the corpus (kb/export.py, kb export)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from conftest import GOOD
from kb.cli import cli
from kb.corpus.export import rows
from kb.reference.themes import themes


def test_one_row_per_practice_with_theme_columns() -> None:
    table = rows(GOOD)
    assert [r["id"] for r in table] == sorted(r["id"] for r in table) and len(table) == 6
    sax = next(r for r in table if r["id"] == "fx-saxony-monitoring-dashboard")
    assert sax["theme_monitoring-evaluation"] == 1 and sax["theme_foresight"] == 0
    assert all(f"theme_{slug}" in sax for slug in themes())


def test_csv_round_trips_through_pandas(tmp_path: Path) -> None:
    out = tmp_path / "practices.csv"
    result = CliRunner().invoke(cli, ["export", "--practices", str(GOOD), "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0
    frame = pd.read_csv(out, encoding="utf-8")
    assert len(frame) == 6
    assert frame.loc[frame["id"] == "fx-wallonia-competitiveness-poles", "original_title"].item() == \
        "Fixture: pôles de compétitivité wallons"
    again = tmp_path / "again.csv"
    frame.to_csv(again, index=False)
    assert pd.read_csv(again).equals(frame)
    assert set(frame["theme_clusters"].unique()) <= {0, 1}


def test_json_keeps_lists(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "--format", "json", "--practices", str(GOOD)], catch_exceptions=False)
    data = json.loads(result.stdout)
    pilot = next(r for r in data if r["id"] == "fx-interregional-pilot")
    assert pilot["partner_regions"] == ["piemonte", "slovenia"]
    assert pd.DataFrame(data).shape[0] == 6


def test_broken_corpus_exits_1(tmp_path: Path) -> None:
    from conftest import make_corpus

    practices = make_corpus(tmp_path, "bad-url")
    result = CliRunner().invoke(cli, ["export", "--practices", str(practices)])
    assert result.exit_code == 1 and "fx-bad-url.md:12" in result.stderr


def test_csv_cells_a_spreadsheet_would_run_are_inert_and_json_is_unchanged(corpus: Path, tmp_path: Path) -> None:
    from kb.corpus.export import to_csv, to_json

    path = corpus / "saxony" / "fx-saxony-monitoring-dashboard.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace('title: "Fixture: S3 monitoring dashboard with annual indicators"',
                        'title: "=HYPERLINK(\\"http://x.example\\",\\"a\\")"')
    text = text.replace('lead_organisation: "Fixture ministry of economic affairs"', 'lead_organisation: "@SUM(1+1)"')
    path.write_text(text, encoding="utf-8")
    table = rows(corpus)
    frame = pd.read_csv(io.StringIO(to_csv(table)), encoding="utf-8")
    sax = frame[frame["id"] == "fx-saxony-monitoring-dashboard"].iloc[0]
    assert sax["title"] == "'=HYPERLINK(\"http://x.example\",\"a\")" and sax["lead_organisation"] == "'@SUM(1+1)"
    for column in frame.columns:
        cells = frame[column].dropna().astype(str)
        assert not cells.str.match(r"^[=+\-@\t\r]").any(), column
    as_json = {r["id"]: r for r in json.loads(to_json(table))}
    assert as_json["fx-saxony-monitoring-dashboard"]["title"] == '=HYPERLINK("http://x.example","a")'


def test_export_never_replaces_something_that_is_not_a_regular_file(tmp_path: Path) -> None:
    import os
    import stat

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    result = CliRunner().invoke(cli, ["export", "--practices", str(GOOD), "--out", str(fifo)])
    assert result.exit_code == 1 and result.stderr == f"Error: {fifo}: exists and is not a regular file; " \
                                                      "kb writes only regular files\n"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "target.csv")
    assert CliRunner().invoke(cli, ["export", "--practices", str(GOOD), "--out", str(link)]).exit_code == 0
    assert link.is_symlink() and (tmp_path / "target.csv").read_text(encoding="utf-8").startswith("id,")
