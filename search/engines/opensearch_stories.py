"""Stories kept in OpenSearch, so that several reindex runs can write one alias.

The linking is ``search/stories.py``'s (signatures, ``link``, ``group_stories``); only where it
is kept changes. Beside each concrete index ``<gen>`` (the one the alias points to) live
``<gen>-signatures`` (per article: day, lookup terms, fingerprint, the signature's JSON unindexed
and a hash of it) and ``<gen>-links`` (one document per linked pair and the two signatures'
hashes it was computed from, plus a lock document).

A run, at ``finish``: (1) writes all its signatures and refreshes; (2) links each of its articles
against every signature in the store (candidates share a lookup term within ``WINDOW_DAYS``),
writes the links and refreshes; (3) under the lock, regroups the stories of the whole index
from every valid link and updates the ``story``/``copy`` fields that differ. Of two runs
writing at once, the later of the two candidate queries sees the other article (each run's
signatures are in before its queries), so every pair is linked by someone; links are keyed
by the signatures' hashes, so one computed from an older version of an article is ignored,
not mistaken for the current one. Regroups are serialised by the lock, and each reads every
link written before it: the last regroup sees them all. See docs/opensearch.md.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from opensearchpy.helpers import scan

from .. import Unavailable
from ..stories import LOOKUP_TERMS, WINDOW_DAYS, Signature, group_stories, link, similarity
from ..stories import _groups as copy_groups  # the copies' grouping, as the SQLite store's
from .opensearch_write import OpenSearchWriter, RequestRefused, WriteReport

LOCK_ID = "regroup-lock"
LEASE = 300.0  # seconds a regroup may hold the lock before another run may take it over
LOCK_WAIT = 2 * LEASE
CANDIDATES = 500  # a page of candidates (lookup terms are rare): more are read by scroll
MSEARCH = 50  # candidate queries per request
MGET = 1000
SIGNATURES_MAPPING = {"dynamic": "strict", "properties": {
    "id": {"type": "keyword"}, "day": {"type": "integer"}, "terms": {"type": "keyword"},
    "fingerprint": {"type": "keyword"}, "hash": {"type": "keyword"},
    "signature": {"type": "text", "index": False}}}
LINKS_MAPPING = {"dynamic": "strict", "properties": {
    "a": {"type": "keyword"}, "b": {"type": "keyword"}, "kind": {"type": "keyword"},
    "score": {"type": "double"}, "ha": {"type": "keyword"}, "hb": {"type": "keyword"},
    "owner": {"type": "keyword"}, "expires": {"type": "double"}}}


class StoriesNotSet(Unavailable):
    """The cluster refused to record some articles' signatures, links or stories."""


def story_indices(index: str) -> tuple[str, str]:
    """The signatures and links indices beside the concrete index ``index``."""
    return f"{index}-signatures", f"{index}-links"


def signature_hash(sig: Signature) -> str:
    """What a link remembers of each side: a changed article has another hash."""
    return hashlib.sha1(sig.to_json().encode()).hexdigest()[:16]


class OpenSearchStories:
    """The story store of one concrete index, shared by every run writing to it.

    Articles added or removed are kept in memory until ``finish(index)``, which writes them,
    links them and sets every article's story and copy group in ``index``.
    """

    def __init__(self, writer: OpenSearchWriter, index: str | None = None) -> None:
        self.writer, self.client = writer, writer.client
        self.index = index
        # A rebuild's index (named at finish) is reachable by no other run before its swap:
        # its only articles are this run's, so their neighbours are found in memory.
        self._fresh = index is None
        self._added: dict[str, Signature] = {}
        self._removed: set[str] = set()
        self._fingerprints: dict[str, str] = {}  # of this run's articles: first id of a text
        self._cache: dict[str, Signature] = {}  # other runs' signatures read while linking
        self._by_fingerprint: dict[str, list[str]] | None = None
        self._by_term_day: dict[tuple[str, int], set[str]] | None = None  # (fresh index)
        self.stages: dict[str, float] = {}

    # -- what the ingest asks while it reads --------------------------------------------------

    def duplicate_of(self, sig: Signature, article_id: str) -> str | None:
        """The id of a stored (or earlier in this run) article with exactly this text."""
        if not sig.fingerprint:
            return None
        mine = self._fingerprints.get(sig.fingerprint)
        if mine is not None and mine != article_id:
            return mine
        stored = self._stored().get(sig.fingerprint, ())
        # This run's articles are looked up by their new text (above), not their stored one.
        return next((i for i in stored if i != article_id and i not in self._removed
                     and i not in self._added), None)

    def add(self, article_id: str, sig: Signature) -> None:
        """Remember an article (replacing an older version) to store and link at finish."""
        self.remove(article_id)
        self._removed.discard(article_id)
        self._added[article_id] = sig
        if sig.fingerprint:
            self._fingerprints.setdefault(sig.fingerprint, article_id)

    def remove(self, article_id: str) -> None:
        """Forget an article: its signature goes at finish, its links stop counting."""
        old = self._added.pop(article_id, None)
        if old is not None and self._fingerprints.get(old.fingerprint) == article_id:
            del self._fingerprints[old.fingerprint]
        self._removed.add(article_id)

    def ids(self) -> set[str]:
        """Every stored article id (with this run's changes)."""
        stored = {i for ids in self._stored().values() for i in ids}
        return (stored | self._added.keys()) - self._removed

    def _stored(self) -> dict[str, list[str]]:
        """Stored article ids by fingerprint (sorted), read once: one scroll, not a search
        per article. Articles other runs store later are not seen (docs/opensearch.md)."""
        if self._by_fingerprint is None:
            self._by_fingerprint = defaultdict(list)
            if self.index is not None and self._exists():
                for hit in self._scan(self._signatures, {"_source": ["fingerprint"]}):
                    self._by_fingerprint[hit["_source"].get("fingerprint") or ""].append(
                        hit["_id"])
            for ids in self._by_fingerprint.values():
                ids.sort()
        return self._by_fingerprint

    # -- finishing ------------------------------------------------------------------------------

    def finish(self, index: str | None = None) -> int:
        """Write, link and regroup into ``index`` (the store's own by default); return how
        many articles were given another story or copy group."""
        self.index = index or self.index
        if self.index is None:
            raise ValueError("no index to finish the stories of")
        self._create()
        self._timed("signatures", self._write_signatures)
        links = self._timed("linking", self._link_added)
        self._timed("links", self._write_links, links)
        with self._lock():
            return self._timed("regroup", self._regroup)

    def abandon(self) -> None:
        """Nothing was written before ``finish``: forget this run's changes."""
        self._added.clear()
        self._removed.clear()

    @property
    def _signatures(self) -> str:
        return story_indices(self.index)[0]

    @property
    def _links(self) -> str:
        return story_indices(self.index)[1]

    def _exists(self) -> bool:
        return bool(self._call(self.client.indices.exists, index=self._signatures))

    def _create(self) -> None:
        settings = {"number_of_shards": 1, "number_of_replicas": self.writer.replicas}
        for name, mapping in zip(story_indices(self.index),
                                 (SIGNATURES_MAPPING, LINKS_MAPPING), strict=True):
            if self._call(self.client.indices.exists, index=name):
                continue
            try:
                self._call(self.client.indices.create, index=name,
                           body={"settings": settings, "mappings": mapping})
            except RequestRefused as error:  # another run created it meanwhile
                if "resource_already_exists" not in str(error):
                    raise

    def _write_signatures(self) -> None:
        def actions() -> Iterator[tuple[str, list[dict]]]:
            for i in sorted(self._removed - self._added.keys()):
                yield i, [{"delete": {"_id": i}}]
            for i, sig in self._added.items():
                source = {"id": i, "day": sig.day, "terms": list(sig.terms)[:LOOKUP_TERMS],
                          "fingerprint": sig.fingerprint, "hash": signature_hash(sig),
                          "signature": sig.to_json()}
                yield i, [{"index": {"_id": i}}, source]

        self._bulk(self._signatures, actions())

    def _link_added(self) -> dict[str, dict]:
        """Links of this run's articles to every stored one, by link document id."""
        found: dict[str, dict] = {}
        dated = [(i, sig) for i, sig in self._added.items() if sig.day is not None]
        for start in range(0, len(dated), MSEARCH):
            batch = dated[start:start + MSEARCH]
            neighbours = self._neighbours(batch)
            theirs = self._stored_signatures(set().union(*neighbours) - self._added.keys())
            for (i, sig), others in zip(batch, neighbours, strict=True):
                for other in others:
                    # A pair of this run's articles once; others' as they are stored.
                    if other in self._added and other <= i or other in self._removed:
                        continue
                    other_sig = self._added.get(other) or theirs.get(other)
                    if other_sig is not None:  # else removed by another run meanwhile
                        found.update(_link_doc(i, sig, other, other_sig))
        return found

    def _neighbours(self, batch: list[tuple[str, Signature]]) -> list[set[str]]:
        """The candidates of each article of ``batch``: ids only (most are seen again)."""
        if self._fresh:
            return [self._nearby(sig) for _, sig in batch]
        lines: list[dict] = []
        for _, sig in batch:
            lines += [{}, _candidates_query(sig)]
        answer = self._call(self.client.msearch, index=self._signatures, body=lines)
        out = []
        for (i, sig), result in zip(batch, answer["responses"], strict=True):
            if "error" in result:
                raise StoriesNotSet(f"finding the neighbours of {i} failed: {result['error']}")
            hits = result["hits"]["hits"]
            if result["hits"]["total"]["value"] > len(hits):  # more than a page: read them all
                query = {k: v for k, v in _candidates_query(sig).items()
                         if k in ("query", "_source")}
                hits = list(self._scan(self._signatures, query))
            out.append({h["_id"] for h in hits})
        return out

    def _nearby(self, sig: Signature) -> set[str]:
        """This run's articles that the candidates query would find (``_candidates_query``)."""
        if self._by_term_day is None:
            self._by_term_day = defaultdict(set)
            for i, added in self._added.items():
                for term in list(added.terms)[:LOOKUP_TERMS]:
                    self._by_term_day[term, added.day].add(i)
        assert sig.day is not None
        days = range(sig.day - WINDOW_DAYS, sig.day + WINDOW_DAYS + 1)
        return set().union(*(self._by_term_day.get((term, day), ())
                             for term in list(sig.terms)[:LOOKUP_TERMS] for day in days))

    def _stored_signatures(self, ids: set[str]) -> dict[str, Signature]:
        """The stored signatures of ``ids``, read once per run."""
        wanted = sorted(ids - self._cache.keys())
        for start in range(0, len(wanted), MGET):
            docs = self._call(self.client.mget, index=self._signatures, _source=["signature"],
                              body={"ids": wanted[start:start + MGET]})["docs"]
            for doc in docs:
                if doc.get("found"):
                    self._cache[doc["_id"]] = Signature.from_json(doc["_source"]["signature"])
        return {i: self._cache[i] for i in ids if i in self._cache}

    def _write_links(self, links: dict[str, dict]) -> None:
        self._bulk(self._links, ((key, [{"index": {"_id": key}}, source])
                                 for key, source in links.items()))

    def _regroup(self) -> int:
        """Stories of every article of the index from every valid link; update those that
        differ. Links to articles no longer stored, or computed from an older version of
        one, do not count (they stay: deleting them could race with a run storing that very
        version again; a rebuild starts a clean store)."""
        for name in (self.index, *story_indices(self.index)):
            self._call(self.client.indices.refresh, index=name)
        held = {h["_id"]: (h["_source"].get("story"), h["_source"].get("copy"))
                for h in self._scan(self.index, {"_source": ["story", "copy"]})}
        stored = {h["_id"]: (h["_source"]["day"], h["_source"]["hash"])
                  for h in self._scan(self._signatures, {"_source": ["day", "hash"]})}
        days = {i: day for i, (day, _) in stored.items() if i in held}
        valid = []
        for hit in self._scan(self._links, {"query": {"terms": {"kind": ["duplicate", "event"]}}}):
            a, b, ha, hb = (hit["_source"][k] for k in ("a", "b", "ha", "hb"))
            if a in days and b in days and (ha, hb) == (stored[a][1], stored[b][1]):
                valid.append((a, b, hit["_source"]["kind"], hit["_source"]["score"]))
        story = group_stories(days, [(a, b, score) for a, b, _, score in valid])
        copies = copy_groups(days, [(a, b) for a, b, kind, _ in valid if kind == "duplicate"])
        updates = []
        for i, (story_now, copy_now) in held.items():
            want = (story[i], copies[i]) if i in days else (i, i)
            if want != (story_now, copy_now):
                updates.append((i, {"story": want[0], "copy": want[1]}))
        if updates:
            written = self.writer.update_fields(updates, index=self.index)
            _check(written, "given their story")
        return len(updates)

    @contextmanager
    def _lock(self) -> Iterator[None]:
        """One regroup at a time per index: a lock document with a lease."""
        owner, deadline = uuid.uuid4().hex, time.monotonic() + LOCK_WAIT
        while (held := self._take_lock(owner)) is None:
            if time.monotonic() > deadline:
                raise StoriesNotSet(f"the stories of {self.index} stayed locked by another "
                                    f"run for {LOCK_WAIT:g} s")
            time.sleep(random.uniform(0.05, 0.25))
        try:
            yield
        finally:
            try:
                self.client.delete(index=self._links, id=LOCK_ID, if_seq_no=held[0],
                                   if_primary_term=held[1])
            except Exception:  # noqa: BLE001 - taken over after our lease, or already gone
                pass

    def _take_lock(self, owner: str) -> tuple[int, int] | None:
        """The lock's (seq_no, primary_term) if this run now holds it, else None."""
        body = {"kind": "lock", "owner": owner, "expires": time.time() + LEASE}
        try:
            got = self._call(self.client.index, index=self._links, id=LOCK_ID, body=body,
                             op_type="create")
            return got["_seq_no"], got["_primary_term"]
        except RequestRefused as error:
            if error.status != 409:
                raise
        current = self._call(self.client.get, _missing=True, index=self._links, id=LOCK_ID)
        if current is None or current["_source"]["expires"] > time.time():
            return None  # released meanwhile (try again) or leased
        try:  # the lease ran out: its holder died. Take it over unless someone else did.
            got = self._call(self.client.index, index=self._links, id=LOCK_ID, body=body,
                             if_seq_no=current["_seq_no"],
                             if_primary_term=current["_primary_term"])
            return got["_seq_no"], got["_primary_term"]
        except RequestRefused as error:
            if error.status != 409:
                raise
            return None

    # -- requests --------------------------------------------------------------------------

    def _call(self, request, /, **kwargs):
        return self.writer._call(request, **kwargs)  # retried with backoff, errors translated

    def _scan(self, index: str, query: dict) -> Iterator[dict]:
        return scan(self.client, index=index, query=query, size=1000)

    def _bulk(self, index: str, actions: Iterator[tuple[str, list[dict]]]) -> None:
        report = WriteReport("stories", index=index)
        self.writer._bulk(index, actions, report)
        _check(report, f"written to {index}")
        self._call(self.client.indices.refresh, index=index)

    def _timed(self, stage: str, fn, *args):
        started = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self.stages[stage] = self.stages.get(stage, 0.0) + time.perf_counter() - started


def _candidates_query(sig: Signature) -> dict:
    """Stored articles sharing one of ``sig``'s lookup terms within ``WINDOW_DAYS``."""
    assert sig.day is not None
    days = {"gte": sig.day - WINDOW_DAYS, "lte": sig.day + WINDOW_DAYS}
    return {"size": CANDIDATES, "_source": False, "track_total_hits": True,
            "query": {"bool": {"filter": [
        {"terms": {"terms": list(sig.terms)[:LOOKUP_TERMS]}}, {"range": {"day": days}}]}}}


def _link_doc(i: str, mine: Signature, other: str, theirs: Signature) -> dict[str, dict]:
    """The link document of two articles, if they link: the same whichever run computes it."""
    (a, sa), (b, sb) = sorted([(i, mine), (other, theirs)], key=lambda pair: pair[0])
    kind = link(sa, sb)
    if kind is None:
        return {}
    score = 1.0 if kind == "duplicate" else similarity(sa, sb)
    ha, hb = signature_hash(sa), signature_hash(sb)
    return {f"{a}|{b}|{ha}|{hb}": {"a": a, "b": b, "kind": kind, "score": score,
                                    "ha": ha, "hb": hb}}


def _check(report: WriteReport, what: str) -> None:
    if report.failed:
        first = report.failed[0]
        raise StoriesNotSet(f"{len(report.failed)} articles could not be {what} "
                            f"(e.g. {first.id}: {first.reason})")


def drop_story_indices(writer: OpenSearchWriter, keep: set[str]) -> list[str]:
    """Delete the story indices of concrete indices not in ``keep`` (replaced or leftover)."""
    answer = writer._call(writer.client.indices.get, index=f"{writer.alias}-*-signatures,"
                          f"{writer.alias}-*-links", ignore_unavailable=True,
                          allow_no_indices=True)
    names = [n for n in answer if n.rsplit("-", 1)[0] not in keep
             and writer._pattern.fullmatch(n.rsplit("-", 1)[0])]
    for name in names:
        writer._call(writer.client.indices.delete, index=name, ignore_unavailable=True)
    return names
