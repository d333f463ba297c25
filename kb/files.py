"""Writing files so that nothing is ever half-written, and holding a lock while doing so:
shared by the index builder, workshop records, reports and exports."""

from __future__ import annotations

import errno
import json
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def temp_path(folder: Path, stem: str, suffix: str) -> Path:
    """A hidden, unique name in `folder`, so that os.replace stays on one file system."""
    return Path(folder) / f".{stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}{suffix}"


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in `path` durable (where the system can: Windows cannot open
    a folder to sync it, and makes renames durable itself)."""
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` in one rename after syncing it to disk: readers see the old
    file or the whole new one, never a part, and a failure leaves the old file as it was."""
    path = Path(os.path.realpath(path))  # through a link to its file: the link stays a link
    if path.exists() and not path.is_file():
        raise OSError(errno.EEXIST, "exists and is not a regular file; kb writes only regular files", str(path))
    tmp = temp_path(path.parent, path.name, ".tmp")
    try:
        with open(tmp, "x", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(path: Path, data: object) -> None:
    """Write JSON to a file that nobody reads yet (a build folder), synced to disk."""
    text = json.dumps(data, ensure_ascii=False)  # one call: the C encoder, several times faster than dump()
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


@contextmanager
def exclusive_lock(lock_file: Path, wait: float, busy: Callable[[], Exception], poll: float = 0.05) -> Iterator[None]:
    """Hold an exclusive lock on `lock_file` (created if needed) for the `with` block; wait up
    to `wait` seconds for another holder, then raise `busy()`. Through `filelock`: flock on
    POSIX, LockFileEx on Windows; the lock goes with the process, so a killed holder frees it."""
    from filelock import FileLock, Timeout

    lock_file.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_file), is_singleton=False)
    try:
        lock.acquire(timeout=wait, poll_interval=poll)
    except Timeout as exc:
        raise busy() from exc
    try:
        yield
    finally:
        lock.release()
