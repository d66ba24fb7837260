"""The OpenSearch engine as a ``SearchIndex``: the cluster behind an alias, read through
``OpenSearchReader``, with the client's errors turned into ours (a cluster that is down is
``ClusterUnavailable``: a 503 on the site and API, a one-line error from the CLI)."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from functools import wraps
from pathlib import Path
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as ClientConnectionError
from opensearchpy.exceptions import NotFoundError, TransportError

from .. import Unavailable
from ..engineconfig import OPENSEARCH, EngineConfig, credentials
from ..request import SearchRequest
from .opensearch_write import ClusterUnavailable, NoIndex, connect

SERVE_TIMEOUT = 30  # seconds one request to the cluster may take while serving


class ReaderMissing(Unavailable):
    """This installation has no OpenSearch read side (search/engines/opensearch_read.py)."""


def _translated(method: Callable) -> Callable:
    """The client's errors as ours: unreachable or failing is Unavailable, never a 500."""

    @wraps(method)
    def call(self: OpenSearchIndex, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except TransportError as error:  # ConnectionError and NotFoundError derive from it
            raise self.ours(error) from error

    return call


class OpenSearchIndex:
    """The index behind ``config.alias`` on the cluster at ``config.urls``.

    :param config: the engine recorded in the index root
    :param root: the index root (only named in messages)
    :param client: a client to use instead of one made from ``config`` and the environment
    """

    engine = OPENSEARCH
    computes_here = False  # a request waits on the cluster: threads overlap those waits

    def __init__(self, config: EngineConfig, root: str | Path | None = None,
                 client: OpenSearch | None = None) -> None:
        self.config = config
        self.root = Path(root) if root is not None else None
        self.where = ", ".join(config.urls)
        self._client = client
        self._reader: Any = None

    @property
    def client(self) -> OpenSearch:
        """The cluster client, made on first use (credentials from the environment)."""
        if self._client is None:
            self._client = connect(list(self.config.urls), timeout=SERVE_TIMEOUT,
                                   **credentials())
        return self._client

    @property
    def reader(self):
        """The read side over the alias, made on first use."""
        if self._reader is None:
            try:
                from .opensearch_read import OpenSearchReader
            except ImportError as error:
                raise ReaderMissing(f"this news-search has no OpenSearch read side ({error}); "
                                    "serve a Whoosh index instead") from error
            self._reader = OpenSearchReader(self.client, self.config.alias)
        return self._reader

    @_translated
    def search(self, request: SearchRequest, *, snippets: bool = True) -> dict:
        """One page of results, as ``search.query.search`` gives it."""
        return self.reader.search(request, snippets=snippets)

    @_translated
    def iter_results(self, request: SearchRequest, *, offset: int = 0,
                     limit: int | None = None, snippets: bool = False,
                     body: bool = False) -> tuple[int, Generator[dict, None, None]]:
        """How many match, and a stream of them for exports."""
        total, rows = self.reader.iter_results(request, offset=offset, limit=limit,
                                               snippets=snippets, body=body)
        return total, self._streamed(rows)

    def _streamed(self, rows: Iterator[dict]) -> Generator[dict, None, None]:
        # Pages fetched while streaming fail as ours too (the export's body is cut short).
        try:
            yield from rows
        except TransportError as error:
            raise self.ours(error) from error

    def ours(self, error: TransportError) -> Unavailable:
        """A client error as one of ours: no index behind the alias, or a cluster down."""
        if isinstance(error, NotFoundError) and "index_not_found" in str(error):
            return NoIndex(f"no index behind the alias {self.config.alias!r} at {self.where}: "
                           "run `news-search reindex PATH --engine opensearch` first")
        if isinstance(error, ClientConnectionError):
            return ClusterUnavailable(
                f"the OpenSearch cluster at {self.where} cannot be reached: "
                f"{error.info or error}")
        return ClusterUnavailable(f"the OpenSearch cluster at {self.where} failed the request "
                                  f"({error.status_code}): {error.error}")

    @_translated
    def get_article(self, article_id: str) -> dict:
        """One whole article with its story's coverage."""
        return self.reader.get_article(article_id)

    @_translated
    def get_story(self, story_id: str) -> dict:
        """A story with every article."""
        return self.reader.get_story(story_id)

    @_translated
    def related(self, article_id: str, limit: int = 8) -> list[dict]:
        """Articles like this one from other stories."""
        return self.reader.related(article_id, limit)

    @_translated
    def stats(self) -> dict:
        """The reader's figures, and the engine, alias, concrete indices and nodes."""
        indices = sorted(self.client.indices.get_alias(name=self.config.alias))
        nodes = self.client.cat.nodes(format="json", h="name,ip,node.role")
        return {
            **self.reader.stats(),
            "engine": OPENSEARCH,
            "alias": self.config.alias,
            "indices": indices,
            "nodes": sorted(node["name"] for node in nodes),
            "urls": list(self.config.urls),
        }

    @_translated
    def exists(self) -> bool:
        """Whether the alias points to an index."""
        return bool(self.client.indices.exists_alias(name=self.config.alias))

    def close(self) -> None:
        """Close the client's connections."""
        if self._client is not None:
            self._client.close()
            self._client = None
            self._reader = None
