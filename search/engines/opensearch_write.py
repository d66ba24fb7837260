"""Writing our documents into OpenSearch: full rebuilds behind an alias, upserts and deletes.

A rebuild writes a new concrete index ``<alias>-<UTC timestamp>``, bulk-indexes into it, and
only then moves the alias to it in one ``_aliases`` call, so searches through the alias see the
old index or the new one, never a half-built one. A rebuild that fails or is killed leaves the
alias where it was; its half-built index is removed at the start of the next run. Incremental
runs write by id into the index the alias points to. Every bulk chunk is retried with
exponential backoff on 429 and 5xx (whole requests and single items), and every document the
cluster refuses is reported with its id and reason.

One writer per alias at a time: a rebuild removes indices of the alias's pattern that the alias
does not point to, which would include another rebuild's index in progress.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime

from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as ClientConnectionError
from opensearchpy.exceptions import NotFoundError, TransportError

from ..schema import SCHEMA_VERSION
from .opensearch_mapping import settings_and_mappings, to_source
from .opensearch_report import (
    ClusterUnavailable,
    Failure,
    NoIndex,
    RebuildFailed,
    RequestRefused,
    StaleIndex,
    WriteReport,
)

CHUNK_DOCS = 500
CHUNK_BYTES = 5_000_000  # well under OpenSearch's 100 MB http.max_content_length
RETRIES = 6  # per chunk: with a 0.5 s start, about 30 s of waiting before giving up
BACKOFF = 0.5
MAX_BACKOFF = 20.0
READY_TIMEOUT = 60.0  # seconds a rebuilt index may take to have every shard copy allocated
# Seconds between the swap and deleting the old index: a search that resolved the alias just
# before the swap still reads the old index, and must not find it gone.
GRACE = 1.0


def connect(urls: str | Sequence[str], **kwargs) -> OpenSearch:
    """A client over every given node: a request to a dead node is retried on another."""
    options = {"max_retries": 3, "retry_on_timeout": True, "timeout": 60} | kwargs
    return OpenSearch([urls] if isinstance(urls, str) else list(urls), **options)


def generation_name(alias: str, now: datetime | None = None) -> str:
    """A new concrete index name for ``alias``: the alias and a UTC timestamp (sortable)."""
    return f"{alias}-{(now or datetime.now(UTC)):%Y%m%d%H%M%S%f}"


class OpenSearchWriter:
    """Writes documents of ``search.document.document`` into the index behind ``alias``.

    :param client: an ``OpenSearch`` client, or the URL(s) of the cluster's nodes
    :param alias: the name searches use; concrete indices are ``<alias>-<timestamp>``
    :param shards: primary shards of a rebuilt index
    :param replicas: replicas of each shard of a rebuilt index
    :param progress: called with the report after each bulk chunk
    """

    def __init__(self, client: OpenSearch | str | Sequence[str], alias: str, *,
                 shards: int = 1, replicas: int = 0, chunk_docs: int = CHUNK_DOCS,
                 chunk_bytes: int = CHUNK_BYTES, retries: int = RETRIES,
                 backoff: float = BACKOFF, grace: float = GRACE,
                 ready_timeout: float = READY_TIMEOUT,
                 progress: Callable[[WriteReport], None] | None = None) -> None:
        self.client = client if isinstance(client, OpenSearch) else connect(client)
        self.alias = alias
        self.shards, self.replicas = shards, replicas
        self.chunk_docs, self.chunk_bytes = chunk_docs, chunk_bytes
        self.retries, self.backoff, self.grace = retries, backoff, grace
        self.ready_timeout = ready_timeout
        self.progress = progress
        self._pattern = re.compile(rf"{re.escape(alias)}-\d{{20}}")

    # -- reading the alias ------------------------------------------------------------------

    def current(self) -> list[str]:
        """The concrete indices the alias points to (one, or none before the first rebuild)."""
        answer = self._call(self.client.indices.get_alias, _missing=True, name=self.alias)
        return sorted(answer or ())

    def leftovers(self) -> list[str]:
        """Indices of this alias's pattern that it does not point to: failed or killed runs."""
        answer = self._call(self.client.indices.get_alias, index=f"{self.alias}-*")
        return sorted(name for name, info in answer.items()
                      if self._pattern.fullmatch(name) and self.alias not in info["aliases"])

    def clean_leftovers(self) -> list[str]:
        """Delete the leftovers of failed or killed rebuilds; return their names."""
        names = self.leftovers()
        for name in names:
            self._call(self.client.indices.delete, index=name, ignore_unavailable=True)
        return names

    # -- full rebuild -----------------------------------------------------------------------

    def rebuild(self, documents: Iterable[dict],
                before_swap: Callable[[WriteReport], None] | None = None) -> WriteReport:
        """Index ``documents`` into a new index and move the alias to it in one call;
        ``before_swap(report)`` may still write to the new index, ``report.index`` (what
        needs every document first: story ids)."""
        report = WriteReport("rebuild", removed=self.clean_leftovers())
        report.previous = self.current()
        report.index = name = generation_name(self.alias)
        # Loaded into the primaries alone, with no refreshes (nothing searches this index
        # yet); the replicas are made at the end by copying the primaries' files, which
        # costs the cluster far less than indexing every document on every copy. A node lost
        # meanwhile fails the rebuild, and the alias stays where it was.
        body = settings_and_mappings(self.shards, 0)
        body["settings"]["refresh_interval"] = "-1"
        self._call(self.client.indices.create, index=name, body=body)
        swapped = False
        try:
            ids = self._bulk(name, self._index_actions(documents, report), report)
            self._finish(name, ids, report)
            if before_swap is not None:
                before_swap(report)
            self._replicate(name, report)
            self._swap(report.previous, name)
            swapped = True
        finally:
            if not swapped:  # best effort: the next run removes it if this fails too
                try:
                    # Unless the swap happened after all (its answer lost): never delete
                    # the index the alias points to.
                    if name not in self.current():
                        self.client.indices.delete(index=name, ignore_unavailable=True)
                except Exception:  # noqa: BLE001 - the original error is the one to raise
                    pass
        for old in report.previous:
            time.sleep(self.grace)
            self._call(self.client.indices.delete, index=old, ignore_unavailable=True)
            report.removed.append(old)
        return report

    def _finish(self, name: str, ids: set[str], report: WriteReport) -> None:
        """Refresh the new index and check it holds what was indexed, before any swap."""
        if report.failed and not report.indexed:
            raise RebuildFailed(f"every document was refused ({len(report.failed)}), "
                                f"e.g. {report.failed[0].reason}", report)
        # A bulk into a deleted index (another run's cleanup, an operator) re-creates it with
        # dynamic mappings: wrong analysis, which no count would show. Ours carries _meta.
        if self._schema_version(name) != SCHEMA_VERSION:
            raise RebuildFailed(f"{name} was deleted and re-created without our mapping "
                                "during the rebuild: is another writer cleaning up?", report)
        settings = {"index": {"refresh_interval": None}}  # back to the default
        self._call(self.client.indices.put_settings, index=name, body=settings)
        self._call(self.client.indices.refresh, index=name)
        count = self._call(self.client.count, index=name)["count"]
        if count != len(ids):
            raise RebuildFailed(f"{name} holds {count} documents, {len(ids)} were indexed",
                                report)

    def _replicate(self, name: str, report: WriteReport) -> None:
        """Give the new index its replicas, and wait until every copy is allocated."""
        if self.replicas:
            settings = {"index": {"number_of_replicas": self.replicas}}
            self._call(self.client.indices.put_settings, index=name, body=settings)
        self._wait_green(name, report)

    def _wait_green(self, name: str, report: WriteReport) -> None:
        # Every replica allocated before searches are sent here: an index swapped in on its
        # primaries alone would lose data with the first node that goes down.
        params = {"wait_for_status": "green", "timeout": f"{int(self.ready_timeout)}s"}
        while True:
            # An explicit request timeout, or the client takes params' "timeout" as its own.
            health = self._call(self.client.transport.perform_request, method="GET",
                                url=f"/_cluster/health/{name}", params=params,
                                timeout=self.ready_timeout + 10, ignore=(408,))  # not green
            # Copies still being made (a big index's replicas take minutes to copy): wait on.
            # None on their way after the timeout: they cannot be allocated.
            if health["status"] == "green" or not health["initializing_shards"]:
                break
        if health["status"] != "green":
            raise RebuildFailed(
                f"{name} not green after {self.ready_timeout:g} s ({health['status']}, "
                f"{health['unassigned_shards']} shard copies unassigned on "
                f"{health['number_of_data_nodes']} data nodes): fewer replicas?", report)

    def _swap(self, previous: list[str], name: str) -> None:
        # One call: OpenSearch applies the actions atomically. Removing a named old index
        # fails the whole call if another writer moved the alias meanwhile, but only with
        # must_exist: without it a missing alias is skipped and the alias would end up on
        # both new indices (checked on 2.19.6).
        actions = [{"remove": {"index": old, "alias": self.alias, "must_exist": True}}
                   for old in previous]
        actions.append({"add": {"index": name, "alias": self.alias}})
        try:
            self._call(self.client.indices.update_aliases, body={"actions": actions})
        except (RequestRefused, ClusterUnavailable):
            # A retry after an answer lost on the way is refused (the old index no longer
            # has the alias) although the first call did the swap: then it is done.
            if self.current() != [name]:
                raise

    # -- incremental runs -------------------------------------------------------------------

    def upsert(self, documents: Iterable[dict], refresh: bool = True) -> WriteReport:
        """Index ``documents`` by id into the alias's index, replacing any of the same id."""
        report = WriteReport("upsert", index=self._write_index())
        self._bulk(report.index, self._index_actions(documents, report), report)
        if refresh:
            self._call(self.client.indices.refresh, index=report.index)
        return report

    def delete(self, ids: Iterable[str], refresh: bool = True) -> WriteReport:
        """Delete documents by id from the alias's index; ids not there are listed as missing."""
        report = WriteReport("delete", index=self._write_index())
        actions = ((i, [{"delete": {"_id": i}}]) for i in ids)
        self._bulk(report.index, actions, report)
        if refresh:
            self._call(self.client.indices.refresh, index=report.index)
        return report

    def update_fields(self, updates: Iterable[tuple[str, dict]], index: str | None = None,
                      refresh: bool = True) -> WriteReport:
        """Set some fields of documents by id (partial updates), in ``index`` or the
        alias's; failures are reported per document."""
        report = WriteReport("update", index=index or self._write_index())
        actions = ((i, [{"update": {"_id": i}}, {"doc": fields}]) for i, fields in updates)
        self._bulk(report.index, actions, report)
        if refresh:
            self._call(self.client.indices.refresh, index=report.index)
        return report

    def _write_index(self) -> str:
        indices = self.current()
        if len(indices) != 1:
            raise NoIndex(f"alias {self.alias!r} points to {len(indices) or 'no'} indices: "
                          "run a full rebuild")
        name = indices[0]
        version = self._schema_version(name)
        if version != SCHEMA_VERSION:
            raise StaleIndex(f"{name} has schema version {version}, this program writes "
                                f"{SCHEMA_VERSION}: run a full rebuild")
        return name

    def _schema_version(self, name: str) -> object:
        mapping = self._call(self.client.indices.get_mapping, index=name)[name]["mappings"]
        return mapping.get("_meta", {}).get("schema_version")

    # -- bulk -------------------------------------------------------------------------------

    def _index_actions(self, documents: Iterable[dict],
                       report: WriteReport) -> Iterator[tuple[str, list[dict]]]:
        for doc in documents:
            doc_id = doc.get("id")
            if not isinstance(doc_id, str) or not doc_id:
                report.failed.append(Failure(str(doc_id or ""), 0, "document has no id"))
                continue
            yield doc_id, [{"index": {"_id": doc_id}}, to_source(doc)]

    def _bulk(self, index: str, actions: Iterable[tuple[str, list[dict]]],
              report: WriteReport) -> set[str]:
        """Send actions in chunks; return the ids indexed."""
        ids: set[str] = set()
        for chunk in self._chunks(actions, report):
            self._send(index, chunk, report, ids)
            if self.progress:
                self.progress(report)
        return ids

    def _chunks(self, actions: Iterable[tuple[str, list[dict]]],
                report: WriteReport) -> Iterator[list[tuple[str, bytes]]]:
        chunk: list[tuple[str, bytes]] = []
        size = 0
        for doc_id, lines in actions:
            try:
                # ASCII with escapes: a lone surrogate (a path read with surrogateescape)
                # stays valid JSON instead of invalid UTF-8 failing the whole request.
                data = "".join(json.dumps(line) + "\n" for line in lines)
            except (TypeError, ValueError) as error:  # a value JSON cannot hold
                report.failed.append(Failure(doc_id, 0, f"not serializable: {error}"))
                continue
            encoded = data.encode("ascii")
            if chunk and (len(chunk) >= self.chunk_docs or size + len(encoded) > self.chunk_bytes):
                yield chunk
                chunk, size = [], 0
            chunk.append((doc_id, encoded))
            size += len(encoded)
        if chunk:
            yield chunk

    def _send(self, index: str, chunk: list[tuple[str, bytes]], report: WriteReport,
              ids: set[str]) -> None:
        pending, attempt = chunk, 0
        while pending:
            body = b"".join(data for _, data in pending)
            answer = self._call(self.client.bulk, index=index, body=body, _report=report)
            retry = []
            for (doc_id, data), item in zip(pending, answer["items"], strict=True):
                (op, result), = item.items()
                status = result.get("status", 0)
                if _retriable(status):
                    retry.append((doc_id, data))
                elif "error" in result:
                    report.failed.append(Failure(doc_id, status, _reason(result["error"])))
                elif op == "delete":
                    if status == 404:
                        report.missing.append(doc_id)
                    else:
                        report.deleted += 1
                else:
                    report.indexed += 1
                    ids.add(doc_id)
            if retry and attempt < self.retries:
                report.retries += 1
                self._sleep(attempt)
                attempt += 1
            else:
                report.failed.extend(Failure(i, 429, "refused after retries") for i, _ in retry)
                retry = []
            pending = retry

    def _call(self, request: Callable, /, _report: WriteReport | None = None,
              _missing: bool = False, **kwargs):
        """One request, retried with backoff while the cluster answers 429/5xx or not at all;
        None for a 404 if ``_missing``; the client's other errors translated into ours."""
        for attempt in range(self.retries + 1):
            try:
                return request(**kwargs)
            except (ClientConnectionError, TransportError) as error:
                status = error.status_code
                if _missing and isinstance(error, NotFoundError):
                    return None
                unreachable = isinstance(error, ClientConnectionError)
                if not (unreachable or _retriable(status)):
                    raise RequestRefused(f"OpenSearch refused {request.__name__} "
                                         f"({status}): {_reason(error.info)}", status) from error
                if attempt == self.retries:
                    raise ClusterUnavailable(
                        f"OpenSearch did not accept {request.__name__} after "
                        f"{self.retries + 1} attempts: {error}") from error
                if _report is not None:
                    _report.retries += 1
                self._sleep(attempt)
        raise AssertionError("unreachable")

    def _sleep(self, attempt: int) -> None:
        # Exponential, with jitter so that several writers refused together do not return
        # together.
        delay = min(MAX_BACKOFF, self.backoff * 2**attempt)
        time.sleep(delay * random.uniform(0.5, 1.0))


def _retriable(status: object) -> bool:
    return isinstance(status, int) and (status == 429 or status >= 500)


def _reason(error: object) -> str:
    if isinstance(error, dict) and isinstance(error.get("error"), dict | str):
        error = error["error"]  # a whole error answer: its "error" part
    if not isinstance(error, dict):
        return str(error)
    reason = f"{error.get('type', 'error')}: {error.get('reason', '')}"
    cause = error.get("caused_by")
    return f"{reason} ({_reason(cause)})" if cause else reason
