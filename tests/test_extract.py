"""Extraction of the seed pages and of records: title, date, body without boilerplate, entities."""

import json
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
    return extract(page)


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
    # The dateline is metadata and stays in the body a reader reads.
    assert art.body.startswith("Ankara – Turkey – August 14, 2025 –\n\nIn a move that signals")
    assert set(art.people) == {"Yasar Guler", "Murhaf Abu Qasra", "Asaad al-Shibani",
                               "Hussein Salameh", "Hakan Fidan"}
    assert set(art.focus_countries) == {"SY", "TR"}
    assert "IL" in art.countries and "IL" not in art.focus_countries


def test_record_clutter_removed_and_wire_dateline_kept():
    page = Page("x.json", "record", fields={
        "title": "Council votes", "url": "https://www.example.com/a/1",
        "body": "WASHINGTON (Reuters) — The council voted on Tuesday to approve the plan.\n\n"
                "Advertisement\n\nRead more: Another story entirely\n\nThe vote was 7-2.",
    })
    art = extract(page)
    assert art.body == ("WASHINGTON (Reuters) — The council voted on Tuesday to approve the plan."
                        "\n\nThe vote was 7-2.")
    assert art.dateline_place == "Washington"
    assert art.source == "example.com"  # from the URL when the record names no outlet


def test_ids_are_stable_and_name_the_file_and_the_record():
    assert article_id("a.txt") == article_id("a.txt") != article_id("b.txt")
    assert article_id("a.csv", "#1") != article_id("a.csv", "#2") != article_id("b.csv", "#2")
    # One URL in two files: two articles (a copy of the same text is a duplicate at indexing).
    assert article_id("a.csv", "url:x.org/n") != article_id("b.csv", "url:x.org/n")


def test_page_with_only_boilerplate_is_an_error():
    page = Page("menu.txt", "text", text="Home\n  • News\n  • Sport\nAbout Us\n")
    with pytest.raises(EmptyArticle):
        extract(page)


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
        "The president signed an order on Friday. Aides watched.")))  # fmt: skip
    assert (art.title, art.title_from) == ("Trump signs order", "url")


def test_a_record_without_a_headline_or_a_slug_takes_its_first_sentence():
    art = extract(record(url="https://news.example/?p=12", body=(
        "The president signed an order on Friday. Aides watched.")))  # fmt: skip
    assert (art.title, art.title_from) == ("The president signed an order on Friday.", "text")


def test_a_headline_is_not_marked():
    art = extract(record(title="Order signed", url="https://news.example/a/b-c-d",
                         body="The president signed an order."))  # fmt: skip
    assert (art.title, art.title_from) == ("Order signed", "")
    assert seed(SCRAPED).title_from == ""


def test_a_text_page_without_a_headline_is_marked_and_one_with_a_headline_line_is_not():
    assert seed(CLEAN).title_from == "text"  # the clean seed opens with prose
    bbc = Page("001.txt", "text", text=(
        "Ad sales boost Time Warner profit\n\n"
        "Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn.\n\n"
        "The firm, which is now one of the biggest investors in Google, benefited."))  # fmt: skip
    art = extract(bbc)
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


def test_an_id_names_the_real_file_and_the_record(tmp_path: Path, monkeypatch):
    """The same file reached by any path has one id; equal names in two folders do not."""
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "001.txt").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "a", target_is_directory=True)
    monkeypatch.chdir(tmp_path / "b")
    one = article_id(tmp_path / "a" / "001.txt")
    assert article_id("../a/001.txt") == article_id(tmp_path / "link" / "001.txt") == one
    assert article_id("001.txt") == article_id(tmp_path / "b" / "001.txt") != one
    assert article_id(tmp_path / "a" / "001.txt", "#2") not in (one, article_id("001.txt", "#2"))


def test_records_keep_their_ids_in_any_order_and_records_sharing_a_key_are_told_apart(
    tmp_path: Path,
):
    """A record's id comes from its own id, else its URL, else its place in the file."""
    rows = [{"id": "7", "title": "A", "text": "Seven.", "url": "https://x.org/a"},
            {"title": "B", "text": "Bee.", "url": "https://x.org/same"},
            {"title": "C", "text": "Sea.", "url": "http://www.x.org/same/"},
            {"title": "D", "text": "Dee."}]
    path = tmp_path / "r.jsonl"

    def ids(records):
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
        return {p.fields["title"]: extract(p).id for p in read_file(path)}

    first = ids(rows)
    assert len(set(first.values())) == 4  # B and C share a URL: two articles all the same
    moved = ids([{"title": "new", "text": "New."}, rows[0], rows[1], rows[2], rows[3]])
    assert {k: moved[k] for k in "AB"} == {k: first[k] for k in "AB"}
    # The second record of a URL, and a record without id or URL, are known by their line.
    assert moved["C"] != first["C"] and moved["D"] != first["D"]
