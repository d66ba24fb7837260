"""Request parsing: the parameters every front end passes, validated once."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from search import SearchError
from search.request import (
    MAX_FILTER_VALUES,
    MAX_QUERY_CHARS,
    BadParameter,
    SearchRequest,
    parse_day,
    parse_end,
    parse_request,
)

NOW = datetime(2025, 8, 15, 9, 30, 12)


def test_defaults():
    req = parse_request({})
    assert (req.q, req.page, req.per_page, req.sort) == ("", 1, 10, "relevance")
    assert (req.date_from, req.date_to, req.raw_from, req.raw_to) == (None, None, "", "")
    assert (req.region, req.country, req.person, req.source) == ([], [], [], [])
    assert req.filters() == {}


def test_single_values_are_stripped_and_the_last_one_wins():
    req = parse_request({"q": ["first", "  syria turkey  "], "page": [" 2 "], "sort": "NEWEST"})
    assert (req.q, req.page, req.sort) == ("syria turkey", 2, "newest")


def test_blank_values_count_as_absent():
    req = parse_request({"q": "   ", "page": "", "per_page": [" "], "sort": "", "from": " "})
    assert (req.q, req.page, req.per_page, req.sort) == ("", 1, 10, "relevance")
    assert (req.date_from, req.raw_from) == (None, "")


def test_the_query_is_cut_to_its_maximum_length():
    assert len(parse_request({"q": "x" * (MAX_QUERY_CHARS + 500)}).q) == MAX_QUERY_CHARS


def test_unknown_parameters_are_ignored():
    assert parse_request({"colour": "blue", "q": "syria"}) == SearchRequest(q="syria")


def test_filters_are_repeatable_in_order_without_duplicates_or_blanks():
    req = parse_request({
        "source": ["Euro Wire", "Daily Ledger", "Euro Wire", "  "],
        "region": "Europe",
        "person": [" Yasar Guler "],
        "country": ["sy", "TR", "sy"],
    })
    assert req.source == ["Euro Wire", "Daily Ledger"]
    assert req.region == ["Europe"]
    assert req.person == ["Yasar Guler"]
    assert req.country == ["SY", "TR"]  # country codes are upper case
    assert req.filters() == {
        "region": ["Europe"], "country": ["SY", "TR"], "person": ["Yasar Guler"],
        "source": ["Euro Wire", "Daily Ledger"],
    }


def test_country_codes_differing_in_case_are_one_value():
    assert parse_request({"country": ["sy", "SY", "Sy"]}).country == ["SY"]


def test_filters_only_lists_the_facets_given():
    assert parse_request({"source": "Euro Wire"}).filters() == {"source": ["Euro Wire"]}


def test_at_most_fifty_values_per_filter():
    names = [f"Source {n}" for n in range(MAX_FILTER_VALUES)]
    assert parse_request({"source": names}).source == names
    assert parse_request({"source": names + names}).source == names  # duplicates do not count
    with pytest.raises(BadParameter) as error:
        parse_request({"source": names + ["One too many"]})
    assert error.value.param == "source"


def test_a_filter_value_has_at_most_200_characters():
    assert parse_request({"person": "x" * 200}).person == ["x" * 200]
    with pytest.raises(BadParameter) as error:
        parse_request({"person": "x" * 201})
    assert error.value.param == "person"


def test_describe_echoes_what_was_asked():
    req = parse_request(
        {"q": "syria", "country": "sy", "from": "7d", "to": "2025-08-14", "sort": "oldest"},
        now=NOW,
    )
    assert req.describe() | {"collapse": None} == {
        "q": "syria", "region": [], "country": ["SY"], "person": [], "source": [],
        "from": "7d", "to": "2025-08-14", "sort": "oldest", "collapse": None, "mode": "hybrid",
    }


@pytest.mark.parametrize(
    ("args", "page", "per_page"),
    [
        ({"page": "1", "per_page": "1"}, 1, 1),
        ({"page": "10000", "per_page": "100"}, 10_000, 100),
        ({"page": "+3", "per_page": "007"}, 3, 7),
    ],
)
def test_page_and_per_page_within_bounds(args: dict, page: int, per_page: int):
    req = parse_request(args)
    assert (req.page, req.per_page) == (page, per_page)


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest", "Oldest"])
def test_every_sort(sort: str):
    assert parse_request({"sort": sort}).sort == sort.lower()


@pytest.mark.parametrize(
    ("args", "param"),
    [
        ({"page": "-1"}, "page"),
        ({"page": "0"}, "page"),
        ({"page": "10001"}, "page"),
        ({"page": "two"}, "page"),
        ({"page": "1.5"}, "page"),
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "101"}, "per_page"),
        ({"per_page": "ten"}, "per_page"),
        ({"sort": "sideways"}, "sort"),
        ({"sort": "relevance; drop"}, "sort"),
        ({"from": "yesterday"}, "from"),
        ({"from": "yesterday-ish"}, "from"),
        ({"from": "2025-13-01"}, "from"),
        ({"from": "2025-02-30"}, "from"),
        ({"from": "14/08/2025"}, "from"),
        ({"from": "7x"}, "from"),
        ({"from": "-7d"}, "from"),
        ({"from": "12345d"}, "from"),
        ({"to": "last week"}, "to"),
        ({"from": "2025-08-15", "to": "2025-08-14"}, "from"),
        ({"from": "2026", "to": "2025-12-31"}, "from"),
        ({"from": "7d", "to": "30d"}, "from"),
    ],
)
def test_bad_parameters(args: dict, param: str):
    with pytest.raises(BadParameter) as error:
        parse_request(args, now=NOW)
    assert error.value.param == param
    assert str(error.value).startswith(f"{param}: ")
    assert isinstance(error.value, SearchError)


def test_a_bad_value_is_quoted_short_in_the_message():
    with pytest.raises(BadParameter) as error:
        parse_request({"page": "9" * 100 + "x"})
    assert len(str(error.value)) < 120
    assert "'999" in str(error.value)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2025-08-14", datetime(2025, 8, 14)),
        ("2025-08", datetime(2025, 8, 1)),
        ("2025", datetime(2025, 1, 1)),
        ("0d", datetime(2025, 8, 15)),
        ("7d", datetime(2025, 8, 8)),
        ("7D", datetime(2025, 8, 8)),
        ("30d", datetime(2025, 7, 16)),
        ("2w", datetime(2025, 8, 1)),
        ("6m", datetime(2025, 2, 16)),  # a month is 30 days
        ("1y", datetime(2024, 8, 15)),  # a year is 365 days
    ],
)
def test_days_absolute_and_relative(text: str, day: datetime):
    assert parse_day("from", text, NOW) == day


def test_a_relative_day_counts_from_the_current_time_by_default():
    today = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
    assert parse_day("from", "0d") in (today, today + timedelta(days=1))  # midnight may pass


def test_from_is_inclusive_and_to_takes_in_its_whole_day():
    req = parse_request({"from": "2025-08-13", "to": "2025-08-14"})
    assert (req.date_from, req.date_to) == (datetime(2025, 8, 13), datetime(2025, 8, 15))
    assert (req.raw_from, req.raw_to) == ("2025-08-13", "2025-08-14")


def test_from_and_to_on_the_same_day_is_that_day():
    req = parse_request({"from": "2025-08-13", "to": "2025-08-13"})
    assert (req.date_from, req.date_to) == (datetime(2025, 8, 13), datetime(2025, 8, 14))


def test_relative_from_and_to_use_now():
    req = parse_request({"from": "30d", "to": "7d"}, now=NOW)
    assert (req.date_from, req.date_to) == (datetime(2025, 7, 16), datetime(2025, 8, 9))


@pytest.mark.parametrize(
    ("to", "end"),
    [
        ("2024", datetime(2025, 1, 1)),
        ("2025-02", datetime(2025, 3, 1)),
        ("2024-02", datetime(2024, 3, 1)),
        ("2024-12", datetime(2025, 1, 1)),
        ("2024-12-31", datetime(2025, 1, 1)),
        ("2024-02-28", datetime(2024, 2, 29)),
        ("7d", datetime(2025, 8, 9)),
        ("9999", None),  # nothing after the calendar's last year: no upper bound
        ("9999-12", None),
        ("9999-12-31", None),
    ],
)
def test_to_takes_in_all_of_the_day_month_or_year_it_names(to: str, end: datetime | None):
    assert parse_end("to", to, NOW) == end
    req = parse_request({"to": to}, now=NOW)
    assert (req.date_to, req.raw_to) == (end, to)


def test_a_year_from_and_to_is_that_year():
    req = parse_request({"from": "2024", "to": "2024"})
    assert (req.date_from, req.date_to) == (datetime(2024, 1, 1), datetime(2025, 1, 1))


@pytest.mark.parametrize("text", ["9999y", "3000y"])
def test_an_age_further_back_than_the_calendar_is_a_bad_parameter(text: str):
    with pytest.raises(BadParameter) as error:
        parse_request({"from": text}, now=NOW)
    assert error.value.param == "from"
    with pytest.raises(BadParameter) as error:
        parse_request({"to": text}, now=NOW)
    assert error.value.param == "to"


def test_a_timezone_aware_now_counts_back_from_its_own_wall_clock_day():
    aware = datetime(2025, 8, 15, 1, 30, tzinfo=timezone(timedelta(hours=9)))
    req = parse_request({"from": "7d", "to": "2025-08-20"}, now=aware)
    assert (req.date_from, req.date_to) == (datetime(2025, 8, 8), datetime(2025, 8, 21))
