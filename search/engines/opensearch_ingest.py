"""Reindexing into OpenSearch: the pipeline of every reindex, written through OpenSearchWriter.

The articles are those a Whoosh reindex would index (``ingest.py``: first of an id, not a copy
of another, the same skips and reasons), made into the same documents (``document.py``). A full
run is ``OpenSearchWriter.rebuild``: a new index behind the alias, swapped in one call; an
incremental one upserts new and changed articles and deletes removed ones, as the Whoosh run
decides. What links articles into stories (signatures and links) is kept in the cluster,
beside the alias's index (``opensearch_stories.py``), so that several runs on several machines
can write disjoint parts of one corpus into one alias and get the stories of a single run.
Documents the cluster refuses are reported as skipped, with the cluster's reason.
"""

from __future__ import annotations

import json
import os
import shutil
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
    file_moved,
    first_of_id,
    incremental_items,
    kept_items,
    load_repeats,
    original,
    unchanged_files,
)
from ..pipeline import Extracted, extract_corpus
from ..read import Skip
from ..report import Report
from .opensearch_stories import OpenSearchStories, StoriesNotSet, drop_story_indices
from .opensearch_write import ClusterUnavailable, OpenSearchWriter, WriteReport, connect

__all__ = ["StoriesNotSet", "reindex_opensearch"]
OLD_STATE = "opensearch"  # where a root kept a SQLite story store before they moved
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
    writer = OpenSearchWriter(client, config.alias, shards=config.shards,
                              replicas=config.replicas)
    try:
        client.info()  # one quick question first: a cluster that is down fails now, clearly
    except TransportError as error:
        raise ClusterUnavailable(f"the OpenSearch cluster at {', '.join(config.urls)} cannot be "
                                 f"reached ({_why(error)}); nothing was indexed") from error
    try:
        if full or not writer.current():
            return _rebuild(paths, root, writer, workers, progress)
        return _update(paths, root, writer, prune, workers, progress)
    except TransportError as error:  # the writer translates its own calls; scan does not
        raise ClusterUnavailable(f"OpenSearch at {', '.join(config.urls)} failed: {error}") \
            from error


def _rebuild(paths, root: Path, writer: OpenSearchWriter, workers, progress) -> Report:
    report = Report(vectors=NO_VECTORS)
    seen: dict[str, str] = {}
    stories = OpenSearchStories(writer)  # of the new index, created when it has a name
    try:
        extracted = extract_corpus(paths, load_repeats(root), workers=workers,
                                   progress=progress)

        def documents() -> Iterator[dict]:
            for item in kept_items(extracted, report):
                if first_of_id(item, seen, report) and original(item, stories, report):
                    stories.add(item.article.id, item.signature)
                    report.added += 1
                    yield document(item.article, item.source_hash)

        def link(written: WriteReport) -> None:
            # Stories are known once every article is: set them before searches see it.
            for doc_id in _refused(written, seen, report):
                stories.remove(doc_id)
                report.added -= 1
            _finish_stories(report, stories, written.index)

        written = _engine_time(report, writer.rebuild, documents(), before_swap=link)
        report.stages.update(extracted.stages)
        report.generation = written.index
        _save_repeats(root, extracted)
    except BaseException:
        stories.abandon()
        _drop_story_indices(writer)  # the failed index's, unless the swap happened after all
        raise
    # The alias serves the new index: the replaced index's story store goes with it.
    _drop_story_indices(writer)
    shutil.rmtree(root / OLD_STATE, ignore_errors=True)
    return report


def _finish_stories(report: Report, stories: OpenSearchStories,
                    index: str | None = None) -> None:
    """Store, link and regroup, counted as linking; inside a rebuild (``index`` given), not
    also in the cluster's stage that the rebuild's time goes to."""
    started = time.perf_counter()
    stories.finish(index)
    spent = time.perf_counter() - started
    report.stages["linking"] = report.stages.get("linking", 0.0) + spent
    if index is not None:
        report.stages[STAGE] = report.stages.get(STAGE, 0.0) - spent


def _drop_story_indices(writer: OpenSearchWriter) -> None:
    try:
        drop_story_indices(writer, keep=set(writer.current()))
    except Unavailable:  # best effort: the next rebuild drops them
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


def _update(paths, root: Path, writer: OpenSearchWriter, prune: bool, workers,
            progress) -> Report:
    known, files = _known(writer)
    report = Report(vectors=NO_VECTORS, generation=writer.current()[0])
    deletes: list[str] = []
    changed: dict[str, str] = {}  # id -> "added" or "updated", until the cluster has them
    stories = OpenSearchStories(writer, report.generation)
    try:
        # Signatures without an article are not removed here: with several writers, they
        # may be another run's articles on their way (the regrouping ignores them).
        missing = known.keys() - stories.ids()
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
            for item, old, same, kept in incremental_items(extracted, report, known, missing,
                                                           seen, stories, moved):
                art = item.article
                if kept:
                    stories.add(art.id, item.signature)
                    if same:
                        report.unchanged += 1
                    else:
                        changed[art.id] = "updated" if old else "added"
                        yield document(art, item.source_hash)
                else:  # now a copy of another article: keep only that one
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
        # Always: an earlier run that failed before regrouping left stories to set.
        _finish_stories(report, stories)
    except BaseException:
        stories.abandon()
        raise
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
