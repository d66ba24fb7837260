"""Hostile queries: whatever a user types or sends, parsing refuses cleanly and search answers.

``parse_request`` may refuse a parameter, with ``BadParameter`` and nothing else; ``search``
must answer every request that parsed. Hypothesis draws the text from any Unicode (surrogates
and control characters included) and from the query syntax itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.index import reindex
from search.query import search
from search.request import BadParameter, SearchRequest, parse_request

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
EXAMPLES = 300
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])

ANY_CHAR = st.characters(codec=None, exclude_categories=())  # surrogates and controls too
SYNTAX = ["AND", "OR", "NOT", "-", "+", '"', "(", ")", "[", "]", "{", "}", "TO", "to", ":",
          "*", "?", "~", "~2", "^", "^3", "\\", "/", "'", "syria", "kurdish", "Erdogan",
          "date:", "date:>", "date:<", "date:today", "date:[2025 to 2024]", "date:2025-13",
          "published:", "title:", "headline:", "body:", "person:", "country:", "region:",
          "source:", "tags:", "id:", "person:\"", "country:syria", "-person:x", "NOT source:",
          "date:[", "2025-08-14", "0000", "99999999999", "*ria", "sy*", "é", "\u200b", "\x00",
          "\ud800", "İ", "ß", "ﬀ", "ǅ"]
SYNTAX_QUERY = st.lists(st.sampled_from(SYNTAX) | st.text(ANY_CHAR, max_size=8), max_size=12)
PARAMS = ["q", "page", "per_page", "sort", "collapse", "from", "to", "region", "country",
          "person", "source"]
VALUE = (st.text(ANY_CHAR, max_size=30)
         | st.sampled_from(["1", "0", "-1", "100", "101", "10000", "10001", "1e3", " 7 ", "7d",
                            "99999d", "9999y", "2025", "2025-02", "2025-02-30", "9999-12-31",
                            "0001-01-01", "relevance", "NEWEST", "oldest", "story", "none"])
         | st.integers(-(10**30), 10**30).map(str))
PARAM_DICT = st.dictionaries(st.sampled_from(PARAMS) | st.text(ANY_CHAR, max_size=5),
                             VALUE | st.lists(VALUE, max_size=60), max_size=8)


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "index"
    reindex([SEEDS], path, workers=1)
    return path


def answer(root: Path, args: dict) -> None:
    """Parse and search: a refusal must be BadParameter, and search must return its shape."""
    try:
        request = parse_request(args)
    except BadParameter:
        return
    assert isinstance(request, SearchRequest)
    data = search(root, request)
    assert data["total"] >= len(data["results"]) >= 0
    assert isinstance(data["facets"], dict)


@pytest.mark.slow
@FUZZ
@given(q=st.text(ANY_CHAR, max_size=300))
def test_any_text_as_a_query(root: Path, q: str):
    answer(root, {"q": q})


@pytest.mark.slow
@FUZZ
@given(words=SYNTAX_QUERY, sort=st.sampled_from(["relevance", "newest", "oldest"]))
def test_query_syntax_soup(root: Path, words: list[str], sort: str):
    answer(root, {"q": " ".join(words), "sort": sort})


@pytest.mark.slow
@FUZZ
@given(args=PARAM_DICT)
def test_any_parameters(root: Path, args: dict):
    answer(root, args)


@pytest.mark.parametrize("q", ["\ud800", "person:\udcff", "\x00" * 50, "a" * 100_000,
                               "(" * 5000, '"' * 999, "date:[0001 to 9999]", "syria~99999",
                               " OR ".join(["syria"] * 2000), "*" * 300])
def test_known_nasty_queries(root: Path, q: str):
    answer(root, {"q": q})
