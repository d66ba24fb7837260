"""Smoke tests of the OpenSearch test nodes: one node, and three on loopback surviving a loss."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from opensearch_cluster import Cluster, http_json
from opensearch_dist import MODULES, VERSION
from opensearchpy import OpenSearch

pytestmark = pytest.mark.opensearch


def client(cluster: Cluster) -> OpenSearch:
    """A client over every node, as the engine will use it: a dead node is retried elsewhere."""
    return OpenSearch(cluster.urls, max_retries=3, retry_on_timeout=True, timeout=30)


def green(cluster: Cluster, index: str) -> dict:
    """The index's health once green (the client reads "timeout" as its own, so not through it)."""
    url = f"{cluster.live_url()}/_cluster/health/{index}?wait_for_status=green&timeout=60s"
    return http_json(url, timeout=70)


@pytest.fixture
def index3(opensearch_cluster: Cluster) -> Iterator[str]:
    """A fresh index with 3 shards and 1 replica on the three-node cluster, deleted afterwards."""
    name = f"smoke-{uuid.uuid4().hex[:8]}"
    es = client(opensearch_cluster)
    settings = {"number_of_shards": 3, "number_of_replicas": 1}
    es.indices.create(index=name, body={"settings": settings})
    yield name
    es.indices.delete(index=name, ignore_unavailable=True)


def test_single_node_answers_with_its_version_and_our_modules(opensearch_node: Cluster) -> None:
    es = OpenSearch(opensearch_node.urls)
    assert es.info()["version"]["number"] == VERSION
    health = es.cluster.health()
    assert (health["status"], health["number_of_nodes"]) == ("green", 1)
    nodes = http_json(f"{opensearch_node.urls[0]}/_nodes/plugins")["nodes"]
    modules = {m["name"] for node in nodes.values() for m in node["modules"]}
    assert modules == {"transport-netty4"} | {m.name for m in MODULES}


def test_english_analyzer_from_analysis_common_stems(opensearch_node: Cluster) -> None:
    es = OpenSearch(opensearch_node.urls)
    answer = es.indices.analyze(body={"analyzer": "english", "text": "The runners were running"})
    assert [t["token"] for t in answer["tokens"]] == ["runner", "were", "run"]


def test_cluster_has_three_nodes_that_run_unprivileged(opensearch_cluster: Cluster) -> None:
    health = client(opensearch_cluster).cluster.health()
    assert health["number_of_nodes"] == 3
    nodes = http_json(f"{opensearch_cluster.urls[0]}/_cat/nodes?format=json&h=name")
    assert sorted(n["name"] for n in nodes) == ["node-0", "node-1", "node-2"]
    assert len(set(opensearch_cluster.urls)) == 3


def test_index_with_three_shards_and_a_replica_goes_green_and_finds_a_document(
    opensearch_cluster: Cluster, index3: str
) -> None:
    es = client(opensearch_cluster)
    health = green(opensearch_cluster, index3)
    assert (health["status"], health["active_primary_shards"], health["active_shards"]) == (
        "green", 3, 6,
    )
    # Every node holds two of the six shard copies: the replicas are really spread out.
    shards = es.cat.shards(index=index3, format="json")
    assert sorted(sum(s["node"] == n for s in shards) for n in ("node-0", "node-1", "node-2")) == [
        2, 2, 2,
    ]
    es.index(index=index3, id="q1", body={"title": "Quokka sighting stuns rangers"}, refresh=True)
    for url in opensearch_cluster.urls:  # found through any node
        query = {"query": {"match": {"title": "quokka"}}}
        hits = OpenSearch([url]).search(index=index3, body=query)
        assert [h["_id"] for h in hits["hits"]["hits"]] == ["q1"]


def test_searches_answer_while_a_node_is_down_and_it_rejoins(
    opensearch_cluster: Cluster, index3: str
) -> None:
    es = client(opensearch_cluster)
    lines: list[dict] = []
    for i in range(30):
        lines += [{"index": {"_index": index3, "_id": str(i)}}, {"body": f"article {i} on rates"}]
    assert not es.bulk(body=lines, refresh=True)["errors"]
    green(opensearch_cluster, index3)
    # The elected cluster manager is the hardest node to lose: the others hold a new election.
    victim = opensearch_cluster.cluster_manager()
    victim.stop()
    try:
        # OpenSearch answers with partial results when shards are missing; a lost replica
        # would show as fewer hits and failed shards, not as an error.
        answers = [
            es.search(index=index3, body={"query": {"match": {"body": "rates"}}},
                      params={"track_total_hits": "true"})
            for _ in range(20)
        ]
        seen = [(a["hits"]["total"]["value"], a["_shards"]["failed"]) for a in answers]
        assert seen == [(30, 0)] * 20
        health = opensearch_cluster.wait_health("yellow")
        assert health["number_of_nodes"] == 2
        assert opensearch_cluster.cluster_manager() is not victim
    finally:
        opensearch_cluster.restart(victim)
    health = green(opensearch_cluster, index3)
    assert (health["status"], health["number_of_nodes"], health["active_shards"]) == (
        "green", 3, 6,
    )
    assert es.count(index=index3)["count"] == 30
