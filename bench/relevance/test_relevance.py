"""Tests of the relevance harness: topics, corpus keys, query translation, pooling and measures.

Collected with the project's tests (``testpaths`` in pyproject.toml), so the harness cannot
rot. Small real corpora in tmp_path, real SQLite, Tantivy and our own index.
"""

from __future__ import annotations

import csv
import math
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from collection import CorpusError, Doc, load
from evaluate import evaluate, ndcg, precision, recall, warnings
from pool import batches, excerpt, neutral_keys, packet, pool, read_judgments, unjudged
from runs import (
    Context,
    clauses,
    corpus_key,
    fts5_match,
    ours_keys,
    rankings,
    tantivy_query,
)
from topics import TYPES, load_topics, split_rule

NASTY = ['"', 'a "b', "AND", "OR x NOT", "(x", "x)", "NEAR(a b)", "-foo", "title:x", "*", "a*",
         "^x", "x:y:z", "'", "[a TO b]", "{x}", "+", "é", "", "   "]


# --- topics ----------------------------------------------------------------------------------


def test_topics_cover_every_type_with_enough_vocabulary_mismatch():
    topics = load_topics()
    counts = Counter(t["type"] for t in topics)
    assert len(topics) == 70 and len({t["id"] for t in topics}) == 70
    assert set(counts) == set(TYPES)
    assert counts["vocabulary"] == 20 and counts["quoted"] == 8
    assert all(t["query"].strip() and "2 =" in t["description"] for t in topics)
    assert all(t["query"].startswith('"') for t in topics if t["type"] == "quoted")


def test_recorded_split_is_the_stratified_rule_and_halves_each_type():
    topics = load_topics()
    assert {t["id"]: t["split"] for t in topics} == split_rule(topics)
    for kind in TYPES:
        splits = Counter(t["split"] for t in topics if t["type"] == kind)
        assert splits["dev"] == splits["test"]
    assert len(load_topics("test")) == 35


# --- the collection --------------------------------------------------------------------------


def make_corpora(root: Path) -> tuple[Path, Path]:
    """A CSV of four rows (one empty, two identical texts) and a BBC tree of three files."""
    table = root / "News.csv"
    with open(table, "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["article_id", "publish_date", "article_source_link", "title", "subtitle",
                      "text"])
        out.writerow(["7", "2017/2/13 10:00", "http://x.test/a", "Dam spillway fails",
                      "Thousands told to leave", "The Oroville Dam spillway eroded on Sunday."])
        out.writerow(["8", "2017/2/14", "http://x.test/b", "Empty", "", "  "])
        out.writerow(["9", "2017/2/15", "http://x.test/c", "Copy", "", "Same words here."])
        out.writerow(["10", "2017/2/15", "http://y.test/c", "copy", "", "Same words, here!"])
    bbc = root / "bbc"
    for folder in ("business", "entertainment", "politics", "sports", "tech"):
        (bbc / folder).mkdir(parents=True)
    more = ("\n\nOfficials said the figures, published on Wednesday, were in line with what "
            "economists and analysts had expected after a quiet month for the wider economy.")
    (bbc / "business" / "001.txt").write_text(
        "Jobless total falls\n\nThe number of people out of work fell again." + more)
    cp1252 = ("Caf\xe9 blogs\n\nWeb logs written in caf\xe9s are on the rise." + more)
    (bbc / "tech" / "002.txt").write_bytes(cp1252.encode("cp1252"))
    (bbc / "sports" / "003.txt").write_text("Coach sacked\n\nThe manager left the club." + more)
    return table, bbc


def test_collection_keys_leads_copies_and_encodings(tmp_path):
    collection = load(*make_corpora(tmp_path))
    assert sorted(collection.docs) == ["bbc:business/001.txt", "bbc:sports/003.txt",
                                       "bbc:tech/002.txt", "na:10", "na:7", "na:9"]
    assert collection.docs["na:7"].lead == "Thousands told to leave"
    assert collection.docs["na:7"].row == 1 and collection.docs["na:9"].row == 3
    assert collection.docs["bbc:business/001.txt"].lead == (
        "The number of people out of work fell again.")
    assert len(collection.docs["na:7"].body.split()) == 7
    assert collection.docs["bbc:tech/002.txt"].title == "Café blogs"
    assert collection.canon("na:9") == collection.canon("na:10") == "na:10"
    assert collection.canon("na:7") == "na:7"


def test_missing_corpora_say_which_option_to_give(tmp_path):
    table, bbc = make_corpora(tmp_path)
    with pytest.raises(CorpusError, match="--newsarticles"):
        load(tmp_path / "nope.csv", bbc)
    with pytest.raises(CorpusError, match="--bbc"):
        load(table, tmp_path)


def test_corpus_keys_come_from_path_and_url_not_ids(tmp_path):
    collection = load(*make_corpora(tmp_path))
    moved = "/elsewhere/bbc/sports/003.txt"  # indexed from another copy of the corpus
    assert corpus_key(moved, "", collection) == "bbc:sports/003.txt"
    assert corpus_key("/x/News.csv", "http://x.test/a", collection) == "na:7"
    assert corpus_key("/x/News.csv#3", "", collection) == "na:9"
    assert corpus_key("/x/bbc/sports/999.txt", "", collection) is None
    assert corpus_key("/x/other.txt", "", collection) is None


@pytest.mark.slow
def test_our_index_maps_every_document_back_to_its_corpus_key(tmp_path):
    from search.index import reindex

    table, bbc = make_corpora(tmp_path)
    reindex([table, bbc], tmp_path / "index", full=True)
    keys = ours_keys(tmp_path / "index", load(table, bbc))
    # One of the two identical texts is indexed once; the empty row is skipped.
    assert len(keys) == 5
    assert {"na:7", "bbc:business/001.txt", "bbc:tech/002.txt", "bbc:sports/003.txt"} <= set(
        keys.values())


def test_engine_runs_rank_the_raw_text_and_reuse_their_cache(tmp_path):
    pytest.importorskip("tantivy")
    table, bbc = make_corpora(tmp_path)
    ctx = Context(load(table, bbc), table, bbc, tmp_path / "cache")
    topics = [{"id": "t1", "query": "jobless"}, {"id": "t2", "query": '"spillway eroded"'},
              {"id": "t3", "query": "same words"}]
    ranked = rankings(ctx, ["fts5", "tantivy"], topics)
    for run in ("fts5", "tantivy"):
        assert ranked[run]["t1"] == ["bbc:business/001.txt"]
        assert ranked[run]["t2"] == ["na:7"]
        assert ranked[run]["t3"] == ["na:10"]  # two copies of one text, listed once
    stamp = tmp_path / "cache" / "fts5.stamp"
    built = stamp.stat().st_mtime_ns
    rankings(ctx, ["fts5"], topics)
    assert stamp.stat().st_mtime_ns == built
    (bbc / "sports" / "003.txt").write_text("Jobless coach\n\nA jobless manager, jobless again.")
    ctx = Context(load(table, bbc), table, bbc, tmp_path / "cache")  # the next run of a script
    assert rankings(ctx, ["fts5"], topics)["fts5"]["t1"][0] == "bbc:sports/003.txt"


# --- queries ---------------------------------------------------------------------------------


def test_clauses_keep_phrases_and_drop_operators():
    assert clauses('"two-state solution" Kilroy-Silk AND jobs') == [
        ["two", "state", "solution"], ["Kilroy", "Silk"], ["jobs"]]
    assert fts5_match("the president's spokesman") == '"the" OR "president s" OR "spokesman"'
    assert tantivy_query('"Fake News" OR Mar-a-Lago') == '"fake news" "mar a lago"'
    assert clauses('unbalanced "quote') == [["unbalanced"], ["quote"]]


@pytest.mark.parametrize("query", NASTY)
def test_fts5_accepts_any_translated_query(query):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize = 'porter unicode61')")
    db.execute("INSERT INTO fts VALUES ('a b', 'foo x y')")
    match = fts5_match(query)
    if match:
        db.execute("SELECT rowid FROM fts WHERE fts MATCH ?", (match,)).fetchall()


def test_tantivy_parses_any_translated_query(tmp_path):
    tantivy = pytest.importorskip("tantivy")
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", tokenizer_name="en_stem")
    index = tantivy.Index(builder.build(), path=str(tmp_path))
    for query in NASTY:
        if tantivy_query(query):
            index.parse_query(tantivy_query(query), ["body"])


# --- pooling ---------------------------------------------------------------------------------


def test_pool_is_the_union_of_each_runs_top_depth():
    ranked = {"a": {"t1": ["x", "y", "z"]}, "b": {"t1": ["w", "x", "v"]}}
    assert pool(ranked, depth=2) == {"t1": ["w", "x", "y"]}


def test_neutral_keys_are_a_seeded_permutation():
    pooled = {"t1": [f"k{i}" for i in range(30)]}
    first, again = neutral_keys(pooled, "s"), neutral_keys(pooled, "s")
    assert first == again
    assert sorted(k for _, k in first["t1"]) == sorted(pooled["t1"])
    assert [k for _, k in first["t1"]] != pooled["t1"]
    assert first["t1"][0][0] == "t1-d01"


def test_a_later_round_pools_only_documents_not_judged_for_their_topic():
    pooled = pool({"ours": {"t1": ["a", "b", "c"], "t2": ["a"], "t3": ["z"]}})
    qrels = {"t1": {"a": 2, "c": 0}, "t2": {"b": 1}, "t3": {"z": 0}}
    assert unjudged(pooled, qrels) == {"t1": ["b"], "t2": ["a"]}  # "a" was judged for t1 only
    keys = neutral_keys(unjudged(pooled, qrels), "s", tag="r2")
    assert keys == {"t1": [("t1-r2d01", "b")], "t2": [("t2-r2d01", "a")]}


def test_batches_are_balanced_by_documents():
    sizes = {f"t{i}": s for i, s in enumerate([50, 40, 30, 30, 20, 20, 10, 10])}
    groups = batches(sizes, 4)
    assert sorted(t for g in groups for t in g) == sorted(sizes)
    assert sorted(sum(sizes[t] for t in g) for g in groups) == [50, 50, 50, 60]


def test_packet_shows_topic_and_cut_text_but_no_run(tmp_path):
    collection = load(*make_corpora(tmp_path))
    topic = {"id": "t1", "query": "jobless", "description": "Unemployment. 2 = about it."}
    text = packet(1, 4, [topic], {"t1": [("t1-d01", "bbc:business/001.txt")]}, collection)
    assert "## Topic t1" in text and "### t1-d01" in text and "Title: Jobless total falls" in text
    assert "bbc:" not in text and "fts5" not in text.lower() and "tantivy" not in text.lower()
    long = Doc(key="k", title="t", subtitle="", body="w " * 400)
    assert excerpt(long, 350).count("w") == 350 and excerpt(long).endswith("[...]")


def test_judgments_must_cover_the_pool_with_grades(tmp_path):
    keys = {"t1-d01": ("t1", "na:1"), "t1-d02": ("t1", "na:2")}
    sheet = tmp_path / "j.tsv"
    sheet.write_text("topic\tdoc\tgrade\tnote\nt1\tt1-d01\t2\t\nt1\tt1-d02\t0\tpassing\n")
    assert read_judgments([sheet], keys) == {("t1", "na:1"): 2, ("t1", "na:2"): 0}
    sheet.write_text("topic\tdoc\tgrade\tnote\nt1\tt1-d01\t3\t\n")
    with pytest.raises(ValueError, match="0, 1 or 2"):
        read_judgments([sheet], keys)
    sheet.write_text("topic\tdoc\tgrade\tnote\nt2\tt1-d01\t1\t\n")
    with pytest.raises(ValueError, match="not in the pool"):
        read_judgments([sheet], keys)


# --- measures --------------------------------------------------------------------------------


def test_measures_on_a_known_ranking():
    grades = {"a": 2, "b": 1, "c": 0, "d": 1}
    ranked = ["c", "a", "x", "b"]
    dcg = 2 / math.log2(3) + 1 / math.log2(5)
    ideal = 2 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg(ranked, grades) == pytest.approx(dcg / ideal)
    assert precision(ranked, grades) == pytest.approx(0.2)
    assert recall(ranked, grades) == pytest.approx(2 / 3)
    assert ndcg(["a", "b", "d"], grades) == pytest.approx(1.0)


def test_evaluate_averages_by_type_and_counts_unjudged():
    topics = [{"id": "t1", "type": "event"}, {"id": "t2", "type": "place"},
              {"id": "t3", "type": "place"}]
    qrels = {"t1": {"a": 2}, "t2": {"b": 1, "c": 0}, "t3": {"z": 0}}
    ranked = {"r": {"t1": ["a", "q"], "t2": ["c", "b"], "t3": ["z"]}}
    scores = evaluate(ranked, topics, qrels)["r"]
    assert scores["all"]["n"] == 2  # t3 has nothing relevant
    assert scores["event"]["recall@100"] == 1.0 and scores["place"]["p@10"] == pytest.approx(0.1)
    assert scores["all"]["unjudged@10"] == pytest.approx(1 / 4)


def test_warnings_name_unjudged_topics_and_runs_the_pool_misses():
    topics = [{"id": "t1", "type": "event"}, {"id": "t2", "type": "event"}]
    qrels = {"t1": {"a": 2}}
    ranked = {"good": {"t1": ["a"], "t2": []}, "new": {"t1": ["q", "r", "a"], "t2": []}}
    scores = evaluate(ranked, topics, qrels)
    lines = warnings(scores, topics, qrels)
    assert lines[0] == "not judged, left out: t2"
    assert len(lines) == 2 and lines[1].startswith("new: 66.7% of its top 10 was never judged")
