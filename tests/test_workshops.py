"""Workshop session records: create, rate, act, validate; atomic and locked writes (kb/workshops/sessions.py)."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from pathlib import Path

import pytest
import yaml

from kb.errors import SessionError, UsageError
from kb.workshops.sessions import (
    add_action,
    add_rating,
    feedback_for,
    new_session,
    ratings_summary,
    read_session,
    validate_folder,
)

PRACTICES = ["fx-lapland-foresight-network", "fx-saxony-monitoring-dashboard"]


@pytest.fixture
def session(tmp_path: Path) -> Path:
    return new_session(tmp_path / "workshops", "foresight", ["saxony", "wallonia", "lithuania"],
                       dt.date(2026, 12, 1), PRACTICES, "A. Facilitator")


def test_new_session_is_a_valid_record(session: Path) -> None:
    assert session.name == "2026-12-01-foresight-saxony-wallonia-lithuania.yaml"
    data, problems = read_session(session)
    assert problems == []
    assert data["regions"] == ["saxony", "wallonia", "lithuania"] and data["ratings"] == []
    with pytest.raises(UsageError, match="already exists"):
        new_session(session.parent, "foresight", ["saxony", "wallonia", "lithuania"], dt.date(2026, 12, 1), PRACTICES)


def test_rate_and_act(session: Path) -> None:
    add_rating(session, "saxony", PRACTICES[0], 4, "useful")
    add_rating(session, "wallonia", PRACTICES[0], 2)
    data = add_rating(session, "saxony", PRACTICES[0], 5, "changed our mind")
    # A replaced rating keeps its place in the file.
    assert [(r["region"], r["score"]) for r in data["ratings"]] == [("saxony", 5), ("wallonia", 2)]
    data = add_action(session, "lithuania", "Pilot a foresight panel", "MITA", dt.date(2027, 3, 31))
    assert data["actions"][0]["due"] == dt.date(2027, 3, 31)
    assert read_session(session)[1] == []


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"region": "cantabria", "practice": PRACTICES[0], "score": 3}, "'cantabria' is not a participant"),
    ({"region": "saxony", "practice": "other", "score": 3}, "'other' was not discussed"),
    ({"region": "saxony", "practice": PRACTICES[0], "score": 6}, "score must be a whole number from 1 to 5"),
])
def test_bad_ratings_are_refused_and_nothing_changes(session: Path, kwargs: dict, message: str) -> None:
    before = session.read_bytes()
    with pytest.raises(UsageError, match=message):
        add_rating(session, **kwargs)
    assert session.read_bytes() == before


def test_a_malformed_record_is_never_overwritten(session: Path) -> None:
    broken = session.read_text(encoding="utf-8").replace("theme: foresight", "theme: [foresight")
    session.write_text(broken, encoding="utf-8")
    with pytest.raises(SessionError) as err:
        add_rating(session, "saxony", PRACTICES[0], 4)
    assert err.value.problems[0].line in (3, 4)
    assert session.read_text(encoding="utf-8") == broken


def _rate(args: tuple[str, str, int]) -> None:
    path, region, score = args
    add_rating(Path(path), region, PRACTICES[score % 2], score)


def test_concurrent_ratings_lose_nothing(tmp_path: Path) -> None:
    regions = ["saxony", "wallonia", "lithuania", "slovenia", "cantabria", "grand-est"]
    path = new_session(tmp_path, "foresight", regions, dt.date(2026, 12, 2), PRACTICES)
    jobs = [(str(path), region, score) for region in regions for score in (1, 2)]
    with multiprocessing.get_context("fork").Pool(6) as pool:
        pool.map(_rate, jobs)
    data, problems = read_session(path)
    assert problems == []
    assert len(data["ratings"]) == len(jobs)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_validate_reports_path_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "workshops"
    folder.mkdir()
    (folder / "bad.yaml").write_text(yaml.safe_dump({
        "date": "2026-13-01", "theme": "blockchain", "regions": ["saxony", "atlantis"], "practices": ["x"],
        "ratings": [{"region": "wallonia", "practice": "y", "score": 9}],
        "actions": [{"region": "saxony", "text": "", "owner": "me", "due": "soon"}],
    }, sort_keys=False), encoding="utf-8")
    count, problems = validate_folder(folder, known_practices={"y"})
    messages = [(p.line, p.message) for p in problems]
    assert count == 1
    assert (1, "'date' '2026-13-01' is not a real date (YYYY-MM-DD)") in messages
    assert (2, "unknown theme 'blockchain' (valid: governance, monitoring-evaluation, entrepreneurial-discovery, "
               "clusters, digitisation, industry-4.0, skills, sme-support, innovation-funding, "
               "interregional-cooperation, just-transition, green-transition, university-industry, "
               "foresight)") in messages
    assert any(line == 5 and "unknown region 'atlantis'" in m for line, m in messages)
    assert any("practice 'x' is not in the corpus" in m for _, m in messages)
    assert any("rating 1: region 'wallonia' is not a participant" in m for _, m in messages)
    assert any("score must be a whole number" in m for _, m in messages)
    assert any("action 1: 'text' must be non-empty text" in m for _, m in messages)
    assert any("'due' must be a date" in m for _, m in messages)


def test_feedback_and_ratings_summary(session: Path) -> None:
    add_rating(session, "saxony", PRACTICES[0], 4, "useful")
    add_rating(session, "wallonia", PRACTICES[1], 2)
    add_rating(session, "lithuania", PRACTICES[1], 5)
    add_action(session, "saxony", "Visit Lapland", "SMWA", dt.date(2027, 1, 31))
    fb = feedback_for("saxony", session.parent, own_practices={PRACTICES[1]})
    assert fb is not None
    assert [r.practice for r in fb.given] == [PRACTICES[0]]
    assert sorted(r.region for r in fb.received) == ["lithuania", "wallonia"]
    assert fb.actions[0].text == "Visit Lapland"
    assert feedback_for("cantabria", session.parent) is None
    assert ratings_summary(session.parent)[PRACTICES[1]] == {"regions": 2, "mean": 3.5}


# --- what people type cannot break a record, search or reports ----------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(comment=st.text(), text=st.text(min_size=1), owner=st.text(min_size=1), facilitator=st.text())
def test_whatever_the_writers_accept_reads_back_equal(tmp_path_factory: pytest.TempPathFactory, comment: str,
                                                      text: str, owner: str, facilitator: str) -> None:
    folder = tmp_path_factory.mktemp("ws")
    try:
        path = new_session(folder, "governance", ["saxony", "wallonia"], dt.date(2026, 3, 1), PRACTICES,
                           facilitator or None)
    except UsageError:
        return
    accepted = {}
    try:
        add_rating(path, "saxony", PRACTICES[0], 4, comment)
        accepted["comment"] = comment
    except UsageError:
        pass
    try:
        add_action(path, "wallonia", text, owner, dt.date(2026, 6, 1))
        accepted["action"] = (text, owner)
    except UsageError:
        pass
    data, problems = read_session(path)
    assert problems == []
    assert data.get("facilitator") == (facilitator or None)
    if "comment" in accepted:
        assert data["ratings"][0].get("comment") == (comment or None)
    if "action" in accepted:
        assert (data["actions"][0]["text"], data["actions"][0]["owner"]) == accepted["action"]


@pytest.mark.parametrize("option", ["--comment", "--facilitator", "--text", "--owner"])
def test_undecodable_bytes_on_the_command_line_are_refused_and_nothing_is_written(session: Path,
                                                                                 option: str) -> None:
    import subprocess
    import sys

    before = session.read_bytes()
    latin1 = b"tr\xe8s"
    if option == "--comment":
        args = [b"rate", bytes(session), b"--region", b"saxony", b"--practice", PRACTICES[0].encode(), b"--score",
                b"4", b"--comment", latin1]
    elif option == "--facilitator":
        args = [b"new", b"--theme", b"governance", b"--regions", b"saxony,wallonia", b"--date", b"2026-05-01",
                b"--practices", PRACTICES[0].encode(), b"--workshops", bytes(session.parent), b"--facilitator", latin1]
    else:
        args = [b"action", bytes(session), b"--region", b"saxony", b"--due", b"2027-01-01", b"--text", b"x",
                b"--owner", b"y"]
        args[args.index(option.encode()) + 1] = latin1
    result = subprocess.run([sys.executable.encode(), b"-m", b"kb.cli", b"workshop", *args], capture_output=True,
                            check=False, env={"LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    assert result.stderr.decode().startswith(f"Error: Invalid value for '{option}': is not valid UTF-8 text "
                                             "(byte 0xe8 at position 3)")
    assert result.stderr.count(b"\n") == 1
    assert session.read_bytes() == before
    assert sorted(p.name for p in session.parent.glob("*.yaml")) == [session.name]


MISTYPED = {
    "impossible-date": "date: 2026-02-30\n",
    "theme-list": "theme: [x]\n",
    "nested-regions": "regions: [[x]]\n",
    "mapping-practice": "practices: [{a: 1}]\n",
    "alias-bomb": "date: &a [1,1,1,1,1,1,1,1,1]\nx: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                  "y: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nz: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n",
    "duplicate-key": "theme: governance\ntheme: foresight\n",
    "rating-types": "ratings: [{region: [saxony], practice: {x: 1}, score: [4]}]\n",
    "not-a-mapping": "- just\n- a list\n",
    "control-char": 'facilitator: "bell\\a"\n',
    "deep": "practices: " + "[" * 80 + "]" * 80 + "\n",
}


def _session_text(extra: str) -> str:
    base = {"date": "date: 2026-03-01\n", "theme": "theme: governance\n", "regions": "regions: [saxony, wallonia]\n",
            "practices": f"practices: [{PRACTICES[1]}]\n",
            "ratings": f"ratings: [{{region: saxony, practice: {PRACTICES[1]}, score: 5}}]\n"}
    first = extra.split(":", 1)[0].strip("- \n")
    base.pop(first, None)
    return extra + "".join(base.values())


def test_a_mistyped_record_is_left_out_with_one_warning(tmp_path: Path, fixture_index: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    from kb.api import search
    from kb.reports.build import build_report
    from kb.workshops.sessions import skipped_sessions

    folder = tmp_path / "workshops"
    good = new_session(folder, "governance", ["saxony", "wallonia"], dt.date(2026, 3, 2), PRACTICES)
    add_rating(good, "wallonia", PRACTICES[1], 3, "useful")
    for name, text in MISTYPED.items():
        (folder / f"2026-03-01-{name}.yaml").write_text(_session_text(text), encoding="utf-8")
    caplog.set_level("WARNING", logger="kb")
    result = search("monitoring", index=fixture_index, workshops=folder)
    assert [h.ratings for h in result.hits if h.id == PRACTICES[1]] == [{"regions": 1, "mean": 3.0}]
    skipped = skipped_sessions(folder)
    assert sorted(Path(p.path).stem for p in skipped) == sorted(f"2026-03-01-{n}" for n in MISTYPED)
    warned = [r.getMessage() for r in caplog.records if "left out" in r.getMessage()]
    assert len(warned) == len(MISTYPED)
    report = build_report("wallonia", index_dir=fixture_index, workshops_dir=folder, generated_on="2026-01-01")
    assert report.feedback and [r.score for r in report.feedback.given] == [3]


def test_search_on_the_command_line_warns_once_per_bad_record(tmp_path: Path, fixture_index: Path) -> None:
    from click.testing import CliRunner

    from kb.cli import cli

    folder = tmp_path / "workshops"
    folder.mkdir()
    (folder / "2026-03-01-bad.yaml").write_text(_session_text("date: 2026-02-30\n"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["search", "monitoring", "--index", str(fixture_index),
                                      "--workshops", str(folder)], catch_exceptions=False)
    assert result.exit_code == 0 and "monitoring" in result.stdout.lower()
    assert result.stderr == (f"warning: {folder}/2026-03-01-bad.yaml:1: 'date' '2026-02-30' is not a real date "
                             "(YYYY-MM-DD) (session record left out; `kb workshop validate` lists every problem)\n")


def test_oversized_and_odd_files_are_left_out_unread(tmp_path: Path) -> None:
    import os

    from kb.workshops.sessions import MAX_SESSION_BYTES, skipped_sessions

    folder = tmp_path / "workshops"
    folder.mkdir()
    (folder / "big.yaml").write_text("# x\n" * (MAX_SESSION_BYTES // 4 + 1), encoding="utf-8")
    os.mkfifo(folder / "pipe.yaml")
    (folder / "zero.yaml").symlink_to("/dev/zero")
    (folder / "dir.yaml").mkdir()
    assert ratings_summary(folder) == {}
    messages = {Path(p.path).name: p.message for p in skipped_sessions(folder)}
    assert set(messages) == {"big.yaml", "pipe.yaml", "zero.yaml", "dir.yaml"}
    assert "limit" in messages["big.yaml"] and "FIFO" in messages["pipe.yaml"]


@st.composite
def mutated_sessions(draw: st.DrawFn) -> bytes:
    """A valid session record with one of: a field replaced by a nasty value, random bytes
    written over it, or lines cut and repeated."""
    text = _session_text("facilitator: Someone\n")
    how = draw(st.sampled_from(["value", "bytes", "lines"]))
    if how == "value":
        lines = text.splitlines()
        i = draw(st.integers(0, len(lines) - 1))
        key = lines[i].split(":", 1)[0]
        nasty = draw(st.sampled_from([
            "2026-02-30", "[x]", "[[x]]", "{a: b}", "*nope", "&a [1, *a]", "!!python/name:os.system",
            "9999-99-99", "-1", "~", '"\\x00"', "[" * 70 + "]" * 70, "!!binary AAAA", "2026-02-29T25:00:00",
            "{? [a]: b}", "[1, 2, 3]", "true", "1e309",
        ]))
        lines[i] = f"{key}: {nasty}"
        return "\n".join(lines).encode()
    if how == "bytes":
        data = bytearray(text.encode())
        for _ in range(draw(st.integers(1, 6))):
            pos = draw(st.integers(0, len(data) - 1))
            data[pos] = draw(st.integers(0, 255))
        return bytes(data)
    lines = text.encode().splitlines(keepends=True)
    picks = draw(st.lists(st.integers(0, len(lines) - 1), min_size=1, max_size=12))
    return b"".join(lines[i] for i in picks)


@settings(max_examples=150, deadline=2000, suppress_health_check=list(HealthCheck))
@given(data=mutated_sessions())
def test_mutated_records_never_raise_in_search_or_reports(tmp_path_factory: pytest.TempPathFactory,
                                                          data: bytes) -> None:
    from kb.workshops.sessions import skipped_sessions

    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "2026-03-01-fuzz.yaml").write_bytes(data)
    _, problems = validate_folder(folder, set(PRACTICES))
    summary = ratings_summary(folder)
    if problems:
        assert summary == {}  # a record that does not validate contributes nothing
    else:
        assert set(summary) <= set(PRACTICES)
    feedback_for("saxony", folder, {PRACTICES[1]})
    feedback_for("wallonia", folder, set())
    assert len(skipped_sessions(folder)) == (1 if read_session(folder / "2026-03-01-fuzz.yaml")[1] else 0)


def test_hand_comments_and_order_survive_ten_ratings(session: Path) -> None:
    from kb.workshops.sessions import rate

    text = session.read_text(encoding="utf-8")
    text = text.replace("regions:", "# the three regions met in Lille\nregions:  # agreed in October")
    session.write_text(text + "# notes from the room: bring the 2025 figures next time\n", encoding="utf-8")
    for n in range(10):
        outcome = rate(session, ["saxony", "wallonia"][n % 2], PRACTICES[n % 2], 1 + n % 5, f"round {n}")
        assert (outcome.replaced is None) == (n < 2)
    after = session.read_text(encoding="utf-8")
    for comment in ("# the three regions met in Lille", "# agreed in October", "# notes from the room"):
        assert comment in after, comment
    assert after.index("date:") < after.index("theme:") < after.index("regions:")
    assert read_session(session)[1] == []


def test_a_replaced_rating_is_reported_with_its_old_score(session: Path) -> None:
    from kb.workshops.sessions import rate

    assert rate(session, "saxony", PRACTICES[0], 2, "first look").replaced is None
    outcome = rate(session, "saxony", PRACTICES[0], 4)
    assert outcome.replaced == {"region": "saxony", "practice": PRACTICES[0], "score": 2, "comment": "first look"}
    assert [r["score"] for r in outcome.data["ratings"]] == [4]


def test_an_action_due_before_the_session_is_refused(session: Path) -> None:
    held = read_session(session)[0]["date"]
    with pytest.raises(UsageError, match="is before the session"):
        add_action(session, "saxony", "Write the plan", "SMWA", held - dt.timedelta(days=1))
    assert add_action(session, "saxony", "Write the plan", "SMWA", held)["actions"][0]["due"] == held


@pytest.mark.parametrize("comment", ["yes", "no", "on", "2026-01-01", "null", "line one\nline two: with a colon"])
def test_text_that_yaml_would_read_as_something_else_stays_text(session: Path, comment: str) -> None:
    add_rating(session, "saxony", PRACTICES[0], 3, comment)
    owner = comment.splitlines()[0]  # an owner is one line
    add_action(session, "saxony", comment, owner, read_session(session)[0]["date"])
    data, problems = read_session(session)
    assert problems == [] and data["ratings"][0]["comment"] == comment
    assert data["actions"][0]["text"] == comment and data["actions"][0]["owner"] == owner


def test_list_and_show_print_the_records(session: Path) -> None:
    import json

    from click.testing import CliRunner

    from kb.cli import cli

    add_rating(session, "saxony", PRACTICES[0], 4, "useful")
    runner = CliRunner()
    listed = runner.invoke(cli, ["workshop", "list", "--workshops", str(session.parent), "--json"])
    assert listed.exit_code == 0
    (row,) = json.loads(listed.output)
    assert row["ratings"] == 1 and row["regions"] == ["saxony", "wallonia", "lithuania"] and row["problems"] == []
    shown = runner.invoke(cli, ["workshop", "show", str(session)])
    assert shown.exit_code == 0 and "rating saxony" in shown.output and "4/5 - useful" in shown.output
    rated = runner.invoke(cli, ["workshop", "rate", str(session), "--region", "saxony", "--practice", PRACTICES[0],
                                "--score", "2", "--json"])
    assert json.loads(rated.output)["replaced"]["score"] == 4


def test_the_cli_finds_the_project_from_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 real_index: Path) -> None:
    from click.testing import CliRunner

    from kb.cli import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KB_INDEX", str(real_index))
    found = CliRunner().invoke(cli, ["search", "cluster", "--limit", "1", "--json"])
    assert found.exit_code == 0 and '"total"' in found.output
    monkeypatch.setenv("KB_HOME", str(tmp_path / "nowhere"))
    lost = CliRunner().invoke(cli, ["export"])
    assert lost.exit_code == 2 and "KB_HOME=" in lost.output and "is not a folder" in lost.output
