"""The web app through Flask's test client, over a real index of the seeds and a few articles."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import lxml.html
import pytest
from conftest import EXTRA_ARTICLES, SEEDS, write_jsonl

from search.index import reindex
from web import create_app
from web.errors import error_body
from web.exports import atom_entry
from web.security import CONTENT_SECURITY_POLICY

SEED_TITLES = (
    "Syria, Turkey sign joint defense cooperation agreement",
    "In a move that signals a dramatic shift in regional dynamics, Turkey and Syria",
)
TOTAL = 2 + len(EXTRA_ARTICLES)
PROJECT = Path(__file__).resolve().parent.parent
ATOM = "{http://www.w3.org/2005/Atom}"


def page(client, url: str, status: int = 200):
    """GET an HTML page and parse it."""
    response = client.get(url)
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == "text/html"
    return lxml.html.fromstring(response.data), response.get_data(as_text=True)


def api(client, url: str, status: int = 200) -> dict:
    """GET a JSON document."""
    response = client.get(url)
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == "application/json"
    return response.get_json()


def result_titles(doc) -> list[str]:
    return [a.text_content() for a in doc.xpath("//li[@class='result']/h2/a")]


def count_text(doc) -> str:
    (region,) = doc.xpath("//*[@aria-live='polite']")
    return " ".join(region.text_content().split())


def find_id(client, q: str, title_start: str) -> str:
    """The id of the article whose title starts with ``title_start``."""
    results = api(client, f"/api/search?q={q}&collapse=none")["results"]
    return next(r["id"] for r in results if r["title"].startswith(title_start))


# The search page


def test_search_page_shows_the_seeds_as_one_story_and_1_more(client):
    # By words: which seed leads the story is the ranking's call (hybrid: tests/test_hybrid.py).
    doc, html = page(client, "/search?q=syria+turkey&mode=lexical")
    titles = result_titles(doc)
    assert titles[0] == SEED_TITLES[0]
    assert not any(t.startswith(SEED_TITLES[1]) for t in titles)
    (more,) = doc.xpath("//details[@class='result__more']")
    # The other seed names no source and has no URL to name one by.
    assert more.xpath("summary")[0].text_content() == "and 1 more from an unknown source"
    assert more.xpath(".//li/a")[0].text_content().startswith(SEED_TITLES[1])
    assert "<mark>Syria</mark>, <mark>Turkey</mark> sign joint defense" in html
    assert count_text(doc).startswith("3 stories from 4 articles")
    assert doc.xpath("//input[@id='q']/@value") == ["syria turkey"]


def test_search_page_lists_both_seed_articles_highlighted_uncollapsed(client):
    doc, html = page(client, "/search?q=syria+turkey&collapse=none")
    titles = result_titles(doc)
    assert any(t == SEED_TITLES[0] for t in titles)
    assert any(t.startswith(SEED_TITLES[1]) for t in titles)
    assert not doc.xpath("//details[@class='result__more']")
    snippets = doc.xpath("//p[@class='result__snippet']")
    assert snippets and all(s.xpath(".//mark") for s in snippets)
    assert count_text(doc).startswith("4 articles")
    (toggle,) = doc.xpath("//a[@class='toolbar__collapse']")
    assert (toggle.text, toggle.get("href")) == ("Group by story", "/search?q=syria+turkey")


def test_search_page_shows_the_seeds_facets(client):
    doc, _ = page(client, "/search?q=syria+turkey")
    boxes = {(b.get("name"), b.get("value")) for b in doc.xpath("//aside//input[@type='checkbox']")}
    assert ("person", "Yasar Guler") in boxes
    assert ("person", "Murhaf Abu Qasra") in boxes
    assert ("region", "Middle East & North Africa") in boxes
    assert ("country", "SY") in boxes
    assert ("source", "Al Mayadeen English") in boxes
    label = doc.xpath("//label[@for=//input[@value='Yasar Guler']/@id]")[0].text_content()
    assert " ".join(label.split()) == "Yasar Guler (2 articles)"
    country = doc.xpath("//label[@for=//input[@value='SY']/@id]")[0].text_content()
    assert "Syria" in country
    assert doc.xpath("//aside//button[@type='submit']")[0].text_content() == "Apply"


def test_search_page_landmarks_and_labels(client):
    doc, _ = page(client, "/search?q=syria&per_page=2&collapse=none")
    assert doc.xpath("//header") and doc.xpath("//main") and doc.xpath("//aside")
    assert doc.xpath("//nav[@aria-label='Pagination']")
    assert doc.xpath("//label[@for='q']")[0].text_content() == "Search news"
    assert doc.xpath("//label[@for='sort']")[0].text_content() == "Sort by"
    assert doc.xpath("//form[@role='search']/@action") == ["/search"]
    assert doc.xpath("//*[@aria-live='polite']/@id") == ["result-count"]
    for box in doc.xpath("//input[@type='checkbox']"):
        assert doc.xpath(f"//label[@for='{box.get('id')}']")


def test_home_page_browses_everything_newest_first(client):
    doc, _ = page(client, "/")
    assert doc.xpath("//h1")[0].text_content().strip() == "Latest articles"
    assert count_text(doc).startswith(f"{TOTAL - 1} stories from {TOTAL} articles")
    titles = result_titles(doc)
    assert len(titles) == TOTAL - 1
    assert titles[0].startswith(SEED_TITLES[1])  # 14 Aug 2025, the newest of the seeds' story
    assert titles[-1] == "Kenya counts votes after a calm election"


def test_ticking_a_source_changes_results_and_adds_a_chip(client):
    doc, _ = page(client, "/search?q=syria&collapse=none")
    assert len(result_titles(doc)) == 3
    doc, _ = page(client, "/search?q=syria&source=Euro+Wire")
    assert result_titles(doc) == ["Donors pledge aid for Syria reconstruction in Brussels"]
    assert count_text(doc).startswith("1 article")
    assert doc.xpath("//input[@value='Euro Wire']/@checked")
    (chip,) = doc.xpath("//a[@class='chip']")
    assert chip.get("aria-label") == "Remove filter Source: Euro Wire"
    assert chip.get("href") == "/search?q=syria"


def test_ticking_a_region_keeps_the_query_and_other_filters(client):
    doc, _ = page(client, "/search?region=Latin+America")
    assert result_titles(doc) == ["Floods displace thousands in southern Brazil"]
    doc, _ = page(client, "/search?region=Latin+America&region=Asia&sort=oldest")
    assert result_titles(doc) == [
        "Japan launches a lunar probe",
        "Floods displace thousands in southern Brazil",
    ]
    chips = {a.get("aria-label"): a.get("href") for a in doc.xpath("//a[@class='chip']")}
    assert chips == {
        "Remove filter Region: Latin America": "/search?region=Asia&sort=oldest",
        "Remove filter Region: Asia": "/search?region=Latin+America&sort=oldest",
    }
    hidden = {(i.get("name"), i.get("value")) for i in doc.xpath("//form[@role='search']//input")}
    assert {("region", "Asia"), ("region", "Latin America"), ("sort", "oldest")} <= hidden


def test_country_chip_shows_the_country_name(client):
    doc, _ = page(client, "/search?country=br")
    assert result_titles(doc) == ["Floods displace thousands in southern Brazil"]
    chip = doc.xpath("//a[@class='chip']")[0]
    assert chip.get("aria-label") == "Remove filter Country: Brazil"


def test_date_chip_and_histogram_bars(client):
    doc, _ = page(client, "/")
    bars = doc.xpath("//svg//a[@class='histogram__bar']")
    labels = [bar.get("aria-label") for bar in bars]
    assert labels[0] == "Dec 2024: 1 article"
    assert labels[-1] == "Aug 2025: 3 articles"
    assert bars[-1].get("href") == "/search?from=2025-08-01&to=2025-08-31"
    doc, _ = page(client, bars[-1].get("href"))
    assert len(result_titles(doc)) == 2
    assert count_text(doc).startswith("2 stories from 3 articles")
    chips = [a.get("aria-label") for a in doc.xpath("//a[@class='chip']")]
    assert chips == ["Remove filter From: 2025-08-01", "Remove filter To: 2025-08-31"]


def test_pagination_links(client):
    doc, _ = page(client, "/search?per_page=2&collapse=none")
    nav = doc.xpath("//nav[@aria-label='Pagination']")[0]
    numbers = [x.text_content() for x in nav.xpath(".//li/*")]
    assert numbers == ["‹ Previous", "1", "2", "3", "…", "5", "Next ›"]
    assert nav.xpath(".//a[@aria-current='page']")[0].text_content() == "1"
    assert nav.xpath(".//a[@rel='next']/@href") == ["/search?collapse=none&per_page=2&page=2"]
    assert not nav.xpath(".//a[@rel='prev']")
    doc, _ = page(client, "/search?per_page=2&page=5&collapse=none")
    assert result_titles(doc) == ["Kenya counts votes after a calm election"]
    assert count_text(doc) == f"{TOTAL} articles · showing 9–9"
    nav = doc.xpath("//nav[@aria-label='Pagination']")[0]
    assert nav.xpath(".//a[@rel='prev']/@href") == ["/search?collapse=none&per_page=2&page=4"]
    assert not nav.xpath(".//a[@rel='next']")
    assert doc.xpath("//ol[@class='result-list']/@start") == ["9"]


def test_sort_selector_and_order(client):
    doc, _ = page(client, "/search?q=syria&sort=oldest")
    assert doc.xpath("//select[@name='sort']/option[@selected]/@value") == ["oldest"]
    assert result_titles(doc)[0] == "Donors pledge aid for Syria reconstruction in Brussels"
    newest = api(client, "/api/search?sort=newest&collapse=none")["results"]
    oldest = api(client, "/api/search?sort=oldest&collapse=none")["results"]
    dates = [r["published"] for r in newest]
    assert dates == sorted(dates, reverse=True)
    assert [r["id"] for r in oldest] == [r["id"] for r in reversed(newest)]


def test_browsing_says_it_lists_the_newest_first(client):
    data = api(client, "/api/search")
    assert (data["sort"], data["sorted_by"]) == ("relevance", "newest")
    assert api(client, "/api/search?q=syria")["sorted_by"] == "relevance"
    doc, _ = page(client, "/search")
    assert doc.xpath("//select[@name='sort']/option[@selected]/@value") == ["newest"]
    # The links keep the requested order, so typing words afterwards ranks by relevance.
    assert not [href for href in doc.xpath("//a/@href") if "sort=" in href]


def test_did_you_mean_link(client):
    doc, _ = page(client, "/search?q=syrai")
    (suggestion,) = doc.xpath("//p[@class='suggestion']")
    assert suggestion.text_content() == "Did you mean syria?"
    assert suggestion.xpath("a/@href") == ["/search?q=syria"]


def test_unknown_parameters_are_ignored(client):
    plain = api(client, "/api/search?q=syria")
    noisy = api(client, "/api/search?q=syria&colour=blue&utm_source=x&page_size=3")
    assert noisy == plain
    doc, _ = page(client, "/search?q=syria&colour=blue")
    assert len(result_titles(doc)) == 2
    assert alternate_json(doc) == "/api/search?q=syria"


# The article page


def test_article_page(client):
    article_id = find_id(client, "syria", SEED_TITLES[0])
    doc, html = page(client, f"/articles/{article_id}")
    assert doc.xpath("//h1")[0].text_content() == SEED_TITLES[0]
    byline = " ".join(doc.xpath("//p[@class='article__byline']")[0].text_content().split())
    assert byline == "By Al Mayadeen English 13 Aug 2025"
    assert doc.xpath("//p[@class='article__kicker']/a/@href") == [
        "/search?source=Al+Mayadeen+English"
    ]
    paragraphs = doc.xpath("//div[@class='article__body']/p")
    body = api(client, f"/api/articles/{article_id}")["body"]
    assert len(paragraphs) == len([p for p in body.split("\n\n") if p.strip()]) > 3
    assert paragraphs[0].text_content().startswith("The Syrian and Turkish defense ministries")
    links = {a.text_content(): a.get("href") for a in doc.xpath("//aside//a")}
    assert links["Yasar Guler"] == "/search?person=Yasar+Guler"
    assert links["Syria"] == "/search?country=SY"
    assert links["Middle East & North Africa"] == "/search?region=Middle+East+%26+North+Africa"
    assert 'href="/search?person=Yasar+Guler"' in html


def test_article_dateline_and_person_link_filters(client):
    article_id = find_id(client, "syria", SEED_TITLES[1])
    doc, _ = page(client, f"/articles/{article_id}")
    assert "Ankara, Turkey" in doc.xpath("//p[@class='article__byline']")[0].text_content()
    doc, _ = page(client, "/search?person=Hakan+Fidan")
    assert [t[:40] for t in result_titles(doc)] == [SEED_TITLES[1][:40]]


def test_article_urls_only_link_when_http(client):
    web_id = find_id(client, "turkey", "Turkey's central bank")
    doc, _ = page(client, f"/articles/{web_id}")
    assert "https://ledger.example/turkey-rates" in doc.xpath("//a/@href")
    hostile_id = find_id(client, "quokka", "Quokka")
    _, html = page(client, f"/articles/{hostile_id}")
    assert "javascript:" not in html


# Escaping of hostile corpus text


def test_script_from_the_corpus_is_escaped_on_the_search_page(client):
    _, html = page(client, "/search?q=quokka")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '"onerror=' not in html
    assert "<b>Bold" not in html


def test_script_from_the_corpus_is_escaped_on_the_article_page(client):
    hostile_id = find_id(client, "quokka", "Quokka")
    doc, html = page(client, f"/articles/{hostile_id}")
    assert "<script>alert" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2  # title and body
    assert '"onerror=' not in html
    assert "By Mallory &lt;b&gt;Bold&lt;/b&gt;" in html
    assert doc.xpath("//h1")[0].text_content().startswith("Quokka sighting <script>")


def test_json_html_fields_are_escaped(client):
    (result,) = api(client, "/api/search?q=quokka")["results"]
    assert result["title"].startswith("Quokka sighting <script>alert(1)</script>")
    for field in ("title_html", "snippet"):
        assert "<script>" not in result[field]
        assert "&lt;script&gt;" in result[field]
        assert set(re.findall(r"</?(\w+)", result[field])) <= {"mark"}


def test_script_from_the_corpus_is_escaped_in_the_atom_feed(client):
    response = client.get("/search.atom?q=quokka")
    text = response.get_data(as_text=True)
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    (entry,) = ET.fromstring(response.data).iter(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title").startswith("Quokka sighting <script>alert(1)</script>")
    assert "javascript:" not in text


def test_no_inline_script_or_style_anywhere(client):
    hostile_id = find_id(client, "quokka", "Quokka")
    for url in ("/", "/search?q=quokka", f"/articles/{hostile_id}", "/nope"):
        html = client.get(url).get_data(as_text=True)
        assert re.findall(r"<script\b[^>]*>", html) == ['<script src="/static/app.js" defer>']
        assert " style=" not in html and "<style" not in html
        assert not re.search(r"\son\w+=", html)


# JSON API and twins


def test_api_search_shape(client):
    data = api(client, "/api/search?q=syria+turkey&per_page=3&mode=lexical")
    assert list(data) == [
        "query", "total", "matched_all", "matched_some", "words", "semantic_added",
        "total_results", "collapse", "page", "per_page", "pages", "sort", "sorted_by", "filters",
        "results", "facets", "facet_size", "facet_more", "suggestion", "notices", "past_end",
        "mode", "mode_requested", "mode_notice",
    ]  # fmt: skip
    assert (data["query"], data["total"], data["page"]) == ("syria turkey", 4, 1)
    assert data["per_page"] == 3
    assert (data["pages"], data["sort"], data["suggestion"]) == (1, "relevance", None)
    assert (data["total_results"], data["collapse"]) == (3, "story")
    first = data["results"][0]
    assert first["story"] == {"id": first["id"], "size": 2, "sources": ["Al Mayadeen English"]}
    assert first["collapsed"] == 1 and first["more"][0]["title"].startswith(SEED_TITLES[1])
    assert len(data["results"]) == 3
    assert set(data["results"][0]) >= {
        "id", "title", "title_html", "url", "source", "published", "authors", "regions",
        "countries", "people", "snippet", "score",
    }  # fmt: skip
    assert set(data["facets"]) == {"region", "country", "person", "source", "date", "date_unit"}
    assert {"value": "Yasar Guler", "count": 2, "selected": False} in data["facets"]["person"]


def test_the_count_line_says_how_many_articles_hold_every_word(client):
    doc, _ = page(client, "/search?q=syria+turkey")
    assert count_text(doc) == (
        "3 stories from 4 articles · 3 articles contain all of syria, turkey"
        " · 1 more contains some · showing 1–3"
    )
    doc, _ = page(client, "/search?q=syria+turkey&collapse=none")
    assert count_text(doc).startswith(
        "4 articles · 3 articles contain all of syria, turkey · 1 more contains some"
    )
    data = api(client, "/api/search?q=syria+turkey")
    assert (data["matched_all"], data["matched_some"], data["words"]) == (3, 1, ["syria", "turkey"])


def test_a_page_past_the_end_names_the_last_page_and_links_to_it(client):
    doc, _ = page(client, "/search?q=syria&page=9")
    (empty,) = doc.xpath("//div[@class='empty']")
    assert empty.xpath("h2")[0].text_content() == "Page 9 is past the end: the results fill 1 page"
    assert empty.xpath(".//a/@href") == ["/search?q=syria"]
    assert "Nothing matched" not in empty.text_content()
    data = api(client, "/api/search?q=syria&page=9")
    assert (data["past_end"], data["pages"], data["results"]) == (True, 1, [])


def test_notices_show_on_the_page(client):
    doc, _ = page(client, "/search?q=%22syria+turkey")
    assert [n.text_content() for n in doc.xpath("//p[contains(@class, 'notice')]")] == [
        "Could not read the query's syntax: searched for the words syria turkey instead"
    ]
    doc, _ = page(client, "/search?person=nobody")
    (notice,) = doc.xpath("//p[contains(@class, 'notice')]")
    assert notice.text_content().startswith("No person matches “nobody”; some that do: ")


def test_notices_escape_what_the_user_typed(client):
    _, html = page(client, "/search?person=%3Cscript%3Ealert(1)%3C/script%3E&q=%3Cb%3E(((")
    assert "<script>alert(1)" not in html and "<b>(((" not in html
    assert "No person matches “&lt;script&gt;alert(1)&lt;/script&gt;”" in html


def test_a_ticked_filter_shows_the_value_it_matched(client):
    doc, _ = page(client, "/search?person=guler&country=syria")
    checked = doc.xpath("//input[@type='checkbox'][@checked]/@value")
    assert sorted(checked) == ["SY", "Yasar Guler"]
    chips = [" ".join(c.text_content().split()) for c in doc.xpath("//a[@class='chip']")]
    assert chips == ["Country: Syria ×", "People: Yasar Guler ×"]


def test_api_article(client):
    article_id = find_id(client, "syria", SEED_TITLES[0])
    article = api(client, f"/api/articles/{article_id}")
    assert article["id"] == article_id
    assert article["title"] == SEED_TITLES[0]
    assert "Yasar Guler" in article["people"]
    assert article["countries"][:2] == ["SY", "TR"]


def alternate_json(doc) -> str:
    (href,) = doc.xpath("//link[@rel='alternate'][@type='application/json']/@href")
    return href


def test_every_html_page_has_its_json_twin(client):
    doc, _ = page(client, "/search?q=syria&source=Euro+Wire&page=1")
    twin = alternate_json(doc)
    assert twin == "/api/search?q=syria&source=Euro+Wire"
    assert api(client, twin)["total"] == 1
    response = client.get("/search?q=syria")
    link = response.headers["Link"]
    assert link == '</api/search?q=syria>; rel="alternate"; type="application/json"'
    article_id = find_id(client, "syria", SEED_TITLES[0])
    doc, _ = page(client, f"/articles/{article_id}")
    assert alternate_json(doc) == f"/api/articles/{article_id}"
    assert api(client, alternate_json(doc))["title"] == SEED_TITLES[0]
    doc, _ = page(client, "/")
    assert api(client, alternate_json(doc))["total"] == TOTAL


def test_openapi_document_describes_every_endpoint(client):
    doc = api(client, "/api/openapi.json")
    assert doc["openapi"] == "3.1.0"
    assert set(doc["paths"]) == {
        "/api/search", "/api/articles/{id}", "/api/search.jsonl", "/search.csv", "/search.atom",
        "/api/articles/{id}/related", "/api/stories/{id}",
    }  # fmt: skip
    names = {p["name"] for p in doc["paths"]["/api/search"]["get"]["parameters"]}
    assert names == {"q", "page", "per_page", "sort", "collapse", "mode", "region", "country",
                     "person", "source", "from", "to", "facet_size", "facet_size.region",
                     "facet_size.country", "facet_size.person", "facet_size.source"}  # fmt: skip
    article_id = find_id(client, "syria", SEED_TITLES[0])
    for path in doc["paths"]:
        assert client.get(path.replace("{id}", article_id)).status_code == 200


# Errors


BAD_PARAMETERS = [
    ("page=-1", "page"),
    ("page=abc", "page"),
    ("per_page=1000", "per_page"),
    ("from=yesterday-ish", "from"),
    ("to=2025-13-45", "to"),
    ("sort=sideways", "sort"),
    ("collapse=maybe", "collapse"),
    ("from=2025-08-10&to=2025-08-01", "from"),
]


@pytest.mark.parametrize(("query", "param"), BAD_PARAMETERS)
def test_api_error_shape(client, query, param):
    """The one JSON error shape, for every /api/ error."""
    response = client.get(f"/api/search?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body == error_body(400, body["error"]["message"], param)
    assert body == {"error": {"code": 400, "message": body["error"]["message"], "param": param}}
    assert body["error"]["message"].startswith(f"{param}: ")


@pytest.mark.parametrize(("query", "param"), BAD_PARAMETERS)
def test_site_shows_a_friendly_400_page(client, query, param):
    doc, _ = page(client, f"/search?{query}", status=400)
    assert doc.xpath("//h1")[0].text_content() == "Bad request"
    assert doc.xpath("//p[@class='error-page__message']")[0].text_content().startswith(param)


def test_error_pages_escape_user_input(client):
    _, html = page(client, "/search?from=<script>alert(1)</script>", status=400)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)" in html


@pytest.mark.parametrize(
    ("url", "status"),
    [("/api/articles/nope", 404), ("/api/nope", 404), ("/api/search.jsonl?sort=up", 400)],
)
def test_api_errors_are_json(client, url, status):
    body = api(client, url, status=status)
    assert set(body) == {"error"} and body["error"]["code"] == status
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def test_unknown_article_and_route_are_friendly_404_pages(client):
    doc, _ = page(client, "/articles/nope", status=404)
    assert doc.xpath("//h1")[0].text_content() == "Not found"
    assert "no article with id 'nope'" in doc.xpath("//p[@class='error-page__message']")[0].text
    doc, _ = page(client, "/no/such/page", status=404)
    assert doc.xpath("//form[@role='search']")


def test_method_not_allowed_keeps_allow_header(client):
    response = client.post("/api/search")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == 405
    assert "GET" in response.headers["Allow"]


def test_missing_index_is_a_503_with_a_clear_message(tmp_path):
    client = create_app({"TESTING": True, "INDEX": tmp_path / "missing"}).test_client()
    doc, _ = page(client, "/search?q=syria", status=503)
    message = doc.xpath("//p[@class='error-page__message']")[0].text_content()
    assert "news-search reindex" in message
    for url in ("/api/search", "/api/search.jsonl", "/api/articles/x"):
        assert api(client, url, status=503)["error"]["code"] == 503
    assert client.get("/search.csv").status_code == 503


def test_unexpected_errors_are_500_without_internals(index_root):
    app = create_app({"TESTING": True, "INDEX": index_root})

    def boom():
        raise RuntimeError("secret internals")

    app.add_url_rule("/boom", view_func=boom)
    app.add_url_rule("/api/boom", view_func=boom, endpoint="api_boom")
    client = app.test_client()
    doc, html = page(client, "/boom", status=500)
    assert "secret internals" not in html
    body = api(client, "/api/boom", status=500)
    assert body["error"]["code"] == 500 and "secret" not in body["error"]["message"]


# Security headers


@pytest.mark.parametrize(
    "url",
    ["/", "/search?q=syria", "/api/search", "/api/nope", "/nope", "/search?page=0",
     "/static/style.css", "/search.csv", "/search.atom", "/api/search.jsonl", "/api/openapi.json"],
)  # fmt: skip
def test_security_headers_on_every_response(client, url):
    headers = client.get(url).headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


# Exports


def test_csv_export_has_every_match_and_the_query(client):
    response = client.get("/search.csv?q=syria+turkey&per_page=1&region=Europe")
    assert response.mimetype == "text/csv"
    disposition = 'attachment; filename="search-syria-turkey.csv"'
    assert response.headers["Content-Disposition"] == disposition
    assert (response.headers["X-Query"], response.headers["X-Filters"]) == (
        "syria turkey", "region=Europe"
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:4] == ["id", "published", "source", "title"]
    expected = api(
        client, "/api/search?q=syria+turkey&region=Europe&per_page=100&collapse=none"
    )
    assert [r[0] for r in rows[1:]] == [r["id"] for r in expected["results"]]
    assert len(rows) - 1 == expected["total"] == 4
    story = rows[0].index("story")
    assert rows[1][story] == rows[2][story] == expected["results"][0]["story"]["id"]


def test_csv_export_of_everything(client):
    rows = list(csv.reader(io.StringIO(client.get("/search.csv").get_data(as_text=True))))
    assert rows[0][0] == "id"
    assert len(rows) - 1 == TOTAL
    kenya = next(r for r in rows[1:] if r[3].startswith("Kenya"))
    assert kenya[1:3] == ["2024-12-11T00:00:00", "Daily Ledger"]
    assert kenya[6:9] == ["William Ruto", "KE", "Africa"]


def test_jsonl_export_has_every_match_and_the_query(client):
    response = client.get("/api/search.jsonl?q=syria&source=Euro+Wire&source=Al+Mayadeen+English")
    assert response.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert response.headers["X-Query"] == "syria"
    assert response.headers["X-Filters"] == "source=Euro+Wire&source=Al+Mayadeen+English"
    assert {line["title"][:20] for line in lines} == {
        "Donors pledge aid fo",
        "Syria, Turkey sign j",
    }
    everything = client.get("/api/search.jsonl?per_page=1").get_data(as_text=True)
    assert len(everything.splitlines()) == TOTAL


def test_atom_feed_of_the_newest_matches(client):
    response = client.get("/search.atom?q=syria+turkey&sort=oldest")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") == "News search: syria turkey"
    assert feed.find(f"{ATOM}link[@rel='self']").get("href").endswith("/search.atom?q=syria+turkey")
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 4
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert updated[0] == "2025-08-14T00:00:00Z"
    assert feed.findtext(f"{ATOM}updated") == "2025-08-14T00:00:00Z"
    for entry in entries:
        link = entry.find(f"{ATOM}link").get("href")
        assert link.startswith("http://localhost/articles/")
        assert entry.findtext(f"{ATOM}id") == link
        assert entry.findtext(f"{ATOM}title") and entry.find(f"{ATOM}summary") is not None
    assert "<mark>" in entries[0].findtext(f"{ATOM}summary")


def test_an_undated_article_takes_the_feeds_time_in_atom(app):
    undated = {"id": "x", "title": "T", "published": None, "authors": [], "snippet": ""}
    with app.test_request_context("/search.atom"):
        entry = atom_entry(undated, "2025-08-14T00:00:00Z")
    assert entry.findtext(f"{ATOM}updated") == "2025-08-14T00:00:00Z"
    assert entry.find(f"{ATOM}published") is None


# Configuration and a reindex under a running app


def test_config_from_environment_then_test_config(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWS_SEARCH_INDEX", str(tmp_path / "from-env"))
    assert Path(create_app().config["INDEX"]) == tmp_path / "from-env"
    app = create_app({"INDEX": tmp_path / "from-test"})
    assert app.config["INDEX"] == tmp_path / "from-test"
    assert Path(app.config["SEEDS"]) == SEEDS


def test_a_reindex_is_seen_without_restarting_the_app(tmp_path):
    root = tmp_path / "index"
    reindex([SEEDS], root, full=True, workers=1)
    client = create_app({"TESTING": True, "INDEX": root}).test_client()
    assert api(client, "/api/search?q=platypus")["total"] == 0
    assert api(client, "/api/search")["total"] == 2
    extra = write_jsonl(
        tmp_path / "new.jsonl",
        [{"title": "Platypus spotted in a Melbourne creek", "text": "A platypus swam by.",
          "date": "2025-09-01", "source": "Creek News", "url": "https://creek.example/p"}],
    )  # fmt: skip
    reindex([SEEDS, extra], root, full=True, workers=1)
    data = api(client, "/api/search?q=platypus")
    assert data["total"] == 1
    assert data["results"][0]["title_html"] == "<mark>Platypus</mark> spotted in a Melbourne creek"
    doc, _ = page(client, f"/articles/{data['results'][0]['id']}")
    assert doc.xpath("//h1")[0].text_content() == "Platypus spotted in a Melbourne creek"
    assert api(client, "/api/search")["total"] == 3


# The search page's date range, histogram scale, facet sizes and unknown sources


def test_date_range_form_is_labelled_and_keeps_the_other_filters(client):
    doc, _ = page(client, "/search?q=syria&source=Euro+Wire&from=2025-08-01&to=2025-08-31")
    (form,) = doc.xpath("//aside//form[.//input[@type='date']]")
    assert form.get("action") == "/search" and form.get("method") == "get"
    inputs = {i.get("name"): i for i in form.xpath(".//input[@type='date']")}
    assert (inputs["from"].get("value"), inputs["to"].get("value")) == ("2025-08-01", "2025-08-31")
    for box in inputs.values():
        assert doc.xpath(f"//label[@for='{box.get('id')}']")[0].text_content() in ("From", "To")
    hidden = [(i.get("name"), i.get("value")) for i in form.xpath(".//input[@type='hidden']")]
    assert hidden == [("q", "syria"), ("source", "Euro Wire")]
    presets = {a.text_content(): a for a in doc.xpath("//ul[@class='dates__presets']//a")}
    assert list(presets) == ["Past week", "Past month", "Past year", "Any time"]
    assert presets["Past week"].get("href") == "/search?q=syria&source=Euro+Wire&from=7d"
    assert presets["Past year"].get("href") == "/search?q=syria&source=Euro+Wire&from=1y"
    assert presets["Any time"].get("href") == "/search?q=syria&source=Euro+Wire"
    assert [a.get("aria-current") for a in presets.values()] == [None, None, None, None]


def test_a_relative_range_is_marked_and_shows_as_a_chip(client):
    doc, _ = page(client, "/search?from=30d")
    (current,) = doc.xpath("//ul[@class='dates__presets']//a[@aria-current='true']")
    assert current.text_content() == "Past month"
    chips = [a.get("aria-label") for a in doc.xpath("//a[@class='chip']")]
    assert chips == ["Remove filter From: 30d"]
    (start,) = doc.xpath("//input[@id='date-from']/@value")
    assert start == f"{datetime.now() - timedelta(days=30):%Y-%m-%d}"


def test_histogram_shows_its_scale_the_chosen_range_and_its_count(client):
    doc, _ = page(client, "/")
    assert [s.text for s in doc.xpath("//p[@class='histogram__scale']/span")] == ["3", "0"]
    (summary,) = doc.xpath("//p[@class='histogram__summary']")
    assert summary.text_content() == "Dec 2024 – Aug 2025: 9 articles"
    assert not doc.xpath("//svg//a[contains(@class, 'is-chosen')]")
    doc, _ = page(client, "/search?from=2025-07-01&to=2025-08-31")
    chosen = doc.xpath("//svg//a[contains(@class, 'is-chosen')]/@aria-label")
    assert chosen == [
        "Jul 2025: 1 article (in the chosen dates)", "Aug 2025: 3 articles (in the chosen dates)",
    ]  # fmt: skip
    assert doc.xpath("//svg/@class") == ["histogram__chart is-ranged"]
    (summary,) = doc.xpath("//p[@class='histogram__summary']")
    assert summary.text_content() == "1 Jul – 31 Aug 2025: 4 articles"
    doc, _ = page(client, "/search?from=2025-08-13")
    assert doc.xpath("//p[@class='histogram__summary']")[0].text_content() == (
        "from 13 Aug 2025: 2 articles"
    )


def test_a_facet_links_to_more_values_and_back(client):
    doc, _ = page(client, "/search?q=syria&facet_size=2")
    (more,) = doc.xpath("//fieldset[@id='facet-person']//a[@class='facet__more']")
    assert more.text_content() == "Show more people"
    href = more.get("href")
    assert href.endswith("#facet-person")
    assert "facet_size.person=100" in href and "facet_size.source=2" in href
    assert "q=syria" in href
    people = doc.xpath("//fieldset[@id='facet-person']//input[@type='checkbox']")
    assert len(people) == 2
    doc, _ = page(client, href.split("#")[0])
    people = doc.xpath("//fieldset[@id='facet-person']//input[@type='checkbox']")
    assert len(people) > 2
    assert not doc.xpath("//fieldset[@id='facet-person']//a[@class='facet__more']")
    (fewer,) = doc.xpath("//fieldset[@id='facet-person']//a[@class='facet__fewer']")
    assert "facet_size.person" not in fewer.get("href")
    # The facets form carries the sizes, so ticking a box keeps the long list.
    hidden = doc.xpath("//form[@class='facets']/input[@type='hidden']")
    assert ("facet_size.person", "100") in [(i.get("name"), i.get("value")) for i in hidden]


def test_a_facet_with_more_values_has_a_labelled_filter_box(client):
    doc, _ = page(client, "/search?facet_size=2")
    (box,) = doc.xpath("//fieldset[@id='facet-person']//input[@class='facet__filter']")
    assert box.get("name") is None  # not sent with the form: it only filters the list
    assert box.get("data-filters") == "facet-list-person"
    (label,) = doc.xpath(f"//label[@for='{box.get('id')}']")
    assert label.text_content() == "Filter the people listed"
    doc, _ = page(client, "/search?q=kenya")  # one value each: nothing to filter
    assert not doc.xpath("//input[@class='facet__filter']")


def test_api_takes_a_facet_size(client):
    data = api(client, "/api/search?facet_size=1&facet_size.source=50")
    assert [len(data["facets"][n]) for n in ("region", "country", "person")] == [1, 1, 1]
    assert len(data["facets"]["source"]) == 7  # six sources and the unknown one
    assert data["facet_size"] == {"region": 1, "country": 1, "person": 1, "source": 50}
    assert data["facet_more"] == {"region": True, "country": True, "person": True,
                                  "source": False}  # fmt: skip
    error = api(client, "/api/search?facet_size=5000", 400)["error"]
    assert error["code"] == 400 and "facet_size" in error["message"]
    assert api(client, "/api/search?facet_size.nope=5", 400)["error"]["code"] == 400


def test_articles_without_a_source_are_a_facet_value_and_say_so(client):
    doc, _ = page(client, "/search?q=syria+turkey&collapse=none")
    sources = doc.xpath("//fieldset[@id='facet-source']//input/@value")
    assert "(unknown)" in sources
    doc, _ = page(client, "/search?source=%28unknown%29")
    assert result_titles(doc)[0].startswith(SEED_TITLES[1])
    assert doc.xpath("//span[contains(@class, 'result__source')]")[0].text == "Unknown source"
    assert count_text(doc).startswith("1 article")


def test_a_story_page_names_every_outlet_an_unknown_one_last(client):
    story = api(client, "/api/search?q=syria+turkey")["results"][0]["story"]["id"]
    doc, _ = page(client, f"/stories/{story}")
    (line,) = doc.xpath("//main/p[@class='muted']")
    assert " ".join(line.text_content().split()).startswith(
        "2 articles from Al Mayadeen English, an unknown source,"
    )
    items = [" ".join(li.text_content().split()) for li in doc.xpath("//ol[@class='coverage']/li")]
    assert items[1].endswith("(title from the text) Unknown source · 14 Aug 2025")


def test_a_title_made_up_from_the_text_or_the_url_says_so(tmp_path):
    extra = write_jsonl(tmp_path / "untitled.jsonl", [
        {"text": "Rangers counted the quokkas on Rottnest Island on Monday. It took all day.",
         "date": "2025-09-01", "url": "https://island.example/2025/09/quokka-census-finds-more"},
        {"title": "Quokka census ends", "text": "The quokka census ended on Tuesday.",
         "date": "2025-09-02", "source": "Island News"},
    ])  # fmt: skip
    root = tmp_path / "index"
    reindex([SEEDS, extra], root, full=True, workers=1)
    client = create_app({"TESTING": True, "INDEX": root}).test_client()
    data = api(client, "/api/search?q=quokka&collapse=none")
    made = {r["title"]: r["title_from"] for r in data["results"]}
    assert made == {"Quokka census finds more": "url", "Quokka census ends": ""}
    doc, _ = page(client, "/search?q=quokka&collapse=none")
    notes = [" ".join(h.text_content().split()) for h in doc.xpath("//h2[@class='result__title']")]
    assert sorted(notes) == ["Quokka census ends", "Quokka census finds more (title from the URL)"]
    assert doc.xpath("//span[@class='title-note']")  # muted, set apart from the title link
    outlets = doc.xpath("//span[contains(@class, 'result__source')]/text()")
    assert sorted(outlets) == ["Island News", "island.example"]  # none named: the URL's domain
    doc, _ = page(client, "/search?q=signals+dramatic+shift&collapse=none")
    note = doc.xpath("//h2[@class='result__title']/span[@class='title-note']")[0]
    assert note.text_content() == "(title from the text)"


def test_focus_ring_contrast_is_at_least_3_to_1():
    """WCAG 2.2 asks 3:1 between a focus indicator and what surrounds it."""
    css = (PROJECT / "web" / "static" / "style.css").read_text(encoding="utf-8")
    light, dark = css.split("@media (prefers-color-scheme: dark)", 1)
    for block in (light, dark.split("}", 1)[0]):
        colours = dict(re.findall(r"--(focus|paper|wash):\s*(#[0-9a-fA-F]{6})", block))
        for background in ("paper", "wash"):
            assert contrast(colours["focus"], colours[background]) >= 3, (block[:40], background)


def contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
