"""'Did you mean': the likeliest indexed word, weighing how common it is against the slip."""

from __future__ import annotations

from pathlib import Path

import pytest
from newsroom import build, run

from search.spelling import slip_cost


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("newsroom"))


@pytest.mark.parametrize(
    ("q", "suggestion"),
    [
        ("sirya", "syria"),  # not "sirwa", one slip closer but rare
        ("syira", "syria"),  # a swap is one slip: not "shira"
        ("putn", "putin"),  # a left-out vowel is likelier than a stray letter ("put")
        ("ysria", "syria"),  # a swap of the first two letters too
        ("trumo", "trump"),
        ("sirya putn", "syria putin"),
        ("zzyzxq", None),
    ],
)
def test_the_frequent_word_wins_over_a_rare_one_a_slip_closer(root: Path, q, suggestion):
    data = run(root, q=q)
    assert data["total"] == 0
    assert data["suggestion"] == suggestion


@pytest.mark.parametrize(
    ("typed", "meant", "cost"),
    [
        ("syira", "syria", 0.8),  # a swap
        ("putn", "putin", 0.6),  # a vowel left out
        ("putn", "put", 1.0),  # a letter too many
        ("calmm", "calm", 0.6),  # a letter doubled
        ("quoka", "quokka", 0.6),  # half of a double left out
        ("trumo", "trump", 0.7),  # the key next to the right one
        ("sirya", "sirwa", 1.0),
        ("sirya", "syria", 1.4),  # two vowels for each other
        ("syria", "syria", 0.0),
    ],
)
def test_slip_costs(typed: str, meant: str, cost: float):
    assert slip_cost(typed, meant) == pytest.approx(cost)
