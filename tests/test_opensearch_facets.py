"""Exact facet counts on OpenSearch in as few searches as can be proven (opensearch_facets),
and the collapsed matches of a page asked with its stories:
the proof on plain aggregation answers, then on the three-node cluster against Whoosh's counts,
with the searches the reader sent recorded at the client's transport."""
# The contract's fixtures are imported from its module; pytest passes them by name.
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from opensearchpy import OpenSearch
from test_opensearch_read import (  # noqa: F401  (fixtures)
    ask,
    cluster_reader,
    docs,
    read_corpus,
    root,
)

from search.engines.opensearch_facets import certain_top
from search.engines.opensearch_read import OpenSearchReader
from search.request import FACET_PARAMS


def _b(key: str, count: int, error: int = 0) -> dict:
    return {"key": key, "doc_count": count, "doc_count_error_upper_bound": error}


def _values(error: int, *buckets: dict) -> dict:
    return {"doc_count_error_upper_bound": error, "buckets": list(buckets)}


def test_no_possible_error_is_exact() -> None:
    values = _values(0, _b("a", 9), _b("b", 4), _b("c", 1))
    assert certain_top(values, 2, 100) == [_b("a", 9), _b("b", 4)]


def test_a_top_no_other_value_can_reach_is_exact() -> None:
    # Shards that filled may hold other values up to 5 times in all; "d" at most 3 + 2.
    values = _values(5, _b("a", 40), _b("b", 30), _b("c", 6), _b("d", 3, 2))
    assert certain_top(values, 3, 100) == [_b("a", 40), _b("b", 30), _b("c", 6)]


@pytest.mark.parametrize(("values", "k", "size", "why"), [
    (_values(5, _b("a", 40), _b("b", 30, 1), _b("c", 2)), 2, 100, "a listed count may be off"),
    (_values(5, _b("a", 40), _b("b", 30), _b("c", 6), _b("d", 3, 3)), 3, 100,
     "d may tie c (3 + 3) and come first by its key"),
    (_values(7, _b("a", 40), _b("b", 30), _b("c", 6)), 3, 100, "a value no shard sent: 7"),
    (_values(2, _b("a", 40), _b("b", 30), _b("c", 6), _b("d", 4)), 3, 4,
     "cut off after d: up to 4 + 2"),
    (_values(1, _b("a", 40)), 2, 100, "fewer values than listed, others possible"),
    (_values(1, _b("a", 40), _b("b", 1)), 2, 2, "cut off after b: up to 1 + 1"),
    (_values(-1, _b("a", 40), _b("b", 30)), 1, 100, "unbounded error"),
])
def test_a_top_that_might_be_wrong_is_not_taken(values, k, size, why) -> None:
    assert certain_top(values, k, size) is None, why


@contextmanager
def searches(reader: OpenSearchReader) -> Iterator[list[dict]]:
    """The bodies of the searches ``reader`` sends meanwhile (the client's transport)."""
    transport, sent = reader.client.transport, []
    original = transport.perform_request

    def record(method, url, *args, **kwargs):
        if url.endswith("/_search"):
            sent.append(kwargs.get("body") or {})
        return original(method, url, *args, **kwargs)

    transport.perform_request = record
    try:
        yield sent
    finally:
        transport.perform_request = original


def _facet_searches(sent: list[dict]) -> list[list[str]]:
    """The facets each search counted, in order."""
    return [sorted(n for n in body.get("aggs", {}) if n.startswith("facet_"))
            for body in sent if any(n.startswith("facet_") for n in body.get("aggs", {}))]


@pytest.fixture
def fresh_reader(opensearch_cluster, cluster_reader) -> OpenSearchReader:
    """A reader of the cluster's index with its own client, to record and to tune."""
    return OpenSearchReader(OpenSearch(opensearch_cluster.urls), cluster_reader.alias)


@pytest.mark.parametrize("params", [{"q": ""}, {"q": "minister"}, {"q": "the"},
                                    {"q": "", "country": "TR"}])
def test_one_facet_search_when_each_shard_sends_every_value(root, fresh_reader,
                                                            params) -> None:
    """With fewer values per shard than asked for, a search counts its facets once, exactly."""
    with searches(fresh_reader) as sent:
        ours, theirs = ask(root, fresh_reader, **params)
    assert theirs["facets"] == ours["facets"] and theirs["facet_more"] == ours["facet_more"]
    assert _facet_searches(sent) == [sorted(["facet_date",
                                             *(f"facet_{n}" for n in FACET_PARAMS)])]


@pytest.mark.parametrize("params", [{"q": "", "facet_size": 1}, {"q": "the", "facet_size": 2},
                                    {"q": "minister", "facet_size": 1}])
def test_few_values_per_shard_still_exact(root, fresh_reader, params) -> None:
    """Shards asked for very few values: what the bounds prove is kept, only the rest is
    counted again (apart), and the counts are Whoosh's."""
    fresh_reader.shard_size = 1
    with searches(fresh_reader) as sent:
        ours, theirs = ask(root, fresh_reader, **params)
    assert theirs["facets"] == ours["facets"] and theirs["facet_more"] == ours["facet_more"]
    first, *again = _facet_searches(sent)
    assert len(first) == 5 and len(again) <= 1
    assert again and 0 < len(again[0]) < 4  # some proven, some counted again


def test_collapsed_matches_come_with_the_page_stories(root, fresh_reader) -> None:
    """A page costs two searches: the main one (collapsed, no inner hits: those are a search
    per hit) and one for the page's stories and each hit's matches; rows as Whoosh's."""
    ask(root, fresh_reader, q="")  # the facet values are read once, not per search
    with searches(fresh_reader) as sent:
        ours, theirs = ask(root, fresh_reader, q="minister")
    assert len(sent) == 2 and sent[0]["collapse"] == {"field": "story"}
    rows = {r["id"]: r for r in ours["results"]}
    shared = [r for r in theirs["results"] if r["id"] in rows]
    assert any(r["collapsed"] for r in shared)
    for row in shared:
        assert (row["collapsed"], row["more"], row["story"]) == (
            rows[row["id"]]["collapsed"], rows[row["id"]]["more"], rows[row["id"]]["story"])
