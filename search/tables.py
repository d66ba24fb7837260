"""The tables serving needs, computed at reindex time and stored in the generation as arrays.

Facet tables, date order, stories and copies, field lengths and vectors aligned to document
numbers are written once per index version into ``tables-<N>/`` of the generation (N: Whoosh's
generation of the index, which an incremental run bumps), as ``.npy`` files that an open maps
read-only: it costs milliseconds, whatever the index size, and the pages are shared by every
serving process through the page cache. An index without them (written by an older version,
or opened between an incremental commit and its tables) is served from tables built in memory.
"""

from __future__ import annotations

import json
import shutil
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index

from .arrays import mapped, write_arrays
from .facets import FacetTable, Field
from .postings import field_lengths
from .request import FACET_PARAMS
from .schema import TEXT_FIELDS
from .segment_postings import write_segments
from .stories import read_stories
from .vectors import has_vectors, read_vectors

FORMAT = 1
FACET_FIELDS = (*FACET_PARAMS.values(), "focus_countries", "day")
META = "meta.json"
ARRAYS = "arrays.bin"  # every array in one file: one mapping, one descriptor per version


class StoryTable:
    """Each document's story and copy group, and each story's live documents, as arrays.

    ``story[d]`` and ``copy[d]`` name the story and the text that document ``d`` belongs to;
    ``members[story]`` lists the story's live documents, ascending.
    """

    def __init__(self, ids: list[str] | None, stories: tuple[list[str], np.ndarray],
                 copies: tuple[list[str], np.ndarray], live: np.ndarray,
                 id_file: Path | None = None) -> None:
        self._ids = ids
        self._id_file = id_file  # read on the first lookup by id (a page of results needs none)
        self.story_names, self.story_codes = stories
        self.copy_names, self.copy_codes = copies
        self.live = live
        self._docnum: dict[str, int] | None = None
        self.members = _Members(self.story_names, self.story_codes, live)

    @classmethod
    def build(cls, reader, gen: Path | None, live: np.ndarray) -> StoryTable:
        """From the ``id`` column and the generation's story file (no stored field is read)."""
        ids = list(reader.column_reader("id")) if reader.has_column("id") else []
        known = read_stories(gen) if gen else {}
        stories = _coded([known.get(i, (i, None))[0] for i in ids])
        copies = _coded([known.get(i, (i, None))[1] or i for i in ids])
        return cls(ids, stories, copies, live[: len(ids)])

    @property
    def ids(self) -> list[str]:
        """Each document's article id."""
        if self._ids is None:
            self._ids = json.loads(self._id_file.read_text(encoding="utf-8"))
        return self._ids

    @property
    def story(self) -> Sequence[str]:
        """Each document's story id."""
        return _ByCode(self.story_names, self.story_codes)

    @property
    def copy(self) -> Sequence[str]:
        """Each document's copy group (the id of the text it repeats, else its own)."""
        return _ByCode(self.copy_names, self.copy_codes)

    @property
    def docnum(self) -> dict[str, int]:
        """Each live article id with its document number."""
        if self._docnum is None:
            ids = self.ids
            self._docnum = {ids[d]: d for d in np.flatnonzero(self.live).tolist()}
        return self._docnum

    def groups(self, docs: set[int] | frozenset[int], collapse: str) -> int:
        """How many groups (stories, or copies of one text) ``docs`` fall into."""
        codes = self.story_codes if collapse == "story" else self.copy_codes
        seen = np.zeros(int(codes.max()) + 1 if len(codes) else 0, dtype=bool)
        seen[codes[np.fromiter(docs, dtype=np.int64, count=len(docs))]] = True
        return int(np.count_nonzero(seen))

    def key(self, collapse: str):
        """The grouping of documents for a collapse mode: by story, or by copy of one text."""
        return self.story if collapse == "story" else self.copy

    def story_of(self, article_id: str) -> str | None:
        """The story of an article id, or None when the id is unknown."""
        d = self.docnum.get(article_id)
        return None if d is None else self.story[d]


class _Members(Mapping):
    """Each story id with its live documents, ascending (one sort at open, lists on demand)."""

    def __init__(self, names: list[str], codes: np.ndarray, live: np.ndarray) -> None:
        self.names = names
        docs = np.flatnonzero(live[: len(codes)])
        order = np.argsort(codes[docs], kind="stable")
        self.docs = docs[order]
        self.starts = np.searchsorted(codes[self.docs], np.arange(len(names) + 1))

    def __getitem__(self, story: str) -> list[int]:
        n = bisect_left(self.names, story)  # names are sorted (``_coded``)
        if n == len(self.names) or self.names[n] != story:
            raise KeyError(story)
        found = self.docs[self.starts[n] : self.starts[n + 1]].tolist()
        if not found:
            raise KeyError(story)
        return found

    def __iter__(self) -> Iterator[str]:
        counts = np.diff(self.starts)
        return iter([self.names[n] for n in np.flatnonzero(counts).tolist()])

    def __len__(self) -> int:
        return int(np.count_nonzero(np.diff(self.starts)))


def _coded(values: list[str]) -> tuple[list[str], np.ndarray]:
    """Distinct values (sorted) and each item's number among them."""
    names = sorted(set(values))
    number = {name: i for i, name in enumerate(names)}
    return names, np.array([number[v] for v in values], dtype=np.int32)


class _ByCode(Sequence):
    """Each document's name through its code: a list of 100,000 names took 0.3 s to make
    on the first search of each index version."""

    def __init__(self, names: list[str], codes: np.ndarray) -> None:
        self.names, self.codes = names, codes

    def __getitem__(self, docnum):  # one document (slices are not needed)
        return self.names[self.codes[docnum]]

    def __len__(self) -> int:
        return len(self.codes)


@dataclass
class Tables:
    """What serving one index version needs, besides the searcher."""

    facets: FacetTable
    stories: StoryTable
    lengths: dict[str, np.ndarray] | None = None  # None: read from the index
    vectors: tuple[str, np.ndarray, np.ndarray] | None = None  # recipe, matrix, has a vector
    source: str = "built"  # or "stored": read from the generation's tables folder
    vector_table: object | None = None  # hybrid.VectorTable read from the generation, if built


def build_tables(searcher, gen: Path | None) -> Tables:
    """The tables of a searcher's index version, computed from the index itself."""
    facets = FacetTable(searcher, FACET_FIELDS)
    return Tables(facets, StoryTable.build(searcher.reader(), gen, facets.live_mask()))


def folder_of(gen: Path, generation: int) -> Path:
    """Where the tables of one version of a generation live."""
    return gen / f"tables-{generation}"


def write_tables(gen: Path) -> Path:
    """Compute the serving tables of the index in ``gen`` and store them beside it."""
    ix = whoosh_index.open_dir(str(gen))
    with ix.searcher() as searcher:
        write_segments(gen, searcher.reader())  # the text fields' postings, per new segment
        folder = folder_of(gen, searcher.reader().generation())
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            _write(searcher, gen, tmp)
        except BaseException:  # a full disk: leave nothing half-written behind
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    for old in gen.glob("tables-*"):  # older versions: their readers keep their mapped pages
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)
    return folder


def update_tables(gen: Path) -> bool:
    """``write_tables`` after an incremental commit, which stands whatever happens here: on
    failure (a full disk), serving builds the tables in memory until the next run."""
    try:
        write_tables(gen)
    except OSError:
        return False
    return True


def _write(searcher, gen: Path, tmp: Path) -> None:
    reader = searcher.reader()
    tables = build_tables(searcher, gen)
    facets, stories = tables.facets, tables.stories
    arrays = {"live": facets.live_mask(), "by_date": facets.date_order(),
              "story_codes": stories.story_codes, "copy_codes": stories.copy_codes}
    names = {"stories": stories.story_names, "copies": stories.copy_names}
    for name in FACET_FIELDS:
        field = facets.field(name)
        arrays |= {f"{name}.docs": field.docs, f"{name}.numbers": field.numbers,
                   f"{name}.doc_values": field.doc_values, f"{name}.doc_starts": field.doc_starts}
        names[name] = field.names
    for name in TEXT_FIELDS:
        arrays[f"length.{name}"] = field_lengths(reader, name, facets.size)
    recipe = _aligned_vectors(gen, stories, facets.size, arrays)
    layout = write_arrays(tmp / ARRAYS, arrays)
    (tmp / "ids.json").write_text(json.dumps(stories.ids), encoding="utf-8")
    (tmp / "names.json").write_text(json.dumps(names), encoding="utf-8")
    meta = {"format": FORMAT, "size": facets.size, "recipe": recipe, "arrays": layout}
    (tmp / META).write_text(json.dumps(meta), encoding="utf-8")


def _aligned_vectors(gen: Path, stories: StoryTable, size: int, arrays: dict) -> str | None:
    """The generation's vectors as a matrix over document numbers, into ``arrays``."""
    if not has_vectors(gen):
        return None
    recipe, ids, vectors = read_vectors(gen)
    rows = np.array([stories.docnum.get(i, -1) for i in ids], dtype=np.int64)
    known = rows >= 0  # vectors of articles this version no longer holds are left out
    matrix = np.zeros((size, vectors.shape[1]), dtype=np.float32)
    matrix[rows[known]] = vectors[known]
    has = np.zeros(size, dtype=bool)
    has[rows[known]] = True
    arrays |= {"vectors": matrix, "has_vector": has}
    return recipe


def read_tables(gen: Path, generation: int) -> Tables | None:
    """The stored tables of one version of a generation, mapped read-only; None if absent."""
    folder = folder_of(gen, generation)
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            return None
        names = json.loads((folder / "names.json").read_text(encoding="utf-8"))
        load = mapped(folder / ARRAYS, meta["arrays"])

        live = load("live")
        fields = {
            name: Field(names[name], load(f"{name}.docs"), load(f"{name}.numbers"), len(live),
                        load(f"{name}.doc_values"), load(f"{name}.doc_starts"))
            for name in FACET_FIELDS
        }
        facets = FacetTable.from_arrays(live, fields, load("by_date"))
        stories = StoryTable(None, (names["stories"], load("story_codes")),
                             (names["copies"], load("copy_codes")), live,
                             id_file=folder / "ids.json")
        lengths = {name: load(f"length.{name}") for name in TEXT_FIELDS}
        vectors = None
        if meta.get("recipe") is not None:
            vectors = (meta["recipe"], load("vectors"), load("has_vector"))
    except (OSError, ValueError, KeyError, TypeError):  # absent or damaged: build in memory
        return None
    return Tables(facets, stories, lengths, vectors, source="stored")
