"""The query language over a real index: quotes are phrases whatever they hold, stop words
count when the user means them, and syntax that cannot be read says what was searched."""

from __future__ import annotations

from pathlib import Path

import pytest
from newsroom import ARTICLES, build, keys, run


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("newsroom"))

EVERY = len(ARTICLES)

# Quotes


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('"found NOT guilty"', ["not-guilty"]),  # NOT inside quotes is a word, not an operator
        ('"found not guilty"', ["not-guilty"]),  # and so is "not": "found guilty" is not it
        ('"pro -government rally"', ["rally-pro"]),  # a hyphen inside quotes negates nothing
        ('"the source:reuters said"', ["oil"]),  # nor is a colon a filter
        ('"the who"', ["the-who"]),  # nor is "the" dropped: "The jury, who" is not it
        ('"Theresa May"', ["may-brexit"]),
        ('title:"the who"', ["the-who"]),
        ('"found not guilty" OR "the who"', ["not-guilty", "the-who"]),
    ],
)
def test_anything_inside_quotes_is_a_phrase(root: Path, q: str, expected: list[str]):
    data = run(root, q=q)
    assert sorted(keys(data)) == sorted(expected)
    assert data["notices"] == []


@pytest.mark.parametrize(
    ("q", "excluded"),
    [('-"the who"', "the-who"), ('NOT "found not guilty"', "not-guilty"),
     ('-"pro -government rally"', "rally-pro")],
)
def test_a_negated_phrase_excludes_just_that_phrase(root: Path, q: str, excluded: str):
    assert set(keys(run(root, q=q))) == {a["id"] for a in ARTICLES} - {excluded}


def test_a_field_filter_may_take_a_quoted_value(root: Path):
    assert keys(run(root, q='source:"Moscow Desk" putin')) == ["putin-governor"]
    assert keys(run(root, q='person:"vladimir putin" helsinki')) == ["trump-putin"]


@pytest.mark.parametrize(
    ("q", "plain", "words"),
    [
        ('"found not guilty', "found guilty", "found guilty"),  # "not": a common word
        ('found "not guilty" "', 'found "not" guilty', "found not guilty"),  # quoted: meant
        ('title:(syria AND "talks', "title syria talks", "title syria talks"),
        ('"the who', "the who", "who"),
        ('putin "', "putin", "putin"),
    ],
)
def test_an_unbalanced_quote_searches_the_plain_words_and_says_so(root, q, plain, words):
    data = run(root, q=q)
    expected = run(root, q=plain)
    assert (data["total"], keys(data)) == (expected["total"], keys(expected))
    assert data["notices"] == [{
        "code": "syntax", "words": words,
        "message": f"Could not read the query's syntax: searched for the words {words} instead",
    }]  # fmt: skip


@pytest.mark.parametrize("q", ["(((", "AND", "-", '"', "OR OR"])
def test_a_query_with_nothing_to_search_says_so(root: Path, q: str):
    data = run(root, q=q)
    assert data["total"] == EVERY
    assert [n["code"] for n in data["notices"]] == ["syntax"]
    assert data["notices"][0]["message"] == f"Found no words to search for in “{q}”"


@pytest.mark.parametrize(
    "q", ["putin", '"the who"', "syria AND talks", "syria -aleppo", "date:>2017-03-01 putin",
          "person:putin", "title:brexit"],
)
def test_a_query_read_as_written_has_no_notice(root: Path, q: str):
    assert run(root, q=q)["notices"] == []


# Stop words


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("may", {"may-brexit", "brexit-stall"}),  # the name and the verb: the word "may"
        ("will", {"guilty", "the-who", "trump-putin", "syria-aid"}),
        ("the who", {"the-who", "not-guilty"}),
    ],
)
def test_a_query_of_common_words_searches_them(root: Path, q: str, expected: set[str]):
    data = run(root, q=q)
    assert set(keys(data)) == expected
    assert data["sorted_by"] == "relevance"
    assert all("<mark>" in r["title_html"] + r["snippet"] for r in data["results"])


def test_a_stop_word_given_a_field_counts(root: Path):
    data = run(root, q="title:the brexit")
    assert data["words"] == ["the", "brexit"]
    assert (data["matched_all"], data["matched_some"]) == (2, 4)  # six titles hold "the"


def test_a_capitalised_stop_word_after_the_first_word_counts(root: Path):
    data = run(root, q="Theresa May brexit")
    assert data["words"] == ["theresa", "may", "brexit"]
    assert keys(data)[0] == "may-brexit"
    assert data["results"][0]["title_html"] == (
        "<mark>Theresa</mark> <mark>May</mark> sets the date for her <mark>Brexit</mark> letter"
    )


@pytest.mark.parametrize(
    ("q", "same_as"),
    [
        ("trump and putin", "trump putin"),
        ("the brexit talks", "brexit talks"),
        ("May brexit", "brexit"),  # first word of a sentence-like query: not a name
        ("brexit talks may stall", "brexit talks stall"),
    ],
)
def test_lower_case_stop_words_in_a_longer_query_are_left_out(root, q: str, same_as: str):
    data, plain = run(root, q=q), run(root, q=same_as)
    assert (keys(data), data["words"]) == (keys(plain), plain["words"])
    assert [r["score"] for r in data["results"]] == [r["score"] for r in plain["results"]]
