"""Ranking plain words from postings read as arrays: Whoosh's BM25F, computed with numpy.

A query of plain words over title, lead and body is an OR of a few dozen terms. Whoosh scores
it one document at a time in Python (1.3 s for a pasted headline at 100k articles); here each
term's postings are read block by block into arrays and scored in bulk, with the same formula
and statistics as Whoosh's ``BM25F`` (``tests/test_ranking.py`` checks the scores agree).
Anything else (phrases, fields, patterns, ranges) stays with Whoosh.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import Or, Query, Term
from whoosh.reading import IndexReader
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from .schema import TEXT_FIELDS

# Decoded postings kept per index version: common words recur from query to query.
CACHE_POSTINGS = 6_000_000  # 48 MB: int32 ids, float32 frequencies
FIRST_SORTED = 256  # hits sorted for a first page; the rest only when paging goes further
_LENGTH_OF_BYTE = np.array([byte_to_length(b) or 0 for b in range(256)], dtype=np.float64)


@dataclass
class Scored:
    """Every document's score for a plain-word query, and how many of its words each holds."""

    scores: np.ndarray  # float64 per docnum, 0 where nothing matched
    words: np.ndarray  # int16 per docnum: distinct query words matched
    n_words: int
    matched: np.ndarray  # docnums with any match, ascending

    def ranked(self, hits: set[int] | frozenset[int]) -> Iterator[tuple[int, float]]:
        """``hits`` best first: those with every word before the rest, then by score, then by
        docnum (Whoosh's order). Lazily: the first page sorts a few hundred, not every hit."""
        docs = np.fromiter(hits, dtype=np.int64, count=len(hits))
        complete = self.words[docs] >= self.n_words
        for part in (docs[complete], docs[~complete]):
            scores = self.scores[part]
            if len(part) > FIRST_SORTED:
                # Everything scoring at least the FIRST_SORTED-th best (ties included) first.
                bar = np.partition(scores, len(scores) - FIRST_SORTED)[len(scores) - FIRST_SORTED]
                top = scores >= bar
                yield from _in_order(part[top], scores[top])
                part, scores = part[~top], scores[~top]
            yield from _in_order(part, scores)


def _in_order(docs: np.ndarray, scores: np.ndarray) -> Iterator[tuple[int, float]]:
    order = np.lexsort((docs, -scores))
    yield from zip(docs[order].tolist(), scores[order].tolist(), strict=True)


def plain_terms(query: Query) -> list[Term] | None:
    """The terms of a query that is only words over the ranked text fields, else None."""
    leaves = [query] if isinstance(query, Term) else None
    if isinstance(query, Or) and query.boost == 1.0:
        leaves = query.subqueries
    if not leaves or not all(
        type(q) is Term and q.fieldname in TEXT_FIELDS and isinstance(q.text, str) for q in leaves
    ):
        return None
    return leaves


class TermArrays:
    """Per index version: field lengths as arrays, and decoded postings (a bounded cache).

    Shared by threads; each call reads postings through the caller's own searcher.
    """

    def __init__(self, reader: IndexReader, fields: tuple[str, ...] = TEXT_FIELDS) -> None:
        self.size = reader.doc_count_all()
        # Postings still list deleted documents (an update deletes the old version).
        self.live = np.zeros(self.size, dtype=bool)
        self.live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
        self.lengths = {f: _field_lengths(reader, f, self.size) for f in fields}
        self._cache: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cached = 0
        self._lock = threading.Lock()

    def postings(self, reader: IndexReader, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The documents holding ``text`` in ``field`` and its frequency in each."""
        key = (field, text)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        found = read_postings(reader, field, text)
        with self._lock:
            if key not in self._cache and len(found[0]) <= CACHE_POSTINGS // 4:
                self._cache[key] = found
                self._cached += len(found[0])
                while self._cached > CACHE_POSTINGS:
                    _, (ids, _) = self._cache.popitem(last=False)
                    self._cached -= len(ids)
        return found

    def score(self, searcher: Searcher, terms: list[Term]) -> Scored:
        """BM25F of every document for an OR of ``terms``, as Whoosh scores it."""
        weighting = searcher.weighting
        if not isinstance(weighting, BM25F):
            raise TypeError("plain-word ranking computes BM25F only")
        reader = searcher.reader()
        scores = np.zeros(self.size, dtype=np.float64)
        words = np.zeros(self.size, dtype=np.int16)
        by_word: dict[str, list[Term]] = {}
        for term in terms:
            by_word.setdefault(term.text, []).append(term)
        for variants in by_word.values():
            holds = np.zeros(self.size, dtype=bool)
            for term in variants:
                ids, freqs = self.postings(reader, term.fieldname, term.text)
                if not len(ids):
                    continue
                scores[ids] += term.boost * self._bm25(searcher, weighting, term, freqs, ids)
                holds[ids] = True
            words += holds
        return Scored(scores, words, len(by_word), np.flatnonzero((words > 0) & self.live))

    def _bm25(self, searcher: Searcher, weighting: BM25F, term: Term, freqs, ids) -> np.ndarray:
        field = term.fieldname
        b = weighting._field_B.get(field, weighting.B)
        k1 = weighting.K1
        idf = searcher.idf(field, term.text)
        avg = searcher.avg_field_length(field) or 1
        norm = k1 * ((1 - b) + b * self.lengths[field][ids] / avg)
        tf = freqs.astype(np.float64)  # float32 arithmetic would drift from Whoosh's scores
        return idf * ((tf * (k1 + 1)) / (tf + norm))


def read_postings(
    reader: IndexReader, field: str, text: str | bytes
) -> tuple[np.ndarray, np.ndarray]:
    """Every document of ``text`` in ``field``, deleted ones included, with its frequency."""
    ids_parts: list[np.ndarray] = []
    freq_parts: list[np.ndarray] = []
    for segment, offset in reader.leaf_readers():
        if (field, text) not in segment:
            continue
        matcher = segment.postings(field, text)
        if isinstance(matcher, FilterMatcher):
            matcher = matcher.child  # deleted documents are left out by the caller's hits
        ids, freqs = _decode(matcher)
        ids_parts.append(ids + offset)
        freq_parts.append(freqs)
    if not ids_parts:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    ids = np.concatenate(ids_parts).astype(np.int32)
    return ids, np.concatenate(freq_parts).astype(np.float32)


def _decode(matcher) -> tuple[np.ndarray, np.ndarray]:
    """A term's postings in one segment, a block at a time (not a posting at a time)."""
    ids: list = []
    freqs: list = []
    if type(matcher) is W3LeafMatcher:
        while matcher.is_active():
            matcher._read_weights()  # also loads the block's data
            # Block ids are stored as deltas from 0 (whoosh3's ``delta_decode``).
            ids.append(np.cumsum(np.asarray(matcher._data[0], dtype=np.int64)))
            freqs.append(np.asarray(matcher._weights, dtype=np.float64))
            matcher._next_block()
        if ids:
            return np.concatenate(ids), np.concatenate(freqs)
    else:  # another matcher type: the slow, general way
        while matcher.is_active():
            ids.append(matcher.id())
            freqs.append(matcher.weight())
            matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(freqs, dtype=np.float64)


def _field_lengths(reader: IndexReader, field: str, size: int) -> np.ndarray:
    """Every document's length in ``field`` as Whoosh's BM25F sees it (decoded from a byte)."""
    out = np.zeros(size, dtype=np.float64)
    for segment, offset in reader.leaf_readers():
        count = segment.doc_count_all()
        column = segment._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
        if column is None:
            continue
        stored = min(column._count, count)
        raw = column._dbfile.get(column._basepos, stored)
        out[offset : offset + stored] = _LENGTH_OF_BYTE[np.frombuffer(raw, dtype=np.uint8)]
    return out
