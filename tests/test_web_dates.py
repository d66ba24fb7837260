"""Date ranges as the search page writes them out, and the histogram's range summary."""

from __future__ import annotations

from datetime import datetime

import pytest

from web.dates import chosen_dates, date_span, overlaps
from web.present import histogram


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        ("2017-02-14", "2017-03-04", "14 Feb – 3 Mar 2017"),
        ("2017-03-03", "2017-03-10", "3–9 Mar 2017"),
        ("2017-03-03", "2017-03-04", "3 Mar 2017"),
        ("2016-12-30", "2017-01-03", "30 Dec 2016 – 2 Jan 2017"),
        ("2017-03-01", None, "from 1 Mar 2017"),
        (None, "2017-03-04", "until 3 Mar 2017"),
        (None, None, "any time"),
    ],
)
def test_date_span(start: str | None, end: str | None, text: str):
    def when(iso):
        return datetime.fromisoformat(iso) if iso else None

    assert date_span(when(start), when(end)) == text


def test_chosen_dates_end_after_the_last_day_of_a_month():
    start, end = chosen_dates({"from": "2017-02", "to": "2017-02"})
    assert (start, end) == (datetime(2017, 2, 1), datetime(2017, 3, 1))
    assert chosen_dates({"from": "", "to": ""}) == (None, None)


def test_a_bucket_overlaps_a_range_that_meets_any_of_its_days():
    march = {"from": "2017-03-01", "to": "2017-03-31"}
    assert overlaps(march, datetime(2017, 3, 31), None)
    assert not overlaps(march, datetime(2017, 4, 1), None)
    assert overlaps(march, None, datetime(2017, 3, 2))
    assert not overlaps(march, None, datetime(2017, 3, 1))  # the end is exclusive


def test_the_histogram_says_how_many_articles_it_leaves_out_undated(app):
    data = {
        "total": 5,
        "facets": {"date": [{"from": "2017-03-01", "to": "2017-03-01", "count": 2},
                            {"from": "2017-03-02", "to": "2017-03-02", "count": 1}],
                   "date_unit": "day"},
    }  # fmt: skip
    state = {"q": "", "from": "", "to": "", "sort": "relevance", "collapse": "story",
             "per_page": 10, "page": 1, "facet_size": {},
             "region": [], "country": [], "person": [], "source": []}  # fmt: skip
    with app.test_request_context("/"):
        chart = histogram(data, state)
    assert chart["summary"] == "1–2 Mar 2017: 3 articles (2 undated not shown)"
    assert (chart["scale"], chart["ranged"]) == ("2", False)
    assert [bar["chosen"] for bar in chart["bars"]] == [False, False]
