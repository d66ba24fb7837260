"""The layout of an index root on disk: generations, the pointer to the serving one, the lock.

An index root holds generations (``gen-*`` folders, each a complete Whoosh index) and a
``CURRENT`` file naming the one that serves. A rebuild writes a ``gen-*.building`` folder,
renames it and replaces ``CURRENT`` with ``os.replace``: readers see the old index or the new
one, never a mix. One reindex at a time holds ``reindex.lock``.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import Index

from . import Busy, Unavailable
from .vectors import count_vectors

POINTER = "CURRENT"
LOCK = "reindex.lock"


class NoIndex(Unavailable):
    """There is no index at this location yet."""


class StaleIndex(Unavailable):
    """The index exists but was written by an incompatible version."""


class ReindexRunning(Busy):
    """Another reindex holds the lock on this index."""


# Descriptors of the locks a reindex holds: extraction workers forked meanwhile must not keep
# them, or a reindex killed with its workers busy leaves the lock held until they finish.
_LOCK_FDS: set[int] = set()


def _drop_locks_in_child() -> None:
    """In a forked process, point the inherited lock descriptors at /dev/null (the locks stay
    with the parent alone; the numbers stay valid for whatever still refers to them)."""
    if not _LOCK_FDS:
        return
    null = os.open(os.devnull, os.O_RDONLY)
    for fd in _LOCK_FDS:
        os.dup2(null, fd)
    os.close(null)
    _LOCK_FDS.clear()


os.register_at_fork(after_in_child=_drop_locks_in_child)


@contextmanager
def lock_fd(fd: int | None) -> Iterator[None]:
    if fd is not None:
        _LOCK_FDS.add(fd)
    try:
        yield
    finally:
        _LOCK_FDS.discard(fd)


def current_generation(root: Path) -> Path | None:
    """The folder of the generation that serves, or None when the root has no index."""
    try:
        name = (root / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = root / name
    # Cheap on purpose (it runs on every request): Whoosh's exists_in() unpickles the schema.
    if name.startswith("gen-") and next(path.glob("_MAIN_*.toc"), None) is not None:
        return path
    return None


def open_index(root: Path, gen: Path | None = None) -> Index:
    """Open the serving generation of the index at ``root``, or ``gen``, one found before."""
    gen = gen or current_generation(Path(root))
    if gen is None:
        raise NoIndex(f"no index in {root}: run `news-search reindex PATH` first")
    try:
        return whoosh_index.open_dir(str(gen))
    except Exception as error:  # noqa: BLE001 - unpickling an old schema fails in many ways
        raise StaleIndex(
            f"the index in {root} cannot be read ({type(error).__name__}); "
            "rebuild it with `news-search reindex --full PATH`"
        ) from error


@contextmanager
def reindex_lock(root: Path) -> Iterator[None]:
    """Hold the reindex lock; a second reindex refuses at once. The OS drops it if we die."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ReindexRunning(
                f"another reindex of {root} is running; try again when it ends"
            ) from None
        with lock_fd(handle.fileno()):
            yield


def switch_to(root: Path, gen: Path) -> None:
    """Point CURRENT at ``gen`` atomically, then drop generations older than the previous one."""
    previous = current_generation(root)
    tmp = root / f"{POINTER}.tmp"
    tmp.write_text(gen.name + "\n", encoding="utf-8")
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, root / POINTER)
    keep = {gen.name, previous.name if previous else ""}
    for old in root.glob("gen-*"):
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def remove_leftovers(root: Path) -> None:
    """Half-built generations from a killed run: safe to delete while we hold the lock."""
    for path in root.glob("gen-*.building"):
        shutil.rmtree(path, ignore_errors=True)
    (root / f"{POINTER}.tmp").unlink(missing_ok=True)


def index_stats(root: str | Path) -> dict:
    """Article count, per-source counts, date range and size of the index at ``root``."""
    ix = open_index(Path(root))
    gen = current_generation(Path(root))
    assert gen is not None
    with ix.searcher() as searcher:
        sources: dict[str, int] = {}
        dates = []
        for fields in searcher.all_stored_fields():
            sources[fields.get("source") or "(unknown)"] = (
                sources.get(fields.get("source") or "(unknown)", 0) + 1
            )
            if fields.get("published"):
                dates.append(fields["published"])
        count = searcher.doc_count()
    size = sum(f.stat().st_size for f in gen.iterdir() if f.is_file())
    return {
        "articles": count,
        "sources": dict(sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))),
        "first": min(dates).isoformat() if dates else None,
        "last": max(dates).isoformat() if dates else None,
        "size_bytes": size,
        "generation": gen.name,
        "location": str(Path(root).resolve()),
        "vectors": count_vectors(gen),  # None: built without, searched by words only
    }
