"""Postings and field lengths read as arrays, straight from whoosh3's blocks and columns.

Whoosh hands out postings one at a time through matchers; ranking, facets and re-ranking need
them in bulk. This reads whoosh3's postings blocks, their positions and the length columns
directly (its private attributes): whoosh3 is pinned exactly, and ``tests/test_ranking.py``
compares the scores computed from them with Whoosh's own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching import ListMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader
from whoosh.util.numeric import byte_to_length

INLINE = -1  # the "file offset" of postings kept in the term's entry, not the postings file
_LENGTH_OF_BYTE = np.array([byte_to_length(b) or 0 for b in range(256)], dtype=np.float64)


@dataclass
class Postings:
    """A term's postings as arrays, and where each block of them lies (to read positions)."""

    ids: np.ndarray  # int32 docnums, ascending
    freqs: np.ndarray  # float32 frequencies
    starts: list[int]  # index in ``ids`` of each block's first posting
    blocks: list[tuple[int, int]]  # (segment number, file offset) of each block


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
        ids, freqs, at = _decode(leaf_matcher(segment, field, text))
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


def leaf_matcher(segment, field: str, text: str | bytes):
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


def field_lengths(reader: IndexReader, field: str, size: int) -> np.ndarray:
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
