"""Reindexing into OpenSearch: the pipeline of every reindex, written through OpenSearchWriter.

The articles are those a Whoosh reindex would index (``ingest.py``: first of an id, not a copy
of another, the same skips and reasons), made into the same documents (``document.py``). A full
run is ``OpenSearchWriter.rebuild``: a new index behind the alias, swapped in one call; an
incremental one upserts new and changed articles and deletes removed ones, as the Whoosh run
decides. What links articles into stories (signatures and links) stays in the index root,
``opensearch/stories.sqlite``, as it does beside each Whoosh generation. Documents the
cluster refuses are reported as skipped, with the cluster's reason.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from opensearchpy import OpenSearch
from opensearchpy.exceptions import TransportError
from opensearchpy.helpers import scan

from .. import Unavailable
from ..document import document
from ..engineconfig import EngineConfig
from ..ingest import (
    REPEATS,
    align,
    file_moved,
    first_of_id,
    kept_items,
    load_repeats,
    original,
    story_store,
    timed,
    unchanged_files,
)
from ..pipeline import Extracted, Unchanged, extract_corpus
from ..read import Skip
from ..report import Report
from ..stories import STORIES, StoryStore, read_stories
from .opensearch_write import ClusterUnavailable, OpenSearchWriter, WriteReport, connect


class StoriesNotSet(Unavailable):
    """The cluster refused to record some articles' stories (the alias was not moved)."""


STATE = "opensearch"  # folder of the root holding the story store of the alias's index
NO_VECTORS = "not made: the OpenSearch engine searches by words only"
STAGE = "opensearch"  # the report's stage: time in the writer, waiting for the cluster
KNOWN_FIELDS = ["id", "path", "hash", "source_hash"]


def reindex_opensearch(paths: list[Path], root: Path, config: EngineConfig, *,
                       full: bool = False, prune: bool = False, workers: int | None = None,
                       progress: Callable | None = None, client_options: dict | None = None,
                       client: OpenSearch | None = None) -> Report:
    """Index the files under ``paths`` into the alias of ``config``: a rebuild when ``full``
    or the alias has no index yet, else upserts and deletes. The caller holds the root's
    reindex lock."""
    client = client or connect(list(config.urls), **(client_options or {}))
    writer = OpenSearchWriter(client, config.alias)
    try:
        client.info()  # one quick question first: a cluster that is down fails now, clearly
    except TransportError as error:
        raise ClusterUnavailable(f"the OpenSearch cluster at {', '.join(config.urls)} cannot be "
                                 f"reached ({_why(error)}); nothing was indexed") from error
    try:
        if full or not writer.current() or not (root / STATE).is_dir():
            return _rebuild(paths, root, writer, workers, progress)
        return _update(paths, root, writer, prune, workers, progress)
    except TransportError as error:  # the writer translates its own calls; scan does not
        raise ClusterUnavailable(f"OpenSearch at {', '.join(config.urls)} failed: {error}") \
            from error


def _rebuild(paths, root: Path, writer: OpenSearchWriter, workers, progress) -> Report:
    report = Report(vectors=NO_VECTORS)
    building = root / f"{STATE}.building"
    shutil.rmtree(building, ignore_errors=True)  # a killed run's
    building.mkdir(parents=True)
    seen: dict[str, str] = {}
    stories = StoryStore(building / STORIES)
    try:
        extracted = extract_corpus(paths, load_repeats(root), workers=workers,
                                   progress=progress)

        def documents() -> Iterator[dict]:
            for item in kept_items(extracted, report):
                if first_of_id(item, seen, report) and original(item, stories, report):
                    timed(report, "linking", stories.add, item.article.id, item.signature)
                    report.added += 1
                    yield document(item.article, item.source_hash)

        def link(written: WriteReport) -> None:
            # Stories are known once every article is: set them before searches see it.
            started = time.perf_counter()
            for doc_id in _refused(written, seen, report):
                stories.remove(doc_id)
                report.added -= 1
            timed(report, "linking", stories.finish)
            _set_stories(writer, report, read_stories(building), {}, written.index)
            # Counted in the stages it has (linking, and the stories' writes): not twice.
            report.stages[STAGE] -= time.perf_counter() - started

        written = _engine_time(report, writer.rebuild, documents(), before_swap=link)
        report.stages.update(extracted.stages)
        report.generation = written.index
        _save_repeats(root, extracted)
    except BaseException:
        _abandon(stories)
        shutil.rmtree(building, ignore_errors=True)
        raise
    # The alias serves the new index now: its story store replaces the old one.
    shutil.rmtree(root / STATE, ignore_errors=True)
    building.rename(root / STATE)
    return report


def _abandon(stories: StoryStore) -> None:
    try:
        stories.abandon()
    except sqlite3.ProgrammingError:  # finished already (the swap failed after it)
        pass


def _engine_time(report: Report, write: Callable, items, *args, **kwargs):
    """``write(items, ...)``, its time outside ``items`` (the cluster's share: extraction runs
    inside the stream the writer pulls) added to the report's ``opensearch`` stage."""
    producing = 0.0

    def timed_items():
        nonlocal producing
        iterator = iter(items)
        while True:
            started = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                producing += time.perf_counter() - started
                return
            producing += time.perf_counter() - started
            yield item

    report.stages.setdefault(STAGE, 0.0)
    started = time.perf_counter()
    try:
        return write(timed_items(), *args, **kwargs)
    finally:
        spent = time.perf_counter() - started - producing
        report.stages[STAGE] = report.stages.get(STAGE, 0.0) + spent


def _set_stories(writer: OpenSearchWriter, report: Report,
                 groups: dict[str, tuple[str, str | None]],
                 held: dict[str, tuple[str, str]], index: str | None = None) -> None:
    """Give each article its story and copy group where the index holds other ones (``held``;
    a document written without them stands alone: its own id for both)."""
    updates = []
    for doc_id, (story, copy) in groups.items():
        want = (story, copy or doc_id)
        if want != held.get(doc_id, (doc_id, doc_id)):
            updates.append((doc_id, {"story": want[0], "copy": want[1]}))
    if not updates:
        return
    written = _engine_time(report, writer.update_fields, updates, index=index)
    if written.failed:
        first = written.failed[0]
        raise StoriesNotSet(f"{len(written.failed)} articles could not be given their story "
                            f"(e.g. {first.id}: {first.reason})")


def _update(paths, root: Path, writer: OpenSearchWriter, prune: bool, workers,
            progress) -> Report:
    known, files = _known(writer)
    report = Report(vectors=NO_VECTORS, generation=writer.current()[0])
    deletes: list[str] = []
    changed: dict[str, str] = {}  # id -> "added" or "updated", until the cluster has them
    before = read_stories(root / STATE)
    with story_store(root / STATE) as stories:
        missing = align(stories, known)
        unchanged_paths, unreadable = unchanged_files(files)
        extracted = extract_corpus(paths, load_repeats(root), workers=workers,
                                   progress=progress, unchanged=unchanged_paths,
                                   indexed=known.keys() - missing)
        seen: dict[str, str] = {}

        def moved(first: str) -> bool:
            if not file_moved(first, known, seen):
                return False
            deletes.append(first)
            report.moved += 1
            return True

        def documents() -> Iterator[dict]:
            for item in kept_items(extracted, report):
                if isinstance(item, Unchanged):
                    seen[item.id] = item.path
                    report.unchanged += 1
                    continue
                art = item.article
                if not first_of_id(item, seen, report):
                    continue
                old = known.get(art.id)
                same = bool(old) and old[1] == art.content_hash()
                if same and art.id not in missing:
                    report.unchanged += 1
                elif original(item, stories, report, moved):
                    timed(report, "linking", stories.add, art.id, item.signature)
                    if same:
                        report.unchanged += 1
                    else:
                        changed[art.id] = "updated" if old else "added"
                        yield document(art, item.source_hash)
                elif old:  # now a copy of another article: keep only that one
                    deletes.append(art.id)
                    stories.remove(art.id)

        written = _engine_time(report, writer.upsert, documents())
        for doc_id in _refused(written, seen, report):
            changed.pop(doc_id, None)
            stories.remove(doc_id)
        report.added += sum(1 for how in changed.values() if how == "added")
        report.updated += sum(1 for how in changed.values() if how == "updated")
        if prune:
            gone = _gone(known, seen, extracted.scanned, unchanged_paths | unreadable)
            for doc_id in gone:
                stories.remove(doc_id)
            deletes += gone
        if deletes:
            removed = _engine_time(report, writer.delete, deletes)
            report.removed += removed.deleted + len(removed.missing)
            report.skipped += [Skip(f.id, f"not deleted from OpenSearch: {f.reason}")
                               for f in removed.failed]
        report.stages.update(extracted.stages)
    # What the index holds: rewritten documents stand alone until given their story; the
    # others have what the store said before this run.
    held = {i: (story, copy or i) for i, (story, copy) in before.items() if i not in changed}
    held |= {i: (i, i) for i in changed}
    _set_stories(writer, report, read_stories(root / STATE), held)
    _save_repeats(root, extracted)
    return report


def _why(error: TransportError) -> str:
    cause = error.info if isinstance(error.info, Exception) else None
    return str(cause or error.error or error)


def _refused(written: WriteReport, seen: dict[str, str], report: Report) -> list[str]:
    """The ids the cluster refused, each reported as a skip of its file with the reason."""
    for failure in written.failed:
        where = seen.get(failure.id, failure.id)
        report.skipped.append(Skip(where, f"refused by OpenSearch: {failure.reason}"))
    return [f.id for f in written.failed]


def _known(writer: OpenSearchWriter) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """Every article behind the alias as id -> (path, content hash), and each file's hash."""
    articles: dict[str, tuple[str, str]] = {}
    files: dict[str, str] = {}
    query = {"query": {"match_all": {}}, "_source": KNOWN_FIELDS}
    for hit in scan(writer.client, index=writer.alias, query=query, size=1000):
        fields = hit["_source"]
        articles[hit["_id"]] = (fields.get("path", ""), fields.get("hash", ""))
        files[fields.get("path", "")] = fields.get("source_hash", "")
    return articles, files


def _gone(known, seen, scanned: set[str], keep: set[str]) -> list[str]:
    """Articles whose file is gone, or was read again without them (as index.py prunes)."""
    return [doc_id for doc_id, (path, _) in known.items()
            if doc_id not in seen and path not in keep
            and (not os.path.exists(path) or path in scanned)]


def _save_repeats(root: Path, extracted: Extracted) -> None:
    data = {site: sorted(keys) for site, keys in extracted.repeats.items()}
    (root / REPEATS).write_text(json.dumps(data), encoding="utf-8")
