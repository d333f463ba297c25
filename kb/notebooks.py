"""Render a parameterised notebook into offline HTML reports, one per job, in parallel.

Each job runs the notebook under papermill with its own parameters, keeps the executed notebook
as `<name>.ipynb` for audit and exports `<name>.html` with the offline template in
`kb/templates/offline` (no CDN scripts, print CSS for A4). Jobs are isolated from each other:
a failure (an exception in a cell, a missing kernel, anything) becomes a `RenderOutcome` with
`ok=False` and never stops the other jobs, and a failed job leaves an older `<name>.html` as it
was. Files are written to a temporary name in the output folder and moved into place with
`os.replace`, so a reader never sees a half-written file.

papermill and nbconvert take 2.5-3 s to import, so they are imported on first use: `import
kb.notebooks` stays cheap for the command line.
"""

from __future__ import annotations

import contextlib
import copy
import glob
import json
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.errors import Stopped
from kb.files import temp_path, write_atomic

if TYPE_CHECKING:
    from nbconvert import HTMLExporter
    from nbformat import NotebookNode

__all__ = ["TEMPLATE_ROOT", "RenderJob", "RenderOutcome", "export_html", "render_many", "render_one"]

#: Folder holding nbconvert template folders; found next to this module so it works when installed.
TEMPLATE_ROOT = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "offline"
#: Cells papermill tags: the notebook's defaults and the injected values. Reports never show them.
PARAMETER_TAGS = frozenset({"injected-parameters", "parameters"})
_MAX_ERROR = 500
KERNEL_START_ATTEMPTS = 3


@dataclass(frozen=True)
class RenderJob:
    """One report to render: `name` is the output stem (a region slug), `parameters` go to papermill,
    `title` is the page's browser title (empty: the notebook's own title, else nbconvert's "Notebook")."""

    name: str
    parameters: dict[str, Any]
    title: str = ""


@dataclass(frozen=True)
class RenderOutcome:
    """What happened to one job. `html` is None on failure; `notebook` is where the executed
    (or, on failure, partly executed) notebook is kept; `error` is one line, e.g.
    "cell 3: ValueError: boom"."""

    name: str
    ok: bool
    html: str | None
    notebook: str
    seconds: float
    error: str | None


# One exporter per process: building the first one loads templates and CSS (≈ 0.4-0.75 s),
# reusing it makes each later export ≈ 0.02 s.
_EXPORTER: HTMLExporter | None = None


def _exporter() -> HTMLExporter:
    """The process's HTMLExporter with the offline template, created on first use."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter
        from traitlets.config import Config

        c = Config()
        c.HTMLExporter.exclude_input = True
        c.HTMLExporter.exclude_input_prompt = True
        c.HTMLExporter.exclude_output_prompt = True
        c.HTMLExporter.embed_images = True
        c.TagRemovePreprocessor.enabled = True
        c.TagRemovePreprocessor.remove_cell_tags = set(PARAMETER_TAGS)
        _EXPORTER = HTMLExporter(config=c, template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATE_ROOT)])
    return _EXPORTER


def export_html(nb: NotebookNode, title: str = "") -> str:
    """Offline HTML of an executed notebook: outputs only, no parameter cells, no external scripts.

    The notebook is not changed: widget state (which would add a CDN loader for the widget
    manager) is dropped from a copy, and `title` is set on that copy, where the lab template
    looks for the page's `<title>`.
    """
    if "widgets" in nb.get("metadata", {}) or title:
        nb = copy.deepcopy(nb)
        nb.metadata.pop("widgets", None)
        if title:
            nb.metadata["title"] = title
    body, _ = _exporter().from_notebook_node(nb)
    return body


def _check_name(name: str) -> None:
    """Reject names that are not a plain file stem, so a job can only write inside out_dir."""
    if not name or name in {".", ".."} or name.startswith(".") or "/" in name or "\\" in name or "\0" in name:
        raise ValueError(f"job name must be a plain file stem (no path, not hidden): {name!r}")


def _one_line(text: str) -> str:
    """Squash a message onto one line and cap its length, for logs and tables."""
    line = " ".join(str(text).split())
    return line if len(line) <= _MAX_ERROR else line[: _MAX_ERROR - 1] + "…"


def _describe(exc: BaseException) -> str:
    """One line about a failure: the notebook cell and exception for cell errors, else the exception."""
    if all(hasattr(exc, a) for a in ("exec_count", "ename", "evalue")):  # papermill's PapermillExecutionError
        return _one_line(f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}")  # type: ignore[attr-defined]
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename is not None else ""
        return _one_line(f"{where}{exc.strerror}")
    message = str(exc)
    return _one_line(f"{type(exc).__name__}: {message}" if message else type(exc).__name__)


def _whole_notebook(path: Path) -> bool:
    """True when `path` holds a complete notebook: only then may it replace the kept one (a
    write that failed half-way, on a full disk say, leaves a stub that must not)."""
    try:
        with open(path, encoding="utf-8") as fh:
            return isinstance(json.load(fh).get("cells"), list)
    except (OSError, ValueError, AttributeError):
        return False


def _is_cell_error(exc: BaseException) -> bool:
    return all(hasattr(exc, a) for a in ("exec_count", "ename", "evalue"))


def render_one(notebook: Path, job: RenderJob, out_dir: Path, kernel_name: str = "python3") -> RenderOutcome:
    """Execute `notebook` with the job's parameters and export it; never raises for a failed run.

    Writes `out_dir/<name>.ipynb` (also when a cell fails, as papermill saves the failed notebook)
    and, on success only, `out_dir/<name>.html`. Raises ValueError only for a bad job name.
    """
    _check_name(job.name)
    start = time.perf_counter()
    out_dir = Path(out_dir)
    notebook = Path(notebook).resolve()
    nb_path = out_dir / f"{job.name}.ipynb"
    html_path = out_dir / f"{job.name}.html"
    # papermill rewrites its output after every cell: run into a temporary file (ending in
    # .ipynb, as papermill expects) and move it into place once it stops.
    tmp_nb = temp_path(out_dir, job.name, ".tmp.ipynb")
    error: str | None = None
    try:
        import papermill

        out_dir.mkdir(parents=True, exist_ok=True)
        try:
            for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
                try:
                    executed = papermill.execute_notebook(
                        str(notebook),
                        str(tmp_nb),
                        parameters=dict(job.parameters),
                        kernel_name=kernel_name,
                        progress_bar=False,
                        cwd=str(notebook.parent),
                        # Save once at the end (and on failure), not after every cell: reports carry large outputs.
                        request_save_on_cell_execute=False,
                        # The kernel's warning about TCP transport on every start is noise in a batch log.
                        extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
                    )
                    break
                except Exception as exc:
                    # A cell error is the notebook's answer and would repeat; a kernel that died while
                    # starting (two kernels picked the same free port at once) is worth another try.
                    if _is_cell_error(exc) or attempt == KERNEL_START_ATTEMPTS:
                        raise
        finally:
            if _whole_notebook(tmp_nb):
                os.replace(tmp_nb, nb_path)
        write_atomic(html_path, export_html(executed, job.title))
    except Exception as exc:
        error = _describe(exc)
    finally:
        tmp_nb.unlink(missing_ok=True)
    return RenderOutcome(
        name=job.name,
        ok=error is None,
        html=str(html_path) if error is None else None,
        notebook=str(nb_path),
        seconds=round(time.perf_counter() - start, 3),
        error=error,
    )


def _pool_context() -> multiprocessing.context.BaseContext:
    """Start workers from a clean forkserver that has papermill and nbconvert imported already.

    Plain fork would copy the caller's state (event loops, ZeroMQ sockets and threads left by an
    earlier in-process render), which is unsafe; spawn would re-import papermill and nbconvert
    (2.5-3 s) in every worker. Platforms without forkserver (Windows) use spawn.

    The forkserver and its resource tracker outlive a batch by design; they are started with
    their standard output and error on /dev/null, so a caller reading this process's output
    sees it end when this process ends.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    # Only takes effect if this process has not started its forkserver yet.
    ctx.set_forkserver_preload(["papermill", "nbconvert", __name__])
    from multiprocessing import forkserver

    with _stdio_to_devnull():
        forkserver.ensure_running()
    return ctx


@contextlib.contextmanager
def _stdio_to_devnull() -> Iterator[None]:
    """Point file descriptors 1 and 2 at /dev/null for the block (processes started in it
    inherit that, not the caller's pipes)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    saved = [os.dup(1), os.dup(2)]
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)


def _kill_tree(pid: int, include_self: bool = True) -> None:
    """SIGKILL a process's descendants (its kernels) and, with `include_self`, the process."""
    import psutil

    try:
        root = psutil.Process(pid)
        victims = root.children(recursive=True) + ([root] if include_self else [])
    except psutil.Error:
        return
    for proc in victims:
        with contextlib.suppress(psutil.Error):
            proc.kill()


def _worker_start(parent_alive: Any) -> None:
    """Set up a pool worker: no hold on the caller's terminal or pipes, its kernels stopped
    with it on SIGTERM, and an exit (kernels first) as soon as the process that started the
    batch is gone, even when it was SIGKILLed: `parent_alive` is the read end of a pipe whose
    only write end that process holds."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)

    def stop(signum: int, frame: Any) -> None:
        _kill_tree(os.getpid(), include_self=False)
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch's parent decides what ^C stops

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            while True:
                parent_alive.recv()
        _kill_tree(os.getpid(), include_self=False)
        os._exit(1)

    threading.Thread(target=watch, name="kb-parent-watch", daemon=True).start()


class _Signals:
    """While active (main thread only), SIGTERM, SIGINT and SIGHUP are recorded instead of
    ending the process at once, and `on_signal` runs (it ends the kernels or workers in
    progress). The batch checks `caught` between jobs and stops cleanly. Nothing is raised from
    the handler: an exception raised there can land in a finaliser and be swallowed."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)

    def __init__(self, on_signal: Callable[[], None]):
        self.on_signal = on_signal
        self.caught: int | None = None
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: Any) -> None:
        if self.caught is None:
            self.caught = signum
            self.on_signal()

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():
            self._previous = {sig: signal.signal(sig, self._handle) for sig in self.SIGNALS}
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, old in self._previous.items():
            signal.signal(sig, old)


def render_many(
    notebook: Path,
    jobs: list[RenderJob],
    out_dir: Path,
    workers: int = 4,
    progress: Callable[[RenderOutcome], None] | None = None,
    kernel_name: str = "python3",
) -> list[RenderOutcome]:
    """Render every job, `workers` at a time, and return the outcomes in the jobs' order.

    Four workers suit 2-core machines: kernel start-up is mostly waiting (PERFORMANCE.md).
    `progress` is called in this process as each job finishes. Job names must be distinct
    file stems (ValueError before anything runs otherwise).
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    names = [job.name for job in jobs]
    for name in names:
        _check_name(name)
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"job names must be unique; repeated: {', '.join(duplicates)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    notebook = Path(notebook).resolve()

    done: list[RenderOutcome] = []

    def finished(outcome: RenderOutcome) -> None:
        done.append(outcome)
        if progress is not None:
            progress(outcome)

    if workers == 1 or len(jobs) <= 1:
        # Kernels are this process's children: a signal ends them, which ends the job at once
        # (quietly: the kernel client's complaint about a dead kernel is expected then).
        def end_kernels() -> None:
            logging.disable(logging.CRITICAL)
            _kill_tree(os.getpid(), include_self=False)

        with _Signals(end_kernels) as signals:
            try:
                for job in jobs:
                    outcome = render_one(notebook, job, out_dir, kernel_name)
                    if signals.caught is not None:
                        break
                    finished(outcome)
            finally:
                if signals.caught is not None:
                    logging.disable(logging.NOTSET)
    else:
        with _Signals(lambda: None) as signals:
            _render_pool(notebook, jobs, out_dir, min(workers, len(jobs)), finished, kernel_name, signals)
    if signals.caught is not None:
        _remove_temp_notebooks(out_dir, jobs)
        raise Stopped(signal.Signals(signals.caught).name, signals.caught, sum(o.ok for o in done), len(jobs))
    order = {job.name: i for i, job in enumerate(jobs)}
    return sorted(done, key=lambda o: order[o.name])


def _remove_temp_notebooks(out_dir: Path, jobs: list[RenderJob]) -> None:
    for job in jobs:
        for leftover in out_dir.glob(f".{glob.escape(job.name)}.*.tmp*"):
            leftover.unlink(missing_ok=True)


def _render_pool(notebook: Path, jobs: list[RenderJob], out_dir: Path, workers: int,
                 finished: Callable[[RenderOutcome], None], kernel_name: str, signals: _Signals) -> None:
    """Render the jobs in a pool of `workers` processes, calling `finished` as each ends; stop
    early, ending every worker and kernel, when `signals` caught one."""
    start = time.perf_counter()
    ctx = _pool_context()
    alive_r, alive_w = ctx.Pipe(duplex=False)
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_start,
                                   initargs=(alive_r,))
    completed = False
    try:
        futures: dict[Future[RenderOutcome], int] = {
            executor.submit(render_one, notebook, job, out_dir, kernel_name): i for i, job in enumerate(jobs)
        }
        pending = set(futures)
        while pending and signals.caught is None:
            ready, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in ready:
                i = futures[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # the worker died or the job could not be sent to it
                    outcome = RenderOutcome(
                        name=jobs[i].name,
                        ok=False,
                        html=None,
                        notebook=str(out_dir / f"{jobs[i].name}.ipynb"),
                        seconds=round(time.perf_counter() - start, 3),
                        error=_one_line(f"{type(exc).__name__}: {exc}"),
                    )
                finished(outcome)
        completed = not pending
    finally:
        if not completed:
            # Stopped or failed: end the workers and their kernels now rather than wait for
            # the reports in progress.
            for process in list((getattr(executor, "_processes", None) or {}).values()):
                _kill_tree(process.pid)
        executor.shutdown(wait=completed, cancel_futures=True)
        alive_w.close()
        alive_r.close()
