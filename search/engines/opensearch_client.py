"""One OpenSearch alias as the read side calls it: searches that never return partial
results, the client's errors as ours, the concrete index, and term statistics summed over
shards (for did-you-mean)."""

from __future__ import annotations

from collections.abc import Callable

from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as ClientConnectionError
from opensearchpy.exceptions import NotFoundError, TransportError

from .. import budget
from ..schema import SCHEMA_VERSION
from .opensearch_lexicon import Cached
from .opensearch_mapping import GROUPS
from .opensearch_write import ClusterUnavailable, NoIndex, RequestRefused, StaleIndex

ROUTES_TTL = 30.0  # seconds the routing values per shard serve before they are asked again
VERSION_TTL = 1.0  # seconds an index's version (what changed) serves before it is asked again


class AliasClient:
    """Calls on the index behind ``alias``."""

    def __init__(self, client: OpenSearch, alias: str) -> None:
        self.client = client
        self.alias = alias
        self._routes = Cached(ROUTES_TTL)
        self._checked = Cached(ROUTES_TTL)
        self._version = Cached(VERSION_TTL)

    def version(self) -> tuple:
        """What says the index changed: its name, and how many documents its primaries have
        written and deleted (a refresh follows every write of ours)."""
        return self._version.get(self.alias, self._read_version)

    def _read_version(self) -> tuple:
        answer = self.call(self.client.indices.stats, index=self.alias, metric="indexing")
        return tuple(sorted(
            (name, stats["primaries"]["indexing"]["index_total"],
             stats["primaries"]["indexing"]["delete_total"])
            for name, stats in answer["indices"].items()))

    def check(self) -> None:
        """Refuse an index of another schema version, or without the story fields, as Whoosh's
        side refuses an index it cannot read (StaleIndex: rebuild it), once per ``ttl``."""
        self._checked.get(self.alias, self._check)

    def _check(self) -> bool:
        answer = self.call(self.client.indices.get_mapping, index=self.alias)
        for index, body in answer.items():
            mapping = body.get("mappings", {})
            version = mapping.get("_meta", {}).get("schema_version")
            fields = mapping.get("properties", {})
            if version != SCHEMA_VERSION or any(name not in fields for name in GROUPS):
                raise StaleIndex(f"{index} (behind {self.alias!r}) was written with schema "
                                 f"{version!r}, not {SCHEMA_VERSION!r}: rebuild it")
        return True

    def frequencies(self, words: list[str]) -> dict[str, int]:
        """Collection frequencies in ``spell``: term statistics are per shard, so one
        artificial document is analysed on each shard (a routing value per shard) and summed."""
        total: dict[str, int] = dict.fromkeys(words, 0)
        for routing in self._routes.get(self.concrete(), self._routing):
            body = {"doc": {"spell": " ".join(words)}, "fields": ["spell"],
                    "term_statistics": True, "field_statistics": False,
                    "positions": False, "offsets": False}
            answer = self.call(self.client.termvectors, index=self.alias, routing=routing,
                               body=body)
            terms = answer.get("term_vectors", {}).get("spell", {}).get("terms", {})
            for word, info in terms.items():
                if word in total:
                    total[word] += info.get("ttf", 0)
        return total

    def _routing(self) -> list[str]:
        """One routing value for each shard of the index (found by asking where values go)."""
        shards = self.call(self.client.search_shards, index=self.alias)["shards"]
        wanted, found = len(shards), {}
        for n in range(1_000):
            answer = self.call(self.client.search_shards, index=self.alias, routing=str(n))
            found.setdefault(answer["shards"][0][0]["shard"], str(n))
            if len(found) == wanted:
                break
        return list(found.values())

    def concrete(self) -> str:
        """The concrete index the alias points to."""
        answer = self.call(self.client.indices.get_alias, name=self.alias)
        return sorted(answer)[-1]

    def hosts(self) -> str:
        hosts = getattr(self.client.transport, "hosts", None) or [{}]
        host = hosts[0]
        return f"http://{host.get('host', 'localhost')}:{host.get('port', 9200)}"

    def search(self, body: dict) -> dict:
        """One search through the alias; shard failures are an unavailable cluster. A request
        past its time budget (``search.budget``) stops before the next search, as Whoosh's
        stops between stages."""
        budget.check()
        self.check()
        answer = self.call(self.client.search, index=self.alias, body=body,
                            allow_partial_search_results=False)
        shards = answer.get("_shards", {})
        if shards.get("failed"):
            raise ClusterUnavailable(f"{shards['failed']} of {shards.get('total')} shards "
                                     f"failed: {shards.get('failures', [])[:1]}")
        return answer

    def call(self, method: Callable, **kwargs) -> dict:
        """A client call, its errors ours: down or overloaded is ClusterUnavailable, no index
        behind the alias NoIndex, anything else refused RequestRefused."""
        try:
            return method(**kwargs)
        except ClientConnectionError as error:
            raise ClusterUnavailable(f"OpenSearch did not answer: {error}") from error
        except NotFoundError as error:
            raise NoIndex(f"no index behind {self.alias!r}: rebuild it first") from error
        except TransportError as error:
            status = error.status_code
            if status == 429 or (isinstance(status, int) and status >= 500):
                raise ClusterUnavailable(f"OpenSearch answered {status}: {error.error}") from error
            raise RequestRefused(f"OpenSearch refused the request ({status}): "
                                 f"{error.info or error.error}", status) from error
