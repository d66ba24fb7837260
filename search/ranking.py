"""Ranking words and phrases from postings read as arrays: Whoosh's BM25F, computed with numpy.

A query of plain words over title, lead and body is an OR of a few dozen terms. Whoosh scores
it one document at a time in Python (1.3 s for a pasted headline at 100k articles); here each
term's postings are read block by block into arrays and scored in bulk, with the same formula
and statistics as Whoosh's ``BM25F`` (``tests/test_ranking.py`` checks the scores agree).
Exact phrases read positions only for the documents holding all their words. Anything else
(patterns, other fields, ranges, negations, slop) stays with Whoosh.

This reads whoosh3's postings blocks and length columns directly (its private attributes):
whoosh3 is pinned exactly, and the tests compare every score with Whoosh's own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from pickle import loads

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.formats import Positions
from whoosh.matching import ListMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import Or, Phrase, Query, Term
from whoosh.reading import IndexReader
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length

from .schema import TEXT_FIELDS

# Decoded postings kept per index version: common words recur from query to query.
CACHE_POSTINGS = 6_000_000  # 48 MB: int32 ids, float32 frequencies
INLINE = -1  # the "file offset" of postings kept in the term's entry, not the postings file
FIRST_SORTED = 256  # hits sorted for a first page; the rest only when paging goes further
_LENGTH_OF_BYTE = np.array([byte_to_length(b) or 0 for b in range(256)], dtype=np.float64)


@dataclass
class Postings:
    """A term's postings as arrays, and where each block of them lies (to read positions)."""

    ids: np.ndarray  # int32 docnums, ascending
    freqs: np.ndarray  # float32 frequencies
    starts: list[int]  # index in ``ids`` of each block's first posting
    blocks: list[tuple[int, int]]  # (segment number, file offset) of each block


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

    def __init__(self, reader: IndexReader, live: np.ndarray | None = None) -> None:
        self.size = reader.doc_count_all()
        # Postings still list deleted documents (an update deletes the old version): ``live``
        # marks the others (the facet table has it already; else it is read here).
        if live is None:
            live = np.zeros(self.size, dtype=bool)
            live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
        self.live = live
        self.lengths = {f: _field_lengths(reader, f, self.size) for f in TEXT_FIELDS}
        self._cache: OrderedDict[tuple[str, str], Postings] = OrderedDict()
        self._cached = 0
        self._lock = threading.Lock()

    def postings(self, reader: IndexReader, field: str, text: str) -> Postings:
        """The documents holding ``text`` in ``field`` and its frequency in each."""
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

    def score(self, searcher: Searcher, leaves: list[Term | Phrase]) -> Scored:
        """BM25F of every document for an OR of ``leaves``, as Whoosh scores it."""
        weighting = searcher.weighting
        if not isinstance(weighting, BM25F):
            raise TypeError("plain-word ranking computes BM25F only")
        scores = np.zeros(self.size, dtype=np.float64)
        words = np.zeros(self.size, dtype=np.int16)
        by_word: dict = {}
        for leaf in leaves:
            by_word.setdefault(word_of(leaf), []).append(leaf)
        for variants in by_word.values():
            holds = np.zeros(self.size, dtype=bool)
            for leaf in variants:
                docs, points = self._leaf(searcher, weighting, leaf)
                scores[docs] += leaf.boost * points
                holds[docs] = True
            words += holds
        return Scored(scores, words, len(by_word), np.flatnonzero((words > 0) & self.live))

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
            spots = [
                positions_of(reader, field, word, found, docs)
                for word, found in zip(leaf.words, lists, strict=True)
            ]
            docs = docs[[i for i, each in enumerate(zip(*spots, strict=True)) if _in_a_row(each)]]
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


def _in_a_row(positions: tuple[list[int], ...]) -> bool:
    """Whether the words occur one right after another somewhere (positions per word)."""
    starts = set(positions[0])
    for k, later in enumerate(positions[1:], 1):
        starts &= {p - k for p in later}
        if not starts:
            return False
    return True


def read_postings(reader: IndexReader, field: str, text: str | bytes) -> Postings:
    """Every document of ``text`` in ``field``, deleted ones included, with its frequency."""
    ids_parts: list[np.ndarray] = []
    freq_parts: list[np.ndarray] = []
    starts: list[int] = []
    blocks: list[tuple[int, int]] = []
    done = 0
    for number, (segment, offset) in enumerate(reader.leaf_readers()):
        if (field, text) not in segment:
            continue
        ids, freqs, at = _decode(_leaf_matcher(segment, field, text))
        ids_parts.append(ids + offset)
        freq_parts.append(freqs)
        starts += [done + start for start, _ in at]
        blocks += [(number, where) for _, where in at]
        done += len(ids)
    if not ids_parts:
        return Postings(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32), [], [])
    ids = np.concatenate(ids_parts).astype(np.int32)
    return Postings(ids, np.concatenate(freq_parts).astype(np.float32), starts, blocks)


def field_postings(reader: IndexReader, field: str) -> dict[bytes, np.ndarray]:
    """Every term of ``field`` with its documents (deleted ones included), read in one pass
    over each segment's terms: no lookup per term (facet tables hold thousands of values)."""
    parts: dict[bytes, list[np.ndarray]] = {}
    form = reader.schema[field].format
    for segment, offset in reader.leaf_readers():
        terms = segment._terms
        for text, info in segment.iter_field(field):
            matcher = segment._codec.postings_reader(terms._postfile, info, form)
            parts.setdefault(text, []).append(_decode(matcher)[0] + offset)
    return {text: np.concatenate(ids).astype(np.int32) for text, ids in parts.items()}


def _leaf_matcher(segment, field: str, text: str | bytes):
    matcher = segment.postings(field, text)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child  # deleted documents are left out by the caller's hits
    if type(matcher) not in (W3LeafMatcher, ListMatcher):
        raise TypeError(f"cannot read {type(matcher).__name__} postings as arrays")
    return matcher


def _decode(matcher) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """A term's postings in one segment, a block at a time (not a posting at a time), and
    (first posting, file offset) of each block."""
    if isinstance(matcher, ListMatcher):  # postings kept in the term's entry: one block
        ids = np.asarray(matcher._ids, dtype=np.int64)
        return ids, np.asarray(matcher._weights, dtype=np.float64), [(0, INLINE)]
    ids: list = []
    freqs: list = []
    blocks: list[tuple[int, int]] = []
    where, count = matcher._baseoffset, 0
    while matcher.is_active():
        matcher._read_weights()  # also loads the block's data
        blocks.append((count, where))
        # Block ids are stored as deltas from 0 (whoosh3's ``delta_decode``).
        ids.append(np.cumsum(np.asarray(matcher._data[0], dtype=np.int64)))
        freqs.append(np.asarray(matcher._weights, dtype=np.float64))
        count += len(ids[-1])
        where = matcher._nextoffset
        matcher._next_block()
    if not ids:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64), []
    return np.concatenate(ids), np.concatenate(freqs), blocks


def positions_of(
    reader: IndexReader, field: str, text: str, postings: Postings, docs: np.ndarray
) -> list[list[int]]:
    """The positions of ``text`` in each of ``docs`` (all in ``postings``), reading only the
    blocks that hold them."""
    segments = reader.leaf_readers()
    index = np.searchsorted(postings.ids, docs).tolist()
    block_of = (np.searchsorted(postings.starts, index, side="right") - 1).tolist()
    out: list[list[int]] = []
    matchers: dict[int, W3LeafMatcher] = {}
    current = -1
    values: tuple = ()
    for i, b in zip(index, block_of, strict=True):
        if b != current:
            number, where = postings.blocks[b]
            if number not in matchers:
                matchers[number] = _leaf_matcher(segments[number][0], field, text)
            matcher = matchers[number]
            if where != INLINE:
                matcher._goto(where)
                matcher._read_values()
            values, current = matcher._values, b
        value = values[i - postings.starts[b]]
        # Whoosh's Positions format: a 4-byte count, then a pickled list of deltas.
        out.append(list(accumulate(loads(value[_INT_SIZE:] + b"."))))
    return out


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
