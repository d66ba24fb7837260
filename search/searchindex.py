"""The index a front end searches, as one object: what it answers, whatever the engine.

``open_search_index(root)`` reads the engine recorded in the index root (engineconfig.py) and
returns a ``WhooshIndex`` (the embedded default) or an ``OpenSearchIndex``. Both answer with
the same plain data (the shapes of ``search.query`` and ``search.results``). The object owns
what it keeps open — searchers, tables, a cluster client — so two indexes in one process never
share or evict each other's state; the web app makes one in ``create_app`` and keeps it.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Protocol

from . import query, results
from .engineconfig import OPENSEARCH, WHOOSH, EngineConfig, read_engine
from .generations import current_generation, index_stats
from .ranking import DEFAULT, Ranking
from .request import SearchRequest
from .view import Views


class SearchIndex(Protocol):
    """What every engine's index answers."""

    engine: str
    computes_here: bool  # answers are computed in this process (else it waits on a server)

    def search(self, request: SearchRequest, *, snippets: bool = True) -> dict:
        """One page of results, totals, facets and a suggestion (``search.query.search``)."""

    def iter_results(self, request: SearchRequest, *, offset: int = 0,
                     limit: int | None = None, snippets: bool = False,
                     body: bool = False) -> tuple[int, Generator[dict, None, None]]:
        """How many match, and a stream of them for exports."""

    def get_article(self, article_id: str) -> dict:
        """One whole article with its story's coverage."""

    def get_story(self, story_id: str) -> dict:
        """A story with every article."""

    def related(self, article_id: str, limit: int = query.RELATED) -> list[dict]:
        """Articles like this one from other stories."""

    def stats(self) -> dict:
        """Counts, dates, size, and which engine serves."""

    def exists(self) -> bool:
        """Whether there is an index to serve yet."""

    def close(self) -> None:
        """Release what the object holds open."""


class WhooshIndex:
    """The embedded index in ``root``: its generations, a searcher per thread, its tables.

    :param root: the index root
    """

    engine = WHOOSH
    computes_here = True

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.views = Views(self.root)

    def search(self, request: SearchRequest, *, snippets: bool = True,
               ranking: Ranking = DEFAULT) -> dict:
        """``search.query.search`` on this index."""
        return query.search(self.views, request, snippets=snippets, ranking=ranking)

    def iter_results(self, request: SearchRequest, *, offset: int = 0,
                     limit: int | None = None, snippets: bool = False,
                     body: bool = False) -> tuple[int, Generator[dict, None, None]]:
        """``search.query.iter_results`` on this index."""
        return query.iter_results(self.views, request, offset=offset, limit=limit,
                                  snippets=snippets, body=body)

    def get_article(self, article_id: str) -> dict:
        """``search.results.get_article`` on this index."""
        return results.get_article(self.views, article_id)

    def get_story(self, story_id: str) -> dict:
        """``search.results.get_story`` on this index."""
        return results.get_story(self.views, story_id)

    def related(self, article_id: str, limit: int = query.RELATED) -> list[dict]:
        """``search.query.related`` on this index."""
        return query.related(self.views, article_id, limit)

    def stats(self) -> dict:
        """``index_stats`` and the engine."""
        return {**index_stats(self.root), "engine": WHOOSH}

    def exists(self) -> bool:
        """Whether a generation serves."""
        return current_generation(self.root) is not None

    def close(self) -> None:
        """Close every searcher and drop the tables."""
        self.views.close()

    def __enter__(self) -> WhooshIndex:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_search_index(root: str | Path, config: EngineConfig | None = None) -> SearchIndex:
    """The index at ``root`` with the engine recorded there (or ``config``). Nothing is
    opened or contacted until the first request."""
    config = config or read_engine(root)
    if config.engine == OPENSEARCH:
        # Imported here: the embedded engine never loads the cluster client.
        from .engines.opensearch_index import OpenSearchIndex

        return OpenSearchIndex(config, root)
    return WhooshIndex(root)
