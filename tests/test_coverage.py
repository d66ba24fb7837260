"""Counts a researcher can quote: how many matches hold every word of a query, how many some."""

from __future__ import annotations

from pathlib import Path

import pytest
from newsroom import build, keys, run

from search.notices import coverage


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("newsroom"))


def test_a_two_word_query_counts_articles_with_both_words_and_with_either(root: Path):
    data = run(root, q="trump putin")
    assert data["total"] == 3  # every article with either word, as before
    assert (data["matched_all"], data["matched_some"]) == (1, 2)
    assert data["words"] == ["trump", "putin"]
    assert keys(data)[0] == "trump-putin"
    assert run(root, q="trump")["total"] == 2  # fewer than "trump putin": it says why


def test_the_counts_sentence(root: Path):
    assert coverage(run(root, q="trump putin")) == (
        "1 article contains all of trump, putin · 2 more contain some"
    )
    assert coverage(run(root, q="putin zzyzxnothing")) == (
        "No article contains all of putin, zzyzxnothing · 2 articles contain some"
    )
    assert coverage(run(root, q="trump")) is None  # one word: the total says it all


@pytest.mark.parametrize(
    ("q", "counts"),
    [
        ("putin", (2, 0, ["putin"])),
        ('"found not guilty" bribery', (1, 0, ['"found not guilty"', "bribery"])),
        ("Trump's taxes", (1, 1, ["trump's", "taxes"])),  # the words as typed, not stems
        ("trump putin -helsinki", (0, 2, ["trump", "putin"])),  # Whoosh ranks it: same counts
        ("trump and putin", (1, 2, ["trump", "putin"])),  # "and" is not one of the words
    ],
)
def test_counts_for_words_phrases_and_negations(root: Path, q: str, counts):
    data = run(root, q=q)
    assert (data["matched_all"], data["matched_some"], data["words"]) == counts
    assert data["total"] == counts[0] + counts[1]


@pytest.mark.parametrize("q", ["", "person:putin", "syria AND talks", "tru*", "-syria"])
def test_no_counts_when_the_query_is_not_a_list_of_words(root: Path, q: str):
    data = run(root, q=q)
    assert (data["matched_all"], data["matched_some"], data["words"]) == (None, None, [])


def test_counts_apply_the_filters(root: Path):
    data = run(root, q="trump putin", source="Moscow Desk")
    assert (data["total"], data["matched_all"], data["matched_some"]) == (1, 0, 1)
