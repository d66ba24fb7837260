"""Extraction of the seed pages and of records: title, date, body without boilerplate, entities."""

from pathlib import Path

import pytest

from search.extract import EmptyArticle, article_id, extract, title_from_url
from search.read import Page, read_file
from search.textpage import learn_repeats, page_line_keys, parse_text_page

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SCRAPED = SEEDS / "000_9a752ea716365c3a.txt"
CLEAN = SEEDS / "001_a8f4b624b86a572f.txt"


def seed(path: Path):
    [page] = list(read_file(path))
    return extract(page, path.name)


def test_scraped_page_metadata():
    art = seed(SCRAPED)
    assert art.title == "Syria, Turkey sign joint defense cooperation agreement"
    assert art.published.isoformat() == "2025-08-13T21:16:00"
    assert art.source == "Al Mayadeen English"
    assert art.authors == ["Al Mayadeen English"]
    assert art.subtitle.startswith("Syria and Turkey sign a joint defense agreement")
    assert art.tags == ["Syria", "Turkey", "Murhaf Abu Qasra", "Asaad Hassan al-Shibani",
                        "Yasar Guler", "Alparslan Bayraktar"]


def test_scraped_page_body_is_the_article_only():
    body = seed(SCRAPED).body
    assert body.startswith("The Syrian and Turkish defense ministries signed")
    assert body.endswith("remain Ankara's stated objectives.")
    assert "In a written statement, Guler stressed" in body  # prose after the Related block
    for junk in ("BREAKING", "Yemeni Armed Forces", "Trump", "Netanyahu", "Sheikh Tarif",
                 "Car explodes in Aleppo", "Most Read", "Read Next", "All Rights Reserved",
                 "Listen", "Min Read", "Shares", "Privacy Policy", "(Syrian Defense Ministry)",
                 "Slogan", "Infographs"):
        assert junk not in body, junk


def test_scraped_page_entities():
    art = seed(SCRAPED)
    assert set(art.people) == {"Yasar Guler", "Murhaf Abu Qasra", "Asaad al-Shibani",
                               "Hussein Salameh", "Mohammed al-Bashir", "Alparslan Bayraktar",
                               "Bashar al-Assad"}
    assert art.people[0] == "Yasar Guler"  # the most mentioned first
    assert set(art.focus_countries) == {"SY", "TR"}
    assert {"Middle East & North Africa", "Europe"} <= set(art.regions)


def test_clean_prose_with_dateline():
    art = seed(CLEAN)
    assert art.published.isoformat() == "2025-08-14T00:00:00"
    assert art.dateline_place == "Ankara, Turkey"
    assert art.title.startswith("In a move that signals a dramatic shift in regional dynamics")
    assert len(art.title) <= 151
    assert art.body.startswith("In a move that signals")  # the dateline is not body text
    assert "August 14, 2025 –" not in art.body
    assert set(art.people) == {"Yasar Guler", "Murhaf Abu Qasra", "Asaad al-Shibani",
                               "Hussein Salameh", "Hakan Fidan"}
    assert set(art.focus_countries) == {"SY", "TR"}
    assert "IL" in art.countries and "IL" not in art.focus_countries


def test_record_clutter_and_wire_dateline_removed():
    page = Page("x.json", "record", fields={
        "title": "Council votes", "url": "https://www.example.com/a/1",
        "body": "WASHINGTON (Reuters) — The council voted on Tuesday to approve the plan.\n\n"
                "Advertisement\n\nRead more: Another story entirely\n\nThe vote was 7-2.",
    })
    art = extract(page, "x.json")
    assert art.body == "The council voted on Tuesday to approve the plan.\n\nThe vote was 7-2."
    assert art.dateline_place == "Washington"
    assert art.source == "example.com"  # from the URL when the record names no outlet


def test_ids_are_stable_and_prefer_the_url():
    assert article_id("a.txt") == article_id("a.txt") != article_id("b.txt")
    assert article_id("a.csv", "#1", url="https://www.x.org/n/") == article_id(
        "b.csv", "#9", url="http://x.org/n")
    assert article_id("a.csv", record_id="7") != article_id("a.csv", record_id="8")


def test_page_with_only_boilerplate_is_an_error():
    page = Page("menu.txt", "text", text="Home\n  • News\n  • Sport\nAbout Us\n")
    with pytest.raises(EmptyArticle):
        extract(page, "menu.txt")


def test_site_repeats_remove_a_ticker_that_reads_like_prose():
    ticker = "Officials said on Monday that the talks between the two delegations will resume soon."
    pages = []
    for n in range(3):
        pages.append(
            f"Daily Wire Site\n\nStory number {n} headline here\n\n"
            f"  • By Jane Doe\n  • 1 Jan 2024\n\n{ticker}\n\n"
            f"This is the unique body paragraph of story {n}, with words enough to be prose.\n\n"
            "Daily Wire Site\n"
        )
    repeats = learn_repeats(page_line_keys(p) for p in pages)
    assert list(repeats) == ["Daily Wire Site"]
    found = parse_text_page(pages[0], repeats["Daily Wire Site"])
    assert ticker not in found.body
    assert found.body.startswith("This is the unique body paragraph of story 0")
    unlearned = parse_text_page(pages[0])  # without the site's history it reads as prose
    assert ticker in unlearned.subtitle + unlearned.body


# Articles without a headline: a title from the URL's slug, else the first sentence, marked


def record(**fields) -> Page:
    return Page("x.jsonl", "record", locator="#1", fields=fields)


def test_a_record_without_a_headline_takes_its_title_from_the_url_slug():
    art = extract(record(url="https://news.example/2017/02/trump-signs-order", body=(
        "The president signed an order on Friday. Aides watched.")), "x.jsonl")  # fmt: skip
    assert (art.title, art.title_from) == ("Trump signs order", "url")


def test_a_record_without_a_headline_or_a_slug_takes_its_first_sentence():
    art = extract(record(url="https://news.example/?p=12", body=(
        "The president signed an order on Friday. Aides watched.")), "x.jsonl")  # fmt: skip
    assert (art.title, art.title_from) == ("The president signed an order on Friday.", "text")


def test_a_headline_is_not_marked():
    art = extract(record(title="Order signed", url="https://news.example/a/b-c-d",
                         body="The president signed an order."), "x.jsonl")  # fmt: skip
    assert (art.title, art.title_from) == ("Order signed", "")
    assert seed(SCRAPED).title_from == ""


def test_a_text_page_without_a_headline_is_marked_and_one_with_a_headline_line_is_not():
    assert seed(CLEAN).title_from == "text"  # the clean seed opens with prose
    bbc = Page("001.txt", "text", text=(
        "Ad sales boost Time Warner profit\n\n"
        "Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn.\n\n"
        "The firm, which is now one of the biggest investors in Google, benefited."))  # fmt: skip
    art = extract(bbc, "001.txt")
    assert (art.title, art.title_from) == ("Ad sales boost Time Warner profit", "")


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("https://x.example/2017/02/trump-signs-order", "Trump signs order"),
        ("http://www.aljazeera.com/indepth/opinion/2017/02/"
         "romania-protests-corruption-170207100017012.html", "Romania protests corruption"),
        ("http://abcnews.go.com/Politics/pence-break-tie-betsy-devos-vote/story?id=45310061",
         "Pence break tie betsy devos vote"),
        ("https://x.example/news/les-%C3%A9lections-en-france_5088.html",
         "Les élections en france"),
        ("https://x.example/politics/brexit", ""),  # a section, not a headline
        ("https://x.example/a/9a752ea716365c3a", ""),
        ("javascript:alert-me-now-please", ""),
        ("not a url at all", ""),
        ("http://[broken", ""),
        ("", ""),
    ],
)  # fmt: skip
def test_title_from_url(url: str, title: str):
    assert title_from_url(url) == title
