"""Faults, hostile input and concurrency: nothing lost, nothing half-built, no crash.

Interrupted builds are killed with SIGKILL at several points; readers search while the index is
rebuilt; two builds run at once; arbitrary bytes and mutated records go through the parser and
the validator."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from multiprocessing import get_context
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import GOOD, REAL_PRACTICES
from kb.corpus.records import check_record, load_corpus, parse_record, read_record, validate
from kb.errors import CorpusError
from kb.search.build import build_index, read_stamp

KB = [sys.executable, "-m", "kb.cli"]
QUERIES = ("monitoring strategy", "cluster policy", "skills training", "foresight", "digital")


def answers(index: Path) -> dict[str, list[str]]:
    from kb.search.index import Index

    with Index(index) as ix:
        return {q: [h.id for h in ix.search(q, limit=20).hits] for q in QUERIES}


# --- the parser and the validator ---------------------------------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000))
def test_the_parser_reports_problems_for_any_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "x.md"
    path.write_bytes(data)
    raw = read_record(path)
    problems = list(check_record(raw, "x"))
    assert problems, "arbitrary bytes are never a valid record"
    assert all(p.path == str(path) and p.line >= 1 and p.message for p in problems)


TEMPLATE = (GOOD / "saxony" / "fx-saxony-monitoring-dashboard.md").read_text(encoding="utf-8")


@st.composite
def mutated(draw: st.DrawFn) -> str:
    lines = TEMPLATE.split("\n")
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "replace", "insert", "truncate"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "replace" and ":" in lines[i]:
            key = lines[i].split(":", 1)[0]
            lines[i] = f"{key}: {draw(st.text(max_size=20))}"
        elif op == "insert":
            lines.insert(i, draw(st.text(max_size=30)))
        elif op == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, max(0, len(lines[i]) - 1)))]
        if not lines:
            lines = [""]
    return "\n".join(lines)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutated())
def test_validate_never_misses_a_problem_that_index_trips_on(tmp_path_factory: pytest.TempPathFactory,
                                                            text: str) -> None:
    root = tmp_path_factory.mktemp("mut")
    practices = root / "practices"
    shutil.copytree(GOOD, practices)
    (practices / "saxony" / "fx-saxony-monitoring-dashboard.md").write_text(text, encoding="utf-8")
    problems = validate(practices)
    if problems:
        with pytest.raises(CorpusError):
            build_index(practices, root / "index")
        assert not (root / "index").exists()
    else:
        info = build_index(practices, root / "index")
        assert info.records == 6


def test_parse_record_survives_odd_text() -> None:
    for text in ("---\n\x00\n---\n", "---\n" + "a: [" * 500 + "\n---\n", "---\n&a [*a, *a]\n---\n",
                 "---\n!!python/object:os.system 'true'\n---\n"):
        raw = parse_record(text, "odd.md")
        assert list(check_record(raw, "odd"))


# --- interrupted and concurrent builds ---------------------------------------------------------


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kb.bench import generate_corpus

    root = tmp_path_factory.mktemp("large")
    generate_corpus(list(load_corpus(REAL_PRACTICES).practices), 700, root / "practices")
    return root


def _run_kb(*args: str) -> subprocess.Popen:
    return subprocess.Popen([*KB, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_killed_rebuild_leaves_the_previous_index_answering(large: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    practices = large / "practices"
    build_index(practices, index)
    before, stamp = answers(index), read_stamp(index)
    rng = random.Random(7)
    started = time.monotonic()
    proc = _run_kb("index", "--full", "--practices", str(practices), "--index", str(index))
    proc.wait(timeout=120)
    full_build = time.monotonic() - started
    assert proc.returncode == 0
    build_index(practices, index, full=True)
    before, stamp = answers(index), read_stamp(index)
    for _ in range(4):
        proc = _run_kb("index", "--full", "--practices", str(practices), "--index", str(index))
        time.sleep(rng.uniform(0.2, max(0.3, full_build * 0.9)))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        current = read_stamp(index)
        if current.build_id != stamp.build_id:  # the kill came after the swap: a complete new build
            assert current.records == stamp.records
            stamp = current
        assert answers(index) == before
    gens = tmp_path / ".index.d"
    done = _run_kb("index", "--full", "--practices", str(practices), "--index", str(index))
    assert done.wait(timeout=120) == 0
    assert not [p for p in gens.iterdir() if p.name.startswith(".tmp-")]
    assert answers(index) == before


def test_two_builds_at_once_are_serialised(tmp_path: Path) -> None:
    index = tmp_path / "index"
    procs = [_run_kb("index", "--full", "--practices", str(REAL_PRACTICES), "--index", str(index)) for _ in range(2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    assert read_stamp(index).records == len(load_corpus(REAL_PRACTICES).practices)


def _reader(index: str, seconds: float, expected: int) -> tuple[int, list[str]]:
    from kb.api import open_index

    errors, done = [], 0
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        try:
            ix = open_index(index)
            result = ix.search("", limit=1)
            if result.total != expected or ix.doc_count != expected:
                errors.append(f"incomplete index: {result.total} of {expected}")
            ix.search("monitoring strategy")
            done += 1
        except Exception as exc:  # every error counts
            errors.append(f"{type(exc).__name__}: {exc}")
    return done, errors


def test_readers_see_complete_indexes_during_rebuilds(tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(REAL_PRACTICES, index)
    expected = read_stamp(index).records
    with get_context("spawn").Pool(3) as pool:
        pending = pool.starmap_async(_reader, [(str(index), 6.0, expected)] * 3)
        rebuilds = 0
        while not pending.ready():
            build_index(REAL_PRACTICES, index, full=True)
            rebuilds += 1
        results = pending.get(timeout=60)
    assert rebuilds >= 2
    assert sum(done for done, _ in results) > 10
    assert [e for _, errors in results for e in errors] == []


# --- workshop files -------------------------------------------------------------------------------


def test_a_failed_write_never_truncates_a_workshop_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from kb.workshops import sessions as workshops

    path = workshops.new_session(tmp_path, "foresight", ["saxony", "wallonia"], dt.date(2026, 12, 1),
                                 ["fx-lapland-foresight-network"])
    before = path.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    from kb import files

    monkeypatch.setattr(files.os, "replace", broken_replace)
    with pytest.raises(OSError):
        workshops.add_rating(path, "saxony", "fx-lapland-foresight-network", 4)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    assert os.path.getsize(path) == len(before)


# --- process trees: a stopped batch leaves nothing behind ---------------------------------------

REPORT_NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "region_report.ipynb"


def _descendants(pid: int) -> list:  # type: ignore[type-arg]
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _runs_a_kernel(procs: list) -> bool:  # type: ignore[type-arg]
    import psutil

    for proc in procs:
        try:
            if "ipykernel" in " ".join(proc.cmdline()):
                return True
        except psutil.Error:
            continue
    return False


@pytest.mark.parametrize(("sig", "jobs"), [(signal.SIGTERM, 3), (signal.SIGINT, 3), (signal.SIGKILL, 3),
                                           (signal.SIGTERM, 1), (signal.SIGKILL, 1)])
def test_a_stopped_report_batch_ends_its_workers_and_kernels_and_releases_the_callers_pipes(
        fixture_index: Path, tmp_path: Path, sig: int, jobs: int) -> None:
    import psutil

    proc = subprocess.Popen([*KB, "report", "saxony", "wallonia", "lithuania", "cantabria", "--jobs", str(jobs),
                             "--index", str(fixture_index), "--out", str(tmp_path / "out"),
                             "--workshops", str(tmp_path / "none"), "--notebook", str(REPORT_NOTEBOOK)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 90
    while not _runs_a_kernel(_descendants(proc.pid)):
        assert proc.poll() is None and time.monotonic() < deadline, "no kernel started"
        time.sleep(0.05)
    family = _descendants(proc.pid)
    os.kill(proc.pid, sig)
    try:
        _, err = proc.communicate(timeout=20)  # returns only when nothing holds stdout and stderr
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the caller's pipes were still open 20 s after the signal")
    _, alive = psutil.wait_procs(family, timeout=10)
    assert alive == [], f"still running: {[p.pid for p in alive]}"
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 128 + sig, err
        assert err.decode().startswith(f"Error: stopped by {signal.Signals(sig).name}: "), err
    assert not list((tmp_path / "out").glob(".*.tmp*"))


# --- full disks and read-only folders ------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A 24 MB file system of its own (a tmpfs mount; needs root, as on CI)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)], capture_output=True,
                          text=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(mount: Path) -> None:
    with open(mount / "filler", "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass
    with pytest.raises(OSError):
        (mount / "probe").write_bytes(b"x" * 8192)


def _readonly(mount: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)


def _one_error_line(result: subprocess.CompletedProcess, words: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and words in lines[0], result.stderr


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink() and p.name not in ("filler", "probe")}


@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_index_workshop_and_export_on_a_full_or_read_only_disk(small_disk: Path, tmp_path: Path,
                                                               fault: str) -> None:
    import datetime as dt

    from kb.workshops.sessions import new_session

    practices = tmp_path / "practices"
    shutil.copytree(GOOD, practices)
    index = small_disk / "index"
    build_index(practices, index)
    before_answers = answers(index)
    session = new_session(small_disk / "workshops", "governance", ["saxony", "wallonia"], dt.date(2026, 3, 1),
                          ["fx-saxony-monitoring-dashboard"])
    record = practices / "saxony" / "fx-saxony-monitoring-dashboard.md"
    record.write_text(record.read_text(encoding="utf-8") + "\nA new closing sentence.\n", encoding="utf-8")
    (_fill if fault == "full" else _readonly)(small_disk)
    words = "No space left on device" if fault == "full" else "Read-only file system"
    disk_before = _snapshot(small_disk)

    def kb(*args: str | Path) -> subprocess.CompletedProcess:
        return subprocess.run([*KB, *map(str, args)], capture_output=True, text=True, timeout=60, check=False)

    _one_error_line(kb("index", "--practices", practices, "--index", index), words)
    _one_error_line(kb("index", "--full", "--practices", practices, "--index", index), words)
    _one_error_line(kb("workshop", "rate", session, "--region", "saxony", "--practice",
                       "fx-saxony-monitoring-dashboard", "--score", "4"), words)
    _one_error_line(kb("workshop", "action", session, "--region", "saxony", "--text", "x", "--owner", "y",
                       "--due", "2026-06-01"), words)
    _one_error_line(kb("export", "--practices", practices, "--out", small_disk / "practices.csv"), words)
    assert _snapshot(small_disk) == disk_before
    assert not list(small_disk.rglob(".*tmp*"))
    assert answers(index) == before_answers


def test_a_rerender_on_a_full_disk_keeps_the_previous_report_and_notebook(small_disk: Path,
                                                                         fixture_index: Path) -> None:
    from kb.notebooks import RenderJob, render_one

    out = small_disk / "reports"
    job = RenderJob("saxony", {"region": "saxony", "index_dir": str(fixture_index),
                               "workshops_dir": "/nonexistent", "generated_on": "2026-01-01"})
    first = render_one(REPORT_NOTEBOOK, job, out)
    assert first.ok, first.error
    kept = _snapshot(out)
    _fill(small_disk)
    again = render_one(REPORT_NOTEBOOK, job, out)
    assert not again.ok and "No space left on device" in (again.error or "")
    assert _snapshot(out) == kept
    assert not list(out.glob(".*"))
