"""Rendering notebooks into offline HTML reports: content, no external hosts, isolation of failures."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from kb.notebooks import RenderJob, RenderOutcome, export_html, render_many, render_one
from pages import read_page

NOTEBOOKS = Path(__file__).parent / "fixtures" / "notebooks"
HELLO = NOTEBOOKS / "hello.ipynb"  # parameters name="world", fail=False; shows an HTML <section>
BROKEN = NOTEBOOKS / "broken.ipynb"  # second cell raises ValueError("boom")
RICH = NOTEBOOKS / "rich.ipynb"  # maths, mermaid, a DataFrame, a matplotlib figure, a link
FETCHING_TAGS = {"script", "link", "img", "iframe"}


def external_refs(html: str) -> list[tuple[str, str, str]]:
    """What a page fetches from elsewhere; a CDN script counts once more, even when its URL looks relative."""
    page = read_page(html)
    leaving = set(page.external)
    out = []
    for ref in page.refs:
        out += [ref] if ref in leaving else []
        if ref[0] == "script" and any(cdn in ref[2].lower() for cdn in ("cdnjs", "unpkg", "jsdelivr", "mathjax")):
            out.append(ref)
    return out


def test_external_refs_check_catches_hosts() -> None:
    page = (
        '<script src="https://cdnjs.cloudflare.com/require.js"></script><link href="//fonts.example/x.css">'
        '<img src="data:image/png;base64,AA"><img src="figure.png"><a href="https://example.org">ok</a>'
        '<script src=""></script>'
    )
    assert [ref[2] for ref in external_refs(page)] == [
        "https://cdnjs.cloudflare.com/require.js",
        "https://cdnjs.cloudflare.com/require.js",
        "//fonts.example/x.css",
        "",
    ]


def test_render_one_writes_html_and_executed_notebook(tmp_path: Path) -> None:
    outcome = render_one(HELLO, RenderJob("saxony", {"name": "Sachsen <&> Co"}), tmp_path)

    assert outcome.ok, outcome.error
    assert outcome.error is None
    assert outcome.html == str(tmp_path / "saxony.html")
    assert outcome.notebook == str(tmp_path / "saxony.ipynb")
    assert outcome.seconds > 0
    html = (tmp_path / "saxony.html").read_text(encoding="utf-8")
    body = html[html.index("<body") :]
    assert "<h1>Hello, Sachsen &lt;&amp;&gt; Co!</h1>" in body
    # outputs only: no code, no parameter cells, no prompts
    assert "raise ValueError" not in html
    assert "display(HTML" not in html
    assert 'name = "world"' not in html
    assert "Sachsen &lt;&amp;&gt; Co" not in body.replace("<h1>Hello, Sachsen &lt;&amp;&gt; Co!</h1>", "")
    assert "injected-parameters" not in body and "celltag_parameters" not in body
    assert "jp-InputPrompt" not in body and "jp-OutputPrompt" not in body and "jp-InputArea" not in body
    assert external_refs(html) == []
    executed = nbformat.read(tmp_path / "saxony.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "Sachsen" in injected[0].source
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary files left behind"


def test_job_title_is_the_page_title_and_jupyterlab_css_is_left_out(tmp_path: Path) -> None:
    outcome = render_one(HELLO, RenderJob("saxony", {"name": "Saxony"}, title="Saxony <&> report"), tmp_path)

    assert outcome.ok, outcome.error
    html = Path(outcome.html or "").read_text(encoding="utf-8")
    assert "<title>Saxony &lt;&amp;&gt; report</title>" in html
    assert "--jp-layout-color0" not in html  # JupyterLab's index.css and theme, about 250 KB
    assert len(html.encode()) < 50_000
    assert "title" not in nbformat.read(tmp_path / "saxony.ipynb", as_version=4).metadata


def test_report_has_print_css() -> None:
    nb = nbformat.read(HELLO, as_version=4)
    html = export_html(nb)
    assert "size: A4" in html
    assert "break-before: page" in html
    assert "break-inside: avoid" in html
    assert "max-width: 60rem" in html


def test_rich_outputs_render_without_external_references(tmp_path: Path) -> None:
    outcome = render_one(RICH, RenderJob("rich", {"title": "Regions & practices"}), tmp_path)

    assert outcome.ok, outcome.error
    html = Path(outcome.html or "").read_text(encoding="utf-8")
    assert external_refs(html) == []
    assert "<h2>Regions &amp; practices</h2>" in html
    assert 'src="data:image/png;base64,' in html  # the matplotlib figure is inlined
    assert "<td>Wallonia</td>" in html
    assert 'href="https://s3platform.jrc.ec.europa.eu/"' in html  # links stay; they fetch nothing
    assert "<script" not in html.lower()


def test_widget_state_is_dropped_from_the_export_but_not_the_notebook() -> None:
    nb = nbformat.read(HELLO, as_version=4)
    state = {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2, "version_minor": 0}}
    nb.metadata["widgets"] = state
    html = export_html(nb)
    assert "unpkg" not in html
    assert "widget-state" not in html
    assert external_refs(html) == []
    assert nb.metadata["widgets"] == state


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[RenderOutcome], list[str]]:
    """Three regions rendered with 2 workers; the second one fails in a cell."""
    out = tmp_path_factory.mktemp("many")
    jobs = [
        RenderJob("saxony", {"name": "Saxony"}),
        RenderJob("wallonia", {"name": "Wallonia", "fail": True}),
        RenderJob("piemonte", {"name": "Piemonte"}),
    ]
    seen: list[str] = []
    outcomes = render_many(HELLO, jobs, out, workers=2, progress=lambda outcome: seen.append(outcome.name))
    return out, outcomes, seen


def test_render_many_isolates_a_failing_job(many: tuple[Path, list[RenderOutcome], list[str]]) -> None:
    out, outcomes, _ = many

    assert [o.name for o in outcomes] == ["saxony", "wallonia", "piemonte"]
    assert [o.ok for o in outcomes] == [True, False, True]
    failed = outcomes[1]
    assert failed.html is None
    assert failed.error is not None and "\n" not in failed.error
    assert failed.error.startswith("cell ")
    assert "ValueError" in failed.error and "boom" in failed.error
    assert not (out / "wallonia.html").exists()
    assert Path(failed.notebook).exists()  # papermill saved the failed notebook for audit
    failed_nb = json.loads(Path(failed.notebook).read_text(encoding="utf-8"))
    assert any(o.get("ename") == "ValueError" for c in failed_nb["cells"] for o in c.get("outputs", []))
    for outcome, region in ((outcomes[0], "Saxony"), (outcomes[2], "Piemonte")):
        html = Path(outcome.html or "").read_text(encoding="utf-8")
        assert f"Hello, {region}!" in html
        assert Path(outcome.notebook).exists()


def test_progress_is_called_once_per_job(many: tuple[Path, list[RenderOutcome], list[str]]) -> None:
    _, _, seen = many
    assert sorted(seen) == ["piemonte", "saxony", "wallonia"]


def test_failed_rerender_keeps_previous_html(tmp_path: Path) -> None:
    first = render_one(HELLO, RenderJob("grand-est", {"name": "Grand Est"}), tmp_path)
    assert first.ok, first.error
    before = (tmp_path / "grand-est.html").read_bytes()

    again = render_one(BROKEN, RenderJob("grand-est", {"name": "Grand Est"}), tmp_path)

    assert not again.ok
    assert again.html is None
    # papermill counts executions: parameters (1), injected parameters (2), the failing cell (3)
    assert again.error == "cell 3: ValueError: boom"
    assert (tmp_path / "grand-est.html").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary files left behind"


def test_missing_kernel_is_a_failed_outcome_not_an_exception(tmp_path: Path) -> None:
    outcomes = render_many(HELLO, [RenderJob("lapland", {})], tmp_path, kernel_name="no-such-kernel")

    assert len(outcomes) == 1
    assert not outcomes[0].ok
    assert "no-such-kernel" in (outcomes[0].error or "")
    assert not (tmp_path / "lapland.html").exists()


def test_missing_notebook_is_a_failed_outcome(tmp_path: Path) -> None:
    outcome = render_one(tmp_path / "nope.ipynb", RenderJob("x", {}), tmp_path / "out")
    assert not outcome.ok
    assert outcome.error and "nope.ipynb" in outcome.error


@pytest.mark.parametrize("name", ["", "../escape", "a/b", ".hidden"])
def test_job_names_must_be_plain_stems(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="file stem"):
        render_many(HELLO, [RenderJob(name, {})], tmp_path)


def test_duplicate_job_names_are_rejected_before_running(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="saxony"):
        render_many(HELLO, [RenderJob("saxony", {}), RenderJob("saxony", {})], tmp_path, workers=2)
    assert list(tmp_path.iterdir()) == []


def test_a_kernel_that_dies_while_starting_is_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import papermill

    real = papermill.execute_notebook
    calls = {"n": 0}

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return real(*args, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    outcome = render_one(NOTEBOOKS / "hello.ipynb", RenderJob("retry", {"name": "again"}), tmp_path)
    assert outcome.ok and calls["n"] == 2


def test_a_cell_error_is_not_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import papermill

    real = papermill.execute_notebook
    calls = {"n": 0}

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", counted)
    outcome = render_one(NOTEBOOKS / "broken.ipynb", RenderJob("broken", {}), tmp_path)
    assert not outcome.ok and calls["n"] == 1
