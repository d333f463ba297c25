"""Building and opening the Whoosh index.

A build validates the corpus, writes a complete index into a fresh generation folder, stamps
it (build id, corpus digest) and then swaps a symbolic link to it in one atomic rename:
readers see the old index or the new one, never half of one. A failed or killed build leaves
the link where it was; its leftovers are removed by the next build. One build at a time, by a
lock file next to the index.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import secrets
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb import __version__
from kb.corpus import Corpus, Practice, load_corpus
from kb.errors import IndexBusy, IndexMissing, KBError
from kb.regions import regions
from kb.text import americanise, plain_text, words

if TYPE_CHECKING:
    from whoosh.fields import Schema

STAMP = "stamp.json"
LEXICON = "lexicon.json"
DOCUMENTS = "documents.json"
SCHEMA_VERSION = 4
KEEP_GENERATIONS = 2
Progress = Callable[[int, int], None]


def schema() -> Schema:
    """Return the index schema (stored fields are what search results show)."""
    from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

    from kb.analysis import analyzer

    text = analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=text, stored=True, field_boost=3.0),
        original_title=TEXT(analyzer=text, stored=True, field_boost=2.0),
        body=TEXT(analyzer=text, stored=True),
        lead_organisation=TEXT(analyzer=text, stored=True, field_boost=1.5),
        region_names=TEXT(analyzer=text, field_boost=1.5),
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


def document(p: Practice) -> dict:
    """Return the fields of one practice as the index stores them."""
    known = regions()
    names = [n for slug in p.regions if slug in known for n in (*known[slug].all_names(), *known[slug].aliases)]
    return {
        "id": p.id,
        "title": p.title,
        "original_title": p.original_title or "",
        "body": plain_text(p.body),
        "lead_organisation": p.lead_organisation,
        "region_names": " ".join(names),
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
        "partner_regions": list(p.partner_regions),
        "sources": [{"url": s.url, "title": s.title} for s in p.sources],
        "nuts": list(p.nuts),
        "path": p.path,
        "sha256": p.sha256,
    }


def lexicon(corpus: Corpus) -> dict[str, int]:
    """Return every folded word of the corpus's searchable text with its count: the
    vocabulary that typo correction picks from."""
    counts: Counter[str] = Counter()
    for p in corpus.practices:
        for text in (p.title, p.original_title or "", p.body, p.lead_organisation):
            counts.update(americanise(w) for w in words(text) if w.isalpha())
    return dict(counts)


# --- the on-disk layout ---------------------------------------------------------------------


def _generations(index_dir: Path) -> Path:
    return index_dir.parent / f".{index_dir.name}.d"


def _lock_path(index_dir: Path) -> Path:
    return index_dir.parent / f".{index_dir.name}.lock"


@contextmanager
def build_lock(index_dir: Path, wait: float = 120.0) -> Iterator[None]:
    """Hold the build lock of `index_dir`; wait up to `wait` seconds for another build."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(_lock_path(index_dir), "a+") as fh:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() >= deadline:
                    raise IndexBusy(str(index_dir)) from exc
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json(path: Path, data: object) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())


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


def _adopt_plain_dir(index_dir: Path, gens: Path) -> None:
    """Move an index folder that is not a link (an older layout) into the generations."""
    if index_dir.is_symlink() or not index_dir.exists():
        return
    if not (index_dir / STAMP).is_file():
        raise KBError(f"{index_dir} exists and is not an index built by kb; remove it or choose another --index")
    gens.mkdir(parents=True, exist_ok=True)
    os.rename(index_dir, gens / f"adopted-{secrets.token_hex(3)}")


def build_index(practices_dir: Path, index_dir: Path, progress: Progress | None = None,
                lock_wait: float = 120.0) -> IndexInfo:
    """Validate the corpus, build a new index and swap it in atomically; return its stamp.

    Raises CorpusError (nothing is touched) when the corpus has problems, IndexBusy when
    another build holds the lock for longer than `lock_wait` seconds.
    """
    corpus = load_corpus(Path(practices_dir))
    index_dir = Path(index_dir)
    gens = _generations(index_dir)
    with build_lock(index_dir, lock_wait):
        current = os.readlink(index_dir) if index_dir.is_symlink() else None
        _remove_leftovers(gens, {Path(current).name} if current else set())
        _adopt_plain_dir(index_dir, gens)
        gens.mkdir(parents=True, exist_ok=True)
        now = dt.datetime.now(dt.UTC)
        build_id = f"{now:%Y%m%dT%H%M%S.%fZ}-{secrets.token_hex(3)}"
        tmp = gens / f".tmp-{build_id}"
        tmp.mkdir()
        from whoosh import index as whoosh_index

        ix = whoosh_index.create_in(str(tmp), schema())
        writer = ix.writer(limitmb=256)
        total = len(corpus.practices)
        stored: list[dict[str, Any]] = []
        try:
            for n, practice in enumerate(corpus.practices, 1):
                fields = document(practice)
                writer.add_document(**fields)
                stored.append({k: v for k, v in fields.items() if k not in ("body", "region_names")})
                if progress:
                    progress(n, total)
            writer.commit()
        except BaseException:
            writer.cancel()
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        ix.close()
        info = IndexInfo(build_id=build_id, corpus_hash=corpus.digest, built_at=now.isoformat(timespec="seconds"),
                         records=total, kb_version=__version__, schema_version=SCHEMA_VERSION)
        _write_json(tmp / LEXICON, lexicon(corpus))
        _write_json(tmp / DOCUMENTS, stored)
        _write_json(tmp / STAMP, asdict(info))
        _fsync_dir(tmp)
        final = gens / build_id
        os.rename(tmp, final)
        link_tmp = index_dir.parent / f".{index_dir.name}.link-{build_id}"
        os.symlink(os.path.relpath(final, index_dir.parent), link_tmp)
        os.replace(link_tmp, index_dir)
        _fsync_dir(index_dir.parent)
        _remove_leftovers(gens, {build_id})
    return IndexInfo(**{**asdict(info), "path": str(final)})


def resolve(index_dir: Path) -> Path:
    """Return the generation folder `index_dir` points at now; raise IndexMissing if none."""
    index_dir = Path(index_dir)
    real = Path(os.path.realpath(index_dir))
    if not (real / STAMP).is_file():
        raise IndexMissing(str(index_dir))
    return real


def read_documents(index_dir: Path) -> tuple[IndexInfo, list[dict[str, Any]]]:
    """Return the stamp and the stored fields of every practice (sorted by id) of the current
    generation, without opening Whoosh: what reports need, at a fraction of the cost."""
    real = resolve(index_dir)
    with open(real / STAMP, encoding="utf-8") as fh:
        info = IndexInfo(**{**json.load(fh), "path": str(real)})
    with open(real / DOCUMENTS, encoding="utf-8") as fh:
        docs = json.load(fh)
    return info, sorted(docs, key=lambda d: d["id"])


def read_stamp(index_dir: Path) -> IndexInfo:
    """Return the stamp of the index at `index_dir` (its current generation)."""
    real = resolve(index_dir)
    with open(real / STAMP, encoding="utf-8") as fh:
        data = json.load(fh)
    return IndexInfo(**{**data, "path": str(real)})
