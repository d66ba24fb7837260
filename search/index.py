"""Indexing: build and update the Whoosh index from a corpus, incrementally or by atomic rebuild.

A full reindex builds a new generation aside and switches the root's pointer to it (see
generations.py), so readers see the old index or the new one, never a mix, and a failed or
killed build leaves the old one serving. Incremental runs upsert into the current generation
(Whoosh writers never block readers).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import Index, LockError
from whoosh.writing import IndexWriter

from . import InvalidRequest, Unavailable
from .analysis import save_sentence_params, train_sentences
from .document import document
from .extract import ID_SCHEME
from .generations import (
    ReindexRunning,
    StaleIndex,
    current_generation,
    lock_fd,
    open_index,
    reindex_lock,
    remove_leftovers,
    switch_to,
)
from .pipeline import Embedding, Extracted, Item, Unchanged, extract_corpus, source_hash
from .read import Skip
from .report import Report
from .schema import SCHEMA_VERSION, build_schema
from .stories import STORIES, StoryStore
from .tables import update_tables, write_tables
from .vectors import align_vectors, for_rebuild, for_update, put_vector, vector_store
from .writing import ParallelWriter

REPEATS = "boilerplate.json"
SENTENCES = "sentences.json"
VERSION = "VERSION"
WRITER_MB = 256


class WriteFailed(Unavailable):
    """The index could not be written (disk full, permissions); what served before still does."""


class BadPath(InvalidRequest):
    """A path given to reindex does not exist or cannot be read."""


class IncompatibleIndex(Unavailable):
    """The index was written by another version (format or article ids): an incremental run
    would mix the two, so only a full rebuild may replace it."""


def reindex(
    paths: Iterable[str | Path],
    root: str | Path,
    *,
    full: bool = False,
    prune: bool = False,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    vectors: bool | None = None,
) -> Report:
    """Index the files under ``paths`` into ``root``: incremental upserts or an atomic rebuild.

    ``vectors`` (hybrid search): a rebuild embeds unless False or the model cannot run (the
    report says why); an incremental run does as the index was built, and refuses the other.
    """
    started = time.perf_counter()
    root = Path(root)
    paths = [Path(p) for p in paths]
    _check_paths(paths)  # before the lock: a typo must not create an index folder
    try:
        with reindex_lock(root):
            remove_leftovers(root)
            gen = current_generation(root)
            if gen is not None and not full:
                _check_compatible(root, gen)
            if full or gen is None:
                report = _rebuild(paths, root, workers, progress, vectors)
            else:
                report = _update(paths, root, gen, prune, workers, progress, vectors)
    except (OSError, sqlite3.Error) as error:  # reading a source file never raises: it is a Skip
        reason = getattr(error, "strerror", None) or str(error)
        raise WriteFailed(
            f"could not write the index in {root}: {reason}; the index as it was still serves"
        ) from error
    report.duration = time.perf_counter() - started
    return report


def _check_paths(paths: list[Path]) -> None:
    """Every path given must exist and be readable (inside a folder, a bad file is skipped)."""
    for path in paths:
        shown = os.fsencode(path).decode("utf-8", "backslashreplace")
        if not os.path.exists(path):
            raise BadPath(f"no such file or folder: {shown}")
        if not os.access(path, os.R_OK | (os.X_OK if os.path.isdir(path) else 0)):
            raise BadPath(f"cannot read {shown}: permission denied")


def _check_compatible(root: Path, gen: Path) -> None:
    """An incremental run adds to an index of this very format and these article ids, or not
    at all: rebuilding from this run's paths alone would drop every other article."""
    try:
        open_index(root)
        version = (gen / VERSION).read_text(encoding="utf-8").split()
    except (StaleIndex, FileNotFoundError):
        version = []
    if version != _version() or not (gen / STORIES).exists():
        raise IncompatibleIndex(
            f"the index in {root} was written by another version of news-search, with other "
            "article ids or format; adding to it would mix them, so rebuild it with all the "
            f"corpus paths: `news-search reindex --full PATH... --index {root}`"
        )


def _version() -> list[str]:
    """The index format and article id scheme, as written to each generation's VERSION."""
    return [SCHEMA_VERSION, "ids", ID_SCHEME]


def _rebuild(paths, root: Path, workers, progress, vectors: bool | None) -> Report:
    # Microseconds too: two rebuilds within one second must not collide.
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    building = root / f"gen-{stamp}-{os.getpid()}.building"
    final = building.with_suffix("")
    try:
        return _build(paths, root, building, final, workers, progress, vectors)
    except BaseException:
        # Not switched to: a failed build must not keep its space (a full disk stays full).
        if current_generation(root) != final:
            shutil.rmtree(building, ignore_errors=True)
            shutil.rmtree(final, ignore_errors=True)
        raise


def _build(paths, root: Path, building: Path, final: Path, workers, progress, vectors) -> Report:
    building.mkdir(parents=True)
    ix = whoosh_index.create_in(str(building), build_schema())
    report = Report()
    embed = for_rebuild(vectors, report)
    extracted = extract_corpus(paths, _load_repeats(root), workers=workers, progress=progress,
                               embedding=Embedding(embed))
    procs = max(1, workers or os.cpu_count() or 1)
    with _writer(ix, procs) as writer, _stories(building) as stories, \
            vector_store(building, embed) as store:
        seen: dict[str, str] = {}
        for item in _stream(extracted, report):
            if _first(item, seen, report) and _original(item, stories, report):
                writer.add_document(**document(item.article, item.source_hash))
                _timed(report, "linking", stories.add, item.article.id, item.signature)
                put_vector(store, item)
                report.added += 1
        report.stages.update(extracted.stages)
        report.embedded, report.embed_errors = extracted.embedded, extracted.embed_errors
        commit_started = time.perf_counter()
    report.stages["commit"] = time.perf_counter() - commit_started
    _check_count(ix, report.added)
    _save_side_files(building, root, extracted)
    _timed(report, "tables", write_tables, building)  # before the switch: serving opens fast
    (building / VERSION).write_text(" ".join(_version()) + "\n", encoding="utf-8")
    building.rename(final)
    switch_to(root, final)
    report.generation = final.name
    return report


def _update(paths, root: Path, gen: Path, prune: bool, workers, progress, vectors) -> Report:
    ix = open_index(root)
    known, files = _known(ix)
    report = Report(generation=gen.name)
    embed = for_update(gen, vectors, report)
    # Stories and vectors are committed before Whoosh; a run killed in between leaves them out
    # of step, which the next run repairs: it extracts again the articles they lack.
    with _writer(ix) as writer, _stories(gen) as stories, vector_store(gen, embed) as store:
        missing = _align(stories, known)
        made_from = align_vectors(store, known, missing) if store else {}
        unchanged_paths, unreadable = _unchanged_files(files)
        extracted = extract_corpus(
            paths, _load_repeats(root), workers=workers, progress=progress,
            unchanged=unchanged_paths, indexed=known.keys() - missing,
            embedding=Embedding(embed, made_from),
        )  # fmt: skip
        seen: dict[str, str] = {}

        def moved(first: str) -> bool:
            if not _moved(first, known, seen):
                return False
            writer.delete_by_term("id", first)
            report.removed += 1
            report.moved += 1
            return True

        for item in _stream(extracted, report):
            if isinstance(item, Unchanged):
                seen[item.id] = item.path
                report.unchanged += 1
                continue
            art = item.article
            if not _first(item, seen, report):
                continue
            old = known.get(art.id)
            same = bool(old) and old[1] == art.content_hash()
            if same and art.id not in missing:
                report.unchanged += 1
            elif _original(item, stories, report, moved):
                if not same:
                    writer.update_document(**document(art, item.source_hash))
                report.updated += bool(old) and not same
                report.added += not old
                report.unchanged += same
                _timed(report, "linking", stories.add, art.id, item.signature)
                put_vector(store, item)
            elif old:  # now a copy of another article: keep only that one
                writer.delete_by_term("id", art.id)
                stories.remove(art.id)
                if store:
                    store.remove(art.id)
                report.removed += 1
        if prune:
            gone = _prune(writer, known, seen, extracted.scanned, unchanged_paths | unreadable)
            for doc_id in gone:
                stories.remove(doc_id)
                if store:
                    store.remove(doc_id)
            report.removed += len(gone)
        report.stages.update(extracted.stages)
        report.embedded, report.embed_errors = extracted.embedded, extracted.embed_errors
        commit_started = time.perf_counter()
    report.stages["commit"] = time.perf_counter() - commit_started
    _save_side_files(gen, root, extracted)
    _timed(report, "tables", update_tables, gen)
    return report


@contextmanager
def _writer(ix: Index, procs: int = 1) -> Iterator[IndexWriter]:
    # Commits on success, cancels on any error (including KeyboardInterrupt). A rebuild
    # writes with ``procs`` processes, one segment each (see writing.py).
    # Segments as separate files, not one compound file: a searcher then reads them on
    # demand instead of copying every segment into memory (80 MB and 1.5 s per thread at
    # 10k articles, ~0 MB and 30 ms this way).
    options = {"limitmb": WRITER_MB, "timeout": 5.0, "compound": False}
    try:
        writer = ParallelWriter(ix, procs, **options) if procs > 1 else ix.writer(**options)
    except LockError:
        raise ReindexRunning("another process is writing to this index; try again later") from None
    with lock_fd(getattr(writer.writelock, "fd", None)):
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        writer.commit()


def _check_count(ix: Index, added: int) -> None:
    """A sub-writer that died (disk full, killed) leaves its documents out of the commit
    without an error: count them before this generation may serve."""
    with ix.reader() as reader:
        indexed = reader.doc_count()
    if indexed != added:
        raise OSError(f"the index holds {indexed} articles of the {added} written")


@contextmanager
def _stories(gen: Path) -> Iterator[StoryStore]:
    """The story store of a generation: links recomputed and committed on success."""
    store = StoryStore(gen / STORIES)
    try:
        yield store
    except BaseException:
        store.abandon()
        raise
    store.finish()


def _align(stories: StoryStore, known: dict[str, tuple[str, str]]) -> set[str]:
    """Drop stored stories of articles not in the index; return indexed articles without one."""
    stored = stories.ids()
    for ghost in stored - known.keys():
        stories.remove(ghost)
    return known.keys() - stored


def _original(item, stories: StoryStore, report: Report, moved=None) -> bool:
    """False, and reported, when an article's text is already indexed under another id
    (unless ``moved(first)`` says that one's file is gone: this is its new place)."""
    first = stories.duplicate_of(item.signature, item.article.id)
    if first is None:
        return True
    if moved is not None and moved(first):
        stories.remove(first)
        return True
    report.duplicates.append(Skip(item.where, f"same text as article {first}"))
    return False


def _moved(first: str, known: dict[str, tuple[str, str]], seen: dict[str, str]) -> bool:
    """True when article ``first`` was indexed from a file that no longer exists and was not
    met in this run: a moved or renamed corpus file gets a new id (ids name the real path),
    and its copy at the new place replaces the old entry instead of being called a duplicate
    of it (with --prune, the old entry would go and the new one never come: lost in between).
    """
    path = known.get(first, ("", ""))[0]
    if first in seen or not path or os.path.exists(path):
        return False
    seen[first] = path  # not pruned again below
    return True


def _timed(report: Report, stage: str, fn, *args) -> None:
    started = time.perf_counter()
    fn(*args)
    report.stages[stage] = report.stages.get(stage, 0.0) + time.perf_counter() - started


def _stream(extracted: Extracted, report: Report) -> Iterator:
    for item in extracted.items:
        if isinstance(item, Skip):
            report.skipped.append(item)
        else:
            yield item


def _first(item: Item, seen: dict[str, str], report: Report) -> bool:
    """Keep the first article of an id; a later one with the same id is reported, not indexed
    (ids are unique per file and record: only a hash collision or a file read twice)."""
    doc_id = item.article.id
    if doc_id in seen:
        report.skipped.append(Skip(item.where, f"duplicate id {doc_id} (first in {seen[doc_id]})"))
        return False
    seen[doc_id] = item.where
    return True


def _known(ix: Index) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """Every indexed article as id -> (path, content hash), and each file's source hash."""
    articles: dict[str, tuple[str, str]] = {}
    files: dict[str, str] = {}
    with ix.searcher() as searcher:
        for fields in searcher.all_stored_fields():
            articles[fields["id"]] = (fields["path"], fields["hash"])
            files[fields["path"]] = fields.get("source_hash", "")
    return articles, files


def _unchanged_files(files: dict[str, str]) -> tuple[set[str], set[str]]:
    """Files whose bytes are as indexed (their articles need no extraction at all), and files
    that cannot be read now: reported by the extraction, but a read error is not a deletion."""
    unchanged, unreadable = set(), set()
    for path, known_hash in files.items():
        if not known_hash or not os.path.exists(path):
            continue
        try:
            if source_hash(Path(path)) == known_hash:
                unchanged.add(path)
        except OSError:
            unreadable.add(path)
    return unchanged, unreadable


def _prune(writer, known, seen, scanned: set[str], keep: set[str]) -> list[str]:
    """Delete articles whose file is gone, or whose file was read again without them (not
    those of the files in ``keep``: unchanged, or unreadable for now)."""
    removed = []
    for doc_id, (path, _) in known.items():
        if doc_id in seen or path in keep:
            continue
        if not os.path.exists(path) or path in scanned:
            writer.delete_by_term("id", doc_id)
            removed.append(doc_id)
    return removed


def _load_repeats(root: Path) -> dict[str, set[str]]:
    try:
        data = json.loads((root / REPEATS).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return {site: set(keys) for site, keys in data.items()}


def _save_side_files(gen: Path, root: Path, extracted: Extracted) -> None:
    data = {site: sorted(keys) for site, keys in extracted.repeats.items()}
    (root / REPEATS).write_text(json.dumps(data), encoding="utf-8")
    if extracted.sample_texts:
        save_sentence_params(train_sentences(extracted.sample_texts), gen / SENTENCES)
    elif (old := current_generation(root)) and (old / SENTENCES).exists() and old != gen:
        shutil.copy(old / SENTENCES, gen / SENTENCES)
