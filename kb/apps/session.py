"""The facilitator's app for a workshop session in the room (notebooks/session.ipynb, served by
Voila with `make workshop SESSION=...`): each practice of the session record with a rating form
per participating region, and a form for the actions the regions agree. Every change goes
through kb.workshops.sessions (`rate`, `add_action`): locked, checked and written atomically,
with the hand-written parts of the file kept; a refused value shows as one line, never a
traceback. Card text comes from the index and is escaped by the templates."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import ipywidgets as w

from kb.apps.search import _AppBox
from kb.errors import KBError, ProblemsError, SessionError
from kb.reference.regions import regions
from kb.reference.themes import themes
from kb.search.build import read_documents
from kb.templating import render
from kb.workshops.sessions import add_action, rate, read_session

NO_SCORE = 0
SCORES = [("score", NO_SCORE), ("1 not useful", 1), ("2", 2), ("3", 3), ("4", 4), ("5 we want to adopt it", 5)]


def default_session() -> str:
    """$KB_SESSION: the session record Voila serves (`make workshop SESSION=...` sets it)."""
    return os.environ.get("KB_SESSION", "")


def _name(slug: str) -> str:
    known = regions()
    return known[slug].name if slug in known else slug


class RatingForm:
    """One region's rating of one practice: a score, a comment and a Save button."""

    def __init__(self, app: SessionApp, practice: str, region: str):
        self.app, self.practice, self.region = app, practice, region
        current = app.rating(region, practice)
        self.score = w.Dropdown(options=SCORES, value=current.get("score", NO_SCORE), description=_name(region),
                                style={"description_width": "9rem"}, layout=w.Layout(width="20rem"))
        self.comment = w.Text(value=str(current.get("comment") or ""), placeholder="comment (optional)",
                              layout=w.Layout(flex="1 1 auto", width="auto"))
        self.save = w.Button(description="Save", layout=w.Layout(width="6rem"))
        for widget, name in ((self.score, "score"), (self.comment, "comment"), (self.save, "save")):
            widget.add_class(f"kb-rate-{name}")
        self.save.on_click(lambda _: self.submit())
        self.widget = w.HBox([self.score, self.comment, self.save], layout=w.Layout(width="100%"))
        self.widget.add_class("kb-rating-form")
        self.widget.add_class(f"kb-rate-{region}-{practice}")

    def submit(self) -> None:
        if self.score.value == NO_SCORE:
            self.app.say(f"choose a score from 1 to 5 for {_name(self.region)} first")
            return
        try:
            outcome = rate(self.app.path, self.region, self.practice, int(self.score.value),
                           self.comment.value.strip() or None)
        except KBError as exc:
            self.app.say(one_line(exc))
            return
        self.app.reload(outcome.data)
        before = outcome.replaced
        said = f" (replaced {before.get('score')}/5)" if before else ""
        doc = self.app.documents.get(self.practice)
        title = doc.title if doc else self.practice
        self.app.say(f"saved: {_name(self.region)} rates {title} {self.score.value}/5{said}", ok=True)


class SessionApp:
    """The session in the room: a header, one card and rating forms per practice, the actions."""

    def __init__(self, session: str | Path, index_dir: str | Path):
        self.path = Path(session)
        self.index_dir = Path(index_dir)
        self.data: dict[str, Any] = {}
        self.status = w.HTML()
        self.status.add_class("kb-status")
        self._box = _AppBox(self, layout=w.Layout(width="100%"))
        try:
            data, problems = read_session(self.path)
            if problems:
                raise SessionError(problems)
            self.data = data
            self.documents = {d.id: d for d in read_documents(self.index_dir)[1]}
        except KBError as exc:
            self._box.children = [w.HTML(render("search_style.j2")), self.status]
            self.say(one_line(exc))
            return
        self.cards: dict[str, w.HTML] = {}
        children: list[w.Widget] = [w.HTML(render("search_style.j2")), w.HTML(self._header()), self.status]
        for pid in self.data["practices"]:
            card = w.HTML()
            self.cards[pid] = card
            forms = [RatingForm(self, pid, region).widget for region in self.data["regions"]]
            children += [card, *forms]
        children += self._action_form()
        self._box.children = children
        self.reload(self.data)

    @property
    def widget(self) -> w.VBox:
        return self._box

    def _header(self) -> str:
        theme = themes().get(self.data["theme"])
        label = theme.label if theme else self.data["theme"]
        names = ", ".join(_name(r) for r in self.data["regions"])
        return w_html(f"{label} session, {self.data['date']}: {names} · {self.path.name}", ok=True)

    def rating(self, region: str, practice: str) -> dict[str, Any]:
        return next((r for r in self.data.get("ratings") or []
                     if r.get("region") == region and r.get("practice") == practice), {})

    def _action_form(self) -> list[w.Widget]:
        self.action_region = w.Dropdown(options=[(_name(r), r) for r in self.data["regions"]], description="Region",
                                        layout=w.Layout(width="16rem"))
        self.action_text = w.Textarea(placeholder="What will be done", description="Action",
                                      layout=w.Layout(width="100%", height="4rem"))
        self.action_owner = w.Text(placeholder="who is responsible", description="Owner",
                                   layout=w.Layout(width="20rem"))
        held = self.data["date"] if isinstance(self.data["date"], dt.date) else None
        self.action_due = w.DatePicker(description="Due", value=held)
        self.action_add = w.Button(description="Add action", button_style="primary")
        for widget, name in ((self.action_region, "region"), (self.action_text, "text"),
                             (self.action_owner, "owner"), (self.action_due, "due"), (self.action_add, "add")):
            widget.add_class(f"kb-action-{name}")
        self.action_add.on_click(lambda _: self.submit_action())
        self.actions = w.HTML()
        self.actions.add_class("kb-actions-box")
        return [w.HTML("<h3>Agreed actions</h3>"), self.actions, self.action_region, self.action_text,
                w.HBox([self.action_owner, self.action_due, self.action_add])]

    def submit_action(self) -> None:
        if self.action_due.value is None:
            self.say("choose a due date")
            return
        try:
            data = add_action(self.path, self.action_region.value, self.action_text.value, self.action_owner.value,
                              self.action_due.value)
        except KBError as exc:
            self.say(one_line(exc))
            return
        self.action_text.value = ""
        self.reload(data)
        self.say("action added", ok=True)

    def reload(self, data: dict[str, Any]) -> None:
        """Show the record as written: every card's ratings so far, and the actions."""
        self.data = data
        for n, (pid, card) in enumerate(self.cards.items(), 1):
            doc = self.documents.get(pid)
            ratings = [{**r, "region_name": _name(r["region"])} for r in data.get("ratings") or []
                       if r.get("practice") == pid]
            if doc is None:
                card.value = w_html(f"{n}. {pid}: not in the index (run `kb index`)")
            else:
                card.value = render("session_card.j2", p=doc, n=n, region_name=_name(doc.region), ratings=ratings)
        self.actions.value = render("session_actions.j2", actions=[
            {**a, "region_name": _name(a["region"])} for a in data.get("actions") or []])

    def say(self, message: str, ok: bool = False) -> None:
        self.status.value = w_html(message, ok)

    def text(self) -> str:
        if not self.data:
            return "session record not loaded"
        return (f"{self.data['theme']} session {self.data['date']}: {len(self.data.get('ratings') or [])} rating(s), "
                f"{len(self.data.get('actions') or [])} action(s)")


def one_line(exc: KBError) -> str:
    """What to show for a refused change or an unreadable record: the first problem, with its
    file and line, and how many more there are."""
    if isinstance(exc, ProblemsError) and exc.problems:
        more = len(exc.problems) - 1
        return str(exc.problems[0]) + (f" (and {more} more: kb workshop validate)" if more else "")
    return str(exc)


def w_html(message: str, ok: bool = False) -> str:
    """A one-line message as HTML (escaped by the template)."""
    return render("session_message.j2", message=message, ok=ok)
