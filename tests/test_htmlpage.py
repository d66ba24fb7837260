"""HTML pages: the body trafilatura or our fallback reads, tables, headlines and dates."""

from __future__ import annotations

from search.dates import DAY_FIRST
from search.htmlpage import html_fields
from search.titles import SITE_KEY

MENU = "".join(f"<li><a href='/{w.lower()}'>{w}</a></li>"
               for w in ("Home", "World", "Business", "Sport", "Weather", "Contact us"))
FERRY = ("The harbour ferry that links the old town with the northern islands will resume its "
         "timetable on Monday after six weeks in dry dock, the port authority said.")
SHAFTS = ("Engineers replaced both propeller shafts and a cracked section of the hull that had "
          "been found during a routine inspection in February.")
BUSES = ("Commuters have relied on a replacement bus service that added forty minutes to the "
         "journey each way, and local shops reported fewer visitors from the islands.")


def page(head: str = "", article: str = "", title: str = "Ferry to resume") -> str:
    """A page laid out in plain <div>s, as many sites are: no <nav> or <footer> to drop."""
    return (f"<html><head><meta charset='utf-8'><title>{title}</title>{head}</head><body>"
            f"<div id='top'><div class='menu'><ul>{MENU}</ul></div></div>{article}"
            "<div class='bottom'><p>Harbour Gazette. All rights reserved.</p></div></body></html>")


def test_an_article_that_is_one_p_split_by_br_is_read_not_taken_for_a_page_dump():
    # trafilatura gives one <p> starting with a newline and split by <lb/>: before, that was
    # taken for its whole-page dump and our fallback kept the menu ("Home World Business ...").
    body = f"<div class='entry'><p>\n{FERRY}<br><br>{SHAFTS}<br><br>{BUSES}</p></div>"
    fields = html_fields(page(article=body))
    assert fields["body"] == f"{FERRY}\n{SHAFTS}\n{BUSES}"


def test_tables_of_prose_and_of_figures_are_kept_with_their_cells_separated():
    table = ("<table><tr><td>Roads</td><td>Resurfacing of the ring road and forty residential "
             "streets.</td></tr><tr><td>Transport</td><td>Two new bus lanes and longer evening "
             "services on three routes.</td></tr></table>")
    figures = "<table><tr><th>Team</th><th>Pts</th></tr><tr><td>Rovers</td><td>31</td></tr></table>"
    article = (f"<article><h1>Council approves budget</h1><p>{FERRY}</p>{table}{figures}"
               f"<p>{BUSES}</p></article>")
    body = html_fields(page(article=article, title="Council approves budget"))["body"]
    assert body.split("\n\n") == [
        FERRY,
        "Roads | Resurfacing of the ring road and forty residential streets.",
        "Transport | Two new bus lanes and longer evening services on three routes.",
        "Team | Pts",
        "Rovers | 31",
        BUSES,
    ]


def test_a_result_rooted_at_a_div_is_kept_and_not_replaced_by_the_menus():
    # trafilatura's own pass drops a container classed "teaser" and returns its readability
    # candidate, rooted at a <div>: before, that was rejected for our fallback, menu and all.
    article = f"<div class='teaser'><p>{FERRY}</p><p>{SHAFTS}</p><p>{BUSES}</p></div>"
    body = html_fields(page(article=article))["body"]
    assert body == f"{FERRY}\n\n{SHAFTS}\n\n{BUSES}"


def test_the_headline_element_is_the_title_without_the_site_name():
    head_title = "Harbour Gazette - Ferry service to resume after six-week repair"
    article = ("<div class='story'><h1 class='headline'>Ferry service to resume after six-week "
               f"repair</h1><div class='story-body'><p>{FERRY}</p><p>{SHAFTS}</p></div></div>")
    fields = html_fields(page(article=article, title=head_title))
    assert fields["title"] == "Ferry service to resume after six-week repair"
    assert fields["body"] == f"{FERRY}\n\n{SHAFTS}"


def test_a_site_name_learned_from_the_site_s_titles_is_stripped():
    article = f"<div><p>{FERRY}</p><p>{SHAFTS}</p></div>"
    html = page(article=article, title="Harbour Gazette - Ferry service to resume")
    assert html_fields(html)["title"] == "Harbour Gazette - Ferry service to resume"
    learned = frozenset({SITE_KEY + "harbourgazette"})
    assert html_fields(html, learned=learned)["title"] == "Ferry service to resume"


def test_an_interface_line_in_a_heading_is_never_the_title():
    head = "<meta property='og:title' content='Ferry service to resume | The Valley Courier'>"
    article = ("<div class='article'><h2>Share</h2><h2>Listen to this article</h2>"
               "<h2 class='article-headline'>Ferry service to resume</h2>"
               f"<div class='content'><p>{FERRY}</p><p>{SHAFTS}</p></div></div>")
    html = page(head, article, title="Ferry service to resume | The Valley Courier")
    assert html_fields(html)["title"] == "Ferry service to resume"


def test_a_published_label_gives_the_date_in_the_site_s_order():
    article = (f"<div class='article'><h1>Ferry to resume</h1><p class='meta'>Published "
               f"05/03/2017</p><div class='content'><p>{FERRY}</p><p>{SHAFTS}</p></div></div>")
    fields = html_fields(page(article=article), learned=frozenset({DAY_FIRST}))
    assert fields["published"] == "2017-03-05"
    unambiguous = article.replace("05/03/2017", "17/03/2017")
    assert html_fields(page(article=unambiguous))["published"] == "2017-03-17"


def test_a_reindex_learns_the_site_name_from_the_titles_of_the_site_s_pages(tmp_path):
    from search.pipeline import Item, extract_corpus

    heads = ["Ferry service to resume", "Council approves budget", "Opinion poll puts mayor ahead"]
    for n, head in enumerate(heads):
        (tmp_path / f"{n}.html").write_text(page(
            article=f"<div class='copy'><p>{FERRY}</p><p>{BUSES}</p></div>",
            title=f"Northfield Echo Online - {head}"))
    items = extract_corpus([tmp_path], {}, workers=1).items
    titles = sorted(item.article.title for item in items if isinstance(item, Item))
    assert titles == sorted(heads)
