"""Publication dates in the shapes news pages write them."""

from datetime import datetime

import pytest

from search.dates import find_date, parse_date

NOW = datetime(2026, 1, 1)


@pytest.mark.parametrize(("value", "expected"), [
    ("13 Aug 2025 21:16", datetime(2025, 8, 13, 21, 16)),
    ("August 14, 2025", datetime(2025, 8, 14)),
    ("2017/2/7", datetime(2017, 2, 7)),
    ("2025-08-14T10:00:00+03:00", datetime(2025, 8, 14, 7, 0)),  # normalised to UTC
    (1700000000, datetime(2023, 11, 14, 22, 13, 20)),
    (1700000000000, datetime(2023, 11, 14, 22, 13, 20)),  # milliseconds
    ("Aug. 14, 2025 9:30 PM", datetime(2025, 8, 14, 21, 30)),
])
def test_parses(value, expected):
    assert parse_date(value, now=NOW) == expected


@pytest.mark.parametrize("value", ["yesterday-ish", "", None, "3000-01-01", "1850-01-01",
                                   "2025-13-45", [1, 2], True, "x" * 500])
def test_rejects_implausible(value):
    assert parse_date(value, now=NOW) is None


def test_find_date_in_a_dateline():
    assert find_date("Ankara – Turkey – August 14, 2025 –") == (datetime(2025, 8, 14),
                                                                 "August 14, 2025")


def test_labelled_dates_in_either_order_and_never_guessed():
    from search.dates import date_order, labelled_date

    assert labelled_date("Published 17/03/2017") == "2017-03-17"
    assert labelled_date("Updated: 03/17/2017") == "2017-03-17"
    assert labelled_date("Published 05/03/2017") == ""  # 5 March or 3 May: the site decides
    assert labelled_date("Published 05/03/2017", day_first=True) == "2017-03-05"
    assert labelled_date("Published 05/03/2017", day_first=False) == "2017-05-03"
    assert labelled_date("Posted on March 5, 2017 by Ann Lee") == "2017-03-05"
    assert (date_order("Published 17/03/2017"), date_order("on 03/17/2017"),
            date_order("05/03/2017")) == ("~day-first", "~month-first", "")
