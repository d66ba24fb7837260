"""The OpenSearch read side against the embedded engine: one corpus indexed into both (a real
Whoosh index by ``reindex``, a real node by ``OpenSearchWriter``), the same requests asked of
both, the answers compared.

What must be identical: every number (``total``, ``total_results``, pages, word coverage),
facets and their counts, the date histogram, the suggestion, notices, the mode, and each
article's row (title and snippet HTML, story, collapsed matches) wherever both list it.
What may differ, and how it is compared:

- rank order under ``sort=relevance``: Lucene's BM25 has another idf than Whoosh's BM25F, and
  our ranking adds coverage, names and positions (search/ranking.py). When a page holds every
  result, the sets are compared (of stories when collapsed: which member stands for a story is
  its best-scoring one); across all pages, the union; otherwise only the rows both list.
- order among articles of the same date under ``sort=newest|oldest``: Whoosh breaks ties by
  document number, OpenSearch by id. The sequence of dates is compared, and the rows both list.
- scores (``score``) are never compared.

The corpus: the seeds, conftest's extra articles (one hostile), the newsroom of
tests/newsroom.py, and the first rows of NewsArticles.csv when it is on this machine.
"""

from __future__ import annotations

import csv
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import EXTRA_ARTICLES, SEEDS, write_jsonl
from killable_opensearch_rebuild import documents_from
from newsroom import ARTICLES as NEWSROOM
from opensearch_cluster import Cluster, free_ports
from opensearchpy import OpenSearch

from search import budget
from search.engines.opensearch_mapping import settings_and_mappings
from search.engines.opensearch_read import OpenSearchReader
from search.engines.opensearch_write import (
    ClusterUnavailable,
    NoIndex,
    OpenSearchWriter,
    StaleIndex,
)
from search.generations import current_generation, index_stats
from search.index import reindex
from search.query import (
    ArticleNotFound,
    StoryNotFound,
    get_article,
    get_story,
    iter_results,
    parse_request,
    related,
    search,
)
from search.stories import read_stories

pytestmark = pytest.mark.opensearch
NEWS_ARTICLES = Path("/work/corpora/NewsArticles.csv")
NEWS_ROWS = 150  # of NewsArticles.csv, when present: stories, people, many days


@pytest.fixture(scope="module")
def read_corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("os-read-corpus")
    write_jsonl(folder / "extra.jsonl", EXTRA_ARTICLES)
    write_jsonl(folder / "newsroom.jsonl", NEWSROOM)
    for seed in SEEDS.iterdir():
        (folder / seed.name).write_bytes(seed.read_bytes())
    if NEWS_ARTICLES.exists():
        csv.field_size_limit(1 << 30)
        with NEWS_ARTICLES.open(newline="", encoding="utf-8") as f:
            rows = [row for _, row in zip(range(NEWS_ROWS + 1), csv.reader(f), strict=False)]
        with (folder / "news.csv").open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
    return folder


@pytest.fixture(scope="module")
def root(read_corpus, tmp_path_factory) -> Path:
    """The corpus in a real Whoosh index."""
    root = tmp_path_factory.mktemp("os-read-index") / "index"
    reindex([read_corpus], root, full=True, workers=1, vectors=False)
    return root


@pytest.fixture(scope="module")
def docs(read_corpus, root) -> list[dict]:
    """The same articles as OpenSearch documents, with the stories and copies Whoosh's run
    found (a shared story store is another part of issue 13)."""
    stories = read_stories(current_generation(root))
    found = list(documents_from([read_corpus]))
    assert {d["id"] for d in found} == set(stories)
    for doc in found:
        story, copy = stories[doc["id"]]
        doc["story"], doc["copy"] = story, copy or doc["id"]
    return found


def _reader(urls: list[str], docs: list[dict], shards: int, replicas: int) -> Iterator:
    es = OpenSearch(urls)
    alias = f"read-{uuid.uuid4().hex[:8]}"
    report = OpenSearchWriter(es, alias, shards=shards, replicas=replicas).rebuild(docs)
    assert report.indexed == len(docs) and not report.failed
    try:
        yield OpenSearchReader(es, alias)
    finally:
        es.indices.delete(index=f"{alias}-*", ignore_unavailable=True)


@pytest.fixture(scope="module")
def reader(opensearch_node: Cluster, docs) -> Iterator[OpenSearchReader]:
    yield from _reader(opensearch_node.urls, docs, 1, 0)


@pytest.fixture(scope="module")
def cluster_reader(opensearch_cluster: Cluster, docs) -> Iterator[OpenSearchReader]:
    yield from _reader(opensearch_cluster.urls, docs, 3, 1)


@pytest.fixture(params=["one node", "three nodes"])
def layout_reader(request) -> OpenSearchReader:
    """The contract runs on one node (1 shard) and on the three-node cluster (3 shards, 1
    replica each): totals, facets and stories must not depend on how the index is split."""
    return request.getfixturevalue("reader" if request.param == "one node" else "cluster_reader")


def ask(root: Path, reader: OpenSearchReader, **params) -> tuple[dict, dict]:
    request = parse_request({k: str(v) for k, v in params.items()})
    return search(root, request), reader.search(request)


def assert_same_answer(ours: dict, theirs: dict) -> None:
    """Everything but the order of the results identical; see the module's docstring."""
    assert set(theirs) == set(ours)
    for key in ours:
        if key != "results":
            assert theirs[key] == ours[key], key
    rows = {r["id"]: r for r in ours["results"]}
    both = [r for r in theirs["results"] if r["id"] in rows]
    for row in both:
        assert _unscored(row) == _unscored(rows[row["id"]]), row["id"]
    if ours["sorted_by"] != "relevance":
        assert [r["published"] for r in theirs["results"]] == [
            r["published"] for r in ours["results"]]
    elif ours["total_results"] <= ours["per_page"]:  # the page holds every result
        key = "story" if ours["collapse"] == "story" else "id"
        assert _groups(theirs, key) == _groups(ours, key)
    else:
        assert len(theirs["results"]) == len(ours["results"])


def _unscored(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "score"}


def _groups(data: dict, key: str) -> set[str]:
    return {r["story"]["id"] if key == "story" else r["id"] for r in data["results"]}


# (params, whether it must find something: a comparison of two empty answers proves little)
REQUESTS = [
    ({"q": "syria"}, True),
    ({"q": "turkey interest rates"}, True),
    ({"q": "trump putin meeting"}, NEWS_ARTICLES.exists()),
    ({"q": "russia merkel"}, NEWS_ARTICLES.exists()),  # names: Merkel's articles match too
    ({"q": '"found not guilty"'}, True),
    ({"q": '"donald trump"'}, NEWS_ARTICLES.exists()),
    ({"q": '"interest rate"~3'}, True),
    ({"q": "syria AND turkey"}, True),
    ({"q": "syria OR brexit"}, True),
    ({"q": "syria -turkey"}, True),
    ({"q": "NOT syria", "per_page": 100}, True),
    ({"q": "title:syria"}, True),
    ({"q": "person:erdogan"}, True),
    ({"q": 'syria source:"Daily Ledger"'}, False),
    ({"q": "turkey -source:\"Daily Ledger\""}, True),
    ({"q": "syr*"}, True),
    ({"q": "[syria TO syz]"}, True),
    ({"q": "zzqq*"}, False),  # a pattern matching no word: nothing to rank by
    ({"q": "title:(syria OR brexit)"}, True),
    ({"q": "minister date:[2017-03-10 to]"}, True),
    ({"q": "*"}, False),
    ({"q": "turkey", "country": "TR"}, True),
    ({"q": "", "region": "Europe"}, True),
    ({"q": "minister", "person": "Theresa May"}, True),
    ({"q": "", "source": "Daily Ledger", "country": "TR"}, True),
    ({"q": "the", "from": "2017-02-03", "to": "2017-02-06"}, NEWS_ARTICLES.exists()),
    ({"q": "", "from": "2025-07", "to": "2025"}, True),
    ({"q": "minister", "sort": "newest"}, True),
    ({"q": "minister", "sort": "oldest"}, True),
    ({"q": "", "sort": "relevance"}, True),  # browsing: newest first
    ({"q": "trump", "collapse": "none", "per_page": 100}, NEWS_ARTICLES.exists()),
    ({"q": "trump", "per_page": 100}, NEWS_ARTICLES.exists()),
    ({"q": "minister", "page": 2, "per_page": 3}, True),
    ({"q": "minister", "page": 99}, True),  # past the end: a notice
    ({"q": "zzyzxq"}, False),
    ({"q": "syira"}, False),  # did you mean: syria
    ({"q": "quokkas rangerz"}, True),
    ({"q": "person:nobodyatall syria"}, False),  # an unknown filter value: a notice
    ({"q": 'syria "turkey'}, True),  # an unpaired quote: the words, and a notice
    ({"q": "the"}, True),
    ({"q": "trump", "facet_size": 2, "source": "Evil Gazette"}, False),  # ticked, not listed
    ({"q": "syria", "mode": "lexical"}, True),
    ({"q": "syria", "sort": "newest", "mode": "hybrid"}, True),
]


@pytest.mark.parametrize(("params", "finds"), REQUESTS, ids=[str(p) for p, _ in REQUESTS])
def test_same_answer_as_whoosh(root, layout_reader, params: dict, finds: bool) -> None:
    ours, theirs = ask(root, layout_reader, **params)
    assert_same_answer(ours, theirs)
    if finds:
        assert ours["total"] > 0


def test_the_details_the_comparison_rests_on(root, reader) -> None:
    """Not vacuous: suggestions, notices, ticked values and snippets are really there."""
    assert ask(root, reader, q="syira")[1]["suggestion"] == "syria"
    notices = ask(root, reader, q="person:nobodyatall syria")[1]["notices"]
    assert [n["code"] for n in notices] == ["unknown_filter"]
    data = ask(root, reader, q="minister", page=99)[1]
    assert data["past_end"] and data["notices"][0]["code"] == "past_end"
    hostile = ask(root, reader, q="quokka")[1]["results"][0]
    assert "<script>" not in hostile["title_html"] + hostile["snippet"]
    assert "&lt;script&gt;" in hostile["snippet"] and "<mark>quokka</mark>" in hostile["snippet"]
    data = ask(root, reader, q="syria", mode="hybrid")[1]
    assert (data["mode"], data["mode_notice"]) == (
        "lexical", "searched by words only: this index has no vectors; rebuild with vectors")


def test_pages_cover_the_same_results(root, layout_reader) -> None:
    """Page by page (3 a page), OpenSearch lists each story once and the same stories in all."""
    seen: list[str] = []
    page = 1
    while True:
        ours, theirs = ask(root, layout_reader, q="minister", page=page, per_page=3)
        seen += [r["story"]["id"] for r in theirs["results"]]
        if page >= ours["pages"]:
            break
        page += 1
    everything = ask(root, layout_reader, q="minister", per_page=100)[0]
    assert len(seen) == len(set(seen)) == everything["total_results"] > 3
    assert set(seen) == _groups(everything, "story")


def test_articles_and_stories_identical(root, layout_reader, docs) -> None:
    for doc in docs:
        assert layout_reader.get_article(doc["id"]) == get_article(root, doc["id"])
    for story in {d["story"] for d in docs} | {docs[-1]["id"]}:
        assert layout_reader.get_story(story) == get_story(root, story)
    with pytest.raises(ArticleNotFound):
        layout_reader.get_article("no-such-id")
    with pytest.raises(StoryNotFound):
        layout_reader.get_story("no-such-story")


def test_export_stream_matches(root, layout_reader) -> None:
    request = parse_request({"q": "minister", "sort": "oldest"})
    count, rows = iter_results(root, request, offset=2, limit=5, snippets=True, body=True)
    theirs_count, theirs = layout_reader.iter_results(request, offset=2, limit=5, snippets=True,
                                               body=True)
    ours, theirs = list(rows), list(theirs)
    assert theirs_count == count and len(theirs) == len(ours) == min(5, count - 2)
    assert [r["published"] for r in theirs] == [r["published"] for r in ours]
    by_id = {r["id"]: r for r in ours}
    assert all(r == by_id[r["id"]] for r in theirs if r["id"] in by_id)
    assert "body" in theirs[0]
    everything = layout_reader.iter_results(parse_request({"q": ""}))
    assert sum(1 for _ in everything[1]) == everything[0] == index_stats(root)["articles"]


def test_related_and_stats(root, reader, docs) -> None:
    article = next(d for d in docs if d["title"].startswith("Donors pledge aid for Syria"))
    found = reader.related(article["id"])
    ours = related(root, article["id"])
    assert found and set(found[0]) == set(ours[0])
    assert article["story"] not in {r["story"]["id"] for r in found}
    assert len({r["story"]["id"] for r in found}) == len(found)  # one per story
    stats, expected = reader.stats(), index_stats(root)
    assert set(stats) == set(expected)
    for key in ("articles", "sources", "first", "last"):
        assert stats[key] == expected[key], key
    assert stats["vectors"] is None and stats["size_bytes"] > 0


def test_a_cluster_that_is_down_or_an_alias_without_index() -> None:
    down = OpenSearchReader(OpenSearch([f"http://127.0.0.1:{free_ports(1)[0]}"],
                                       max_retries=0), "news")
    with pytest.raises(ClusterUnavailable):
        down.search(parse_request({"q": "syria"}))


def test_a_request_past_its_budget_stops(reader) -> None:
    with budget.deadline(time.monotonic() - 1), pytest.raises(budget.OverBudget):
        reader.search(parse_request({"q": "syria"}))


def test_no_index_behind_the_alias(reader) -> None:
    missing = OpenSearchReader(reader.client, f"missing-{uuid.uuid4().hex[:6]}")
    with pytest.raises(NoIndex):
        missing.search(parse_request({"q": "syria"}))


def test_an_index_of_another_schema_is_stale(reader) -> None:
    """An index written before the story fields (or by another schema version) is refused
    with StaleIndex, as the write side refuses to update it, not with a 400 from collapse."""
    es, alias = reader.client, f"old-{uuid.uuid4().hex[:6]}"
    body = settings_and_mappings()
    del body["mappings"]["properties"]["story"]
    es.indices.create(index=f"{alias}-1", body={**body, "aliases": {alias: {}}})
    try:
        with pytest.raises(StaleIndex):
            OpenSearchReader(es, alias).search(parse_request({"q": "syria"}))
    finally:
        es.indices.delete(index=f"{alias}-1")


@pytest.mark.parametrize("params", [
    {"q": "minister"}, {"q": "", "facet_size": 1}, {"q": "trump", "facet_size": 3},
    {"q": "syria", "collapse": "none", "country": "SY"}, {"q": "", "person": "Donald Trump"},
    {"q": "syira"}, {"q": "presdent obmaa"},
])
def test_three_shards_exact(root, cluster_reader, params: dict) -> None:
    """Totals, story counts and facet counts are exact across 3 shards with replicas, and
    did-you-mean weighs words by their frequency summed over the shards."""
    ours, theirs = ask(root, cluster_reader, **params)
    for key in ("total", "total_results", "facets", "facet_more", "matched_all", "pages",
                "suggestion"):
        assert theirs[key] == ours[key], key


def test_deep_pages(root, reader) -> None:
    """Past OpenSearch's result window a page is refused, naming the parameter, unless it
    is past the end (then the same notice as Whoosh's)."""
    ours, theirs = ask(root, reader, q="minister", page=2_000, per_page=10)
    assert theirs["past_end"] and theirs["notices"] == ours["notices"]
    assert theirs["results"] == [] and theirs["total"] == ours["total"]


def test_three_shards_answer_the_same_with_a_node_down(root, opensearch_cluster,
                                                       cluster_reader) -> None:
    """With one of three nodes stopped, every shard still has a copy: the reader's answers
    (never partial: allow_partial_search_results=false) are Whoosh's, then again once the
    node has rejoined."""
    expected = ask(root, cluster_reader, q="minister")[0]
    manager = opensearch_cluster.cluster_manager()
    victim = next(node for node in opensearch_cluster.nodes if node is not manager)
    victim.stop()
    try:
        for _ in range(5):
            data = ask(root, cluster_reader, q="minister")[1]
            assert (data["total"], data["facets"]) == (expected["total"], expected["facets"])
    finally:
        opensearch_cluster.restart(victim)
    assert ask(root, cluster_reader, q="minister")[1]["facets"] == expected["facets"]


def test_new_facet_values_are_read_after_a_write(opensearch_node, docs) -> None:
    """The facet values a filter is read against follow the index: a person an upsert adds
    is a known value by the next search (after the version's second), not an unknown one."""
    es, alias = OpenSearch(opensearch_node.urls), f"grow-{uuid.uuid4().hex[:6]}"
    writer = OpenSearchWriter(es, alias)
    writer.rebuild(docs[:4])
    try:
        reader = OpenSearchReader(es, alias)
        request = parse_request({"q": "", "person": "quux"})
        before = reader.search(request)
        assert before["total"] == 0 and before["notices"][0]["code"] == "unknown_filter"
        added = {**docs[0], "id": "new-1", "people": "Zanzibar Quux", "story": "new-1",
                 "copy": "new-1"}
        writer.upsert([added])
        time.sleep(1.2)
        after = reader.search(request)
        assert (after["total"], after["notices"]) == (1, [])
        assert after["filters"]["person"] == ["Zanzibar Quux"]
    finally:
        es.indices.delete(index=f"{alias}-*", ignore_unavailable=True)
