"""Workshop session records: create, rate, act, validate; atomic and locked writes (kb/workshops.py)."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from pathlib import Path

import pytest
import yaml

from kb.errors import UsageError
from kb.workshops import (
    WorkshopError,
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
    assert [(r["region"], r["score"]) for r in data["ratings"]] == [("wallonia", 2), ("saxony", 5)]
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
    with pytest.raises(WorkshopError) as err:
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
