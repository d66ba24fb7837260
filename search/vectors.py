"""Article vectors beside each index generation: the store reindex keeps, and reading it.

A generation built with vectors holds ``vectors.sqlite``: each article's id, the content hash
of the version that was embedded, and its vector (float16, 768 bytes). Incremental runs add,
replace and delete rows in one transaction, committed before Whoosh's (as the story store's),
so an unchanged article keeps its vector and is never embedded again; a full rebuild writes a
new file into the new generation before the switch. A generation without the file serves words
only. Whether a run embeds is decided once per index: at the full rebuild.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import Unavailable
from .embed import DIMENSIONS, RECIPE, ModelUnavailable, check_model

if TYPE_CHECKING:  # the ingest side's types; the query side imports this module too
    from .pipeline import Item
    from .report import Report

VECTORS = "vectors.sqlite"
STORED = np.float16  # half the size of float32; cosines change by less than 0.001

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vectors (id TEXT PRIMARY KEY, hash TEXT NOT NULL, vector BLOB NOT NULL);
"""


class VectorsMismatch(Unavailable):
    """The index's vectors do not fit this run (built with or without them, or by another
    model): only a full rebuild may change them."""


class VectorStore:
    """The vectors of one generation, changed article by article in one transaction."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.executescript(SCHEMA)
        self.conn.execute("BEGIN")
        self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('recipe', ?)", (RECIPE,))

    def recipe(self) -> str:
        """What the stored vectors were made with (model and text recipe)."""
        return self.conn.execute("SELECT value FROM meta WHERE key = 'recipe'").fetchone()[0]

    def put(self, article_id: str, content_hash: str, vector: np.ndarray) -> None:
        """Store (or replace) an article's vector, made from the version with this hash."""
        blob = np.asarray(vector, dtype=STORED).tobytes()
        self.conn.execute(
            "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", (article_id, content_hash, blob)
        )

    def remove(self, article_id: str) -> None:
        """Forget an article's vector."""
        self.conn.execute("DELETE FROM vectors WHERE id = ?", (article_id,))

    def hashes(self) -> dict[str, str]:
        """Each stored article id with the content hash its vector was made from."""
        return dict(self.conn.execute("SELECT id, hash FROM vectors"))

    def finish(self) -> None:
        """Commit."""
        self.conn.execute("COMMIT")
        self.conn.close()

    def abandon(self) -> None:
        """Roll back everything since opening."""
        self.conn.execute("ROLLBACK")
        self.conn.close()


def has_vectors(gen: Path) -> bool:
    """Whether a generation was built with vectors."""
    return (gen / VECTORS).exists()


def count_vectors(gen: Path) -> int | None:
    """How many articles of a generation have a vector; None when it was built without."""
    if not has_vectors(gen):
        return None
    conn = sqlite3.connect(f"file:{gen / VECTORS}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM vectors").fetchone()[0]
    finally:
        conn.close()


def read_vectors(gen: Path) -> tuple[str, list[str], np.ndarray]:
    """A generation's recipe, article ids and vectors (float32, one row per id)."""
    conn = sqlite3.connect(f"file:{gen / VECTORS}?mode=ro", uri=True)
    try:
        recipe = conn.execute("SELECT value FROM meta WHERE key = 'recipe'").fetchone()[0]
        rows = conn.execute("SELECT id, vector FROM vectors").fetchall()
    finally:
        conn.close()
    ids = [i for i, _ in rows]
    matrix = np.frombuffer(b"".join(blob for _, blob in rows), dtype=STORED)
    return recipe, ids, matrix.reshape(len(ids), DIMENSIONS).astype(np.float32)


def for_rebuild(vectors: bool | None, report: Report) -> bool:
    """Whether a new generation gets vectors: asked for and the model runs (by default, a
    model that cannot run gives a words-only index and the report says why)."""
    if vectors is False:
        report.vectors = "not made (--no-vectors): searches use words only"
        return False
    try:
        check_model()  # here, before the workers start
    except ModelUnavailable as error:
        if vectors:
            raise
        report.vectors = f"not made: {error}; searches use words only"
        return False
    report.vectors = "made"
    return True


def for_update(gen: Path, vectors: bool | None, report: Report) -> bool:
    """Whether an incremental run embeds: as the generation was built, never half of it."""
    has = has_vectors(gen)
    if vectors is not None and vectors != has:
        raise VectorsMismatch(
            f"the index in {gen.parent} was built {'with' if has else 'without'} vectors, "
            f"and an incremental run cannot {'drop' if has else 'add'} them for only some "
            f"articles: {'omit --no-vectors, or ' if has else ''}rebuild it with "
            f"`news-search reindex --full {'--no-vectors ' if has else ''}PATH...`"
        )
    if not has:
        report.vectors = "none in this index: searches use words only"
        return False
    check_model()  # a model that cannot run stops the run: new articles would lack vectors
    report.vectors = "made for new and changed articles"
    return True


@contextmanager
def vector_store(gen: Path, embed: bool) -> Iterator[VectorStore | None]:
    """The vector store of a generation (None without vectors), committed on success."""
    if not embed:
        yield None
        return
    store = VectorStore(gen / VECTORS)
    try:
        if store.recipe() != RECIPE:
            raise VectorsMismatch(
                f"the vectors in {gen.parent} were made by another model or recipe "
                f"({store.recipe()}); rebuild with `news-search reindex --full PATH...`"
            )
        yield store
    except BaseException:
        store.abandon()
        raise
    store.finish()


def align_vectors(store: VectorStore, known: dict, missing: set[str]) -> dict[str, str]:
    """Drop vectors of articles not in the index; add indexed articles without a vector to
    ``missing`` (extracted again and embedded); return each vector's content hash by id."""
    made_from = store.hashes()
    for ghost in made_from.keys() - known.keys():
        store.remove(ghost)
        del made_from[ghost]
    missing |= known.keys() - made_from.keys()
    return made_from


def put_vector(store: VectorStore | None, item: Item) -> None:
    """Store a new or changed article's vector (None: the stored one is of this content)."""
    if store is not None and item.vector is not None:
        store.put(item.article.id, item.article.content_hash(), item.vector)
