"""Names in a query count as matches of the facet fields: a country named finds the articles
about it that never use the word, and lifts them over alike articles; words that mostly mean
something else are not names."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_jsonl

from search.index import reindex
from search.query import parse_request, search
from search.ranking import Ranking

NO_NAMES = Ranking(names=0)


def _news(key: str, title: str, text: str) -> dict:
    return {"id": key, "title": title, "text": text, "date": "2017-03-01", "source": "Wire",
            "url": f"https://names.example/{key}"}


# "rome" and "berlin" are alike but for their country; "berlin" and "chancellor" are about
# Germany (a focus country) and never write "Germany", which the three articles after them do.
ARTICLES = [
    _news("rome", "Officials tighten the rules on asylum",
          "ROME - Italian officials said on Monday that migrants whose asylum claims fail will be "
          "sent home faster. The interior ministry in Rome said Italian regions must act.\n\n"
          "The parliament will vote on the rules next week, Italian lawmakers said."),
    _news("berlin", "Officials tighten the rules on asylum",
          "BERLIN - German officials said on Monday that migrants whose asylum claims fail will be "
          "sent home faster. The interior ministry in Berlin said German states must act.\n\n"
          "The parliament will vote on the rules next week, German lawmakers said."),
    _news("chancellor", "Chancellor defends her record",
          "German Chancellor Angela Merkel defended her record on Tuesday. The chancellor told a "
          "rally in Berlin that her party would win.\n\nThe chancellor promised more police."),
    _news("economy", "Germany's economy grows",
          "BERLIN - Germany's economy grew by 0.4 percent in the last quarter, the statistics "
          "office said.\n\nExports from Germany rose."),
    _news("exports", "German exports hit a record",
          "FRANKFURT - Exports from Germany hit a record in January, German officials said.\n\n"
          "Germany sold more cars to China."),
    _news("carmakers", "Carmakers in Germany hire",
          "MUNICH - Carmakers in Germany hired 20,000 workers last year.\n\nGermany's unions "
          "welcomed the news."),
    _news("edinburgh", "Scottish ministers publish a budget",
          "EDINBURGH - Scottish ministers published a budget for Scotland on Tuesday.\n\n"
          "The plan raises taxes."),
    _news("rents", "London council freezes rents",
          "LONDON - A London council froze rents for a year, the housing minister said.\n\n"
          "Tenants welcomed it."),
    # Datelines stay in the body: this one must not say London too.
    _news("inflation", "Inflation in Britain rises",
          "MANCHESTER - Inflation in Britain rose to 2.3 percent in February, the Office for "
          "National Statistics said.\n\nPrices rose."),
]


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("names")
    path = folder / "index"
    reindex([write_jsonl(folder / "articles.jsonl", ARTICLES)], path, full=True, workers=1)
    return path


def run(root: Path, q: str, ranking: Ranking | None = None) -> dict:
    request = parse_request({"q": q, "collapse": "none", "mode": "lexical"})
    return search(root, request, snippets=False, **({"ranking": ranking} if ranking else {}))


def keys(data: dict) -> list[str]:
    return [r["url"].rsplit("/", 1)[1] for r in data["results"]]


def test_the_fixture_has_the_facets_the_tests_need(root: Path):
    found = {r["url"].rsplit("/", 1)[1]: r for r in run(root, "")["results"]}
    assert len(found) == len(ARTICLES)
    assert found["berlin"]["countries"] == ["DE"] and found["rome"]["countries"] == ["IT"]
    assert found["chancellor"]["people"] == ["Angela Merkel"]
    assert {found[k]["countries"][0] for k in ("edinburgh", "rents", "inflation")} == {"GB"}


def test_a_country_named_finds_articles_about_it_without_the_word(root: Path):
    assert set(keys(run(root, "germany", NO_NAMES))) == {"economy", "exports", "carmakers"}
    found = run(root, "germany")
    assert set(keys(found)) == {"economy", "exports", "carmakers", "berlin", "chancellor"}
    # The counts are of the words in the text: the named articles are counted, as "some".
    assert found["total"] == 5


def test_a_country_named_lifts_its_articles_over_alike_ones(root: Path):
    alike = ["rome", "berlin"]
    assert [k for k in keys(run(root, "germany migrants", NO_NAMES)) if k in alike] == alike
    assert [k for k in keys(run(root, "germany migrants")) if k in alike] == ["berlin", "rome"]


def test_a_person_named_counts_as_a_match_of_the_people_facet(root: Path):
    with_names, without = run(root, "merkel"), run(root, "merkel", NO_NAMES)
    assert keys(with_names) == keys(without) == ["chancellor"]
    assert with_names["results"][0]["score"] > without["results"][0]["score"]


@pytest.mark.parametrize("q", ["scottish", "london rents", "tighten"])
def test_words_most_articles_about_a_value_do_not_use_are_not_names(root: Path, q: str):
    # Most articles about the United Kingdom here say neither "Scottish" nor "London".
    assert run(root, q)["results"] == run(root, q, NO_NAMES)["results"]
