"""The text fields' postings and positions, written per Whoosh segment at reindex time as
memory-mapped arrays, so that a query reads slices instead of decoding Whoosh's blocks.

Whoosh keeps each block of postings as a compressed pickle of (ids, weights, positions). A
query touching a common word decompresses and unpickles every block of it (about 90 µs a
block: 50 ms for one common word at 100k articles), and reads positions one posting at a
time. Here every term of a segment's ``title``, ``lead`` and ``body`` is decoded once, after
the commit, into flat arrays: sorted terms, each term's run of document numbers and
frequencies, each posting's run of positions. Segments never change once written, so an
incremental run writes arrays only for its new segments and removes those of segments merged
away; the pages are shared by every worker process through the page cache.

An index without them (written before, or a write that failed) is read from Whoosh's blocks
as before: the arrays are a faster copy, never the only one.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from pickle import loads

import numpy as np
from whoosh.formats import Positions
from whoosh.matching import ListMatcher
from whoosh.reading import IndexReader
from whoosh.system import _INT_SIZE

from .arrays import mapped, write_arrays
from .positions import Spots, flatten
from .schema import TEXT_FIELDS

FORMAT = 1
PREFIX = "postings-"
META = "meta.json"
ARRAYS = "arrays.bin"
WIDTH = 32  # bytes of a term kept in the sorted terms array; longer terms are read from Whoosh


@dataclass(frozen=True)
class FieldArrays:
    """One field of one segment: terms sorted as bytes, and their postings and positions."""

    terms: np.ndarray  # S{WIDTH}, ascending
    term_starts: np.ndarray  # int64, one more than terms: each term's run of postings
    ids: np.ndarray  # int32 segment-local document numbers
    freqs: np.ndarray  # float32
    pos_starts: np.ndarray | None  # int64, one more than ids (fields with positions)
    at: np.ndarray | None  # int32 positions

    def run(self, term: bytes) -> tuple[int, int] | None:
        """The postings of ``term`` as a slice, or None if the segment does not hold it."""
        i = int(np.searchsorted(self.terms, term))
        if i == len(self.terms) or self.terms[i] != term:
            return None
        return int(self.term_starts[i]), int(self.term_starts[i + 1])


class SegmentPostings:
    """The stored postings of every segment of one reader, with each segment's first docnum."""

    def __init__(self, parts: list[tuple[dict[str, FieldArrays], int]]) -> None:
        self.parts = parts

    @classmethod
    def of(cls, reader: IndexReader) -> SegmentPostings | None:
        """The stored postings of ``reader``'s segments; None unless every segment has them."""
        parts = []
        for segment, offset in reader.leaf_readers():
            folder = _folder_of(segment)
            fields = read_segment(folder) if folder is not None else None
            if fields is None:
                return None
            parts.append((fields, offset))
        return cls(parts)

    def holds(self, field: str, text: str) -> bool:
        """Whether lookups of ``text`` in ``field`` can be answered here (else: Whoosh)."""
        return len(text.encode("utf-8")) <= WIDTH and all(field in f for f, _ in self.parts)

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Docnums (ascending, deleted ones included) and frequencies of ``text``."""
        term, ids, freqs = text.encode("utf-8"), [], []
        for fields, offset in self.parts:
            arrays = fields[field]
            found = arrays.run(term)
            if found is not None:
                ids.append(arrays.ids[found[0]:found[1]] + np.int32(offset))
                freqs.append(arrays.freqs[found[0]:found[1]])
        if not ids:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        return np.concatenate(ids), np.concatenate(freqs)

    def spots(self, field: str, text: str, docs: np.ndarray) -> Spots:
        """The positions of ``text`` in ``docs`` (ascending, each holding it)."""
        term = text.encode("utf-8")
        lengths, at = [], []
        for (fields, offset), end in zip(self.parts, self._ends(), strict=True):
            arrays = fields[field]
            found = arrays.run(term)
            mine = docs[(docs >= offset) & (docs < end)]
            if found is None or arrays.at is None or not len(mine):
                continue
            rows = found[0] + np.searchsorted(arrays.ids[found[0]:found[1]], mine - offset)
            begin = arrays.pos_starts[rows]
            counts = arrays.pos_starts[rows + 1] - begin
            lengths.append(counts)
            # Each document's run of positions, gathered with one index array.
            first = np.zeros(len(counts), dtype=np.int64)
            np.cumsum(counts[:-1], out=first[1:])
            at.append(arrays.at[np.repeat(begin - first, counts) + np.arange(counts.sum())])
        counts = np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int64)
        starts = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        flat = np.concatenate(at) if at else np.zeros(0, dtype=np.int32)
        return Spots(np.asarray(docs, dtype=np.int64), starts, flat)

    def _ends(self) -> list[int]:
        """Each segment's end docnum (the next one's first; the last: unbounded)."""
        return [offset for _, offset in self.parts[1:]] + [np.iinfo(np.int64).max]


def _folder_of(segment) -> Path | None:
    folder = getattr(segment._storage, "folder", None)
    if folder is None:
        return None
    return Path(folder) / f"{PREFIX}{segment._segment.segment_id()}"


def write_segments(gen: Path, reader: IndexReader) -> list[str]:
    """Write the arrays of every segment of ``reader`` that has none yet, and remove those of
    segments no longer in it; the segments written."""
    keep, written = set(), []
    for segment, _ in reader.leaf_readers():
        folder = _folder_of(segment)
        if folder is None:
            continue
        keep.add(folder.name)
        if read_segment(folder) is None:
            _write_segment(segment, folder)
            written.append(folder.name)
    for old in gen.glob(f"{PREFIX}*"):
        if old.name not in keep:  # merged away: readers still open keep their mapped pages
            shutil.rmtree(old, ignore_errors=True)
    return written


def _write_segment(segment, folder: Path) -> None:
    arrays: dict[str, np.ndarray] = {}
    for field in TEXT_FIELDS:
        if field in segment.schema:
            arrays |= {f"{field}.{k}": v for k, v in _field_arrays(segment, field).items()}
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        layout = write_arrays(tmp / ARRAYS, arrays)
        meta = {"format": FORMAT, "width": WIDTH, "arrays": layout}
        (tmp / META).write_text(json.dumps(meta), encoding="utf-8")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)


def _field_arrays(segment, field: str) -> dict[str, np.ndarray]:
    """Every term of ``field`` in one segment, decoded block by block."""
    form = segment.schema[field].format
    positions = type(form) is Positions
    terms, counts, ids, freqs = [], [], [], []
    pos_counts, at = [], []
    reader = segment._terms
    for text, info in segment.iter_field(field):
        if len(text) > WIDTH:
            continue  # read from Whoosh when asked (holds() says so)
        matcher = segment._codec.postings_reader(reader._postfile, info, form)
        term_ids, term_freqs, values = _decoded(matcher)
        terms.append(text)
        counts.append(len(term_ids))
        ids.append(term_ids)
        freqs.append(term_freqs)
        if positions:
            spots = flatten(term_ids, loads(b"(" + b"".join(
                v[_INT_SIZE:].removesuffix(b".") for v in values) + b"t."))
            pos_counts.append(np.diff(spots.starts))
            at.append(spots.at)
    out = {
        "terms": np.array(terms, dtype=f"S{WIDTH}"),
        "term_starts": _starts(np.array(counts, dtype=np.int64)),
        "ids": _joined_arrays(ids, np.int32),
        "freqs": _joined_arrays(freqs, np.float32),
    }
    if positions:
        out["pos_starts"] = _starts(_joined_arrays(pos_counts, np.int64))
        out["at"] = _joined_arrays(at, np.int32)
    return out


def _decoded(matcher) -> tuple[np.ndarray, np.ndarray, list[bytes]]:
    """One term's postings: ids, frequencies and encoded positions, a block at a time."""
    if isinstance(matcher, ListMatcher):  # kept in the term's entry
        return (np.asarray(matcher._ids, dtype=np.int64),
                np.asarray(matcher._weights, dtype=np.float32), list(matcher._values or ()))
    ids, freqs, values = [], [], []
    while matcher.is_active():
        matcher._read_weights()
        matcher._read_values()
        # Block ids are stored as deltas from 0 (whoosh3's ``delta_decode``).
        ids.append(np.cumsum(np.asarray(matcher._data[0], dtype=np.int64)))
        freqs.append(np.asarray(matcher._weights, dtype=np.float32))
        values += matcher._values
        matcher._next_block()
    return np.concatenate(ids), np.concatenate(freqs), values


def _starts(counts: np.ndarray) -> np.ndarray:
    starts = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    return starts


def _joined_arrays(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)


def read_segment(folder: Path) -> dict[str, FieldArrays] | None:
    """The arrays of one segment, mapped read-only; None if absent, damaged or of another
    format."""
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or meta.get("width") != WIDTH:
            return None
        load = mapped(folder / ARRAYS, meta["arrays"])
        out = {}
        for field in TEXT_FIELDS:
            if f"{field}.terms" not in meta["arrays"]:
                continue
            has_positions = f"{field}.at" in meta["arrays"]
            out[field] = FieldArrays(
                load(f"{field}.terms"), load(f"{field}.term_starts"), load(f"{field}.ids"),
                load(f"{field}.freqs"),
                load(f"{field}.pos_starts") if has_positions else None,
                load(f"{field}.at") if has_positions else None,
            )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return out
