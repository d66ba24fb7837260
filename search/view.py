"""The serving index as one thread sees it: a searcher of the current generation and the
tables (facets, stories, term statistics) of its version, shared by the process's threads.

Searchers are not thread-safe, so each thread keeps its own (reopened after a swap or an
update); the tables are read-only once built, so one copy per index version serves them all.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from whoosh.searching import Searcher

from .facets import FacetTable
from .generations import NoIndex, current_generation, open_index
from .ranking import TermArrays
from .tables import StoryTable, Tables, build_tables, read_tables

_local = threading.local()
_shared: dict[tuple[str, int | None], tuple[FacetTable, StoryTable, TermArrays, Tables]] = {}
_tables_lock = threading.Lock()


@dataclass
class View:
    """One thread's view of the serving index: searcher, facet and story tables."""

    searcher: Searcher
    facets: FacetTable
    stories: StoryTable
    terms: TermArrays
    tables: Tables
    gen: Path | None = None  # its generation folder (vectors are read from it)


def open_view(root: Path) -> View:
    """This thread's view of the serving generation, reopened after a swap or an update.

    Searchers are not thread-safe, and ``refresh()`` can keep stale segments: reopen instead.
    The facet and story tables are read-only once built, so threads share them.
    """
    cache = _local.__dict__.setdefault("views", {})
    gen = current_generation(root)
    if gen is None:
        raise NoIndex(f"no index in {root}: run `news-search reindex PATH` first")
    entry = cache.get(root)
    if entry and entry[0] == gen and entry[1].searcher.up_to_date():
        return entry[1]
    if entry:
        entry[1].searcher.close()
    # This generation, not whatever CURRENT names by now: its stories must match its searcher.
    searcher = open_index(root, gen).searcher()
    view = View(searcher, *tables_of(searcher, gen), gen=gen)
    cache[root] = (gen, view)
    return view


def tables_of(searcher: Searcher, gen: Path) -> tuple[FacetTable, StoryTable, TermArrays, Tables]:
    """The facet, story and ranking tables of one version of one generation: read from the
    generation (stored there at reindex time), else built, once per process."""
    reader = searcher.reader()
    version = (str(gen), reader.generation())
    with _tables_lock:
        if version not in _shared:
            tables = read_tables(gen, reader.generation()) or build_tables(searcher, gen)
            live = tables.facets.live_mask()
            terms = TermArrays(reader, live, tables.lengths)
            _shared.clear()  # only the newest version serves; older ones are dropped
            _shared[version] = (tables.facets, tables.stories, terms, tables)
        return _shared[version]
