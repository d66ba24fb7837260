"""Plain-word ranking from postings arrays: the same BM25F scores as Whoosh's, on a real index
of two segments with deleted documents (updated articles); and what ranking adds to BM25F:
an article holding more of the query ranks higher, but no longer always above a better
article that misses a word."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from conftest import write_jsonl
from whoosh import collectors

from search import ranking
from search.generations import open_index
from search.index import reindex
from search.query import parse_request, search
from search.ranking import Ranking, TermArrays, rankable
from search.syntax import parse_query

WORDS = (
    "harbour ferry strike minister budget flood river council election vote border talks "
    "drought farmers wheat port union court ruling protest police mayor bridge storm rail"
).split()
QUERIES = [
    "harbour", "ferry strike", "minister budget flood", "storm", "vote election court ruling",
    "wheat drought farmers port union police mayor bridge rail council", "Harbour's ferries",
    "nothingmatchesthis", "harbour nothingmatchesthis", "title:harbour", "harbour^2 ferry",
    "(harbour ferry)^2 storm",
    # Exact phrases: matched from positions, scored as the sum of their words (Whoosh's way).
    '"ferry strike"', '"harbour ferry" storm', '"storm storm"', '"vote election court"',
    '"minister budget" "flood river"', 'title:harbour "ferry strike"',
    '"harbour nothingmatchesthis"',
]


def _article(i: int, rng: random.Random, version: int = 0) -> dict:
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6))).capitalize()
    paragraphs = [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 60))).capitalize() + "."
        for _ in range(rng.randint(1, 5))
    ]
    return {
        "id": f"a{i}", "title": f"{title} {i} v{version}", "text": "\n\n".join(paragraphs),
        "date": f"2025-0{1 + i % 9}-1{i % 10}", "source": f"Desk {i % 4}",
    }


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ranking")
    rng = random.Random(5)
    articles = [_article(i, rng) for i in range(80)]
    source = write_jsonl(folder / "articles.jsonl", articles)
    path = folder / "index"
    reindex([source], path, full=True, workers=1)
    # An incremental run rewrites a quarter of them: a second segment, and deleted documents.
    for i in range(0, 80, 4):
        articles[i] = _article(i, rng, version=1)
    write_jsonl(source, articles)
    report = reindex([source], path, workers=1)
    assert report.updated == 20
    return path


@pytest.fixture(scope="module")
def searcher(root: Path):
    with open_index(root).searcher() as opened:
        assert len(opened.reader().leaf_readers()) == 2
        assert opened.reader().has_deletions()
        yield opened


def _whoosh_scores(searcher, query) -> dict[int, float]:
    collector = collectors.UnlimitedCollector()
    searcher.search_with_collector(query, collector)
    return dict(collector.results().items())


@pytest.mark.parametrize("text", QUERIES)
def test_scores_equal_whooshs_bm25f_and_skip_deleted_documents(searcher, text: str):
    query = parse_query(text, searcher).query
    terms = rankable(query, searcher.schema)
    assert terms is not None
    expected = _whoosh_scores(searcher, query)
    scored = TermArrays(searcher.reader()).score(searcher, terms)
    assert scored.matched.tolist() == sorted(expected)
    for docnum, score in expected.items():
        assert scored.bm25[docnum] == pytest.approx(score, rel=1e-12)
    if "nothingmatchesthis" not in text:
        assert expected, "the query should match something"


def test_phrases_match_only_words_in_a_row(searcher):
    query = parse_query('"ferry strike"', searcher).query
    scored = TermArrays(searcher.reader()).score(searcher, rankable(query, searcher.schema))
    both = parse_query("ferry strike", searcher).query
    anywhere = TermArrays(searcher.reader()).score(searcher, rankable(both, searcher.schema))
    in_a_row = set(scored.matched.tolist())
    both_words = {d for d in anywhere.matched.tolist() if anywhere.words[d] == 2}
    assert in_a_row and in_a_row < both_words  # some hold both words, but apart
    for docnum in in_a_row:
        assert "ferry strike" in searcher.stored_fields(docnum)["body"].lower() or (
            "ferry strike" in searcher.stored_fields(docnum)["title"].lower())


def test_ranked_orders_by_score_then_docnum(searcher):
    query = parse_query("ferry strike storm", searcher).query
    leaves = rankable(query, searcher.schema)
    scored = TermArrays(searcher.reader()).score(searcher, leaves, Ranking(candidates=10))
    hits = set(scored.matched.tolist())
    order = list(scored.ranked(hits))
    assert sorted(d for d, _ in order) == sorted(hits)
    assert [(-s, d) for d, s in order] == sorted((-s, d) for d, s in order)
    # Beyond the candidates re-ranked by positions, the score is BM25F times coverage.
    rest = order[scored.candidates :]
    assert rest and all(s == scored.scores[d] for d, s in rest)


def test_ranked_beyond_the_first_sorted_block_keeps_the_order(searcher, monkeypatch):
    query = parse_query("harbour ferry storm rail", searcher).query
    scored = TermArrays(searcher.reader()).score(searcher, rankable(query, searcher.schema))
    hits = set(scored.matched.tolist())
    whole = list(scored.ranked(hits))
    monkeypatch.setattr(ranking, "FIRST_SORTED", 3)  # the lazy path: a few first, then the rest
    assert list(scored.ranked(hits)) == whole
    assert len(whole) > 10


def test_a_small_cache_evicts_and_still_scores_the_same(searcher, monkeypatch):
    query = parse_query("harbour ferry strike minister budget", searcher).query
    terms = rankable(query, searcher.schema)
    expected = TermArrays(searcher.reader()).score(searcher, terms).scores
    monkeypatch.setattr(ranking, "CACHE_POSTINGS", 40)
    table = TermArrays(searcher.reader())
    for _ in range(2):
        assert np.array_equal(table.score(searcher, terms).scores, expected)
    assert table._cached <= 40


@pytest.mark.parametrize("text", ['"ferry strike"~3', "harb*", "person:guler", "harbour -ferry",
                                  "date:2025 harbour"])
def test_anything_but_plain_words_is_left_to_whoosh(searcher, text: str):
    assert rankable(parse_query(text, searcher).query, searcher.schema) is None


def test_search_totals_count_live_documents_only(root: Path):
    request = parse_request(
        {"q": "harbour ferry", "collapse": "none", "per_page": "100", "mode": "lexical"}
    )
    found = search(root, request)
    ids = [r["id"] for r in found["results"]]
    assert len(ids) == len(set(ids)) == found["total"]
    numbers = [int(r["title"].split()[-2]) for r in found["results"]]
    assert len(numbers) == len(set(numbers))  # one version of each article, not two
    updated = [r for r, n in zip(found["results"], numbers, strict=True) if n % 4 == 0]
    assert updated and all(r["title"].endswith("v1") for r in updated)


def test_an_or_holding_anything_but_words_and_phrases_is_left_to_whoosh(searcher):
    from whoosh.query import NullQuery, Or, Term

    assert rankable(Or([Term("body", "harbour"), NullQuery]), searcher.schema) is None
    assert rankable(Or([Term("body", "harbour"), Term("people", "X")]), searcher.schema) is None
    assert rankable(Or([Term("body", "harbour"), Term("title", "ferry")]), searcher.schema)


def test_facets_over_two_segments_count_live_documents_once(root: Path):
    # The 20 rewritten articles are all "Desk 0": their old versions, deleted in the first
    # segment, must not count.
    found = search(root, parse_request({"collapse": "none"}))
    assert found["total"] == 80
    assert {f["value"]: f["count"] for f in found["facets"]["source"]} == {
        "Desk 0": 20, "Desk 1": 20, "Desk 2": 20, "Desk 3": 20,
    }


# What ranking adds to BM25F: coverage of the query, softly.

PEACE = "geneva ceasefire peace talks"


def _news(key: str, title: str, text: str) -> dict:
    return {"id": key, "title": title, "text": text, "date": "2017-02-20", "source": "Wire",
            "url": f"https://coverage.example/{key}"}


# "football" holds every word of PEACE, each once in passing; "geneva" is about the talks but
# says "truce", never "ceasefire"; "twin" and "partial" are alike but for one word.
COVERAGE = [
    _news("football", "Club wins the cup final after extra time",
          "The club won the cup final on Sunday after extra time, its third trophy in a row. "
          "The manager, who talks to the players every morning, said the dressing room was at "
          "peace.\n\nFans had agreed a ceasefire after last year's fights, and the team will "
          "play a friendly in Geneva next month. Tickets for the parade sold out within an hour, "
          "and the players lifted the trophy in front of the town hall, where the mayor thanked "
          "the squad, the staff and the supporters for a season nobody would forget."),
    _news("geneva", "Geneva peace talks resume as envoys meet",
          "Peace talks resumed in Geneva on Monday as envoys of both sides met for the first time "
          "in a month.\n\nThe talks in Geneva aim to turn a fragile truce into lasting peace, the "
          "mediator said. Delegates said the Geneva peace talks would go on all week."),
    _news("twin", "Envoys meet at the border",
          "Envoys met at the border on Tuesday. The peace talks in Geneva and the ceasefire were "
          "on the agenda, officials said.\n\nA new round is due next week."),
    _news("partial", "Envoys meet at the river",
          "Envoys met at the river on Tuesday. The peace talks in Geneva and the harvest were "
          "on the agenda, officials said.\n\nA new round is due next week."),
]


@pytest.fixture(scope="module")
def coverage_root(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("coverage")
    path = folder / "index"
    reindex([write_jsonl(folder / "articles.jsonl", COVERAGE)], path, full=True, workers=1)
    return path


def _keys(root: Path, q: str, **options) -> list[str]:
    request = parse_request({"q": q, "collapse": "none", "mode": "lexical"})
    found = search(root, request, snippets=False, **options)
    return [r["url"].rsplit("/", 1)[1] for r in found["results"]]


def test_a_better_article_missing_one_word_outranks_one_with_every_word(coverage_root: Path):
    request = parse_request({"q": PEACE, "collapse": "none", "mode": "lexical"})
    found = search(coverage_root, request)
    keys = [r["url"].rsplit("/", 1)[1] for r in found["results"]]
    assert keys.index("geneva") < keys.index("football")
    # "football" holds all four words, "geneva" three: the counts still say so.
    assert found["matched_all"] == 2  # football and twin
    assert found["matched_some"] == 2


def test_an_article_holding_more_of_the_query_ranks_higher(coverage_root: Path):
    keys = _keys(coverage_root, PEACE)
    assert keys.index("twin") < keys.index("partial")


def test_queries_whoosh_ranks_weigh_coverage_the_same_way(coverage_root: Path):
    # A negation leaves the ranking to Whoosh: no tier of all-word articles there either.
    keys = _keys(coverage_root, f"{PEACE} -parade")
    assert "football" not in keys
    keys = _keys(coverage_root, f"{PEACE} -harvest")
    assert keys.index("geneva") < keys.index("football")
    assert keys.index("twin") < keys.index("football")


def test_without_coverage_ranking_is_bm25f(coverage_root: Path, searcher):
    plain = Ranking(coverage=0, names=0, lead=0, proximity=0)
    request = parse_request({"q": PEACE, "collapse": "none", "mode": "lexical"})
    scores = [r["score"] for r in search(coverage_root, request, ranking=plain)["results"]]
    with open_index(coverage_root).searcher() as opened:
        query = parse_query(PEACE, opened).query
        expected = sorted(_whoosh_scores(opened, query).values(), reverse=True)
    assert scores == [round(s, 4) for s in expected]
