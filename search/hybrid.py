"""Hybrid search: the ranking by words (BM25F) fused with a ranking by meaning (vectors).

For a query of plain words (phrases, fields and operators are matched as typed, by words only),
the query is embedded and compared with every article's vector, within the same filters and
dates. The best ``candidates`` above a similarity ``floor`` join the matches, and the top
``depth`` of both rankings are fused by reciprocal rank (each list gives a document
``weight / (k + rank)``); below that head, the remaining matches follow in the words' order.
The data says what was done: ``mode``, ``semantic_added`` (results found only by meaning, not
counted in ``total``), and a notice when hybrid was asked for but words alone were used.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Protocol

import numpy as np
from whoosh.query import Every, Or, Query, Term
from whoosh.searching import Searcher

from . import SearchError
from .embed import RECIPE, embed_query
from .facets import FacetTable
from .ranking import Scored
from .request import SearchRequest
from .schema import TEXT_FIELDS
from .syntax import FIELD_SYNTAX, MAX_TERMS
from .tables import StoryTable, Tables
from .vectors import has_vectors, read_vectors

NO_VECTORS = "searched by words only: this index has no vectors; rebuild with vectors"
OTHER_VECTORS = (
    "searched by words only: this index's vectors were made by another model; rebuild with vectors"
)
UNREADABLE = "searched by words only: this index's vectors cannot be read; rebuild with vectors"
SYNTAX = "searched by words only: phrases, fields, patterns and operators are matched as typed"
BY_DATE = "sorted by date: matched by words only"


@dataclass(frozen=True)
class Fusion:
    """How the two rankings are fused. Chosen on the relevance harness's dev topics only
    (bench/relevance/README.md): every setting tried scored within 0.015 nDCG@10 of the others,
    so these are middle values, not the single best (which over-fits 35 topics)."""

    k: float = 30.0  # reciprocal rank constant: how fast a rank's weight falls
    lexical_weight: float = 1.0
    semantic_weight: float = 1.0
    depth: int = 100  # ranks of each list that are fused
    candidates: int = 50  # documents by meaning that may join the matches
    floor: float = 0.4  # ... if their cosine with the query reaches this


FUSION = Fusion()


class View(Protocol):
    """What hybrid search needs of a thread's view of the index (query.py's ``_Open``)."""

    searcher: Searcher
    facets: FacetTable
    stories: StoryTable
    tables: Tables
    gen: Path | None


class VectorTable:
    """The vectors of one index version as a matrix aligned to document numbers."""

    def __init__(self, gen: Path, docnum: dict[str, int], size: int) -> None:
        self.recipe, ids, vectors = read_vectors(gen)
        rows = np.array([docnum.get(i, -1) for i in ids], dtype=np.int64)
        known = rows >= 0  # vectors of articles this version no longer holds are left out
        self.matrix = np.zeros((size, vectors.shape[1]), dtype=np.float32)
        self.matrix[rows[known]] = vectors[known]
        self.has = np.zeros(size, dtype=bool)
        self.has[rows[known]] = True

    @classmethod
    def stored(cls, recipe: str, matrix: np.ndarray, has: np.ndarray) -> VectorTable:
        """A table over the aligned arrays stored with the generation (search/tables.py)."""
        table = cls.__new__(cls)
        table.recipe, table.matrix, table.has = recipe, matrix, has
        return table

    def similarities(self, query: np.ndarray) -> np.ndarray:
        """Cosine of every document with ``query`` (-1 where a document has no vector)."""
        sims = self.matrix @ query.astype(np.float32)
        sims[~self.has] = -1.0
        return sims


def vector_table(view: View) -> VectorTable:
    """The vector table of the view's index version: stored aligned at reindex time, else
    read and aligned once, and kept with that version's tables (so by the index object that
    holds them, not by the process: another root's version never replaces it)."""
    if view.tables.vectors is not None:  # aligned at reindex time: nothing to read here
        return VectorTable.stored(*view.tables.vectors)
    if view.tables.vector_table is None:  # two threads may both read it: the same table
        view.tables.vector_table = VectorTable(view.gen, view.stories.docnum, view.facets.size)
    return view.tables.vector_table


@dataclass
class Fused:
    """The fused ranking that search() pages through, in place of the words' ``Scored``."""

    lexical: Scored
    sims: np.ndarray  # every document's cosine with the query
    added: frozenset[int]  # documents only the meaning found
    fusion: Fusion

    def ranked(self, hits: set[int] | frozenset[int]) -> Iterator[tuple[int, float]]:
        """``hits`` in order: the fused head, then the words' order, then by meaning."""
        head = _fuse(self.lexical, self.sims, hits, self.added, self.fusion)
        yield from head
        rest = hits - {d for d, _ in head}
        extra = sorted(rest & self.added, key=lambda d: (-self.sims[d], d))
        tail = chain((d for d, _ in self.lexical.ranked(rest - self.added)), extra)
        # Scores on the head's scale: what a rank below the fused depth would earn.
        last = head[-1][1] if head else math.inf
        weight = max(self.fusion.lexical_weight, self.fusion.semantic_weight)
        for rank, docnum in enumerate(tail, self.fusion.depth + 1):
            last = min(last, weight / (self.fusion.k + rank))
            yield docnum, last


@dataclass
class Outcome:
    """What hybrid search did to a search: the ranking and matches to use, and what to say."""

    scored: object
    matched: set[int] | None
    mode: str = "lexical"
    requested: str = "lexical"
    notice: str | None = None
    added: frozenset[int] = field(default_factory=frozenset)

    def describe(self) -> dict:
        """The search data's account of the mode."""
        return {
            "mode": self.mode,
            "mode_requested": self.requested,
            "mode_notice": self.notice,
        }


def plain_words(query: Query, text: str) -> bool:
    """Whether a parsed query is plain words: each searched in every text field, OR-ed, with
    no phrase, pattern, negation or facet filter (malformed syntax read as plain words is)."""
    if any(match.group(3).strip('"').strip() for match in FIELD_SYNTAX.finditer(text)):
        return False  # ``person:guler``: a filter the meaning would not keep to
    leaves = query.subqueries if isinstance(query, Or) and query.boost == 1.0 else [query]
    fields: dict[str, set[str]] = {}
    for leaf in leaves:
        if type(leaf) is not Term or not isinstance(leaf.text, str):
            return False
        fields.setdefault(leaf.text, set()).add(leaf.fieldname)
    # Every word over the same ranked fields, the body among them (``title:x`` is not plain).
    searched = {frozenset(f) for f in fields.values()}
    return len(searched) == 1 and "body" in next(iter(searched)) <= set(TEXT_FIELDS)


def apply(
    view: View,
    request: SearchRequest,
    query: Query,
    scored: object,
    matched: set[int] | None,
    sets: dict,
) -> Outcome:
    """The search's ranking and matches with meaning fused in, when hybrid is asked for and
    can be done; otherwise the words' own, and why."""
    words = Outcome(scored, matched, requested=request.mode)
    if request.mode != "hybrid" or not request.q.strip() or isinstance(query, Every):
        return words  # nothing to rank by (only filters typed): nothing to say either
    if request.sort != "relevance":
        return _words_only(words, BY_DATE)
    if not isinstance(scored, Scored) or not plain_words(query, request.q):
        return _words_only(words, SYNTAX)
    if view.gen is None or not has_vectors(view.gen):
        return _words_only(words, NO_VECTORS)
    try:
        table = vector_table(view)
    except (sqlite3.Error, ValueError) as error:  # a damaged file: words only, and why
        return _words_only(words, f"{UNREADABLE} ({error})")
    try:
        vector = embed_query(" ".join(request.q.split()[:MAX_TERMS]))
    except SearchError as error:  # the model cannot run here: words only, and why
        return _words_only(words, f"searched by words only: {error}")
    if table.recipe != RECIPE:
        return _words_only(words, OTHER_VECTORS)
    sims = table.similarities(vector)
    lexical = matched if matched is not None else set()
    added = frozenset(_neighbours(sims, _allowed(view.facets, sets), FUSION) - lexical)
    fused = Fused(scored, sims, added, FUSION)
    return Outcome(fused, lexical | added, "hybrid", request.mode, None, added)


def _words_only(outcome: Outcome, notice: str) -> Outcome:
    outcome.notice = notice
    return outcome


def _allowed(facets: FacetTable, sets: dict) -> np.ndarray:
    """The documents every ticked filter and the date range allow, as a mask."""
    mask = facets.live_mask().copy()
    for docs in sets.values():
        if docs is not None:
            mask &= facets.mask(docs)
    return mask


def _neighbours(sims: np.ndarray, allowed: np.ndarray, fusion: Fusion) -> set[int]:
    """The ``candidates`` allowed documents nearest the query, at or above the floor."""
    eligible = np.flatnonzero(allowed & (sims >= fusion.floor))
    if len(eligible) > fusion.candidates:
        part = np.argpartition(-sims[eligible], fusion.candidates - 1)[: fusion.candidates]
        eligible = eligible[part]
    return set(eligible.tolist())


def _fuse(
    lexical: Scored, sims: np.ndarray, hits: set[int], added: frozenset[int], fusion: Fusion
) -> list[tuple[int, float]]:
    """The top ``depth`` of the words' ranking and of the meaning's, fused by reciprocal rank."""
    scores: dict[int, float] = {}
    by_words = islice(lexical.ranked(hits - added), fusion.depth)
    for rank, (docnum, _) in enumerate(by_words, 1):
        scores[docnum] = fusion.lexical_weight / (fusion.k + rank)
    docs = np.fromiter(hits, dtype=np.int64, count=len(hits))
    if len(docs) > fusion.depth:
        docs = docs[np.argpartition(-sims[docs], fusion.depth - 1)[: fusion.depth]]
    order = docs[np.lexsort((docs, -sims[docs]))]
    for rank, docnum in enumerate(order.tolist(), 1):
        scores[docnum] = scores.get(docnum, 0.0) + fusion.semantic_weight / (fusion.k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
