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

from . import Unavailable
from .analysis import save_sentence_params, train_sentences
from .document import document
from .engineconfig import (
    ENGINE_FILE,
    OPENSEARCH,
    BadEngineFile,
    EngineConfig,
    read_engine,
    write_engine,
)
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
from .ingest import (
    REPEATS,
    align,
    check_paths,
    file_moved,
    first_of_id,
    incremental_items,
    kept_items,
    load_repeats,
    original,
    story_store,
    timed,
    unchanged_files,
)
from .pipeline import Embedding, Extracted, extract_corpus
from .report import Report
from .schema import SCHEMA_VERSION, build_schema
from .stories import STORIES
from .tables import update_tables, write_tables
from .vectors import align_vectors, for_rebuild, for_update, put_vector, vector_store
from .writing import ParallelWriter

SENTENCES = "sentences.json"
VERSION = "VERSION"
WRITER_MB = 256


class WriteFailed(Unavailable):
    """The index could not be written (disk full, permissions); what served before still does."""


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
    engine: EngineConfig | None = None,
    client_options: dict | None = None,
) -> Report:
    """Index the files under ``paths`` into ``root``: incremental upserts or an atomic rebuild.

    ``vectors`` (hybrid search): a rebuild embeds unless False or the model cannot run (the
    report says why); an incremental run does as the index was built, and refuses the other.
    ``engine``: where the articles go (default: the engine recorded in ``root``, else
    Whoosh); it is recorded in ``root`` once the run succeeds. ``client_options``: the
    cluster's credentials for this run (never recorded).
    """
    started = time.perf_counter()
    root = Path(root)
    paths = [Path(p) for p in paths]
    check_paths(paths)  # before the lock: a typo must not create an index folder
    config = engine or read_engine(root)
    try:
        with reindex_lock(root):
            if config.engine == OPENSEARCH:
                # Imported here: the embedded engine never loads the cluster client.
                from .engines.opensearch_ingest import reindex_opensearch

                report = reindex_opensearch(paths, root, config, full=full, prune=prune,
                                            workers=workers, progress=progress,
                                            client_options=client_options or {})
            else:
                report = _reindex_whoosh(paths, root, full, prune, workers, progress, vectors)
            if engine is not None and engine != _recorded(root):
                write_engine(root, engine)
    except (OSError, sqlite3.Error) as error:  # reading a source file never raises: it is a Skip
        reason = getattr(error, "strerror", None) or str(error)
        raise WriteFailed(
            f"could not write the index in {root}: {reason}; the index as it was still serves"
        ) from error
    report.duration = time.perf_counter() - started
    return report


def _reindex_whoosh(paths, root: Path, full: bool, prune: bool, workers, progress,
                    vectors: bool | None) -> Report:
    remove_leftovers(root)
    gen = current_generation(root)
    if gen is not None and not full:
        _check_compatible(root, gen)
    if full or gen is None:
        return _rebuild(paths, root, workers, progress, vectors)
    return _update(paths, root, gen, prune, workers, progress, vectors)


def _recorded(root: Path) -> EngineConfig | None:
    """The engine recorded in ``root``, or None if none is (or its file is damaged)."""
    if not (root / ENGINE_FILE).exists():
        return None
    try:
        return read_engine(root)
    except BadEngineFile:
        return None


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
    extracted = extract_corpus(paths, load_repeats(root), workers=workers, progress=progress,
                               embedding=Embedding(embed))
    procs = max(1, workers or os.cpu_count() or 1)
    with _writer(ix, procs) as writer, story_store(building) as stories, \
            vector_store(building, embed) as store:
        seen: dict[str, str] = {}
        for item in kept_items(extracted, report):
            if first_of_id(item, seen, report) and original(item, stories, report):
                writer.add_document(**document(item.article, item.source_hash))
                timed(report, "linking", stories.add, item.article.id, item.signature)
                put_vector(store, item)
                report.added += 1
        report.stages.update(extracted.stages)
        report.embedded, report.embed_errors = extracted.embedded, extracted.embed_errors
        commit_started = time.perf_counter()
    report.stages["commit"] = time.perf_counter() - commit_started
    _check_count(ix, report.added)
    _save_side_files(building, root, extracted)
    timed(report, "tables", write_tables, building)  # before the switch: serving opens fast
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
    with _writer(ix) as writer, story_store(gen) as stories, vector_store(gen, embed) as store:
        missing = align(stories, known)
        made_from = align_vectors(store, known, missing) if store else {}
        unchanged_paths, unreadable = unchanged_files(files)
        extracted = extract_corpus(
            paths, load_repeats(root), workers=workers, progress=progress,
            unchanged=unchanged_paths, indexed=known.keys() - missing,
            embedding=Embedding(embed, made_from),
        )  # fmt: skip
        seen: dict[str, str] = {}

        def moved(first: str) -> bool:
            if not file_moved(first, known, seen):
                return False
            writer.delete_by_term("id", first)
            report.removed += 1
            report.moved += 1
            return True

        for item, old, same, kept in incremental_items(extracted, report, known, missing,
                                                       seen, stories, moved):
            art = item.article
            if kept:
                if not same:
                    writer.update_document(**document(art, item.source_hash))
                report.updated += bool(old) and not same
                report.added += not old
                report.unchanged += same
                timed(report, "linking", stories.add, art.id, item.signature)
                put_vector(store, item)
            else:  # now a copy of another article: keep only that one
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
    timed(report, "tables", update_tables, gen)
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


def _known(ix: Index) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """Every indexed article as id -> (path, content hash), and each file's source hash."""
    articles: dict[str, tuple[str, str]] = {}
    files: dict[str, str] = {}
    with ix.searcher() as searcher:
        for fields in searcher.all_stored_fields():
            articles[fields["id"]] = (fields["path"], fields["hash"])
            files[fields["path"]] = fields.get("source_hash", "")
    return articles, files


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


def _save_side_files(gen: Path, root: Path, extracted: Extracted) -> None:
    data = {site: sorted(keys) for site, keys in extracted.repeats.items()}
    (root / REPEATS).write_text(json.dumps(data), encoding="utf-8")
    if extracted.sample_texts:
        save_sentence_params(train_sentences(extracted.sample_texts), gen / SENTENCES)
    elif (old := current_generation(root)) and (old / SENTENCES).exists() and old != gen:
        shutil.copy(old / SENTENCES, gen / SENTENCES)
