"""Facet tables and counts over a real index, and facets as search() reports them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from conftest import EXTRA_ARTICLES, SEEDS, write_jsonl

from search.facets import FacetTable, date_buckets, facet_counts
from search.generations import open_index
from search.index import reindex
from search.query import BadParameter, parse_request, search

# Days chosen for the histogram's edges: 2025-10-01 to 2025-12-01 spans 61 days (62 day
# buckets, the most), to 2025-12-02 spans 62 (months); 2026-01-15 crosses a year.
CALENDAR = [
    {"id": f"calendar-{day}", "title": title, "text": text, "date": day,
     "source": "Calendar Desk", "url": f"https://calendar.example/{day}"}
    for day, title, text in [
        ("2025-10-01", "Harvest fair opens", "The harvest fair opened with pumpkins and cider."),
        ("2025-12-01", "Ice rink returns", "Skaters queued at dawn as the ice rink reopened."),
        ("2025-12-02", "Choir rehearses carols", "The choir practised carols in the old chapel."),
        ("2026-01-15", "Library extends hours", "Readers welcomed longer opening hours in winter."),
    ]
]
EVERY = 2 + len(EXTRA_ARTICLES) + len(CALENDAR)
SOURCES = {
    "": 1,  # the second seed names no source
    "Al Mayadeen English": 1, "Calendar Desk": 4, "Daily Ledger": 2, "Euro Wire": 2,
    "Evil Gazette": 1, "Pacific Times": 1, "Southern Post": 1,
}
# As search() lists them: the empty source as "(unknown)", so the counts add up to the total.
LISTED_SOURCES = {k or "(unknown)": v for k, v in SOURCES.items()}


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("facets")
    jsonl = write_jsonl(folder / "articles.jsonl", EXTRA_ARTICLES + CALENDAR)
    path = folder / "index"
    assert reindex([SEEDS, jsonl], path, full=True, workers=1).added == EVERY
    return path


@pytest.fixture(scope="module")
def searcher(root: Path):
    with open_index(root).searcher() as opened:
        yield opened


@pytest.fixture(scope="module")
def table(searcher) -> FacetTable:
    return FacetTable(searcher)


def on(table: FacetTable, *days: str) -> frozenset[int]:
    """The documents published on these days."""
    postings = table.postings("day")
    return frozenset().union(*(postings[d] for d in days))


def run(root: Path, **args) -> dict:
    args.setdefault("collapse", "none")  # one result per article, no story folding
    return search(root, parse_request(args))


def counts(facet: list[dict]) -> dict[str, int]:
    return {entry["value"]: entry["count"] for entry in facet}


def selected(facet: list[dict]) -> set[str]:
    return {entry["value"] for entry in facet if entry["selected"]}


# The tables


def test_postings_hold_each_value_with_its_documents(table: FacetTable):
    assert {value: len(docs) for value, docs in table.postings("source").items()} == SOURCES
    assert {v: len(d) for v, d in table.postings("regions").items()} == {
        "Africa": 1, "Asia": 1, "Europe": 5, "Latin America": 1, "Middle East & North Africa": 3,
    }


def test_values_invert_the_postings_and_match_the_stored_fields(table, searcher):
    by_doc = table.values("regions")
    for docnum in table.live():
        stored = searcher.stored_fields(docnum).get("regions") or ""
        assert sorted(by_doc.get(docnum, ())) == sorted(v for v in stored.split(",") if v)
    assert sum(len(v) for v in by_doc.values()) == 11


def test_live_is_every_document(table: FacetTable):
    assert table.live() == frozenset(range(EVERY))


@pytest.mark.parametrize(
    ("values", "size"),
    [(["Euro Wire"], 2), (["Euro Wire", "Daily Ledger"], 4), (["Euro Wire", "Nobody"], 2),
     (["Nobody"], 0), ([], 0)],
)
def test_matching_is_or_within_a_facet(table: FacetTable, values: list[str], size: int):
    postings = table.postings("source")
    found = table.matching("source", values)
    assert len(found) == size
    assert found == frozenset().union(*(postings.get(v, frozenset()) for v in values))


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (datetime(2025, 8, 13), datetime(2025, 8, 14), ["2025-08-13"]),
        (datetime(2025, 8, 13), None, ["2025-08-13", "2025-08-14", "2025-10-01", "2025-12-01",
                                       "2025-12-02", "2026-01-15"]),
        (None, datetime(2025, 3, 15), ["2024-12-11"]),  # the end is exclusive
        (None, datetime(2025, 3, 16), ["2024-12-11", "2025-03-15"]),
        (datetime(2025, 8, 2), datetime(2025, 8, 13), []),
    ],
)
def test_in_dates_is_start_inclusive_end_exclusive(table, start, end, days):
    assert table.in_dates(start, end) == on(table, *days)


def test_no_date_range_means_no_date_filter(table: FacetTable):
    assert table.in_dates(None, None) is None


@pytest.mark.parametrize("start", [datetime(999, 1, 1), datetime(25, 3, 20), datetime(1, 1, 1)])
def test_in_dates_from_a_year_before_1000(table: FacetTable, start: datetime):
    assert table.in_dates(start, None) == table.live()
    assert table.in_dates(None, start) == frozenset()


@pytest.mark.parametrize("start", ["0999-01-01", "2000y"])
def test_searching_from_a_year_before_1000_finds_everything(root: Path, start: str):
    assert run(root, **{"from": start})["total"] == EVERY


# Counting


def test_facet_counts_most_frequent_first_then_by_value(table: FacetTable):
    assert facet_counts(table, "source", table.live()) == [
        ("Calendar Desk", 4), ("Daily Ledger", 2), ("Euro Wire", 2), ("", 1),
        ("Al Mayadeen English", 1), ("Evil Gazette", 1), ("Pacific Times", 1),
        ("Southern Post", 1),
    ]
    assert facet_counts(table, "source", table.live(), limit=2) == [
        ("Calendar Desk", 4), ("Daily Ledger", 2),
    ]


def test_facet_counts_count_only_the_documents_given(table: FacetTable):
    europe = table.matching("regions", ["Europe"])
    assert facet_counts(table, "source", europe) == [
        ("Euro Wire", 2), ("", 1), ("Al Mayadeen English", 1), ("Daily Ledger", 1),
    ]
    assert facet_counts(table, "countries", europe, limit=3) == [
        ("TR", 4), ("SY", 3), ("US", 2),
    ]
    assert facet_counts(table, "source", frozenset()) == []


def test_counting_from_arrays_agrees_with_counting_one_by_one(table: FacetTable):
    # Large match sets are counted with a mask over the (document, value) pairs, and most of
    # the documents by taking the others' counts from the totals; ties at the limit must fall
    # the same way (by value) as when counting document by document.
    europe = table.matching("regions", ["Europe"])
    all_but_one = table.live() - {min(table.live())}
    for docs in (europe, table.live() - europe, frozenset(list(table.live())[::2]), all_but_one):
        for field in ("source", "countries", "people", "regions", "day"):
            for limit in (None, 1, 2, 3, 20):
                by_one = facet_counts(table, field, docs, limit=limit)
                assert facet_counts(table, field, docs, limit, table.mask(docs)) == by_one
    assert facet_counts(table, "countries", europe, 3, table.mask(europe)) == [
        ("TR", 4), ("SY", 3), ("US", 2),
    ]
    assert facet_counts(table, "source", frozenset(), mask=table.mask(frozenset())) == []


def test_pairs_list_each_document_value_once(table: FacetTable):
    values, docs, numbers = table.pairs("regions")
    pairs = {(int(d), values[n]) for d, n in zip(docs, numbers, strict=True)}
    assert len(pairs) == len(docs)
    assert pairs == {(d, v) for v, ds in table.postings("regions").items() for d in ds}


# The date histogram


def test_no_documents_no_buckets(table: FacetTable):
    assert date_buckets(table, frozenset()) == ([], "day")


def test_one_day_is_one_bucket(table: FacetTable):
    assert date_buckets(table, on(table, "2025-08-13")) == (
        [{"from": "2025-08-13", "to": "2025-08-13", "count": 1}], "day",
    )


def test_day_buckets_fill_the_gaps_with_zeros(table: FacetTable):
    buckets, unit = date_buckets(table, on(table, "2025-08-01", "2025-08-13", "2025-08-14"))
    assert unit == "day"
    assert len(buckets) == 14
    assert [b["from"] for b in buckets] == [f"2025-08-{d:02d}" for d in range(1, 15)]
    assert all(b["from"] == b["to"] for b in buckets)
    assert {b["from"]: b["count"] for b in buckets if b["count"]} == {
        "2025-08-01": 1, "2025-08-13": 1, "2025-08-14": 1,
    }
    assert sum(b["count"] for b in buckets) == 3


def test_a_span_of_61_days_still_has_day_buckets(table: FacetTable):
    buckets, unit = date_buckets(table, on(table, "2025-10-01", "2025-12-01"))
    assert unit == "day"
    assert len(buckets) == 62
    assert (buckets[0]["from"], buckets[-1]["to"]) == ("2025-10-01", "2025-12-01")
    assert [b["count"] for b in buckets] == [1] + [0] * 60 + [1]


def test_a_span_of_62_days_has_month_buckets(table: FacetTable):
    buckets, unit = date_buckets(table, on(table, "2025-10-01", "2025-12-01", "2025-12-02"))
    assert unit == "month"
    assert buckets == [
        {"from": "2025-10-01", "to": "2025-10-31", "count": 1},
        {"from": "2025-11-01", "to": "2025-11-30", "count": 0},
        {"from": "2025-12-01", "to": "2025-12-31", "count": 2},
    ]


def test_month_buckets_cross_the_year_and_fill_gaps(table: FacetTable):
    buckets, unit = date_buckets(table, table.live())
    assert unit == "month"
    assert [b["from"][:7] for b in buckets] == (
        ["2024-12"] + [f"2025-{m:02d}" for m in range(1, 13)] + ["2026-01"]
    )
    assert {b["from"][:7]: b["count"] for b in buckets if b["count"]} == {
        "2024-12": 1, "2025-03": 1, "2025-04": 1, "2025-05": 1, "2025-06": 1, "2025-07": 1,
        "2025-08": 3, "2025-10": 1, "2025-12": 2, "2026-01": 1,
    }
    ends = {b["from"][:7]: b["to"] for b in buckets}
    assert (ends["2024-12"], ends["2025-02"], ends["2025-11"], ends["2026-01"]) == (
        "2024-12-31", "2025-02-28", "2025-11-30", "2026-01-31",
    )
    assert sum(b["count"] for b in buckets) == EVERY


# Facets as search() reports them: each under every other filter, never its own


def test_browsing_counts_everything(root: Path):
    facets = run(root)["facets"]
    assert counts(facets["source"]) == LISTED_SOURCES
    assert counts(facets["region"])["Europe"] == 5
    assert facets["date_unit"] == "month"
    assert sum(b["count"] for b in facets["date"]) == EVERY
    assert selected(facets["source"]) == set()


def test_ticking_a_source_keeps_the_other_sources_counts(root: Path):
    data = run(root, source="Euro Wire")
    assert data["total"] == 2
    assert counts(data["facets"]["source"]) == LISTED_SOURCES
    assert selected(data["facets"]["source"]) == {"Euro Wire"}
    # ...while the other facets count only the Euro Wire articles.
    assert counts(data["facets"]["region"]) == {"Europe": 2, "Middle East & North Africa": 1}
    assert counts(data["facets"]["person"]) == {
        "Emmanuel Macron": 1, "Friedrich Merz": 1, "Ursula von der Leyen": 1
    }
    assert sum(b["count"] for b in data["facets"]["date"]) == 2


def test_facets_under_a_query_and_filters_on_two_facets(root: Path):
    data = run(root, q="turkey", source=["Euro Wire", "Daily Ledger"], region="Europe")
    assert data["total"] == 2  # the Brussels aid conference and the central bank
    # source: counted under the query and the region, not the sources ticked
    assert counts(data["facets"]["source"]) == {
        "Al Mayadeen English": 1, "Daily Ledger": 1, "Euro Wire": 1, "(unknown)": 1,
    }
    # region: counted under the query and the sources, not the region ticked
    assert counts(data["facets"]["region"]) == {"Europe": 2, "Middle East & North Africa": 1}
    assert counts(data["facets"]["country"]) == {"TR": 2, "BE": 1, "JO": 1, "SY": 1}
    assert selected(data["facets"]["source"]) == {"Euro Wire", "Daily Ledger"}
    assert selected(data["facets"]["region"]) == {"Europe"}


def test_a_ticked_value_nothing_carries_stays_listed(root: Path):
    data = run(root, source=["Euro Wire", "Nobody"])
    assert data["total"] == 2
    nobody = [e for e in data["facets"]["source"] if e["value"] == "Nobody"]
    assert nobody == [{"value": "Nobody", "count": 0, "selected": True}]


def test_the_date_histogram_ignores_the_date_filter_but_not_the_others(root: Path):
    data = run(root, q="syria", **{"from": "2025-08-13"})
    assert data["total"] == 2
    assert data["facets"]["date_unit"] == "day"
    assert [b["from"] for b in data["facets"]["date"]] == [
        f"2025-08-{d:02d}" for d in range(1, 15)
    ]
    assert sum(b["count"] for b in data["facets"]["date"]) == 3
    # The dated filter holds: the two seeds, one of which names no source.
    assert counts(data["facets"]["source"]) == {"Al Mayadeen English": 1, "(unknown)": 1}


def test_the_date_filter_narrows_the_other_facets(root: Path):
    data = run(root, **{"from": "2025-10-01"})
    assert data["total"] == 4
    assert counts(data["facets"]["source"]) == {"Calendar Desk": 4}
    assert data["facets"]["date_unit"] == "month"
    assert sum(b["count"] for b in data["facets"]["date"]) == EVERY


# How many values a facet lists, and the sources of articles that name none


def test_the_source_facet_counts_add_up_to_the_total(root: Path):
    data = run(root)
    assert sum(counts(data["facets"]["source"]).values()) == data["total"] == EVERY
    data = run(root, q="syria")
    assert sum(counts(data["facets"]["source"]).values()) == data["total"]


def test_the_unknown_source_is_a_value_to_filter_on(root: Path):
    data = run(root, source="(unknown)")
    assert data["total"] == 1
    assert data["results"][0]["title"].startswith("In a move that signals")
    assert data["results"][0]["source"] == ""  # the article itself still names none
    assert selected(data["facets"]["source"]) == {"(unknown)"}
    assert run(root, source=["(unknown)", "Euro Wire"])["total"] == 3


def test_facet_size_lists_that_many_values_and_says_when_there_are_more(root: Path):
    data = run(root)
    assert data["facet_size"] == {"region": 20, "country": 20, "person": 20, "source": 20}
    assert data["facet_more"]["source"] is False
    data = run(root, facet_size="3")
    assert [e["value"] for e in data["facets"]["source"]] == [
        "Calendar Desk", "Daily Ledger", "Euro Wire",
    ]  # fmt: skip
    assert data["facet_more"] == {"region": True, "country": True, "person": True, "source": True}
    data = run(root, **{"facet_size": "3", "facet_size.source": "8"})
    assert counts(data["facets"]["source"]) == LISTED_SOURCES  # exactly the eight there are
    assert data["facet_more"]["source"] is False
    assert (len(data["facets"]["person"]), data["facet_size"]["person"]) == (3, 3)


def test_a_ticked_value_beyond_the_facet_size_stays_listed(root: Path):
    data = run(root, source="Southern Post", facet_size="1")
    assert data["facets"]["source"] == [
        {"value": "Calendar Desk", "count": 4, "selected": False},
        {"value": "Southern Post", "count": 1, "selected": True},  # its count, not 0
    ]


@pytest.mark.parametrize(
    ("args", "param"),
    [
        ({"facet_size": "0"}, "facet_size"),
        ({"facet_size": "1001"}, "facet_size"),
        ({"facet_size": "many"}, "facet_size"),
        ({"facet_size.person": "5000"}, "facet_size.person"),
        ({"facet_size.colour": "5"}, "facet_size.colour"),
    ],
)
def test_facet_size_is_validated(args: dict, param: str):
    with pytest.raises(BadParameter) as error:
        parse_request(args)
    assert error.value.param == param


def test_facet_size_up_to_1000_is_allowed():
    req = parse_request({"facet_size": "1000", "facet_size.person": " 50 "})
    assert [req.size_of(n) for n in ("region", "person")] == [1000, 50]
    assert parse_request({}).size_of("person") == 20
