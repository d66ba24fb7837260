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
