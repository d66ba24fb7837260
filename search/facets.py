"""Facet counting from arrays: which documents carry which value, one table per index version."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta

import numpy as np
from whoosh.searching import Searcher

from .ranking import field_postings
from .request import UNKNOWN

TOP = 20
SMALL = 500  # matches counted one by one below this; as arrays above
MAX_DAY_BUCKETS = 62


class Field:
    """One facet field as arrays: its values (sorted), the documents of each value (grouped
    by value, ``starts`` marks where each begins) and each document's values (grouped by
    document, ``doc_starts``). Built from the postings at reindex time and stored with the
    generation (search/tables.py), or here from a reader; read-only either way."""

    def __init__(self, names: list[str], docs: np.ndarray, numbers: np.ndarray, size: int,
                 doc_values: np.ndarray | None = None, doc_starts: np.ndarray | None = None):
        self.names = names
        self.docs = docs  # int32, grouped by value number
        self.numbers = numbers  # int32, each pair's value number (non-decreasing)
        self.starts = np.searchsorted(numbers, np.arange(len(names) + 1)).astype(np.int64)
        if doc_values is None or doc_starts is None:
            order = np.argsort(docs, kind="stable")  # values stay in order within a document
            doc_values = numbers[order]
            doc_starts = np.searchsorted(docs[order], np.arange(size + 1)).astype(np.int64)
        self.doc_values = doc_values
        self.doc_starts = doc_starts
        self.number = {name: i for i, name in enumerate(names)}

    @classmethod
    def from_postings(cls, postings: dict[bytes, np.ndarray], live: np.ndarray) -> Field:
        """The arrays of one field from its postings (deleted documents left out)."""
        table = {}
        for term, ids in postings.items():
            if len(ids := ids[live[ids]]):
                table[term.decode("utf-8")] = np.sort(ids).astype(np.int32)
        names = sorted(table)
        docs = [table[v] for v in names]
        numbers = [np.full(len(d), i, dtype=np.int32) for i, d in enumerate(docs)]
        empty = np.zeros(0, dtype=np.int32)
        return cls(names, np.concatenate(docs) if docs else empty,
                   np.concatenate(numbers) if numbers else empty, len(live))

    def docs_of(self, number: int) -> np.ndarray:
        """The documents carrying value ``number``, ascending."""
        return self.docs[self.starts[number] : self.starts[number + 1]]

    def sizes(self) -> dict[str, int]:
        """How many documents carry each value."""
        return dict(zip(self.names, np.diff(self.starts).tolist(), strict=True))

    def counts(self, docs: np.ndarray) -> np.ndarray:
        """How many of ``docs`` (document numbers) carry each value, by value number."""
        begins, ends = self.doc_starts[docs], self.doc_starts[docs + 1]
        lengths = ends - begins
        if not lengths.sum():
            return np.zeros(len(self.names), dtype=np.int64)
        # Each document's run of values, laid end to end: index of a run's first value plus
        # the position within the run.
        shift = np.repeat(begins - np.cumsum(lengths) + lengths, lengths)
        at = shift + np.arange(int(lengths.sum()))
        return np.bincount(self.doc_values[at], minlength=len(self.names))

    def values_of(self, doc: int) -> tuple[str, ...]:
        """The values document ``doc`` carries."""
        numbers = self.doc_values[self.doc_starts[doc] : self.doc_starts[doc + 1]]
        return tuple(self.names[n] for n in numbers.tolist())


class _Postings(Mapping):
    """A field's values with the documents of each as a frozenset, made when first asked for
    (a field of 100k people would otherwise cost seconds of sets at every open)."""

    def __init__(self, field: Field) -> None:
        self.field = field
        self._sets: dict[int, frozenset[int]] = {}

    def __getitem__(self, value: str) -> frozenset[int]:
        number = self.field.number[value]
        if number not in self._sets:
            self._sets[number] = frozenset(self.field.docs_of(number).tolist())
        return self._sets[number]

    def __contains__(self, value: object) -> bool:
        return value in self.field.number

    def __iter__(self) -> Iterator[str]:
        return iter(self.field.names)

    def __len__(self) -> int:
        return len(self.field.names)


class _Values(Mapping):
    """Each document that carries values of a field, with them (in value order)."""

    def __init__(self, field: Field) -> None:
        self.field = field

    def __getitem__(self, doc: int) -> tuple[str, ...]:
        found = self.field.values_of(doc) if 0 <= doc < len(self.field.doc_starts) - 1 else ()
        if not found:
            raise KeyError(doc)
        return found

    def __iter__(self) -> Iterator[int]:
        yield from np.flatnonzero(np.diff(self.field.doc_starts)).tolist()

    def __len__(self) -> int:
        return int(np.count_nonzero(np.diff(self.field.doc_starts)))


class FacetTable:
    """Per index version: which documents carry which facet value, as arrays.

    Counting a facet over N matches is one ``bincount`` over the (document, value) pairs of
    the field, not N stored-field reads (nor N dictionary lookups: 65-95 ms at 100k articles).
    The arrays come precomputed with the generation (``from_arrays``: an open reads them) or
    are built from a searcher's postings.
    """

    def __init__(self, searcher: Searcher | None, fields: tuple[str, ...] = ()) -> None:
        self.reader = searcher.reader() if searcher is not None else None
        self.size = self.reader.doc_count_all() if self.reader is not None else 0
        self.fields: dict[str, Field] = {}
        self._postings: dict[str, _Postings] = {}
        self._live: frozenset[int] | None = None
        self._live_mask: np.ndarray | None = None
        self._by_date: np.ndarray | None = None
        self._order: list[int] | None = None
        if fields:
            # Built now, in full, and the reader let go: the table can be shared by threads
            # (each has its own searcher) and outlive the searcher it was built from.
            self.live_mask()
            for name in (*fields, "day"):
                self.field(name)
            self.date_order()
            self.reader = None

    @classmethod
    def from_arrays(cls, live: np.ndarray, fields: dict[str, Field], by_date: np.ndarray):
        """A table over arrays read from a generation (search/tables.py)."""
        table = cls(None)
        table.size = len(live)
        table._live_mask = live
        table.fields = dict(fields)
        table._by_date = by_date
        return table

    def field(self, name: str) -> Field:
        """The arrays of facet field ``name``."""
        if name not in self.fields:
            if self.reader is None:
                raise KeyError(f"no facet table for {name!r}")
            self.fields[name] = Field.from_postings(
                field_postings(self.reader, name), self.live_mask()
            )
        return self.fields[name]

    def postings(self, field: str) -> Mapping[str, frozenset[int]]:
        """Each value of ``field`` with the documents that carry it."""
        if field not in self._postings:
            self._postings[field] = _Postings(self.field(field))
        return self._postings[field]

    def sizes(self, field: str) -> dict[str, int]:
        """Each value of ``field`` with how many documents carry it."""
        return self.field(field).sizes()

    def values(self, field: str) -> Mapping[int, tuple[str, ...]]:
        """Each document with the values of ``field`` it carries."""
        return _Values(self.field(field))

    def pairs(self, field: str) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The values of ``field``, and each (document, value number) it carries as two arrays."""
        found = self.field(field)
        return found.names, found.docs, found.numbers

    def mask(self, docs) -> np.ndarray:
        """``docs`` as a boolean array over document numbers."""
        mask = np.zeros(self.size, dtype=bool)
        mask[np.fromiter(docs, dtype=np.int64, count=len(docs))] = True
        return mask

    def total(self) -> int:
        """How many documents are live."""
        return int(np.count_nonzero(self.live_mask()))

    def live(self) -> frozenset[int]:
        """Every document not deleted."""
        if self._live is None:
            self._live = frozenset(np.flatnonzero(self.live_mask()).tolist())
        return self._live

    def live_mask(self) -> np.ndarray:
        """Every document not deleted, as a boolean array."""
        if self._live_mask is None:
            live = np.zeros(self.size, dtype=bool)
            live[np.fromiter(self.reader.all_doc_ids(), dtype=np.int64)] = True
            self._live_mask = live
        return self._live_mask

    def by_date(self, docs, *, newest: bool) -> Iterator[int]:
        """``docs`` in date order, undated last; lazily, so a page of the first few is cheap."""
        if self._order is None:
            self._order = self.date_order().tolist()
        order = reversed(self._order) if newest else iter(self._order)
        yield from (d for d in order if d in docs)
        dated = np.diff(self.field("day").doc_starts) > 0
        yield from sorted(d for d in docs if not dated[d])

    def date_order(self) -> np.ndarray:
        """The dated documents, oldest first (ties by document number)."""
        if self._by_date is None:
            published = self.reader.column_reader("published", translate=False)
            dated = np.flatnonzero(np.diff(self.field("day").doc_starts)).tolist()
            self._by_date = np.array(sorted(dated, key=lambda d: (published[d], d)),
                                     dtype=np.int32)
        return self._by_date

    def matching(self, field: str, values: list[str]) -> frozenset[int]:
        """Documents carrying any of ``values`` (OR within a facet); ``UNKNOWN`` stands for
        the empty value."""
        table = self.postings(field)
        if UNKNOWN in values:
            values = [*values, ""]
        return frozenset().union(*(table.get(v, frozenset()) for v in values))

    def in_dates(self, start: datetime | None, end: datetime | None) -> frozenset[int] | None:
        """Documents published in [start, end); None when no range is asked for."""
        if start is None and end is None:
            return None
        # isoformat pads the year to four digits as the day keys do; strftime's %Y does not
        # (year 999 gives "999-...", which sorts after every "2025-..." key).
        low = start.date().isoformat() if start else ""
        high = end.date().isoformat() if end else "9999"
        days = self.field("day")
        first, last = bisect_left(days.names, low), bisect_left(days.names, high)
        return frozenset(days.docs[days.starts[first] : days.starts[last]].tolist())


def facet_counts(
    table: FacetTable, field: str, docs, limit: int | None = TOP, mask: np.ndarray | None = None
) -> list[tuple[str, int]]:
    """The top values of ``field`` over ``docs`` (or the same documents as ``mask``), most
    frequent first."""
    if len(docs) >= table.total():  # everything: no need to count
        counts = table.sizes(field)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    each = table.field(field)
    if len(docs) * 2 > table.total():
        # Most documents (a pasted headline matches most of an archive): count the few
        # others, by their own values, and take them from each value's total.
        mask = table.mask(docs) if mask is None else mask
        counted = np.diff(each.starts) - each.counts(np.flatnonzero(table.live_mask() & ~mask))
    else:
        # By each document's own values: 2-5x faster than a pass over every (document, value)
        # pair under a mask, up to 40 % of 100k articles (bench figures in docs/benchmarks.md).
        arr = (np.flatnonzero(mask) if mask is not None
               else np.fromiter(docs, dtype=np.int64, count=len(docs)))
        counted = each.counts(arr)
    found = np.flatnonzero(counted)
    if limit is not None and len(found) > limit:
        # Only values counted at least as often as the limit-th (ties kept) can be in the top.
        bar = np.partition(counted[found], len(found) - limit)[len(found) - limit]
        found = found[counted[found] >= bar]
    pairs = [(each.names[i], int(counted[i])) for i in found.tolist()]
    return sorted(pairs, key=lambda kv: (-kv[1], kv[0]))[:limit]


def date_buckets(
    table: FacetTable, docs, mask: np.ndarray | None = None
) -> tuple[list[dict], str]:
    """A histogram of ``docs`` by day (spans up to two months) or month, gaps filled with zeros."""
    return day_histogram(Counter(dict(facet_counts(table, "day", docs, limit=None, mask=mask))))


def day_histogram(days: Counter) -> tuple[list[dict], str]:
    """Counts by day ("YYYY-MM-DD") as a histogram by day (spans up to two months) or by
    month, gaps filled with zeros; every engine's date facet is drawn by it."""
    if not days:
        return [], "day"
    first = datetime.strptime(min(days), "%Y-%m-%d")
    last = datetime.strptime(max(days), "%Y-%m-%d")
    if (last - first).days < MAX_DAY_BUCKETS:
        return [
            {"from": f"{d:%Y-%m-%d}", "to": f"{d:%Y-%m-%d}", "count": days.get(f"{d:%Y-%m-%d}", 0)}
            for d in (first + timedelta(days=i) for i in range((last - first).days + 1))
        ], "day"
    months: Counter = Counter()
    for day, count in days.items():
        months[day[:7]] += count
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        key = f"{year:04d}-{month:02d}"
        end = datetime(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        out.append({"from": f"{key}-01", "to": f"{end:%Y-%m-%d}", "count": months.get(key, 0)})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out, "month"
