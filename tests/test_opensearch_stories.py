"""Stories across a cluster: runs that write disjoint halves of one corpus into one alias, one
after the other or at once, give every article the story and copy group of a single run over
the whole corpus, which are those the Whoosh engine gives (search/engines/opensearch_stories.py).
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXTRA_ARTICLES, SEEDS, write_jsonl
from newsroom import ARTICLES as NEWSROOM
from opensearch_cluster import Cluster

from search.generations import current_generation
from search.index import reindex
from search.stories import read_stories
from web.cli import cli

pytestmark = pytest.mark.opensearch
NEWS_ARTICLES = Path("/work/corpora/NewsArticles.csv")
NEWS_ROWS = 150  # of NewsArticles.csv, when present: stories of several articles, many days
CLI = [sys.executable, "-c", "from web.cli import main; main()"]


def _news_rows() -> list[list[str]]:
    if not NEWS_ARTICLES.exists():
        return []
    csv.field_size_limit(1 << 30)
    with NEWS_ARTICLES.open(newline="", encoding="utf-8") as f:
        return [row for _, row in zip(range(NEWS_ROWS + 1), csv.reader(f), strict=False)]


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The corpus in two disjoint halves, ``a/`` and ``b/``: the seeds, the extra articles and
    the news rows alternate between them, so that stories straddle the halves."""
    whole = tmp_path_factory.mktemp("split-corpus")
    (whole / "a").mkdir()
    (whole / "b").mkdir()
    for n, seed in enumerate(sorted(p for p in SEEDS.iterdir() if p.is_file())):
        (whole / "ab"[n % 2] / seed.name).write_bytes(seed.read_bytes())
    write_jsonl(whole / "a" / "extra.jsonl", EXTRA_ARTICLES[::2])
    write_jsonl(whole / "b" / "extra.jsonl", EXTRA_ARTICLES[1::2])
    write_jsonl(whole / "b" / "newsroom.jsonl", NEWSROOM)
    rows = _news_rows()
    if rows:
        _write_csv(whole / "a" / "news.csv", [rows[0], *rows[1::2]])
        _write_csv(whole / "b" / "news.csv", [rows[0], *rows[2::2]])
    return whole


def whoosh_stories(folder: Path, root: Path) -> dict[str, tuple[str, str]]:
    """Each article's (story, copy) from a Whoosh run over ``folder`` (copy: itself if none)."""
    reindex([folder], root, full=True, workers=1, vectors=False)
    return {i: (story, copy or i)
            for i, (story, copy) in read_stories(current_generation(root)).items()}


@pytest.fixture(scope="module")
def expected(corpus, tmp_path_factory) -> dict[str, tuple[str, str]]:
    return whoosh_stories(corpus, tmp_path_factory.mktemp("split-whoosh") / "index")


@pytest.fixture
def alias(opensearch_node: Cluster) -> Iterator[str]:
    name = f"stories-{uuid.uuid4().hex[:8]}"
    yield name
    from opensearchpy import OpenSearch

    OpenSearch(opensearch_node.urls).indices.delete(index=f"{name}-*", ignore_unavailable=True)


def args(folder: Path, root: Path, url: str, alias: str) -> list[str]:
    return ["reindex", str(folder), "--index", str(root), "--engine", "opensearch",
            "--opensearch-url", url, "--opensearch-index", alias, "--workers", "1"]


def run(folder: Path, root: Path, url: str, alias: str, *more: str) -> str:
    out = CliRunner().invoke(cli, args(folder, root, url, alias) + list(more))
    assert out.exit_code == 0, out.output
    return out.output


def stories_in(url: str, alias: str) -> dict[str, tuple[str, str]]:
    from opensearchpy import OpenSearch

    hits = OpenSearch([url]).search(index=alias, body={
        "size": 10_000, "_source": ["story", "copy"]})["hits"]["hits"]
    return {h["_id"]: (h["_source"]["story"], h["_source"]["copy"]) for h in hits}


def _size(stories: dict[str, tuple[str, str]], i: str) -> int:
    return sum(1 for story, _ in stories.values() if story == stories[i][0])


def test_the_halves_share_stories(corpus, expected, tmp_path):
    """The corpus tests something: stories of several articles, some across the halves."""
    sizes = Counter(story for story, _ in expected.values())
    assert sum(1 for n in sizes.values() if n > 1) >= 2
    a, b = (set(whoosh_stories(corpus / h, tmp_path / h)) for h in "ab")
    assert not a & b and a | b == set(expected)
    across = {s for i, (s, _) in expected.items() if i in a} & \
             {s for i, (s, _) in expected.items() if i in b}
    assert across


def test_one_run_gives_the_stories_whoosh_gives(corpus, expected, opensearch_node, alias,
                                                tmp_path):
    run(corpus, tmp_path / "root", opensearch_node.urls[0], alias)
    assert stories_in(opensearch_node.urls[0], alias) == expected


def test_two_runs_one_after_the_other_give_the_stories_of_one_run(corpus, expected,
                                                                  opensearch_node, alias,
                                                                  tmp_path):
    url = opensearch_node.urls[0]
    run(corpus / "a", tmp_path / "machine-a", url, alias)
    first = stories_in(url, alias)
    # Half a alone: its part of a story across the halves is a smaller story.
    assert any(_size(first, i) < _size(expected, i) for i in first)
    run(corpus / "b", tmp_path / "machine-b", url, alias)  # another root, as on another machine
    assert stories_in(url, alias) == expected


def test_two_processes_at_once_give_the_stories_of_one_run(corpus, expected, opensearch_node,
                                                           alias, tmp_path):
    url = opensearch_node.urls[0]
    (tmp_path / "empty").mkdir()
    run(tmp_path / "empty", tmp_path / "first", url, alias)  # the alias, before the writers
    started = time.perf_counter()
    procs = [subprocess.Popen(CLI + args(corpus / h, tmp_path / f"machine-{h}", url, alias),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for h in "ab"]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    print(f"two writers at once: {time.perf_counter() - started:.1f} s")
    assert stories_in(url, alias) == expected


UNRELATED = ("County fair opens with prize marrows",
             "The county fair opened on Saturday with a record entry of prize marrows, judges "
             "said, and the pie contest was postponed by rain until Sunday.")


def _rewrite_record(path: Path, title: str, new: tuple[str, str] | None = None) -> None:
    """Rewrite a .jsonl or .csv file of the corpus with the record of ``title`` given another
    title and text (``new``), or without it."""
    if path.suffix == ".jsonl":
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        kept = [r | {"title": new[0], "text": new[1]} if new and r["title"] == title else r
                for r in records if r["title"] != title or new]
        write_jsonl(path, kept)
        return
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    _write_csv(path, [[*row[:3], new[0], row[4], new[1]] if new and row[3] == title else row
                      for row in rows if row[3] != title or new])


def _titles(path: Path) -> Counter:
    if path.suffix == ".jsonl":
        return Counter(json.loads(line)["title"]
                       for line in path.read_text(encoding="utf-8").splitlines())
    with path.open(newline="", encoding="utf-8") as f:
        return Counter(row[3] for row in csv.reader(f))


def _two_runs_and_a_story_namer(corpus: Path, url: str, alias: str, tmp_path: Path):
    """The halves written in turn; an article of half b (in a .jsonl or .csv) in a story of
    several articles, its earliest if one is: without it the story takes another name."""
    from opensearchpy import OpenSearch

    copy = tmp_path / "corpus"
    shutil.copytree(corpus, copy)
    run(copy / "a", tmp_path / "machine-a", url, alias)
    run(copy / "b", tmp_path / "machine-b", url, alias)
    before = stories_in(url, alias)
    sizes = Counter(story for story, _ in before.values())
    docs = {h["_id"]: h["_source"] for h in OpenSearch([url]).search(index=alias, body={
        "size": 10_000, "_source": ["path", "title"]})["hits"]["hits"]}
    # Chosen by place, not by id (ids hold the temporary folder's path, and which article of
    # a day names its story depends on them), among titles that name one record of their file
    # (the file is rewritten by title); one that names its story if there is one.
    victim = min((i for i, (story, _) in before.items()
                  if sizes[story] > 1 and "/b/" in docs[i]["path"]
                  and not docs[i]["path"].endswith(".txt")
                  and _titles(Path(docs[i]["path"]))[docs[i]["title"]] == 1),
                 key=lambda i: (before[i][0] != i, docs[i]["path"], docs[i]["title"]))
    return copy, before, victim, docs[victim]


def test_an_incremental_run_that_removes_an_article_regroups(corpus, opensearch_node, alias,
                                                             tmp_path):
    url = opensearch_node.urls[0]
    copy, before, victim, doc = _two_runs_and_a_story_namer(corpus, url, alias, tmp_path)
    _rewrite_record(Path(doc["path"]), doc["title"])
    run(copy / "b", tmp_path / "machine-b", url, alias, "--prune")
    after = stories_in(url, alias)
    assert set(after) == set(before) - {victim}
    assert victim not in {story for story, _ in after.values()}
    assert after == whoosh_stories(copy, tmp_path / "whoosh")


def test_links_of_an_article_s_older_version_no_longer_count(corpus, opensearch_node, alias,
                                                             tmp_path):
    url = opensearch_node.urls[0]
    copy, before, victim, doc = _two_runs_and_a_story_namer(corpus, url, alias, tmp_path)
    _rewrite_record(Path(doc["path"]), doc["title"], UNRELATED)
    run(copy / "b", tmp_path / "machine-b", url, alias)
    after = stories_in(url, alias)
    assert after[victim] == (victim, victim)  # alone now
    assert sum(1 for story, _ in after.values() if story == victim) == 1
    assert after == whoosh_stories(copy, tmp_path / "whoosh")


def test_a_lock_left_by_a_dead_run_is_taken_over_once_its_lease_ran_out(
        corpus, expected, opensearch_node, alias, tmp_path):
    from opensearchpy import OpenSearch

    from search.engines.opensearch_stories import LOCK_ID, story_indices

    url = opensearch_node.urls[0]
    run(corpus / "a", tmp_path / "machine-a", url, alias)
    client = OpenSearch([url])
    index = next(iter(client.indices.get_alias(name=alias)))
    links = story_indices(index)[1]
    client.index(index=links, id=LOCK_ID, body={"kind": "lock", "owner": "dead",
                                                "expires": time.time() - 1})
    run(corpus / "b", tmp_path / "machine-b", url, alias)
    assert stories_in(url, alias) == expected
    assert not client.exists(index=links, id=LOCK_ID)  # released


def test_two_writers_on_two_nodes_of_a_cluster(corpus, expected, opensearch_cluster,
                                               tmp_path):
    name = f"stories3-{uuid.uuid4().hex[:8]}"
    urls = opensearch_cluster.urls
    try:
        run(corpus / "a", tmp_path / "machine-a", urls[0], name)
        run(corpus / "b", tmp_path / "machine-b", urls[2], name)
        assert stories_in(urls[1], name) == expected
    finally:
        from opensearchpy import OpenSearch

        OpenSearch(urls).indices.delete(index=f"{name}-*", ignore_unavailable=True)


def test_a_rebuild_leaves_one_story_store(corpus, opensearch_node, alias, tmp_path):
    from opensearchpy import OpenSearch

    url = opensearch_node.urls[0]
    run(corpus / "a", tmp_path / "root", url, alias)
    run(corpus / "a", tmp_path / "root", url, alias, "--full")
    names = sorted(OpenSearch([url]).indices.get(index=f"{alias}-*"))
    index = next(iter(OpenSearch([url]).indices.get_alias(name=alias)))
    assert names == [index, f"{index}-links", f"{index}-signatures"], json.dumps(names)


# The phases of a run's finish, in the orders that matter: a run that links before the other
# has stored anything, a regroup before the other run's links exist, both at each step.
ORDERS = ["aS aL aG bS bL bG", "aS aL bS bL bG aG", "aS bS aL bL aG bG", "aS aL bS aG bL bG"]


@pytest.fixture(scope="module")
def indexed(corpus, opensearch_node, tmp_path_factory) -> Iterator[str]:
    """An alias holding the whole corpus."""
    from opensearchpy import OpenSearch

    name = f"steps-{uuid.uuid4().hex[:8]}"
    run(corpus, tmp_path_factory.mktemp("steps") / "root", opensearch_node.urls[0], name)
    yield name
    OpenSearch(opensearch_node.urls).indices.delete(index=f"{name}-*", ignore_unavailable=True)


@pytest.mark.parametrize("order", ORDERS)
def test_every_order_of_two_writers_steps_gives_the_stories_of_one_run(
        corpus, expected, opensearch_node, indexed, order):
    from opensearchpy import OpenSearch

    from search.engines.opensearch_stories import OpenSearchStories, story_indices
    from search.engines.opensearch_write import OpenSearchWriter
    from search.pipeline import Item, extract_corpus

    url, alias = opensearch_node.urls[0], indexed
    writer = OpenSearchWriter(OpenSearch([url]), alias)
    index = writer.current()[0]
    writer.client.indices.delete(index=",".join(story_indices(index)))
    # The articles are in; their stories and the store are not, as before two runs' finish.
    writer.update_fields([(i, {"story": i, "copy": i}) for i in expected], index=index)
    stores = {h: OpenSearchStories(writer, index) for h in "ab"}
    for h, store in stores.items():
        store._create()
        for item in extract_corpus([corpus / h], {}, workers=1).items:
            if isinstance(item, Item) and item.article.id in expected:  # not skips, copies
                store.add(item.article.id, item.signature)
    links: dict[str, dict] = {}
    for step in order.split():
        store, phase = stores[step[0]], step[1]
        if phase == "S":
            store._write_signatures()
        elif phase == "L":
            links[step[0]] = store._link_added()
            store._write_links(links[step[0]])
        else:
            with store._lock():
                store._regroup()
    assert stories_in(url, alias) == expected
    # A pair is linked by whichever run queried last: by one run only when the other linked
    # before it had stored anything.
    both = links["a"].keys() & links["b"].keys()
    assert bool(both) == (order.index("aL") > order.index("bS"))
