"""Word positions as flat arrays, read a block at a time, and exact phrases matched over them
with numpy.

Whoosh's Positions format keeps each posting's positions as a small pickled list of deltas.
Read one posting at a time, they cost most of a phrase query at 100k articles (620,000
``loads`` calls for 40 phrases, then a Python set intersection per document). Here the pickles
wanted from a term's blocks are joined into one stream and unpickled in one call, the deltas
summed with numpy, and a phrase is an intersection of sorted (document, start) keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from pickle import loads

import numpy as np
from whoosh.reading import IndexReader
from whoosh.system import _INT_SIZE

from .postings import INLINE, Postings, leaf_matcher

# A start position in a key is ``position - offset + BIAS``: never negative, so a key's high
# half is always its document (a phrase is shorter than BIAS words; positions stay below 2**31).
BIAS = 1 << 20


@dataclass(frozen=True)
class Spots:
    """Where one word occurs in some documents: ``docs[i]``'s positions, ascending, are
    ``at[starts[i]:starts[i + 1]]``."""

    docs: np.ndarray  # int64 docnums, ascending
    starts: np.ndarray  # int64, one more than docs
    at: np.ndarray  # int32 positions

    def lists(self) -> list[list[int]]:
        """Each document's positions as a list."""
        return [part.tolist() for part in np.split(self.at, self.starts[1:-1])]

    def subset(self, docs: np.ndarray) -> Spots:
        """The positions of ``docs`` only (ascending, each one of ``self.docs``)."""
        rows = np.searchsorted(self.docs, docs)
        lengths = self.starts[rows + 1] - self.starts[rows]
        starts = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        # Each kept document's run of positions, gathered with one index array.
        take = np.repeat(self.starts[rows] - starts[:-1], lengths) + np.arange(starts[-1])
        return Spots(np.asarray(docs, dtype=np.int64), starts, self.at[take])

    def keys(self, offset: int) -> np.ndarray:
        """(document, position - ``offset``) of every occurrence as sorted int64 keys."""
        rows = np.repeat(self.docs, np.diff(self.starts))
        return (rows << 32) | (self.at.astype(np.int64) + (BIAS - offset))


def read_spots(
    reader: IndexReader, field: str, text: str, postings: Postings, docs: np.ndarray | None = None
) -> Spots:
    """The positions of ``text`` in ``docs`` (ascending, all in ``postings``; None: in every
    document of ``postings``), reading only the blocks that hold them."""
    if docs is None:
        docs = postings.ids
        index = np.arange(len(docs))
    else:
        index = np.searchsorted(postings.ids, docs)
    docs = np.asarray(docs, dtype=np.int64)
    if not len(docs):
        return Spots(docs, np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32))
    block_of = np.searchsorted(postings.starts, index, side="right") - 1
    blocks, firsts = np.unique(block_of, return_index=True)
    ends = [*firsts[1:].tolist(), len(index)]
    segments = reader.leaf_readers()
    matchers: dict = {}
    parts: list[bytes] = []
    for b, lo, hi in zip(blocks.tolist(), firsts.tolist(), ends, strict=True):
        number, where = postings.blocks[b]
        if number not in matchers:
            matchers[number] = leaf_matcher(segments[number][0], field, text)
        matcher = matchers[number]
        if where != INLINE:
            matcher._goto(where)
            matcher._read_values()
        values, base = matcher._values, postings.starts[b]
        # Whoosh's Positions format: a 4-byte count, then a pickled list of deltas, whose
        # STOP opcode some versions of Whoosh wrote and others left off.
        parts += [values[i][_INT_SIZE:].removesuffix(b".") for i in (index[lo:hi] - base).tolist()]
    # One unpickling for all: the lists between a MARK and a TUPLE opcode (a pickle's
    # protocol opcode may stand anywhere in a stream).
    lists = loads(b"(" + b"".join(parts) + b"t.")
    return flatten(docs, lists)


def flatten(docs: np.ndarray, lists: tuple[list[int], ...]) -> Spots:
    """Per-document lists of deltas as flat positions."""
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    starts = np.zeros(len(lists) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    deltas = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(starts[-1]))
    summed = np.cumsum(deltas)
    # Deltas restart at each document: take away the running sum before its first delta.
    before = np.concatenate(([0], summed))[starts[:-1]]
    return Spots(docs, starts, (summed - np.repeat(before, lengths)).astype(np.int32))


def in_a_row(order: list[int], spots_of: Callable[[int, np.ndarray], Spots],
             docs: np.ndarray) -> np.ndarray:
    """Of ``docs``, those where a phrase's words occur one right after another.

    ``spots_of(k, docs)`` gives the positions in ``docs`` of the phrase's word ``k``; words are
    read in ``order`` (rarest first: the documents left shrink before common words are read).
    """
    keys: np.ndarray | None = None
    for k in order:
        these = spots_of(k, docs).keys(k)
        keys = these if keys is None else np.intersect1d(keys, these, assume_unique=True)
        docs = np.unique(keys >> 32)
        if not len(docs):
            break
    return docs
