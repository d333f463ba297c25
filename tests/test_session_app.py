"""The facilitator's session app (kb/apps/session.py) without a browser: forms write through the
checked path, refusals show as one line, a broken record or index shows as one line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kb.apps.session import RatingForm, SessionApp
from kb.workshops.sessions import new_session, read_session

PRACTICE = "fx-lapland-foresight-network"


def _record(tmp_path: Path) -> Path:
    return new_session(tmp_path, "foresight", ["saxony", "wallonia"], dt.date(2027, 1, 20),
                       [PRACTICE, "fx-saxony-monitoring-dashboard"])


def test_rating_and_actions_go_to_the_record(fixture_index: Path, tmp_path: Path) -> None:
    app = SessionApp(_record(tmp_path), fixture_index)
    form = RatingForm(app, PRACTICE, "wallonia")
    form.submit()
    assert "choose a score" in app.status.value and read_session(app.path)[0]["ratings"] == []
    form.score.value, form.comment.value = 3, "<b>maybe</b>"
    form.submit()
    form.score.value = 5
    form.submit()
    assert "(replaced 3/5)" in app.status.value
    assert "Rated so far: Wallonia 5/5" in app.cards[PRACTICE].value
    assert "&lt;b&gt;maybe&lt;/b&gt;" in app.cards[PRACTICE].value  # a comment is text, escaped
    app.action_text.value, app.action_owner.value = "Visit Lapland", "SPW"
    app.action_due.value = dt.date(2027, 1, 19)
    app.submit_action()
    assert "is before the session" in app.status.value
    app.action_due.value = dt.date(2027, 3, 1)
    app.submit_action()
    data = read_session(app.path)[0]
    assert [r["score"] for r in data["ratings"]] == [5] and data["actions"][0]["text"] == "Visit Lapland"
    assert "Visit Lapland" in app.actions.value and app.text().endswith("1 rating(s), 1 action(s)")


def test_a_broken_record_or_a_missing_index_is_one_line(fixture_index: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("date: 2027-02-30\ntheme: [x]\n", encoding="utf-8")
    app = SessionApp(broken, fixture_index)
    assert "broken.yaml" in app.status.value and "kb-error" in app.status.value
    missing = SessionApp(_record(tmp_path), tmp_path / "no-index")
    assert "kb-error" in missing.status.value and "index" in missing.status.value
