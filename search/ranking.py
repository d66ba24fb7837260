"""Ranking words and phrases from postings read as arrays: Whoosh's BM25F computed with numpy,
then softened by how much of the query a document covers.

A query of plain words over title and body is an OR of a few dozen terms. Whoosh scores it one
document at a time in Python (1.3 s for a pasted headline at 100k articles); here each term's
postings are read block by block into arrays and scored in bulk, with the same formula and
statistics as Whoosh's ``BM25F`` (``tests/test_ranking.py`` checks the scores agree). Exact
phrases read positions only for the documents holding all their words. Anything else
(patterns, other fields, ranges, negations, slop) stays with Whoosh.

The final score is that BM25F (plus the query's names matched in facet fields, ``names.py``)
times the share of the query's words a document holds, weighted by rarity, to a power: an
article missing one word loses part of its score, not its place behind every article with all
the words. The best few dozen are then re-ranked by where the words occur (``rerank.py``).

This reads whoosh3's postings blocks and length columns directly (its private attributes):
whoosh3 is pinned exactly, and the tests compare every score with Whoosh's own.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from whoosh.formats import Positions
from whoosh.query import Or, Phrase, Query, Term
from whoosh.reading import IndexReader
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

# field_postings and read_postings are read from here by facets and the benchmarks.
from .positions import Spots, in_a_row, read_spots
from .postings import Postings, field_lengths, field_postings, read_postings
from .rerank import positional_bonus
from .schema import TEXT_FIELDS
from .segment_postings import SegmentPostings

__all__ = ["DEFAULT", "Named", "Ranking", "Scored", "TermArrays", "field_postings",
           "rankable", "read_postings", "word_of"]

# Decoded postings kept per index version: common words recur from query to query.
CACHE_POSTINGS = 6_000_000  # 48 MB: int32 ids, float32 frequencies
# Positions of words read whole (phrases of common words read most of their blocks anyway).
CACHE_POSITIONS = 8_000_000  # ~40 MB: int32 positions, int64 starts
FIRST_SORTED = 256  # hits sorted for a first page; the rest only when paging goes further


@dataclass(frozen=True)
class Ranking:
    """How plain words are ranked beyond BM25F; the defaults were tuned on the dev topics of
    ``bench/relevance`` (its README). Zero turns a part off."""

    coverage: float = 2.0  # score x (rarity-weighted share of the query's words held) ** this
    names: float = 0.5  # a name matched in a facet field, as a share of the word's weight
    passing: float = 0.3  # a country mentioned in passing, as a share of a focus country
    lead: float = 0.75  # a word in the body's first LEAD_WORDS words, per unit of its weight
    proximity: float = 0.5  # two query words within NEAR words, per unit of weight / distance
    candidates: int = 50  # the best of the hits re-ranked by positions


DEFAULT = Ranking()


@dataclass
class Group:
    """One word or phrase of the query: its weight (idf) and the documents holding it."""

    key: str | tuple[str, ...]
    idf: float
    holds: np.ndarray  # bool per docnum: the word in some field, or its name in a facet


@dataclass
class Scored:
    """Every document's score for a plain-word query, and how many of its words each holds."""

    bm25: np.ndarray  # float64 per docnum: BM25F, as Whoosh scores it
    scores: np.ndarray  # float64 per docnum: the ranking score, 0 where nothing matched
    words: np.ndarray  # int16 per docnum: distinct query words in its text (for the counts)
    n_words: int
    matched: np.ndarray  # docnums with any match, ascending
    # The bonus of some documents for where the words occur (re-ranking the best hits).
    rerank: Callable[[np.ndarray], np.ndarray] | None = None
    candidates: int = 0

    def ranked(self, hits: set[int] | frozenset[int]) -> Iterator[tuple[int, float]]:
        """``hits`` best first, by score, then by docnum (Whoosh's order). Lazily: the first
        page sorts a few hundred, not every hit."""
        docs = np.fromiter(hits, dtype=np.int64, count=len(hits))
        scores = self.scores[docs]
        if self.rerank is not None and len(docs):
            best = _best_of(scores, self.candidates)
            scores[best] += self.rerank(docs[best])
        if len(docs) > FIRST_SORTED:
            # Everything scoring at least the FIRST_SORTED-th best (ties included) first.
            top = scores >= np.partition(scores, len(scores) - FIRST_SORTED)[-FIRST_SORTED]
            yield from _in_order(docs[top], scores[top])
            docs, scores = docs[~top], scores[~top]
        yield from _in_order(docs, scores)


def _best_of(scores: np.ndarray, count: int) -> np.ndarray:
    """Indices of the ``count`` highest of ``scores``, and of every score tied with the last of
    them: which of equal scores to re-rank must not depend on document numbers, which differ
    between an index written in one segment and the same index written in several."""
    if len(scores) <= count:
        return np.arange(len(scores))
    least = np.partition(scores, len(scores) - count)[len(scores) - count]
    return np.flatnonzero(scores >= least)


def _in_order(docs: np.ndarray, scores: np.ndarray) -> Iterator[tuple[int, float]]:
    order = np.lexsort((docs, -scores))
    yield from zip(docs[order].tolist(), scores[order].tolist(), strict=True)


@dataclass(frozen=True)
class Named:
    """Words of the query that name a facet value (``names.py``): the documents carrying it as
    a subject (people; focus countries) or in passing (countries mentioned)."""

    keys: tuple  # the query's words (as ``word_of`` gives them) the name is made of
    about: np.ndarray
    passing: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _names(groups: list[Group], names: Sequence[Named], ranking: Ranking, size: int):
    """Scores for names matched in facet fields: each counts as a match of its words (at the
    ``names`` share of their weight), so a document carrying it holds those words."""
    scores = np.zeros(size, dtype=np.float64)
    by_key = {g.key: g for g in groups}
    for name in names:
        named = [by_key[k] for k in name.keys if k in by_key]
        weight = ranking.names * sum(g.idf for g in named)
        if not named or not weight:
            continue
        scores[name.about] += weight
        scores[name.passing] += ranking.passing * weight
        for group in named:
            group.holds[name.about] = True
    return scores


def _coverage(groups: list[Group]) -> np.ndarray:
    """Per document, the share of the query's weight (idf) in the words it holds."""
    held = np.zeros(len(groups[0].holds), dtype=np.float64)
    for group in groups:
        held += group.idf * group.holds
    return held / sum(g.idf for g in groups)


def rankable(query: Query, schema) -> list[Term | Phrase] | None:
    """The leaves of a query that is only words and exact phrases over the ranked text
    fields, OR-ed (what the search box makes of plain words), else None: Whoosh ranks it."""
    leaves = [query] if isinstance(query, Term | Phrase) else None
    if isinstance(query, Or) and query.boost == 1.0:
        leaves = query.subqueries
    if not leaves:
        return None
    for leaf in leaves:
        if type(leaf) not in (Term, Phrase) or leaf.fieldname not in TEXT_FIELDS:
            return None
        if type(leaf) is Term and isinstance(leaf.text, str):
            continue
        positions = type(schema[leaf.fieldname].format) is Positions
        if type(leaf) is Phrase and leaf.slop == 1 and positions:
            continue
        return None
    return leaves


def word_of(leaf: Term | Phrase) -> str | tuple[str, ...]:
    """What a leaf looks for, whatever the field: a word or a phrase."""
    return leaf.text if isinstance(leaf, Term) else tuple(leaf.words)


class TermArrays:
    """Per index version: field lengths as arrays, and decoded postings (a bounded cache).

    Shared by threads; each call reads postings through the caller's own searcher.
    """

    def __init__(
        self,
        reader: IndexReader,
        live: np.ndarray | None = None,
        lengths: dict[str, np.ndarray] | None = None,
    ) -> None:
        self.size = reader.doc_count_all()
        # Postings still list deleted documents (an update deletes the old version): ``live``
        # marks the others (the facet table has it already; else it is read here).
        if live is None:
            live = np.zeros(self.size, dtype=bool)
            live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
        self.live = live
        self.count = int(np.count_nonzero(live))
        # Stored with the generation (search/tables.py), else read from the index.
        self.lengths = lengths or {f: field_lengths(reader, f, self.size) for f in TEXT_FIELDS}
        self._cache: OrderedDict[tuple[str, str], Postings] = OrderedDict()
        self._cached = 0
        self._spots: OrderedDict[tuple[str, str], Spots] = OrderedDict()
        self._spotted = 0
        # Postings and positions written at reindex as arrays (segment_postings.py); without
        # them (an older index), Whoosh's blocks are decoded and the results cached.
        self.stored = SegmentPostings.of(reader)
        self._lock = threading.Lock()

    def postings(self, reader: IndexReader, field: str, text: str) -> Postings:
        """The documents holding ``text`` in ``field`` and its frequency in each."""
        if self.stored is not None and self.stored.holds(field, text):
            return Postings(*self.stored.postings(field, text), [], [])
        key = (field, text)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        found = read_postings(reader, field, text)
        with self._lock:
            if key not in self._cache and len(found.ids) <= CACHE_POSTINGS // 4:
                self._cache[key] = found
                self._cached += len(found.ids)
                while self._cached > CACHE_POSTINGS:
                    _, dropped = self._cache.popitem(last=False)
                    self._cached -= len(dropped.ids)
        return found

    def spots(
        self, reader: IndexReader, field: str, text: str, found: Postings, docs: np.ndarray
    ) -> Spots:
        """The positions of ``text`` in ``docs`` (ascending, all in ``found``). A word whose
        blocks are mostly read anyway is read whole and kept: common words recur in phrases."""
        if self.stored is not None and self.stored.holds(field, text):
            return self.stored.spots(field, text, docs)
        key = (field, text)
        with self._lock:
            if key in self._spots:
                self._spots.move_to_end(key)
                return self._spots[key].subset(docs)
        index = np.searchsorted(found.ids, docs)
        touched = len(np.unique(np.searchsorted(found.starts, index, side="right")))
        if touched * 2 < len(found.starts):
            return read_spots(reader, field, text, found, docs)
        whole = read_spots(reader, field, text, found)
        with self._lock:
            if key not in self._spots and len(whole.at) <= CACHE_POSITIONS // 4:
                self._spots[key] = whole
                self._spotted += len(whole.at)
                while self._spotted > CACHE_POSITIONS:
                    _, dropped = self._spots.popitem(last=False)
                    self._spotted -= len(dropped.at)
        return whole.subset(docs)

    def score(
        self,
        searcher: Searcher,
        leaves: list[Term | Phrase],
        ranking: Ranking = DEFAULT,
        names: Callable[[dict], Sequence[Named]] | None = None,
    ) -> Scored:
        """BM25F of every document for an OR of ``leaves``, as Whoosh scores it, and the
        ranking score: BM25F plus names matched in facet fields, softened by coverage.
        ``names`` finds the names among the words, given which documents hold each word."""
        weighting = searcher.weighting
        if not isinstance(weighting, BM25F):
            raise TypeError("plain-word ranking computes BM25F only")
        bm25 = np.zeros(self.size, dtype=np.float64)
        words = np.zeros(self.size, dtype=np.int16)
        by_word: dict = {}
        for leaf in leaves:
            by_word.setdefault(word_of(leaf), []).append(leaf)
        groups = []
        for key, variants in by_word.items():
            holds = np.zeros(self.size, dtype=bool)
            for leaf in variants:
                docs, points = self._leaf(searcher, weighting, leaf)
                bm25[docs] += leaf.boost * points
                holds[docs] = True
            holds &= self.live
            words += holds
            groups.append(Group(key, self._idf(int(np.count_nonzero(holds))), holds))
        named = names({g.key: g.holds for g in groups}) if names is not None else ()
        scores = bm25 + _names(groups, named, ranking, self.size)
        matched = np.flatnonzero(np.logical_or.reduce([g.holds for g in groups]))
        if ranking.coverage and len(groups) > 1:
            scores *= _coverage(groups) ** ranking.coverage
        if not (ranking.lead or ranking.proximity) or not len(matched):
            return Scored(bm25, scores, words, len(groups), matched)

        def rerank(docs: np.ndarray) -> np.ndarray:
            return positional_bonus(searcher.reader(), self, groups, docs, ranking, weighting.K1)

        return Scored(bm25, scores, words, len(groups), matched, rerank, ranking.candidates)

    def _idf(self, df: int) -> float:
        """Whoosh's idf for a word held by ``df`` documents in any field."""
        return math.log(self.count / (df + 1)) + 1

    def _leaf(self, searcher: Searcher, weighting: BM25F, leaf: Term | Phrase):
        """The documents a leaf matches and their scores for it (before its boost)."""
        reader = searcher.reader()
        if isinstance(leaf, Term):
            found = self.postings(reader, leaf.fieldname, leaf.text)
            return found.ids, self._bm25(searcher, weighting, leaf.fieldname, leaf.text, found)
        # A phrase scores as the sum of its words' scores where the words occur in order.
        field = leaf.fieldname
        lists = [self.postings(reader, field, word) for word in leaf.words]
        docs = lists[0].ids
        for found in lists[1:]:
            docs = np.intersect1d(docs, found.ids, assume_unique=True)
        docs = docs[self.live[docs]]
        if len(leaf.words) > 1 and len(docs):
            order = sorted(range(len(lists)), key=lambda k: len(lists[k].ids))
            docs = in_a_row(
                order,
                lambda k, some: self.spots(reader, field, leaf.words[k], lists[k], some),
                docs.astype(np.int64),
            )
        points = np.zeros(len(docs), dtype=np.float64)
        for word, found in zip(leaf.words, lists, strict=True):
            at = np.searchsorted(found.ids, docs)
            points += self._bm25(searcher, weighting, field, word, found, at)
        return docs, points

    def _bm25(self, searcher, weighting: BM25F, field: str, text: str, found: Postings, at=None):
        ids = found.ids if at is None else found.ids[at]
        freqs = found.freqs if at is None else found.freqs[at]
        b = weighting._field_B.get(field, weighting.B)
        k1 = weighting.K1
        idf = searcher.idf(field, text)
        avg = searcher.avg_field_length(field) or 1
        norm = k1 * ((1 - b) + b * self.lengths[field][ids] / avg)
        tf = freqs.astype(np.float64)  # float32 arithmetic would drift from Whoosh's scores
        return idf * ((tf * (k1 + 1)) / (tf + norm))

