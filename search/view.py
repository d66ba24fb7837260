"""The serving index as one thread sees it: a searcher of the current generation and the
tables (facets, stories, term statistics) of its version, shared by the process's threads.

Searchers are not thread-safe, so each thread keeps its own (reopened after a swap or an
update); the tables are read-only once built, so one copy per index version serves them all.
All of this belongs to one ``Views`` object per index root (kept by ``WhooshIndex``), not to
the module: two roots served by one process never evict each other's tables.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from whoosh.searching import Searcher

from .facets import FacetTable
from .generations import NoIndex, current_generation, open_index
from .ranking import TermArrays
from .tables import StoryTable, Tables, build_tables, read_tables

Shared = tuple[FacetTable, StoryTable, TermArrays, Tables]


@dataclass
class View:
    """One thread's view of the serving index: searcher, facet and story tables."""

    searcher: Searcher
    facets: FacetTable
    stories: StoryTable
    terms: TermArrays
    tables: Tables
    gen: Path | None = None  # its generation folder (vectors are read from it)


class Views:
    """The views of one index root: a searcher per thread, the tables of the newest version.

    :param root: the index root (generations and the ``CURRENT`` pointer)
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._local = threading.local()  # this thread's (generation, View)
        self._shared: dict[tuple[str, int | None], Shared] = {}  # newest version's tables
        self._lock = threading.Lock()
        self._searchers: set[Searcher] = set()  # every open one, for close()

    def current(self) -> Path:
        """The serving generation's folder (raises NoIndex)."""
        gen = current_generation(self.root)
        if gen is None:
            raise NoIndex(f"no index in {self.root}: run `news-search reindex PATH` first")
        return gen

    def open(self) -> View:
        """This thread's view of the serving generation, reopened after a swap or an update.

        Searchers are not thread-safe, and ``refresh()`` can keep stale segments: reopen
        instead. The facet and story tables are read-only once built, so threads share them.
        """
        gen = self.current()
        entry = getattr(self._local, "entry", None)
        if entry and entry[0] == gen and entry[1].searcher.up_to_date():
            return entry[1]
        if entry:
            self._close_searcher(entry[1].searcher)
        # This generation, not whatever CURRENT names by now: its stories match its searcher.
        view = self.fresh(gen)
        self._local.entry = (gen, view)
        return view

    def fresh(self, gen: Path | None = None) -> View:
        """A view with a searcher of its own (an export streams after its request ends);
        the caller closes it with ``release``."""
        gen = gen or self.current()
        searcher = open_index(self.root, gen).searcher()
        with self._lock:
            self._searchers.add(searcher)
        try:
            return View(searcher, *self.tables_of(searcher, gen), gen=gen)
        except BaseException:
            self._close_searcher(searcher)
            raise

    def release(self, view: View) -> None:
        """Close the searcher of a view from ``fresh``."""
        self._close_searcher(view.searcher)

    def tables_of(self, searcher: Searcher, gen: Path) -> Shared:
        """The facet, story and ranking tables of one version of one generation: read from
        the generation (stored there at reindex time), else built, once per object."""
        reader = searcher.reader()
        version = (str(gen), reader.generation())
        with self._lock:
            if version not in self._shared:
                tables = read_tables(gen, reader.generation()) or build_tables(searcher, gen)
                live = tables.facets.live_mask()
                terms = TermArrays(reader, live, tables.lengths)
                self._shared.clear()  # only this root's newest version serves
                self._shared[version] = (tables.facets, tables.stories, terms, tables)
            return self._shared[version]

    def thread_view(self) -> View | None:
        """This thread's current view, if it opened one (for tests and diagnostics)."""
        entry = getattr(self._local, "entry", None)
        return entry[1] if entry else None

    def versions(self) -> list[tuple[str, int | None]]:
        """The index versions whose tables this object holds (one, or none yet)."""
        with self._lock:
            return list(self._shared)

    def close(self) -> None:
        """Close every searcher this object opened and drop its tables."""
        with self._lock:
            searchers, self._searchers = self._searchers, set()
            self._shared.clear()
        for searcher in searchers:
            searcher.close()
        self._local = threading.local()

    def _close_searcher(self, searcher: Searcher) -> None:
        with self._lock:
            self._searchers.discard(searcher)
        searcher.close()


@contextmanager
def views_of(source: str | Path | Views) -> Iterator[Views]:
    """``source`` itself if it is a Views, else the views of the root it names, for one call
    (closed after it: a caller that searches often keeps a ``WhooshIndex`` instead)."""
    if isinstance(source, Views):
        yield source
        return
    views = Views(source)
    try:
        yield views
    finally:
        views.close()
