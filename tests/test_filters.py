"""One rule for facet filters, ticked (URL parameters) or typed (``person:putin``): case and
accents do not matter, countries by name or code, people by a whole word of their name."""

from __future__ import annotations

from pathlib import Path

import pytest
from newsroom import build, keys, run


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("newsroom"))

PUTIN = {"trump-putin", "putin-governor"}
VENEZUELA = {"rally-pro", "rally-anti"}


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("person", "Vladimir Putin", PUTIN),
        ("person", "vladimir putin", PUTIN),
        ("person", "putin", PUTIN),
        ("person", "PUTIN", PUTIN),
        ("person", "Vladimír Pútin", PUTIN),  # accents do not matter
        ("person", "trump", {"trump-putin", "trump-tax"}),
        ("person", "put", set()),  # a word of the name, not any part of one
        ("person", "vladimir trump", set()),
        ("country", "VE", VENEZUELA),
        ("country", "ve", VENEZUELA),
        ("country", "Venezuela", VENEZUELA),
        ("country", "venezuela", VENEZUELA),
        ("country", "VEN", VENEZUELA),  # ISO alpha-3
        ("country", "Caracas", VENEZUELA),  # a capital stands for its country
        ("region", "latin america", VENEZUELA),
        ("source", "andes report", VENEZUELA),
        ("source", "andes", VENEZUELA),
        ("source", "and", set()),
    ],
)
def test_ticked_and_typed_filters_follow_one_rule(root: Path, name, value, expected):
    ticked = run(root, **{name: value})
    typed = run(root, q=f'{name}:"{value}"')
    assert set(keys(ticked)) == set(keys(typed)) == expected


def test_the_sidebar_shows_what_a_ticked_value_was_taken_to_mean(root: Path):
    data = run(root, person="putin", country="russia")
    assert data["filters"]["person"] == ["Vladimir Putin"]
    assert data["filters"]["country"] == ["RU"]
    people = {f["value"]: f["selected"] for f in data["facets"]["person"]}
    assert people["Vladimir Putin"] is True and "putin" not in people
    assert {"value": "RU", "count": 2, "selected": True} in data["facets"]["country"]


def test_a_value_matching_nothing_says_so_and_offers_some_that_do(root: Path):
    data = run(root, person="put")
    assert data["total"] == 0
    assert data["notices"] == [{
        "code": "unknown_filter", "param": "person", "value": "put",
        "accepted": ["Vladimir Putin"],
        "message": "No person matches “put”; some that do: Vladimir Putin",
    }]  # fmt: skip
    assert data["filters"]["person"] == ["put"]  # kept, so that it can be removed


@pytest.mark.parametrize(
    ("args", "param", "offered"),
    [
        ({"q": "person:putn"}, "person", ["Vladimir Putin"]),
        ({"q": "-source:nowhere syria"}, "source", None),
        ({"country": "Narnia"}, "country", None),
        ({"country": "IS"}, "country", None),  # Iceland: a country, but no article about it
        ({"region": "atlantis"}, "region", None),
    ],
)
def test_every_filter_matching_nothing_is_noticed(root: Path, args, param, offered):
    (notice,) = run(root, **args)["notices"]
    assert (notice["code"], notice["param"]) == ("unknown_filter", param)
    assert notice["accepted"] and (offered is None or notice["accepted"] == offered)


def test_countries_are_offered_by_name_and_code(root: Path):
    (notice,) = run(root, country="Venezuala")["notices"]
    assert "Venezuela (VE)" in notice["accepted"]
