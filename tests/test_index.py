"""Building the index: stamps, the atomic swap, failed and concurrent builds (kb/search/build.py)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from conftest import BROKEN, GOOD
from kb.errors import CorpusError, IndexBusy, IndexMissing
from kb.search.build import STAMP, build_index, build_lock, read_stamp, resolve
from kb.search.index import Index


def ids_for(index: Path, query: str) -> list[str]:
    with Index(index) as ix:
        return [h.id for h in ix.search(query, limit=20).hits]


def test_build_stamps_the_index_with_build_id_and_corpus_hash(tmp_path: Path) -> None:
    index = tmp_path / "index"
    info = build_index(GOOD, index)
    assert index.is_symlink()
    stamp = read_stamp(index)
    assert stamp.build_id == info.build_id
    assert stamp.records == 6
    assert len(stamp.corpus_hash) == 64
    assert (resolve(index) / STAMP).is_file()


def test_same_corpus_same_hash_new_build_id(tmp_path: Path) -> None:
    first = build_index(GOOD, tmp_path / "a")
    second = build_index(GOOD, tmp_path / "a", full=True)
    assert first.corpus_hash == second.corpus_hash
    assert first.build_id != second.build_id
    assert read_stamp(tmp_path / "a").build_id == second.build_id
    again = build_index(GOOD, tmp_path / "a")
    assert again.mode == "unchanged" and again.build_id == second.build_id


def test_corpus_hash_changes_when_a_record_changes(corpus: Path, tmp_path: Path) -> None:
    before = build_index(corpus, tmp_path / "index").corpus_hash
    record = corpus / "saxony" / "fx-saxony-monitoring-dashboard.md"
    record.write_text(record.read_text(encoding="utf-8").replace("steering committee", "steering board"),
                      encoding="utf-8")
    assert build_index(corpus, tmp_path / "index").corpus_hash != before


def test_a_broken_corpus_leaves_the_previous_index_serving(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    before = read_stamp(index)
    answers = ids_for(index, "monitoring dashboard")
    import shutil

    shutil.copytree(BROKEN / "unknown-theme", corpus, dirs_exist_ok=True)
    with pytest.raises(CorpusError):
        build_index(corpus, index)
    assert read_stamp(index).build_id == before.build_id
    assert ids_for(index, "monitoring dashboard") == answers


def test_a_build_that_fails_midway_keeps_the_old_index_and_is_cleaned_up(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    before = read_stamp(index)
    answers = ids_for(index, "foresight scenarios")

    import kb.search.build

    real = kb.search.build.document
    calls = {"n": 0}

    def failing(practice):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real(practice)

    monkeypatch.setattr(kb.search.build, "document", failing)
    with pytest.raises(OSError, match="disk full"):
        build_index(corpus, index, full=True)
    assert read_stamp(index).build_id == before.build_id
    assert ids_for(index, "foresight scenarios") == answers
    monkeypatch.setattr(kb.search.build, "document", real)

    generations = tmp_path / ".index.d"
    leftover = generations / ".tmp-killed-build"
    leftover.mkdir()
    build_index(corpus, index)
    assert not leftover.exists()
    assert not [p for p in generations.iterdir() if p.name.startswith(".tmp-")]


def test_old_generations_are_pruned(tmp_path: Path) -> None:
    index = tmp_path / "index"
    for _ in range(4):
        build_index(GOOD, index, full=True)
    generations = [p for p in (tmp_path / ".index.d").iterdir() if p.is_dir()]
    assert len(generations) == 2
    assert resolve(index) in [g.resolve() for g in generations]


def test_a_reader_keeps_its_generation_while_a_new_one_is_swapped_in(tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(GOOD, index)
    with Index(index) as reader:
        first = reader.generation
        build_index(GOOD, index, full=True)
        assert not reader.is_current()
        assert reader.search("foresight").hits
        assert reader.generation == first
    with Index(index) as fresh:
        assert fresh.is_current() and fresh.generation != first


def test_missing_index() -> None:
    with pytest.raises(IndexMissing, match="run `kb index` first"):
        Index(Path("/nonexistent/index"))


def test_a_second_build_waits_for_the_lock_or_says_why(tmp_path: Path) -> None:
    index = tmp_path / "index"
    with build_lock(index), pytest.raises(IndexBusy, match="another `kb index` is building"):
        build_index(GOOD, index, lock_wait=0.2)
    assert not index.exists()

    done = threading.Event()
    with build_lock(index):
        worker = threading.Thread(target=lambda: (build_index(GOOD, index, lock_wait=30), done.set()))
        worker.start()
        worker.join(0.5)
        assert not done.is_set()
    worker.join(30)
    assert done.is_set() and index.is_symlink()


def test_a_plain_folder_in_the_way_is_not_overwritten(tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.mkdir()
    (index / "notes.txt").write_text("mine")
    from kb.errors import KBError

    with pytest.raises(KBError, match="is not an index built by kb"):
        build_index(GOOD, index)
    assert (index / "notes.txt").read_text() == "mine"


def test_progress_is_reported(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    build_index(GOOD, tmp_path / "index", progress=lambda n, total: seen.append((n, total)))
    assert seen[-1] == (6, 6) and len(seen) == 6


def test_index_link_is_relative(tmp_path: Path) -> None:
    build_index(GOOD, tmp_path / "index")
    assert not os.path.isabs(os.readlink(tmp_path / "index"))


def _edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_incremental_update_matches_a_full_rebuild(corpus: Path, tmp_path: Path) -> None:
    import shutil

    inc, full = tmp_path / "inc", tmp_path / "full"
    assert build_index(corpus, inc).mode == "full"
    _edit(corpus / "saxony" / "fx-saxony-monitoring-dashboard.md", "steering committee reviews",
          "regional parliament reviews")
    shutil.copy(corpus / "wallonia" / "fx-wallonia-competitiveness-poles.md",
                corpus / "wallonia" / "fx-wallonia-copy.md")
    _edit(corpus / "wallonia" / "fx-wallonia-copy.md", "id: fx-wallonia-competitiveness-poles", "id: fx-wallonia-copy")
    (corpus / "hauts-de-france" / "fx-hdf-mining-basin.md").unlink()
    info = build_index(corpus, inc)
    assert (info.mode, info.added, info.changed, info.deleted) == ("incremental", 1, 1, 1)
    reference = build_index(corpus, full)
    assert info.corpus_hash == reference.corpus_hash and info.records == reference.records == 6
    for query in ("regional parliament", "steering committee", "mining basin", "competitiveness", "pôles"):
        assert ids_for(inc, query) == ids_for(full, query), query
    from kb.search.build import read_documents

    assert read_documents(inc)[1] == read_documents(full)[1]
    from kb.search.build import read_lexicon

    assert read_lexicon(Path(read_stamp(inc).path)) == read_lexicon(Path(read_stamp(full).path))
    # The edit wrote deltas beside the shared files, not every record again.
    generation = Path(read_stamp(inc).path)
    assert (generation / "documents.delta.json").exists() and (generation / "lexicon.delta.json").exists()
    assert (generation / "documents.json").stat().st_nlink >= 1


def test_touching_a_file_without_changing_it_changes_nothing(corpus: Path, tmp_path: Path) -> None:
    import os

    index = tmp_path / "index"
    first = build_index(corpus, index)
    record = corpus / "saxony" / "fx-saxony-monitoring-dashboard.md"
    os.utime(record, ns=(record.stat().st_atime_ns, record.stat().st_mtime_ns + 10**9))
    again = build_index(corpus, index)
    assert again.mode == "unchanged" and again.build_id == first.build_id


def test_a_broken_edit_is_refused_incrementally(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    before = build_index(corpus, index)
    _edit(corpus / "saxony" / "fx-saxony-monitoring-dashboard.md", "themes: [monitoring-evaluation, governance]",
          "themes: [monitoring-evaluation, blockchain]")
    with pytest.raises(CorpusError) as err:
        build_index(corpus, index)
    assert "unknown theme 'blockchain'" in str(err.value.problems[0])
    assert read_stamp(index).build_id == before.build_id


def test_a_duplicate_id_added_incrementally_is_refused(corpus: Path, tmp_path: Path) -> None:
    import shutil

    index = tmp_path / "index"
    build_index(corpus, index)
    (corpus / "saxony" / "archive").mkdir()
    shutil.copy(corpus / "saxony" / "fx-saxony-monitoring-dashboard.md",
                corpus / "saxony" / "archive" / "fx-saxony-monitoring-dashboard.md")
    with pytest.raises(CorpusError, match="problem"):
        build_index(corpus, index)


def test_an_incremental_update_leaves_the_previous_generation_untouched(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    old = Path(read_stamp(index).path)
    snapshot = {p.name: p.read_bytes() for p in old.iterdir() if p.is_file()}
    with Index(index) as reader:
        before = [h.id for h in reader.search("steering committee").hits]
        _edit(corpus / "saxony" / "fx-saxony-monitoring-dashboard.md", "steering committee reviews",
              "regional parliament reviews")
        assert build_index(corpus, index).mode == "incremental"
        assert [h.id for h in reader.search("steering committee").hits] == before
        assert reader.search('"regional parliament"').hits == []
    assert {p.name: p.read_bytes() for p in old.iterdir() if p.is_file()} == snapshot
    assert ids_for(index, '"regional parliament"') == ["fx-saxony-monitoring-dashboard"]


# --- an index that knows its own health ----------------------------------------------------------


def _same_size_edit(path: Path, old: str, new: str) -> None:
    """Change text without changing the file's size, and put its mtime back (as rsync -t,
    `git checkout` of a same-size file or some editors leave it)."""
    assert len(old.encode()) == len(new.encode())
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def test_an_edit_that_keeps_size_and_mtime_is_still_indexed(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    _same_size_edit(corpus / "saxony" / "fx-saxony-monitoring-dashboard.md", "steering committee",
                    "quokkaqu committee")
    info = build_index(corpus, index)
    assert (info.mode, info.changed) == ("incremental", 1)
    assert ids_for(index, "quokkaqu") == ["fx-saxony-monitoring-dashboard"]


def test_new_file_times_with_the_same_content_rebuild_nothing(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    for path in corpus.rglob("*.md"):
        path.write_bytes(path.read_bytes())  # a checkout: new ctime and mtime, same bytes
    assert build_index(corpus, index).mode == "unchanged"
    assert build_index(corpus, index).mode == "unchanged"


def _largest_segment(index: Path) -> Path:
    return max((p for p in resolve(index).iterdir() if p.suffix == ".seg"), key=lambda p: p.stat().st_size)


def test_a_truncated_segment_is_reported_and_rebuilt_in_full(corpus: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kb.cli import cli
    from kb.errors import IndexDamaged
    from kb.search.build import verify

    index = tmp_path / "index"
    build_index(corpus, index)
    segment = _largest_segment(index)
    os.truncate(segment, 100)
    assert verify(index) and verify(index, full=True)
    with pytest.raises(IndexDamaged, match=f"{segment.name} is 100 bytes"):
        Index(index)
    runner = CliRunner()
    searched = runner.invoke(cli, ["search", "monitoring", "--index", str(index)])
    assert searched.exit_code == 1 and searched.stderr.count("\n") == 1
    assert searched.stderr.startswith(f"Error: the index at {index} is damaged ({segment.name} is 100 bytes")
    checked = runner.invoke(cli, ["index", "--check", "--index", str(index)])
    assert checked.exit_code == 1 and "damaged" in checked.stderr
    rebuilt = runner.invoke(cli, ["index", "--practices", str(corpus), "--index", str(index)])
    assert rebuilt.exit_code == 0 and "rebuilt it in full" in rebuilt.stderr and "full rebuild" in rebuilt.stdout
    assert verify(index, full=True) == []
    assert "fx-saxony-monitoring-dashboard" in ids_for(index, "monitoring dashboard")
    assert runner.invoke(cli, ["index", "--check", "--index", str(index)]).exit_code == 0


def test_altered_bytes_of_the_same_size_are_found_by_check(corpus: Path, tmp_path: Path) -> None:
    from kb.search.build import verify

    index = tmp_path / "index"
    build_index(corpus, index)
    segment = _largest_segment(index)
    data = bytearray(segment.read_bytes())
    data[len(data) // 2] ^= 0xFF
    segment.write_bytes(bytes(data))
    assert verify(index) == []
    assert verify(index, full=True) == [f"{segment.name} does not match its checksum"]


def test_hard_linked_files_are_never_written_by_a_later_generation(corpus: Path, tmp_path: Path) -> None:
    """Generations share unchanged segment files by hard link; this holds only while no build
    writes into a file it did not create. After each incremental build, every file of the
    generation before it still matches the checksum recorded when that one was built."""
    from kb.search.build import verify

    index = tmp_path / "index"
    build_index(corpus, index)
    path = corpus / "saxony" / "fx-saxony-monitoring-dashboard.md"
    for n in range(3):
        before = resolve(index)
        text = path.read_text(encoding="utf-8")
        path.write_text(text + f"\nMore words, round {n}.\n", encoding="utf-8")
        assert build_index(corpus, index).mode == "incremental"
        shared = [p.name for p in resolve(index).iterdir() if (before / p.name).exists()
                  and p.stat().st_ino == (before / p.name).stat().st_ino]
        assert shared, "the incremental build shares no file: the test would prove nothing"
        assert verify(before, full=True) == []
        assert verify(index, full=True) == []


@pytest.mark.parametrize("where", ["/", ".", "file"])
def test_an_index_path_that_cannot_hold_an_index_is_refused_before_anything_is_made(
        tmp_path: Path, where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from kb.errors import IndexPathTaken

    monkeypatch.chdir(tmp_path)
    target = Path(where)
    if where == "file":
        target.write_text("not an index", encoding="utf-8")
    before = set(os.listdir(tmp_path)) | set(os.listdir("/"))
    with pytest.raises(IndexPathTaken):
        build_index(GOOD, target)
    assert set(os.listdir(tmp_path)) | set(os.listdir("/")) == before


@pytest.mark.parametrize("victim", ["documents.json", "lexicon.json", "segment"])
def test_a_generation_altered_in_place_is_rebuilt_not_a_traceback(corpus: Path, tmp_path: Path, victim: str) -> None:
    from kb.search.build import verify

    index = tmp_path / "index"
    build_index(corpus, index)
    path = _largest_segment(index) if victim == "segment" else resolve(index) / victim
    data = bytearray(path.read_bytes())
    for at in range(len(data) // 3, len(data) // 3 + 64):
        data[at] = 0x7B  # "{": same size, broken content
    path.write_bytes(bytes(data))
    record = corpus / "saxony" / "fx-saxony-monitoring-dashboard.md"
    record.write_text(record.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    info = build_index(corpus, index)
    assert info.mode == "full" and "does not match its checksum" in info.repaired
    assert "fx-saxony-monitoring-dashboard" in ids_for(index, "monitoring dashboard")
    assert verify(index, full=True) == []


@pytest.mark.parametrize("compact_at", [1000, 2])
def test_successive_incremental_updates_match_a_full_rebuild(corpus: Path, tmp_path: Path, compact_at: int,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Deltas accumulate over several updates, or (a low threshold) are folded into the files."""
    from kb.search import build as build_module
    from kb.search.build import read_documents, read_lexicon

    monkeypatch.setattr(build_module, "COMPACT_AT", compact_at)
    inc = tmp_path / "inc"
    build_index(corpus, inc)
    record = corpus / "saxony" / "fx-saxony-monitoring-dashboard.md"
    said = "steering committee reviews"
    for word in ("regional parliament", "state audit office", "citizens panel"):
        _edit(record, said, f"{word} reviews")
        said = f"{word} reviews"
        assert build_index(corpus, inc).mode == "incremental"
    (corpus / "hauts-de-france" / "fx-hdf-mining-basin.md").unlink()
    assert build_index(corpus, inc).deleted == 1
    full = tmp_path / "full"
    build_index(corpus, full)
    assert read_documents(inc)[1] == read_documents(full)[1]
    assert read_lexicon(Path(read_stamp(inc).path)) == read_lexicon(Path(read_stamp(full).path))
    for query in ("citizens panel", "regional parliament", "mining basin"):
        assert ids_for(inc, query) == ids_for(full, query), query
    deltas = list(Path(read_stamp(inc).path).glob("*.delta.json"))
    assert (deltas == []) == (compact_at == 2)
