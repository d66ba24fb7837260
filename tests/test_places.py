"""Tests of search.places: the gazetteer matches that issue 14 added (Irish counties, word
cities) and the focus ranking's zones (a credit line is no place of the story)."""

from __future__ import annotations

import pytest

from search.entities import find_entities
from search.places import Span, find_places, rank_countries, tokenize


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("A man was charged with murder in Co Waterford.", "IE"),
        ("He lives in Clonmel, County Tipperary.", "IE"),
        ("The crash happened in Co Down on Friday.", "GB"),  # Northern Ireland
    ],
)
def test_irish_counties(text: str, code: str) -> None:
    spans = find_places(tokenize(text), lambda start, end: True)
    assert [s.code for s in spans] == [code]


def test_commonwealth_is_no_city() -> None:
    found = find_entities(
        "Games baton relay begins",
        "The Commonwealth Games begin in April. Commonwealth leaders met.",
    )
    assert found.countries == []  # GeoNames has a "Commonwealth" of 215,000 people in PH


def test_credit_lines_name_no_place_of_the_story() -> None:
    body = (
        "Ontario passed the bill on Monday. Canada's provinces are split.\n"
        "Kathleen Foody in Atlanta and Marc Levy in Harrisburg, Pennsylvania, contributed to "
        "this report."
    )
    found = find_entities("Bill passes", body)
    assert found.countries == ["CA"] and found.people == []


def test_rank_countries_skips_credit_zone_spans() -> None:
    toks = tokenize("Canada votes . Marc Levy in Atlanta contributed to this report")
    spans = find_places(toks, lambda start, end: True)
    zones = ["lead"] * 3 + ["credit"] * (len(toks) - 3)
    assert rank_countries(spans, zones) == (["CA"], ["CA"])


def test_a_persons_mentions_weigh_the_focus_not_the_mention_order() -> None:
    spans = [
        Span(0, 1, "SY", "country", "Syria"),
        Span(1, 2, "SY", "country", "Syria"),
        Span(2, 3, "TR", "demonym", "Turkish"),
        *[Span(i, i + 1, "TR", "person", "") for i in (3, 4, 5)],  # "Erdogan" three times
    ]
    zones = ["lead", "body", "body", "body", "body", "body"]
    assert rank_countries(spans, zones) == (["SY", "TR"], ["TR", "SY"])
