"""Hybrid search on a small real index with vectors: meaning finds what the words miss, within
the filters, counted apart, and the data says when words alone were used and why."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import cli
from search.generations import current_generation, open_index
from search.hybrid import BY_DATE, NO_VECTORS, SYNTAX, UNREADABLE, plain_words
from search.index import reindex
from search.query import BadParameter, iter_results, parse_request, search
from search.syntax import parse_query
from search.vectors import VECTORS
from web import create_app


def news(key: str, title: str, text: str, date: str, source: str) -> dict:
    return {"id": key, "title": title, "text": text, "date": date, "source": source,
            "url": f"https://{source.lower().replace(' ', '')}.example/{key}"}  # fmt: skip


# Real-looking reports on a few subjects. Two say in other words what a query below asks:
# "unemployment" never uses "jobless", "rate" or "falls"; "pontiff" never "Pope", "Francis",
# "visits" or "Egypt".
ARTICLES = [
    news(
        "unemployment",
        "Unemployment drops to its lowest level in a decade",
        "The share of Americans out of work fell to 4.5 percent in March, the Labor "
        "Department said on Friday, as employers added 98,000 jobs.",
        "2025-04-07",
        "Daily Ledger",
    ),
    news(
        "rates",
        "Central bank raises interest rates again",
        "The central bank raised its main interest rate by a quarter point on Thursday to "
        "curb inflation, the governor said.",
        "2025-03-20",
        "Euro Wire",
    ),
    news(
        "mortgages",
        "Mortgage rates climb for a fifth week",
        "Home loan costs rose again this week, lenders said, as buyers rushed to lock in "
        "deals before summer.",
        "2025-03-27",
        "Daily Ledger",
    ),
    news(
        "floods",
        "Floods displace thousands in southern Brazil",
        "Floods displaced thousands of people in southern Brazil after days of downpours, "
        "officials said on Wednesday.",
        "2025-04-02",
        "Southern Post",
    ),
    news(
        "iphone",
        "Apple unveils a new iPhone",
        "Apple showed a new iPhone with a larger screen and a faster chip at its annual "
        "event in California.",
        "2025-09-10",
        "Pacific Times",
    ),
    news(
        "final",
        "City win the cup final on penalties",
        "Manchester City beat Arsenal on penalties after a goalless draw at Wembley on Saturday.",
        "2025-05-17",
        "Euro Wire",
    ),
    news(
        "election",
        "Kenya counts votes after a calm election",
        "Officials counted votes on Wednesday after a calm election, observers said, "
        "praising the turnout.",
        "2024-12-11",
        "Daily Ledger",
    ),
    news(
        "probe",
        "Japan launches a lunar probe",
        "Japan launched a lunar probe on Saturday that will map water ice near the south "
        "pole of the Moon.",
        "2025-03-15",
        "Pacific Times",
    ),
    news(
        "wildfire",
        "Wildfire forces evacuations near Athens",
        "Firefighters battled a wildfire north of Athens as strong winds pushed the flames "
        "towards homes.",
        "2025-07-22",
        "Euro Wire",
    ),
    news(
        "strike",
        "Rail workers strike over pay",
        "Train drivers walked out on Monday in a dispute over pay, cancelling most services "
        "across the country.",
        "2025-06-02",
        "Daily Ledger",
    ),
    news(
        "vaccine",
        "Regulator approves a new malaria vaccine",
        "The health regulator approved a malaria vaccine for children after trials showed "
        "it cut infections by two thirds.",
        "2025-02-11",
        "Southern Post",
    ),
    news(
        "budget",
        "Finance minister unveils spending cuts",
        "The finance minister announced spending cuts and higher taxes on fuel in the "
        "annual budget on Wednesday.",
        "2025-03-12",
        "Euro Wire",
    ),
]
PONTIFF = news("pontiff", "Pontiff arrives in the Egyptian capital",
               "The head of the Catholic Church landed in Cairo on Friday for two days of "
               "talks, calling for peace between Christians and Muslims.",
               "2025-04-28", "Pacific Times")  # fmt: skip


def write(folder: Path, articles: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "news.jsonl").write_text("".join(json.dumps(a) + "\n" for a in articles))
    return folder


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """A real index of the articles above, built with vectors."""
    base = tmp_path_factory.mktemp("hybrid")
    report = reindex([write(base / "corpus", ARTICLES)], base / "index", full=True, workers=1)
    assert (report.added, report.embedded) == (len(ARTICLES), len(ARTICLES))
    return base / "index"


def run(root: Path, **args: str) -> dict:
    args.setdefault("collapse", "none")
    return search(root, parse_request(args))


def slug(result: dict) -> str:
    return result["url"].rsplit("/", 1)[1]


def slugs(data: dict) -> list[str]:
    return [slug(r) for r in data["results"]]


def by_meaning(data: dict) -> list[str]:
    return [slug(r) for r in data["results"] if r["by_meaning"]]


# Meaning finds what words miss


def test_hybrid_finds_a_paraphrase_that_words_miss(root: Path):
    words = run(root, q="jobless rate falls", mode="lexical")
    assert "unemployment" not in slugs(words) and words["total"] >= 1
    both = run(root, q="jobless rate falls", mode="hybrid")
    assert "unemployment" in by_meaning(both)
    assert (both["mode"], both["mode_requested"], both["mode_notice"]) == ("hybrid", "hybrid", None)
    # Words still count alone; what the meaning adds is counted apart.
    assert both["total"] == words["total"]
    assert both["semantic_added"] == len(by_meaning(both)) >= 1
    assert set(slugs(words)) <= set(slugs(both))
    assert {slug(r) for r in both["results"] if not r["by_meaning"]} == set(slugs(words))


def test_hybrid_is_the_default_and_lexical_is_words_only(root: Path):
    assert run(root, q="jobless rate falls")["mode"] == "hybrid"
    words = run(root, q="jobless rate falls", mode="lexical")
    assert (words["mode"], words["mode_notice"], words["semantic_added"]) == ("lexical", None, 0)
    assert not by_meaning(words)


def test_facets_count_what_is_listed(root: Path):
    data = run(root, q="jobless rate falls", per_page="100")
    listed = data["total"] + data["semantic_added"]
    assert len(data["results"]) == data["total_results"] == listed
    assert sum(v["count"] for v in data["facets"]["source"]) == listed
    assert sum(b["count"] for b in data["facets"]["date"]) == listed


def test_meaning_keeps_to_the_filters_and_dates(root: Path):
    assert "unemployment" in by_meaning(run(root, q="jobless rate falls", source="Daily Ledger"))
    assert "unemployment" not in slugs(run(root, q="jobless rate falls", source="Euro Wire"))
    assert "unemployment" not in slugs(run(root, q="jobless rate falls", to="2025-03-31"))
    data = run(root, q="jobless rate falls", source="Euro Wire")
    assert {r["source"] for r in data["results"]} == {"Euro Wire"}


def test_exports_list_what_the_page_lists_in_the_same_order(root: Path):
    request = parse_request({"q": "jobless rate falls", "collapse": "none", "per_page": "100"})
    total, rows = iter_results(root, request)
    page = search(root, request)
    assert total == page["total"] + page["semantic_added"]
    assert [r["id"] for r in rows] == [r["id"] for r in page["results"]]


def test_a_new_article_is_found_by_meaning_after_an_incremental_run(tmp_path: Path):
    corpus = write(tmp_path / "corpus", ARTICLES)
    index = tmp_path / "index"
    reindex([corpus], index, full=True, workers=1)
    assert "pontiff" not in slugs(run(index, q="Pope Francis visits Egypt"))
    write(corpus, [*ARTICLES, PONTIFF])
    assert reindex([corpus], index, workers=1).embedded == 1
    assert "pontiff" not in slugs(run(index, q="Pope Francis visits Egypt", mode="lexical"))
    assert "pontiff" in by_meaning(run(index, q="Pope Francis visits Egypt"))


# Words only, and the data says why


@pytest.mark.parametrize(
    "q",
    [
        '"jobless rate"',
        "title:jobless",
        "jobless -rate",
        "jobl*",
        "jobless AND rate",
        "source:wire jobless",
    ],  # fmt: skip
)
def test_syntax_is_matched_by_words_only(root: Path, q: str):
    data = run(root, q=q)
    assert (data["mode"], data["mode_notice"], data["semantic_added"]) == ("lexical", SYNTAX, 0)


def test_sorting_by_date_uses_words_only(root: Path):
    data = run(root, q="jobless rate falls", sort="newest")
    assert (data["mode"], data["mode_notice"], data["semantic_added"]) == ("lexical", BY_DATE, 0)


def test_browsing_has_nothing_to_rank_by_meaning(root: Path):
    data = run(root, q="")
    assert (data["mode"], data["mode_notice"], data["semantic_added"]) == ("lexical", None, 0)


def test_an_index_without_vectors_says_it_searches_by_words(tmp_path: Path):
    index = tmp_path / "index"
    reindex([write(tmp_path / "corpus", ARTICLES)], index, full=True, workers=1, vectors=False)
    data = run(index, q="jobless rate falls")
    assert (data["mode"], data["mode_requested"]) == ("lexical", "hybrid")
    assert data["mode_notice"] == NO_VECTORS
    assert "unemployment" not in slugs(data)


def test_damaged_vectors_are_said_and_words_still_serve(tmp_path: Path):
    index = tmp_path / "index"
    reindex([write(tmp_path / "corpus", ARTICLES)], index, full=True, workers=1)
    gen = current_generation(index)
    (gen / VECTORS).write_bytes(b"not a database")
    # The copy aligned for serving (search/tables.py) too: a damaged table is not read.
    for stored in gen.glob("tables-*/arrays.bin"):
        stored.write_bytes(b"not an array")
    data = run(index, q="jobless rate falls")
    assert (data["mode"], data["semantic_added"]) == ("lexical", 0)
    assert data["mode_notice"].startswith(UNREADABLE)
    assert data["total"] == run(index, q="jobless rate falls", mode="lexical")["total"] >= 1


@pytest.mark.parametrize(
    ("q", "plain"),
    [("jobless rate falls", True), ("Oscars best picture mix-up", True),
     ("syria AND", True), ('syria "', True), ("title: kenya", True), ('"jobless rate"', False),
     ("headline:kenya", False), ("-rate jobless", False), ("jobl*", False),
     ("person:guler kenya", False), ("syria OR turkey", True)],
)  # fmt: skip
def test_plain_words_are_told_from_syntax(root: Path, q: str, plain: bool):
    with open_index(root).searcher() as searcher:
        assert plain_words(parse_query(q, searcher).query, q) is plain


# Front ends


def test_a_bad_mode_is_a_400_naming_the_parameter(root: Path):
    with pytest.raises(BadParameter, match="mode: must be one of hybrid, lexical"):
        parse_request({"mode": "semantic"})
    client = create_app({"TESTING": True, "INDEX": root}).test_client()
    response = client.get("/api/search?q=jobless&mode=semantic")
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == "mode"


def test_the_page_offers_the_mode_and_says_what_meaning_found(root: Path):
    client = create_app({"TESTING": True, "INDEX": root}).test_client()
    html = client.get("/?q=jobless+rate+falls").get_data(as_text=True)
    assert '<option value="hybrid" selected>Meaning + words</option>' in html
    assert "found by meaning, not by your words" in html
    assert re.search(r"<strong>[^<]* articles? \+ \d+ by meaning", html)
    words = client.get("/?q=jobless+rate+falls&mode=lexical").get_data(as_text=True)
    assert '<option value="lexical" selected>Words only</option>' in words
    assert "found by meaning" not in words
    assert "mode=lexical" in words  # the page's links keep the mode
    phrase = client.get('/?q="jobless+rate"').get_data(as_text=True)
    assert "Searched by words only: phrases" in phrase


def test_the_cli_takes_a_mode(root: Path):
    both = CliRunner().invoke(cli, ["search", "jobless rate falls", "--index", str(root)])
    words = CliRunner().invoke(
        cli, ["search", "jobless rate falls", "--index", str(root), "--mode", "lexical"]
    )
    assert both.exit_code == 0 and words.exit_code == 0, both.output + words.output
    assert "by meaning" in both.output and "Unemployment drops" in both.output
    assert "by meaning" not in words.output and "Unemployment drops" not in words.output
