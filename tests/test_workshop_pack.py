"""Workshop packs: agenda, matchmaking, cards, and the CLI around sessions (kb/workshops/pack.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.errors import UsageError
from kb.workshops.pack import agenda, build_pack, render_pack

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "workshop.ipynb"


def test_agenda_is_timed_with_breaks(fixture_index: Path) -> None:
    pack = build_pack("foresight", ["saxony", "wallonia"], "2026-12-01",
                      ["fx-lapland-foresight-network", "fx-saxony-monitoring-dashboard", "fx-hdf-mining-basin",
                       "fx-gm-digital-skills"], fixture_index, start="09:00", minutes_per_practice=20)
    starts = [(a.start, a.title.split(":")[0]) for a in pack.agenda]
    assert starts[0] == ("09:00", "Welcome, aims and the rating scale")
    assert starts[1] == ("09:15", "Peer review")
    assert ("10:15", "Break") in starts
    assert starts[-1][1] == "Close"
    with pytest.raises(UsageError):
        agenda(pack.cards, start="nine")


def test_matchmaking_pairs_a_practice_with_a_weak_indicator(fixture_index: Path) -> None:
    pack = build_pack("skills", ["greater-manchester", "lithuania", "saxony"], "2026-12-01", [], fixture_index)
    assert pack.matches
    for m in pack.matches:
        assert m.giver != m.receiver and m.why
        assert m.practice.startswith("fx-")


def test_unknown_practices_are_listed_not_invented(fixture_index: Path) -> None:
    pack = build_pack("foresight", ["saxony", "wallonia"], "2026-12-01", ["fx-lapland-foresight-network", "nope"],
                      fixture_index)
    assert [c.id for c in pack.cards] == ["fx-lapland-foresight-network"] and pack.missing == ["nope"]


def test_pack_escapes_record_text(hostile_index: Path) -> None:
    pack = build_pack("governance", ["saxony", "wallonia"], "2026-12-01", ["fx-hostile-record"], hostile_index)
    html = render_pack(pack)
    from test_report import parse

    c = parse(html)
    assert c.scripts == [] and c.handlers == []
    assert not [r for r in c.refs if not r[1].startswith("data:")]
    assert "&lt;script&gt;" in html and "<iframe" not in html


def test_session_cli_round_trip(fixture_index: Path, tmp_path: Path) -> None:
    run = CliRunner().invoke
    workshops = tmp_path / "w"
    new = run(cli, ["workshop", "new", "--theme", "prospective", "--regions", "Sachsen,Wallonie",
                    "--date", "2026-12-01", "--workshops", str(workshops), "--index", str(fixture_index)],
              catch_exceptions=False)
    assert new.exit_code == 0, new.output
    (path,) = workshops.glob("*.yaml")
    ok = run(cli, ["workshop", "rate", str(path), "--region", "DED2", "--practice", "fx-lapland-foresight-network",
                   "--score", "5", "--comment", "yes"], catch_exceptions=False)
    assert ok.exit_code == 0 and "1 rating(s)" in ok.output
    bad = run(cli, ["workshop", "rate", str(path), "--region", "saxony", "--practice", "nope", "--score", "3"])
    assert bad.exit_code == 2 and "'nope' was not discussed" in bad.stderr
    act = run(cli, ["workshop", "action", str(path), "--region", "wallonia", "--text", "Try it", "--owner", "SPW",
                    "--due", "2027-01-15"], catch_exceptions=False)
    assert act.exit_code == 0
    valid = run(cli, ["workshop", "validate", "--workshops", str(workshops), "--index", str(fixture_index)])
    assert valid.exit_code == 0 and "1 session record(s) valid" in valid.output
    path.write_text(path.read_text(encoding="utf-8") + "ratings: [\n", encoding="utf-8")
    broken = run(cli, ["workshop", "validate", "--workshops", str(workshops), "--index", str(fixture_index)])
    assert broken.exit_code == 1 and f"{path}:" in broken.output
    search = run(cli, ["search", "foresight", "--index", str(fixture_index), "--workshops", str(tmp_path / "none")])
    assert "rated in workshops" not in search.output


def test_search_hits_carry_ratings(fixture_index: Path, tmp_path: Path) -> None:
    import datetime as dt

    from kb.api import search
    from kb.workshops.sessions import add_rating, new_session

    path = new_session(tmp_path, "foresight", ["saxony", "wallonia"], dt.date(2026, 12, 1),
                       ["fx-lapland-foresight-network"])
    add_rating(path, "saxony", "fx-lapland-foresight-network", 4)
    add_rating(path, "wallonia", "fx-lapland-foresight-network", 5)
    hit = search("foresight", index=fixture_index, workshops=tmp_path).hits[0]
    assert hit.id == "fx-lapland-foresight-network" and hit.ratings == {"regions": 2, "mean": 4.5}
    out = CliRunner().invoke(cli, ["search", "foresight", "--index", str(fixture_index), "--workshops", str(tmp_path)])
    assert "rated in workshops by 2 region(s), mean score 4.5/5" in out.output


def test_pack_cli_renders_offline_html(fixture_index: Path, tmp_path: Path) -> None:
    import datetime as dt

    from kb.workshops.sessions import new_session

    path = new_session(tmp_path / "w", "foresight", ["saxony", "east-north-finland"], dt.date(2026, 12, 1),
                       ["fx-lapland-foresight-network", "fx-saxony-monitoring-dashboard"])
    hidden = path.rename(path.with_name(f".{path.name}"))  # a dot-file still gets a visible pack
    result = CliRunner().invoke(cli, ["workshop", "pack", str(hidden), "--out", str(tmp_path / "out"),
                                      "--index", str(fixture_index), "--notebook", str(NOTEBOOK)])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "out" / f"{path.stem}-pack.html").read_text(encoding="utf-8")
    for sid in ("agenda", "practice-cards", "matchmaking"):
        assert f"id='{sid}'" in html or f'id="{sid}"' in html
    assert "Fixture: regional foresight network and scenarios" in html
    assert "theme = " not in html


def test_default_practices_are_about_the_session_theme(real_index: Path) -> None:
    from kb.search.build import read_documents
    from kb.workshops.pack import EVIDENCE_ORDER, suggest_practices

    docs = {d.id: d for d in read_documents(real_index)[1]}
    for theme in ("monitoring-evaluation", "clusters", "skills"):
        chosen = [docs[i] for i in suggest_practices(theme, list(docs.values()), index_dir=real_index)]
        assert len(chosen) == 6 and all(theme in d.themes for d in chosen)
        # most about the theme: it is the record's first theme for nearly all of them
        assert sum(d.themes[0] == theme for d in chosen) >= 5, [(d.id, d.themes) for d in chosen]
        ranks = [EVIDENCE_ORDER.index(d.evidence) for d in chosen[:len({d.region for d in chosen})]]
        assert ranks == sorted(ranks, reverse=True)


def test_matchmaking_keeps_to_the_session_theme_and_says_who_learns(real_index: Path) -> None:
    from kb.search.build import read_documents
    from kb.workshops.pack import matchmaking

    docs = read_documents(real_index)[1]
    pairs = matchmaking(["saxony", "wallonia", "lithuania", "east-north-finland"], docs, theme="skills")
    by_id = {d.id: d for d in docs}
    assert pairs and all("skills" in by_id[m.practice].themes for m in pairs)
    assert all("within the session's theme, skills" in m.why for m in pairs)


@pytest.mark.parametrize("theme", ["monitoring-evaluation", "skills"])
def test_the_printed_pack_has_one_page_per_card(real_index: Path, tmp_path: Path, theme: str) -> None:
    """Agenda on the first page, each card on its own page with room to write, the
    matchmaking shortlist last: no card spills onto a page of its own."""
    from kb.reports.pdf import page_count, print_pdf
    from kb.workshops.pack import build_pack, render_pack
    from pages import CHROMIUM, need_chromium

    need_chromium()
    pack = build_pack(theme, ["saxony", "wallonia", "lithuania"], "2027-01-20", [], real_index,
                      generated_on="2027-01-01")
    page = tmp_path / "pack.html"
    page.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>pack</title></head><body>"
                    + render_pack(pack) + "</body></html>", encoding="utf-8")
    assert page_count(print_pdf(page, tmp_path / "pack.pdf", str(CHROMIUM))) == len(pack.cards) + 2
