"""Positions read a block at a time as flat arrays: the same positions Whoosh decodes one
posting at a time, on a real index of two segments with deleted documents; phrases matched
from them; and common words read whole once and kept."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from conftest import write_jsonl

from search import ranking
from search.analysis import index_term
from search.generations import open_index
from search.index import reindex
from search.positions import in_a_row, read_spots
from search.postings import read_postings
from search.ranking import TermArrays
from search.segment_postings import SegmentPostings

WORDS = "storm river harbour ferry strike council vote the of".split()


def _article(i: int, rng: random.Random, version: int = 0) -> dict:
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 300)))
    if i == 7:  # more than a thousand positions: pickle writes them in several batches
        body = " ".join(["storm", "river"] * 700)
    if i == 11:  # the phrase at the very start of the body
        body = "ferry strike " + body
    return {"id": f"p{i}", "title": f"Report {i} v{version}", "text": body,
            "date": "2025-03-01", "source": "Desk"}


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    folder: Path = tmp_path_factory.mktemp("positions")
    rng = random.Random(11)
    articles = [_article(i, rng) for i in range(160)]
    source = write_jsonl(folder / "articles.jsonl", articles)
    path = folder / "index"
    reindex([source], path, full=True, workers=1)
    for i in range(0, 160, 5):  # a second segment, and deleted documents
        articles[i] = _article(i, rng, version=1)
    write_jsonl(source, articles)
    reindex([source], path, workers=1)
    with open_index(path).searcher() as opened:
        assert len(opened.reader().leaf_readers()) == 2
        yield opened


def _without_arrays(reader) -> TermArrays:
    """Term arrays reading Whoosh's blocks, as for an index written before segment arrays."""
    table = TermArrays(reader)
    assert table.stored is not None
    table.stored = None
    return table


def _whooshs(searcher, word: str) -> dict[int, list[int]]:
    """Whoosh's own positions of ``word`` in the body, one posting at a time."""
    out = {}
    for segment, offset in searcher.reader().leaf_readers():
        if ("body", word) not in segment:
            continue
        matcher = segment.postings("body", word)
        while matcher.is_active():
            out[matcher.id() + offset] = list(matcher.value_as("positions"))
            matcher.next()
    return out


@pytest.mark.parametrize("word", ["storm", "river", "strike", "the"])
def test_positions_equal_whooshs_whole_and_in_part(searcher, word: str):
    reader = searcher.reader()
    found = read_postings(reader, "body", word)
    expected = _whooshs(searcher, word)
    assert len(found.starts) > 1  # several blocks
    whole = read_spots(reader, "body", word, found)
    got = dict(zip(whole.docs.tolist(), whole.lists(), strict=True))
    assert {d: p for d, p in got.items() if d in expected} == expected
    some = found.ids[::7].astype(np.int64)
    part = read_spots(reader, "body", word, found, some)
    assert dict(zip(part.docs.tolist(), part.lists(), strict=True)) == {
        d: got[d] for d in some.tolist()}
    assert whole.subset(some).lists() == part.lists()


def test_a_thousand_positions_and_a_phrase_at_the_start(searcher):
    reader = searcher.reader()
    docnum = next(n for n, f in searcher.iter_docs() if f["title"] == "Report 7 v0")
    table = _without_arrays(reader)
    found = table.postings(reader, "body", "storm")
    spots = read_spots(reader, "body", "storm", found, np.array([docnum]))
    assert spots.lists() == [list(range(0, 1400, 2))]
    words = [index_term("ferry"), index_term("strike")]  # as the body indexes them
    lists = [table.postings(reader, "body", w) for w in words]
    docs = np.intersect1d(lists[0].ids, lists[1].ids).astype(np.int64)
    matched = in_a_row([1, 0], lambda k, some: read_spots(reader, "body", words[k], lists[k],
                                                          some), docs)
    first = next(n for n, f in searcher.iter_docs() if f["title"] == "Report 11 v0")
    assert first in matched.tolist()
    for n in matched.tolist():
        assert "ferry strike" in searcher.stored_fields(n)["body"]
    missed = set(docs.tolist()) - set(matched.tolist())
    assert missed and all("ferry strike" not in searcher.stored_fields(n)["body"]
                          for n in missed)


def test_a_common_word_is_read_whole_once_and_kept(searcher, monkeypatch):
    reader = searcher.reader()
    table = _without_arrays(reader)
    found = table.postings(reader, "body", "the")
    most = found.ids[::2].astype(np.int64)  # touches every block: read whole, kept
    first = table.spots(reader, "body", "the", found, most)
    assert list(table._spots) == [("body", "the")]
    assert len(table._spots[("body", "the")].docs) == len(found.ids)
    assert table.spots(reader, "body", "the", found, most).lists() == first.lists()
    few = found.ids[:2].astype(np.int64)  # one block of a word not kept: read in part
    river = table.postings(reader, "body", "river")
    table.spots(reader, "body", "river", river, river.ids[:2].astype(np.int64))
    assert list(table._spots) == [("body", "the")]
    monkeypatch.setattr(ranking, "CACHE_POSITIONS", 8)  # too many to keep: read, not kept
    small = _without_arrays(reader)
    assert small.spots(reader, "body", "the", found, few).lists() == read_spots(
        reader, "body", "the", found, few).lists()
    assert not small._spots


@pytest.mark.parametrize("field", ["body", "title"])
def test_arrays_written_at_reindex_equal_whooshs_postings(searcher, field: str):
    reader = searcher.reader()
    stored = SegmentPostings.of(reader)
    assert stored is not None and len(stored.parts) == 2
    for word in [*WORDS, "report", "nothingsuch", "v1"]:
        whooshs = read_postings(reader, field, word)
        ids, freqs = stored.postings(field, word)
        assert ids.tolist() == whooshs.ids.tolist()
        assert freqs.tolist() == whooshs.freqs.tolist()
        if len(ids):
            some = ids[::3].astype(np.int64)
            assert stored.spots(field, word, some).lists() == read_spots(
                reader, field, word, whooshs, some).lists()


def test_an_update_writes_arrays_for_its_new_segment_and_keeps_one_per_segment(tmp_path):
    rng = random.Random(3)
    articles = [_article(i, rng) for i in range(20)]
    source = write_jsonl(tmp_path / "a.jsonl", articles)
    reindex([source], tmp_path / "index", full=True, workers=1)
    gen = next((tmp_path / "index").glob("gen-*"))
    first = sorted(p.name for p in gen.glob("postings-*"))
    assert len(first) == 1
    articles[3] = _article(3, rng, version=1)
    write_jsonl(source, articles)
    reindex([source], tmp_path / "index", workers=1)
    with open_index(tmp_path / "index").searcher() as opened:
        names = sorted(f"postings-{s._segment.segment_id()}"
                       for s, _ in opened.reader().leaf_readers())
        assert sorted(p.name for p in gen.glob("postings-*")) == names
        assert SegmentPostings.of(opened.reader()) is not None
