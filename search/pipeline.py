"""The ingest pipeline: find files, learn each site's repeated lines, extract in parallel."""

from __future__ import annotations

import ctypes
import hashlib
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator, KeysView, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import SearchError
from .embed import embed_article
from .extract import TIMINGS, Article, article_id, extract
from .read import ONE_ARTICLE, Page, Skip, decode, discover, read_file
from .stories import Signature, signature
from .textpage import learn_repeats, page_line_keys, site_name
from .titles import html_page_keys, html_site

# Bump when extraction changes, so an incremental run re-extracts files whose bytes did not change.
EXTRACTOR_VERSION = "2"
SAMPLE_CHARS = 3_000_000  # prose kept to train Punkt sentences on the corpus itself
CHUNK = 16
WALL = "extraction pass (wall time)"  # the one stage timed as wall time, not summed per process

Progress = Callable[[int, int, int], None]  # (bytes done, bytes total, articles done)
Known = set[str] | frozenset[str] | KeysView[str]


@dataclass
class Item:
    """One extracted article, its story signature and the hash of the file it came from."""

    article: Article
    source_hash: str
    signature: Signature
    where: str = ""  # its file and record ("path#3"), for the report
    # Its meaning as a vector; None when not asked for, or when the stored vector was made
    # from this very content (an incremental run embeds only new and changed articles).
    vector: np.ndarray | None = None


@dataclass
class Unchanged:
    """An indexed article of a file whose bytes are as indexed: counted, not extracted again."""

    id: str
    path: str


@dataclass
class Extracted:
    """The lazily extracted corpus; ``stages`` and ``sample_texts`` fill in as ``items`` is read."""

    items: Iterator[Item | Skip | Unchanged]
    repeats: dict[str, set[str]]
    scanned: set[str]
    stages: dict[str, float] = field(default_factory=dict)
    sample_texts: list[str] = field(default_factory=list)
    embedded: int = 0  # articles the workers embedded (the model's work, counted once)
    embed_errors: list[str] = field(default_factory=list)  # articles left without a vector


@dataclass(frozen=True)
class Embedding:
    """Whether the workers embed articles, and the content hash each stored vector was made
    from (by article id): an article extracted with that same hash keeps its vector."""

    on: bool = False
    made_from: Mapping[str, str] = field(default_factory=dict)

    def stored_hash(self, page: Page) -> str | None:
        """The content hash of the stored vector of a page's article, if there is one."""
        if not (self.on and self.made_from):
            return None
        return self.made_from.get(article_id(page.path, page.record))


def source_hash(path: Path) -> str:
    """A hash of a file's bytes and the extractor version."""
    digest = hashlib.sha1(EXTRACTOR_VERSION.encode())
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def extract_corpus(
    paths: Iterable[Path],
    repeats: dict[str, set[str]],
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    unchanged: Known = frozenset(),
    indexed: Known = frozenset(),
    embedding: Embedding | None = None,
) -> Extracted:
    """Discover the files under ``paths`` and extract their articles (and embed them, if
    ``embedding`` says so). Of the ``unchanged`` files (bytes as indexed), the ``indexed``
    articles are counted, not extracted again."""
    files, skips = _discover(paths)
    todo, kept = _plan(files, unchanged, indexed)
    workers = max(1, workers or os.cpu_count() or 1)
    learned = _learn([f for f in todo if str(f) not in unchanged], repeats, workers)
    result = Extracted(iter(()), learned, {str(f) for f in files})
    result.items = _items(todo, [*skips, *kept], learned, workers, progress, result,
                          (unchanged, indexed), embedding or Embedding())
    return result


def _discover(paths: Iterable[Path]) -> tuple[list[Path], list[Skip]]:
    """Every supported file (absolute, as found: reports name the path the user gave, while
    the article id is made from the real path behind any symbolic link), and Skips."""
    files: list[Path] = []
    skips: list[Skip] = []
    for found in discover(paths):
        if isinstance(found, Skip):
            skips.append(found)
        else:
            files.append(Path(os.path.abspath(found)))
    return files, skips


def _plan(files: list[Path], unchanged: Known, indexed: Known) -> tuple[list[Path], list]:
    """The files to read, and the articles of unchanged one-article files: these need no
    reading at all (a file of records is read again, to count its records and retry those
    that were not indexed: skipped, or copies of an article that may be gone now)."""
    todo, kept = [], []
    for path in files:
        one = path.suffix.lower() in ONE_ARTICLE
        if str(path) in unchanged and one and (doc_id := article_id(path)) in indexed:
            kept.append(Unchanged(doc_id, str(path)))
        else:
            todo.append(path)
    return todo, kept


def _learn(todo: list[Path], repeats: dict[str, set[str]], workers: int) -> dict[str, set[str]]:
    """Add what this run's pages of each site share (rendered pages: repeated lines; HTML
    pages: the site's name in titles; both: how dates are written) to what was learned."""
    pages = [f for f in todo if f.suffix.lower() in (".txt", ".html", ".htm")]
    learned = {site: set(keys) for site, keys in repeats.items()}
    if len(pages) < 3:
        return learned
    for site, keys in learn_repeats(_map(_line_keys, pages, workers)).items():
        learned.setdefault(site, set()).update(keys)
    return learned


def _line_keys(path: Path) -> tuple[str, set[str]]:
    try:
        text = decode(path.read_bytes())
    except (OSError, SearchError):
        return "", set()  # the extraction pass reports the file
    if path.suffix.lower() == ".txt":
        return page_line_keys(text)
    return html_page_keys(text, str(path))


def _items(
    todo, ready, learned, workers, progress, result: Extracted, known: tuple[Known, Known],
    embedding: Embedding,
) -> Iterator[Item | Skip | Unchanged]:
    yield from ready
    total = sum(_size(f) for f in todo)
    done = articles = 0
    sample = 0
    started = time.perf_counter()
    for outcome, size, file_hash in _map(
        _extract_pages, _pages(todo, learned, result.stages, *known, embedding), workers, result
    ):
        done += size
        if isinstance(outcome, (Skip, Unchanged)):
            yield outcome
        else:
            articles += 1
            article, sig, where, vector = outcome
            if sample < SAMPLE_CHARS:
                result.sample_texts.append(article.body)
                sample += len(article.body)
            if isinstance(vector, str):  # why it could not be embedded
                result.embed_errors.append(f"{where}: {vector}")
                vector = None
            result.embedded += vector is not None
            yield Item(article, file_hash, sig, where, vector)
        if progress:
            progress(done, total, articles)
    result.stages[WALL] = time.perf_counter() - started


def _pages(
    todo, learned, stages: dict[str, float], unchanged: Known, indexed: Known,
    embedding: Embedding,
) -> Iterator[tuple[Page | Skip | Unchanged, frozenset, int, str, tuple[bool, str | None]]]:
    """Read each file in this process; extraction of its pages goes to the workers, except
    for pages already indexed from these very bytes."""
    for path in todo:
        started = time.perf_counter()
        try:
            file_hash = source_hash(path)
            pages = list(read_file(path))
        except OSError as error:
            pages, file_hash = [Skip(str(path), f"unreadable: {error.strerror or error}")], ""
        stages["reading"] = stages.get("reading", 0.0) + time.perf_counter() - started
        share = _size(path) // max(1, len(pages))
        fresh = str(path) not in unchanged
        for page in pages:
            site_keys = frozenset()
            if not fresh and isinstance(page, Page) and (
                doc_id := article_id(page.path, page.record)
            ) in indexed:
                page = Unchanged(doc_id, page.path)
            elif isinstance(page, Page) and page.kind == "text":
                site_keys = frozenset(learned.get(site_name(page.text.splitlines()), ()))
            elif isinstance(page, Page) and page.kind == "html":
                site_keys = frozenset(learned.get(html_site(page.text, page.path), ()))
            embed = (embedding.on, embedding.stored_hash(page) if isinstance(page, Page) else None)
            yield page, site_keys, share, file_hash, embed


def _extract_pages(job) -> tuple[tuple | Skip | Unchanged, int, str, dict[str, float]]:
    page, site_keys, share, file_hash, (embed, stored_hash) = job
    before = dict(TIMINGS)
    if isinstance(page, (Skip, Unchanged)):
        return page, share, file_hash, {}
    try:
        article = extract(page, site_keys)
        started = time.perf_counter()
        sig = signature(article)
        TIMINGS["stories"] = TIMINGS.get("stories", 0.0) + time.perf_counter() - started
        vector = _vector(article) if embed and article.content_hash() != stored_hash else None
        outcome: tuple | Skip = (article, sig, page.path + page.locator, vector)
    except SearchError as error:
        outcome = Skip(page.path + page.locator, str(error))
    except Exception as error:  # noqa: BLE001 - one bad page must never stop the run
        outcome = Skip(
            page.path + page.locator, f"extraction failed: {type(error).__name__}: {error}"
        )
    return outcome, share, file_hash, {k: TIMINGS[k] - before.get(k, 0.0) for k in TIMINGS}


def _vector(article: Article) -> np.ndarray | str:
    """The article's vector, or why it could not be made: a missing vector must not cost
    the article its place in the index."""
    started = time.perf_counter()
    try:
        return embed_article(article.title, article.subtitle, article.body)
    except Exception as error:  # noqa: BLE001 - the article is indexed all the same
        return f"not embedded: {type(error).__name__}: {error}"
    finally:
        TIMINGS["embedding"] = TIMINGS.get("embedding", 0.0) + time.perf_counter() - started


def _map(fn, jobs, workers: int, result: Extracted | None = None) -> Iterator:
    """Map in worker processes (ordered, so reruns are deterministic), or inline for one worker."""
    if workers == 1:
        outputs = map(fn, jobs)
        yield from _account(outputs, result)
        return
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with context.Pool(workers, initializer=die_with, initargs=(os.getpid(),)) as pool:
        yield from _account(pool.imap(fn, jobs, chunksize=CHUNK), result)


def die_with(parent: int) -> None:
    """Ask Linux to kill this worker when its parent dies: a reindex killed with -9 must not
    leave workers waiting forever for work that will never come."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the request was made
        os._exit(1)


def _account(outputs, result: Extracted | None) -> Iterator:
    for output in outputs:
        if result is None:
            yield output
            continue
        outcome, share, file_hash, timings = output
        for stage, seconds in timings.items():
            result.stages[stage] = result.stages.get(stage, 0.0) + seconds
        yield outcome, share, file_hash


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
