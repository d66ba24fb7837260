"""What every engine's reindex shares: checking the paths, the story store, which articles are
kept (first of an id, not a copy of another), which files are unchanged, what the sites share.

``index.py`` writes these articles into Whoosh generations, ``engines/opensearch_ingest.py``
into an OpenSearch alias; both read the corpus through ``pipeline.extract_corpus``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import InvalidRequest
from .pipeline import Extracted, Item, Unchanged, source_hash
from .read import Skip
from .report import Report
from .stories import STORIES, StoryStore

REPEATS = "boilerplate.json"


class BadPath(InvalidRequest):
    """A path given to reindex does not exist or cannot be read."""


def check_paths(paths: list[Path]) -> None:
    """Every path given must exist and be readable (inside a folder, a bad file is skipped)."""
    for path in paths:
        shown = os.fsencode(path).decode("utf-8", "backslashreplace")
        if not os.path.exists(path):
            raise BadPath(f"no such file or folder: {shown}")
        if not os.access(path, os.R_OK | (os.X_OK if os.path.isdir(path) else 0)):
            raise BadPath(f"cannot read {shown}: permission denied")


@contextmanager
def story_store(gen: Path) -> Iterator[StoryStore]:
    """The story store of a generation: links recomputed and committed on success."""
    store = StoryStore(gen / STORIES)
    try:
        yield store
    except BaseException:
        store.abandon()
        raise
    store.finish()


def align(stories: StoryStore, known: dict[str, tuple[str, str]]) -> set[str]:
    """Drop stored stories of articles not in the index; return indexed articles without one."""
    stored = stories.ids()
    for ghost in stored - known.keys():
        stories.remove(ghost)
    return known.keys() - stored


def original(item, stories: StoryStore, report: Report, moved=None) -> bool:
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


def file_moved(first: str, known: dict[str, tuple[str, str]], seen: dict[str, str]) -> bool:
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


def timed(report: Report, stage: str, fn, *args) -> None:
    started = time.perf_counter()
    fn(*args)
    report.stages[stage] = report.stages.get(stage, 0.0) + time.perf_counter() - started


def kept_items(extracted: Extracted, report: Report) -> Iterator:
    for item in extracted.items:
        if isinstance(item, Skip):
            report.skipped.append(item)
        else:
            yield item


def incremental_items(extracted: Extracted, report: Report, known: dict[str, tuple[str, str]],
                      missing: set[str], seen: dict[str, str], stories,
                      moved) -> Iterator[tuple[Item, tuple[str, str] | None, bool, bool]]:
    """What an incremental run does with each article read, whatever the engine: files and
    articles that did not change are counted here; every other article is yielded as
    ``(item, old, same, kept)``: ``old`` its indexed (path, hash) if any, ``same`` whether
    its text is the indexed one (indexed again only if the engine lacks it: ``missing``),
    ``kept`` False when it is now a copy of another article (reported; an indexed ``old``
    goes)."""
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
            yield item, old, same, True
        elif old:
            yield item, old, same, False


def first_of_id(item: Item, seen: dict[str, str], report: Report) -> bool:
    """Keep the first article of an id; a later one with the same id is reported, not indexed
    (ids are unique per file and record: only a hash collision or a file read twice)."""
    doc_id = item.article.id
    if doc_id in seen:
        report.skipped.append(Skip(item.where, f"duplicate id {doc_id} (first in {seen[doc_id]})"))
        return False
    seen[doc_id] = item.where
    return True


def unchanged_files(files: dict[str, str]) -> tuple[set[str], set[str]]:
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


def load_repeats(root: Path) -> dict[str, set[str]]:
    try:
        data = json.loads((root / REPEATS).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return {site: set(keys) for site, keys in data.items()}


