"""Text pages: headlines, interface lines, dates and datelines of rendered and clean text."""

from __future__ import annotations

from search.extract import extract
from search.read import Page
from search.textpage import learn_repeats, page_line_keys, parse_text_page

LEAD = ("The harbour ferry that links the old town with the northern islands will resume its "
        "timetable on Monday after six weeks in dry dock, the port authority said.")
SECOND = ("Engineers replaced both propeller shafts and a cracked section of the hull that had "
          "been found during a routine inspection in February.")


def mobile(headline: str, published: str, others: tuple[str, ...] = ()) -> str:
    """A news page as a phone renders it to text."""
    lines = ["Coastline News", "Menu", "Search", "", "Listen to this article", headline,
             f"Published {published}", "", LEAD, "", SECOND, "", "Share", "", "Most read",
             *[f"• {h}" for h in others], "", "Coastline News"]
    return "\n".join(lines) + "\n"


def test_a_bbc_style_headline_that_opens_with_a_quote_is_the_title():
    text = f"'Strong pound' call lifts exporters\n\n{LEAD}\n\n{SECOND}\n"
    art = extract(Page("business/097.txt", "text", text=text))
    assert (art.title, art.title_from) == ("'Strong pound' call lifts exporters", "")
    # As in every BBC file the headline line opens the body (the lead skips it).
    assert art.body == f"'Strong pound' call lifts exporters\n\n{LEAD}\n\n{SECOND}"
    curly = extract(Page("b.txt", "text", text=text.replace("'", "\u2018", 1).replace(
        "' call", "\u2019 call")))
    assert curly.title == "\u2018Strong pound\u2019 call lifts exporters"


def test_an_interface_line_above_the_headline_is_never_the_title_and_the_date_is_read():
    found = parse_text_page(mobile("Ferry service to resume after repair", "17/03/2017"))
    assert found.title == "Ferry service to resume after repair"
    assert found.published == "2017-03-17"
    assert found.body == f"{LEAD}\n\n{SECOND}"


def test_a_day_first_site_is_learned_from_its_unambiguous_dates():
    heads = ["Ferry service to resume", "Council approves budget", "Library opens its doors",
             "Marathon route changes"]
    pages = [mobile(heads[0], "05/03/2017", tuple(heads[1:])),
             *[mobile(h, f"{day}/04/2018", tuple(heads[:1])) for h, day in
               zip(heads[1:], (14, 21, 23), strict=True)]]
    repeats = learn_repeats(page_line_keys(p) for p in pages)
    unlearned = parse_text_page(pages[0])
    assert unlearned.published == ""  # 05/03 reads both ways: never guessed
    learned = parse_text_page(pages[0], repeats["Coastline News"])
    assert learned.published == "2017-03-05"
    assert learned.title == "Ferry service to resume"  # listed by the other pages, not dropped


def test_a_sentence_that_starts_like_an_interface_line_is_kept():
    body = ("The ferry will resume on Monday, the port authority said.\n\n"
            "Click here to read the full report, the minister said.\n\n"
            "Click here to subscribe\n\nRead more: Council approves budget\n\n"
            "Commuters have relied on a replacement bus service.")
    art = extract(Page("x.jsonl", "record", locator="#1",
                       fields={"title": "Ferry to resume", "body": body}))
    assert art.body.split("\n\n") == [
        "The ferry will resume on Monday, the port authority said.",
        "Click here to read the full report, the minister said.",
        "Commuters have relied on a replacement bus service.",
    ]


def test_a_wire_dateline_stays_in_the_body_and_names_the_place():
    text = (f"Farmers warned of water limits\n\nWASHINGTON (AP) — Federal officials warned "
            f"farmers on Thursday that water allocations could be cut.\n\n{SECOND}\n")
    art = extract(Page("w.txt", "text", text=text))
    assert art.body.split("\n\n")[1].startswith(
        "WASHINGTON (AP) — Federal officials warned farmers on Thursday")
    assert art.dateline_place == "Washington"
    assert art.title == "Farmers warned of water limits"
