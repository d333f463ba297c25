"""Building and opening the Whoosh index.

A build validates the corpus, writes a complete index into a fresh generation folder, stamps
it (build id, corpus digest) and then swaps a symbolic link to it in one atomic rename:
readers see the old index or the new one, never half of one. A failed or killed build leaves
the link where it was; its leftovers are removed by the next build. One build at a time, by a
lock file next to the index.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pickle
import secrets
import shutil
import struct
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb._version import __version__
from kb.corpus.records import Practice, load_corpus
from kb.corpus.summary import PracticeSummary
from kb.errors import IndexBusy, IndexDamaged, IndexMissing, IndexOutdated, IndexPathTaken, KBError
from kb.files import exclusive_lock, fsync_dir, write_atomic, write_json
from kb.search.languages import record_language
from kb.text import WORD, americanise, plain_text, words
from kb.yamlio import display_path

if TYPE_CHECKING:
    from whoosh.fields import Schema

STAMP = "stamp.json"
LEXICON = "lexicon.json"
DOCUMENTS = "documents.json"
MANIFEST = "manifest.json"
CHECKSUMS = "checksums.json"
"""Size and sha256 of every file of a generation but the manifest: what `verify` checks."""
DELTA = ".delta"
"""An incremental build leaves documents.json, lexicon.json and manifest.json as they were (hard
links shared with the previous generation) and writes what changed beside each, in
`<name>.delta.json`: a one-record edit then writes a few kilobytes, not every record again.
Readers apply the delta; once a delta holds more than COMPACT_AT entries, the build writes the
whole file anew and no delta."""
COMPACT_AT = 1000
SCHEMA_VERSION = 10
KEEP_GENERATIONS = 2
# What reading a generation whose files were altered in place raises (not OSError: a full disk
# or a missing permission is the user's to fix, not a reason to rebuild).
_UNREADABLE = (ValueError, KeyError, TypeError, EOFError, struct.error, zlib.error, pickle.UnpicklingError)
Progress = Callable[[int, int], None]


def schema() -> Schema:
    """Return the index schema (stored fields are what search results show)."""
    from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

    from kb.search.analyzer import analyzer, native_analyzer

    text = analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=text, stored=True, field_boost=3.0),
        original_title=TEXT(analyzer=text, stored=True, field_boost=2.0),
        native=TEXT(analyzer=native_analyzer(), field_boost=2.0),
        body=TEXT(analyzer=text, stored=True),
        lead_organisation=STORED(),
        region=ID(stored=True),
        regions=KEYWORD(stored=True, commas=True, scorable=True),
        country=KEYWORD(stored=True, commas=True),
        themes=KEYWORD(stored=True, commas=True, scorable=True),
        instruments=KEYWORD(stored=True, commas=True),
        start_year=NUMERIC(int, stored=True, sortable=True),
        end_year=STORED(),
        verification=ID(stored=True),
        evidence=ID(stored=True),
        summary=STORED(),
        governance=STORED(),
        lessons=STORED(),
        transferability=STORED(),
        resources=STORED(),
        results=STORED(),
        partner_regions=STORED(),
        sources=STORED(),
        nuts=STORED(),
        path=STORED(),
        sha256=STORED(),
    )


@dataclass(frozen=True)
class IndexInfo:
    """What a built index says about itself (its stamp)."""

    build_id: str
    corpus_hash: str
    built_at: str
    records: int
    kb_version: str
    schema_version: int
    path: str = ""
    mode: str = "full"
    """`full` (rebuilt from every file), `incremental` (only changed files) or `unchanged`."""
    added: int = 0
    changed: int = 0
    deleted: int = 0
    repaired: str = ""
    """Why a full rebuild replaced a damaged generation (empty when none was damaged)."""


def document(p: Practice) -> dict:
    """Return the fields of one practice as the index stores them."""
    return {
        "id": p.id,
        "title": p.title,
        "original_title": p.original_title or "",
        "native": f"{lang} {p.original_title}" if p.original_title and (lang := record_language(p.countries, p.nuts))
        else "",
        "body": plain_text(p.body),
        "lead_organisation": p.lead_organisation,
        "region": p.region,
        "regions": ",".join(p.regions),
        "country": ",".join(p.countries),
        "themes": ",".join(p.themes),
        "instruments": ",".join(p.instruments),
        "start_year": p.start_year if p.start_year is not None else 0,
        "end_year": p.end_year,
        "verification": p.verification,
        "evidence": p.evidence,
        "summary": plain_text(p.summary),
        "governance": plain_text(p.sections.get("Governance and monitoring", "")),
        "transferability": plain_text(p.sections.get("Transferability", "")),
        "lessons": plain_text(p.sections.get("Difficulties and lessons", "")),
        "resources": plain_text(p.sections.get("Resources", "")),
        "results": plain_text(p.sections.get("Evidence of results", "")),
        "partner_regions": list(p.partner_regions),
        "sources": [{"url": s.url, "title": s.title} for s in p.sources],
        "nuts": list(p.nuts),
        "path": p.path,
        "sha256": p.sha256,
    }


def doc_words(fields: dict) -> Counter[str]:
    """Return the folded words of one document's searchable text (the typo vocabulary): each
    distinct word is folded once, however often it occurs."""
    raw = Counter(WORD.findall(" ".join(fields.get(key) or "" for key in ("title", "original_title", "body",
                                                                         "lead_organisation"))))
    counts: Counter[str] = Counter()
    for word, n in raw.items():
        for w in _lexicon_forms(word):
            counts[w] += n
    return counts


@lru_cache(maxsize=200_000)
def _lexicon_forms(word: str) -> tuple[str, ...]:
    """The typo-vocabulary entries of one word as written (folded, American-spelled, letters only)."""
    return tuple(americanise(w) for w in words(word) if w.isalpha())


# --- the on-disk layout ---------------------------------------------------------------------


def _generations(index_dir: Path) -> Path:
    return index_dir.parent / f".{index_dir.name}.d"


def _lock_path(index_dir: Path) -> Path:
    return index_dir.parent / f".{index_dir.name}.lock"


def build_lock(index_dir: Path, wait: float = 120.0) -> Any:
    """Hold the build lock of `index_dir`; wait up to `wait` seconds for another build."""
    return exclusive_lock(_lock_path(index_dir), wait, lambda: IndexBusy(str(index_dir)), poll=0.1)


def _remove_leftovers(gens: Path, keep: set[str]) -> None:
    """Remove unfinished builds and all but the newest finished generations not in `keep`."""
    if not gens.is_dir():
        return
    finished = []
    for entry in gens.iterdir():
        if entry.name.startswith(".tmp-"):
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.is_dir():
            finished.append(entry)
    finished.sort(key=lambda e: e.name, reverse=True)
    for entry in finished[KEEP_GENERATIONS:]:
        if entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)


def check_index_path(index_dir: Path) -> None:
    """Refuse, before anything is created, an index path that cannot hold an index: one with no
    folder name (`/`, `.`), or an existing folder or file that kb did not build."""
    name = Path(os.path.abspath(index_dir)).name
    if not name or str(index_dir).rstrip("/").split("/")[-1] in (".", ".."):
        raise IndexPathTaken(str(index_dir), "names no folder of its own; use a path such as build/index")
    if index_dir.is_symlink() or not index_dir.exists():
        return
    if not index_dir.is_dir() or not (index_dir / STAMP).is_file():
        raise IndexPathTaken(str(index_dir), "exists and is not an index built by kb; remove it or choose another")


def _adopt_plain_dir(index_dir: Path, gens: Path) -> None:
    """Move an index folder that is not a link (an older layout) into the generations."""
    if index_dir.is_symlink() or not index_dir.exists():
        return
    gens.mkdir(parents=True, exist_ok=True)
    os.rename(index_dir, gens / f"adopted-{secrets.token_hex(3)}")


def _stat_entry(path: Path) -> dict[str, int]:
    """What a file's inode says about it: if all of it is unchanged, so is the content (an edit
    that restores size and mtime still changes ctime)."""
    st = path.stat()
    return {"mtime_ns": st.st_mtime_ns, "size": st.st_size, "ino": st.st_ino, "ctime_ns": st.st_ctime_ns}


def _same_file(old: dict[str, Any], now: dict[str, int]) -> bool:
    return all(old.get(k) == now[k] for k in ("mtime_ns", "size", "ino", "ctime_ns"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _checksums(folder: Path, previous: Path | None = None) -> dict[str, list[Any]]:
    """[size, sha256] of every file of a build folder but the manifest (rewritten in place when
    only file times change). Files hard-linked from `previous` keep its recorded hash."""
    known: dict[str, list[Any]] = {}
    if previous is not None:
        try:
            with open(previous / CHECKSUMS, encoding="utf-8") as fh:
                known = json.load(fh)
        except (OSError, ValueError):
            known = {}
    out: dict[str, list[Any]] = {}
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name in (CHECKSUMS, MANIFEST, _delta(MANIFEST)) or not entry.is_file(follow_symlinks=False):
            continue
        st = entry.stat(follow_symlinks=False)
        reuse = known.get(entry.name)
        if reuse and previous is not None and st.st_nlink > 1 and reuse[0] == st.st_size:
            try:
                if os.stat(previous / entry.name).st_ino == st.st_ino:
                    out[entry.name] = reuse
                    continue
            except OSError:
                pass
        out[entry.name] = [st.st_size, _sha256(Path(entry.path))]
    return out


def _delta(name: str) -> str:
    return name.replace(".json", DELTA + ".json")


def _read_delta(folder: Path, name: str) -> dict[str, Any]:
    """The delta beside `name` ({} when the generation has none)."""
    path = folder / _delta(name)
    return _read_mapping(path) if path.exists() else {}


def read_all_documents(folder: Path) -> dict[str, dict[str, Any]]:
    """Every stored document of a generation folder, by id: documents.json with its delta applied."""
    with open(folder / DOCUMENTS, encoding="utf-8") as fh:
        docs = {d["id"]: d for d in json.load(fh)}
    delta = _read_delta(folder, DOCUMENTS)
    for pid in delta.get("removed", []):
        docs.pop(pid, None)
    docs.update(delta.get("set", {}))
    return docs


def read_lexicon(folder: Path) -> dict[str, int]:
    """The typo vocabulary of a generation folder: lexicon.json with its delta applied."""
    words = _read_mapping(folder / LEXICON)
    for word, change in _read_delta(folder, LEXICON).items():
        count = words.get(word, 0) + change
        if count > 0:
            words[word] = count
        else:
            words.pop(word, None)
    return words


def _read_manifest(folder: Path) -> dict[str, Any]:
    """manifest.json with its delta applied (a file entry of None is a deleted file)."""
    manifest = _read_mapping(folder / MANIFEST)
    delta = _read_delta(folder, MANIFEST)
    if delta:
        files = dict(manifest.get("files") or {})
        for rel, entry in (delta.get("files") or {}).items():
            if entry is None:
                files.pop(rel, None)
            else:
                files[rel] = entry
        manifest = {**manifest, "files": files}
    return manifest


def _read_mapping(path: Path) -> dict[str, Any]:
    """A JSON object from one of the index's own files; ValueError when it is something else."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, dict):
        raise ValueError(f"{path.name} is not a mapping")
    return data


def verify(index_dir: Path, full: bool = False) -> list[str]:
    """Return what is wrong with the files of the current generation of `index_dir` (empty when
    it is sound): missing files and wrong sizes, and with `full` wrong sha256 too. Checking
    sizes costs one stat per file, so every open does it; `kb index --check` hashes."""
    real = resolve(index_dir)
    try:
        recorded = _read_mapping(real / CHECKSUMS)
    except (OSError, ValueError) as exc:
        return [f"{CHECKSUMS} cannot be read ({exc.__class__.__name__})"]
    wrong = []
    for name, (size, sha) in sorted(recorded.items()):
        path = real / name
        try:
            actual = path.stat().st_size
        except OSError:
            wrong.append(f"{name} is missing")
            continue
        if actual != size:
            wrong.append(f"{name} is {actual:,} bytes, not {size:,}")
        elif full and _sha256(path) != sha:
            wrong.append(f"{name} does not match its checksum")
    return wrong


def check_sound(index_dir: Path, full: bool = False) -> None:
    """Raise IndexDamaged when `verify` finds anything wrong."""
    wrong = verify(index_dir, full)
    if wrong:
        more = f" and {len(wrong) - 1} more" if len(wrong) > 1 else ""
        raise IndexDamaged(str(index_dir), f"{wrong[0]}{more}")


def _add(writer: Any, practice: Practice, words: Counter[str]) -> dict[str, Any]:
    """Index one practice, count its words for the typo vocabulary, and return the fields
    kept in documents.json (everything but the long searchable text)."""
    fields = document(practice)
    writer.add_document(**fields)
    words.update(doc_words(fields))
    return PracticeSummary.from_stored(fields).to_stored()  # the same fields, without plain-texting twice


@contextmanager
def _unfinished(tmp: Path) -> Iterator[None]:
    """Remove the build folder `tmp` when anything fails (or is interrupted) in the block."""
    try:
        yield
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextmanager
def _writing(ix: Any) -> Iterator[Any]:
    """Yield a writer of `ix`: committed when the block ends, cancelled when it fails."""
    writer = ix.writer(limitmb=256)
    try:
        yield writer
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    ix.close()


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _new_build_id() -> tuple[dt.datetime, str]:
    now = dt.datetime.now(dt.UTC)
    return now, f"{now:%Y%m%dT%H%M%S.%fZ}-{secrets.token_hex(3)}"


def _publish(tmp: Path, gens: Path, index_dir: Path, info: IndexInfo, files: dict[str, Any],
             previous: Path | None = None) -> IndexInfo:
    """Write the generation's own files (`files`: name -> JSON data), stamp the finished build
    folder, move it among the generations and swap the link to it."""
    for name, data in files.items():
        write_json(tmp / name, data)
    write_json(tmp / STAMP, {k: v for k, v in asdict(info).items() if k != "path"})
    write_json(tmp / CHECKSUMS, _checksums(tmp, previous))
    fsync_dir(tmp)
    final = gens / info.build_id
    os.rename(tmp, final)
    link_tmp = index_dir.parent / f".{index_dir.name}.link-{info.build_id}"
    os.symlink(os.path.relpath(final, index_dir.parent), link_tmp)
    os.replace(link_tmp, index_dir)
    fsync_dir(index_dir.parent)
    _remove_leftovers(gens, {info.build_id})
    return IndexInfo(**{**asdict(info), "path": str(final)})


def build_index(practices_dir: Path, index_dir: Path, progress: Progress | None = None,
                lock_wait: float = 120.0, full: bool = False) -> IndexInfo:
    """Validate the corpus, build a new index generation and swap it in atomically; return
    its stamp.

    When the current index was built from the same folder with the same layout, only added,
    changed (by size, time and content hash) and deleted files are read and re-indexed (unless
    `full`). Raises CorpusError (nothing is touched) when the corpus has problems, IndexBusy
    when another build holds the lock for longer than `lock_wait` seconds.
    """
    root = Path(practices_dir)
    index_dir = Path(index_dir)
    check_index_path(index_dir)
    gens = _generations(index_dir)
    with build_lock(index_dir, lock_wait):
        check_index_path(index_dir)
        current = os.readlink(index_dir) if index_dir.is_symlink() else None
        _remove_leftovers(gens, {Path(current).name} if current else set())
        _adopt_plain_dir(index_dir, gens)
        gens.mkdir(parents=True, exist_ok=True)
        # An incremental build shares the current generation's files by hard link: only a
        # generation whose every file still matches its checksum may be built upon.
        damage = _damage(index_dir, full=not full)
        previous = _previous_manifest(index_dir, root) if not full and not damage else None
        if previous is not None:
            try:
                return _update(root, index_dir, gens, previous, progress)
            except _UNREADABLE as exc:  # files of the right size with the wrong bytes
                damage = f"{type(exc).__name__} while reading the current generation"
        info = _full_build(root, index_dir, gens, progress)
        return IndexInfo(**{**asdict(info), "repaired": damage}) if damage else info


def _damage(index_dir: Path, full: bool = False) -> str:
    """What is wrong with the current generation, in one line ("" when sound or absent)."""
    try:
        wrong = verify(index_dir, full=full)
    except KBError:
        return ""
    return "; ".join(wrong[:3]) + (f"; and {len(wrong) - 3} more" if len(wrong) > 3 else "")


def _previous_manifest(index_dir: Path, root: Path) -> dict[str, Any] | None:
    """The manifest of the current generation, if an incremental update may start from it."""
    try:
        real = resolve(index_dir)
        stamp = read_stamp(index_dir)
        manifest = _read_manifest(real)
    except (KBError, OSError, ValueError, TypeError, AttributeError):
        return None
    if (stamp.schema_version != SCHEMA_VERSION or not isinstance(manifest, dict)
            or manifest.get("root") != str(root.resolve()) or not isinstance(manifest.get("files"), dict)):
        return None
    return manifest


def _full_build(root: Path, index_dir: Path, gens: Path, progress: Progress | None) -> IndexInfo:
    corpus = load_corpus(root)
    now, build_id = _new_build_id()
    tmp = gens / f".tmp-{build_id}"
    tmp.mkdir()
    from whoosh import index as whoosh_index

    stored: list[dict[str, Any]] = []
    words: Counter[str] = Counter()
    files: dict[str, Any] = {}
    with _unfinished(tmp):
        ix = whoosh_index.create_in(str(tmp), schema())
        total = len(corpus.practices)
        with _writing(ix) as writer:
            for n, practice in enumerate(corpus.practices, 1):
                stored.append(_add(writer, practice, words))
                path = Path(practice.path)
                files[path.relative_to(root).as_posix()] = {**_stat_entry(path), "sha256": practice.sha256,
                                                            "id": practice.id}
                if progress:
                    progress(n, total)
    info = IndexInfo(build_id=build_id, corpus_hash=corpus.digest, built_at=now.isoformat(timespec="seconds"),
                     records=len(stored), kb_version=__version__, schema_version=SCHEMA_VERSION,
                     mode="full", added=len(stored))
    return _publish(tmp, gens, index_dir, info, {LEXICON: dict(words), DOCUMENTS: stored,
                                                 MANIFEST: {"root": str(root.resolve()), "files": files}})


def _scan(root: Path) -> dict[str, tuple[str, dict[str, int] | None]]:
    """Every record file under `root` (as `record_files` finds them) by its relative path, with
    its stat entry (None when it cannot be read): one walk, no Path arithmetic per file."""
    out: dict[str, tuple[str, dict[str, int] | None]] = {}
    if not root.is_dir():
        return out
    base = str(root)
    for folder, dirs, names in os.walk(base, followlinks=True):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel_folder = os.path.relpath(folder, base)
        prefix = "" if rel_folder == "." else rel_folder.replace(os.sep, "/") + "/"
        for name in names:
            if not name.endswith(".md") or name.startswith("."):
                continue
            full = os.path.join(folder, name)
            try:
                st = os.stat(full)
                entry: dict[str, int] | None = {"mtime_ns": st.st_mtime_ns, "size": st.st_size, "ino": st.st_ino,
                                                "ctime_ns": st.st_ctime_ns}
            except OSError:
                entry = None
            out[prefix + name] = (full, entry)
    return out


def _update(root: Path, index_dir: Path, gens: Path, previous: dict[str, Any],
            progress: Progress | None) -> IndexInfo:
    """Re-index only what changed since the current generation, into a copy of it that shares
    every unchanged file (see DELTA)."""
    from kb.corpus.records import check_file, digest_of
    from kb.errors import CorpusError, Problem

    old_files: dict[str, Any] = previous["files"]
    now_files: dict[str, Any] = {}
    changed: list[tuple[str, Path]] = []
    restamped = False
    for rel, (name, now) in sorted(_scan(root).items()):
        now = now or {"mtime_ns": 0, "size": -1, "ino": 0, "ctime_ns": 0}
        old = old_files.get(rel)
        if isinstance(old, dict) and _same_file(old, now):
            now_files[rel] = old
            continue
        now_files[rel] = now
        path = Path(name)
        if isinstance(old, dict) and now["size"] == old.get("size") and path.is_file():
            # Times or inode changed (a checkout, a copy, a restored mtime): the content decides.
            try:
                same = _sha256(path) == old.get("sha256")
            except OSError:
                same = False
            if same:
                now_files[rel] = {**old, **now}
                restamped = True
                continue
        changed.append((rel, path))
    problems: list[Problem] = []
    fresh: dict[str, Practice] = {}
    for rel, path in changed:
        raw, found, practice = check_file(root, path)
        now_files[rel].update(sha256=raw.sha256, id=(raw.front or {}).get("id"))
        problems.extend(found)
        if practice is not None:
            fresh[rel] = practice
    if not now_files:
        problems.append(Problem(str(root), 0, "no practice records (*.md) found"))
    seen: dict[str, str] = {}
    for rel in sorted(now_files):
        pid = now_files[rel].get("id")
        if isinstance(pid, str):
            if pid in seen:
                problems.append(Problem(display_path(root / rel), 2,
                                        f"duplicate id '{pid}' (also in {display_path(root / seen[pid])})"))
            else:
                seen[pid] = rel
    if problems:
        raise CorpusError(problems)
    removed = {old_files[rel]["id"] for rel in old_files if rel not in now_files}
    replaced = {old_files[rel]["id"] for rel in fresh if rel in old_files}
    added = {p.id for rel, p in fresh.items() if rel not in old_files}
    current = read_stamp(index_dir)
    real = resolve(index_dir)
    manifest_changes = {rel: entry for rel, entry in now_files.items() if old_files.get(rel) != entry}
    manifest_changes.update({rel: None for rel in old_files if rel not in now_files})
    if not fresh and not removed:
        if restamped:
            # Same content under new file times: remember them, so the next run need not hash again.
            delta = _read_delta(real, MANIFEST)
            files = {**(delta.get("files") or {}), **manifest_changes}
            write_atomic(real / _delta(MANIFEST), json.dumps({"files": files}, ensure_ascii=False))
        return IndexInfo(**{**asdict(current), "mode": "unchanged", "added": 0, "changed": 0, "deleted": 0})
    now, build_id = _new_build_id()
    tmp = gens / f".tmp-{build_id}"
    with _unfinished(tmp):
        # Hard links, not copies: Whoosh never rewrites a segment file in place (a commit
        # writes new files and a new table of contents), so both generations can share them.
        # Our own files that change are unlinked before being written anew.
        shutil.copytree(real, tmp, copy_function=_link_or_copy)
        for name in (STAMP, CHECKSUMS, _delta(DOCUMENTS), _delta(LEXICON), _delta(MANIFEST)):
            (tmp / name).unlink(missing_ok=True)
        from whoosh import index as whoosh_index

        doc_delta = _read_delta(real, DOCUMENTS)
        doc_set: dict[str, Any] = dict(doc_delta.get("set") or {})
        doc_removed: set[str] = set(doc_delta.get("removed") or [])
        words: Counter[str] = Counter(_read_delta(real, LEXICON))
        ix = whoosh_index.open_dir(str(tmp))
        gone = removed | replaced | {p.id for p in fresh.values()}
        with _writing(ix) as writer:
            with writer.searcher() as searcher:
                for pid in gone:
                    doc = searcher.document(id=pid)
                    if doc is not None:
                        words.subtract(doc_words(doc))
            for pid in gone:
                writer.delete_by_term("id", pid)
                doc_set.pop(pid, None)
                doc_removed.add(pid)
            total = len(fresh)
            for n, practice in enumerate(fresh.values(), 1):
                doc_set[practice.id] = _add(writer, practice, words)
                doc_removed.discard(practice.id)
                if progress:
                    progress(n, total)
        records = current.records + len(added) - len(removed - replaced)
        manifest_delta = {**(_read_delta(real, MANIFEST).get("files") or {}), **manifest_changes}
        word_changes = {w: c for w, c in words.items() if c}
        if max(len(doc_set) + len(doc_removed), len(manifest_delta), len(word_changes)) > COMPACT_AT:
            # The deltas have grown: write the whole files anew (and no delta).
            for name in (DOCUMENTS, LEXICON, MANIFEST):
                (tmp / name).unlink(missing_ok=True)
            docs = read_all_documents(real)
            for pid in doc_removed:
                docs.pop(pid, None)
            docs.update(doc_set)
            lexicon = read_lexicon(real)
            for word, change in words.items():
                lexicon[word] = lexicon.get(word, 0) + change
            files = {DOCUMENTS: sorted(docs.values(), key=lambda d: d["id"]),
                     LEXICON: {w: c for w, c in lexicon.items() if c > 0},
                     MANIFEST: {"root": str(root.resolve()), "files": now_files}}
        else:
            files = {_delta(DOCUMENTS): {"set": doc_set, "removed": sorted(doc_removed)},
                     _delta(LEXICON): word_changes,
                     _delta(MANIFEST): {"files": manifest_delta}}
    digest = digest_of((rel, entry["sha256"]) for rel, entry in now_files.items())
    info = IndexInfo(build_id=build_id, corpus_hash=digest, built_at=now.isoformat(timespec="seconds"),
                     records=records, kb_version=__version__, schema_version=SCHEMA_VERSION,
                     mode="incremental", added=len(added), changed=len(replaced), deleted=len(removed - replaced))
    return _publish(tmp, gens, index_dir, info, files, previous=real)


def resolve(index_dir: Path) -> Path:
    """Return the generation folder `index_dir` points at now; raise IndexMissing if none."""
    index_dir = Path(index_dir)
    real = Path(os.path.realpath(index_dir))
    if not (real / STAMP).is_file():
        raise IndexMissing(str(index_dir))
    return real


def read_documents(index_dir: Path) -> tuple[IndexInfo, list[PracticeSummary]]:
    """Return the stamp and the summary of every practice (sorted by id) of the current
    generation, without opening Whoosh: what reports and packs need, at a fraction of the cost."""
    real = resolve(index_dir)
    info = read_stamp(index_dir)
    if info.schema_version != SCHEMA_VERSION:
        raise IndexOutdated(str(index_dir), info.schema_version)
    check_sound(index_dir)
    try:
        docs = read_all_documents(real).values()
        return info, sorted((PracticeSummary.from_stored(d) for d in docs), key=lambda d: d.id)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise IndexDamaged(str(index_dir), f"{DOCUMENTS} cannot be read ({exc.__class__.__name__})") from exc


def read_stamp(index_dir: Path) -> IndexInfo:
    """Return the stamp of the index at `index_dir` (its current generation)."""
    real = resolve(index_dir)
    try:
        data = _read_mapping(real / STAMP)
    except (OSError, ValueError) as exc:
        raise IndexDamaged(str(index_dir), f"{STAMP} cannot be read ({exc.__class__.__name__})") from exc
    known = {f.name for f in fields(IndexInfo)}
    return IndexInfo(**{**{k: v for k, v in data.items() if k in known}, "path": str(real)})
