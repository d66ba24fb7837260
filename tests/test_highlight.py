"""Highlighting: query terms, marked titles and sentence-aware snippets, escaped first."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from conftest import EXTRA_ARTICLES, SEEDS, write_jsonl

from search.generations import open_index
from search.highlight import ELLIPSIS, SNIPPET_CHARS, Terms, highlight_text, query_terms, snippet
from search.index import reindex
from search.query import parse_query, parse_request, search

HERON = (
    "The council met on Monday. Officials discussed the budget at length. "
    "A heron nested on the roof of the town hall, staff said. The meeting ended late.\n\n"
    "Residents were not told about the heron."
)
LONG = (
    "Wardens who had walked the marsh every morning for three weeks, counting ducks, geese, "
    "swans, coots, grebes, moorhens and the occasional lost gull, writing every sighting in "
    "a damp notebook that the rain had long since turned to pulp, and comparing notes over "
    "thermos flasks of tea in the hide at the far end of the boardwalk, finally spotted a "
    "bittern booming in the reeds beside the old sluice gate, to the delight of everyone."
)
MARKUP = "A reader wrote <mark>hello</mark> & asked about &amp; entities. The editors replied."
ARTICLES = [
    {"id": "heron", "title": "Town council meets about the budget", "text": HERON,
     "date": "2025-01-10", "source": "Town Crier", "url": "https://crier.example/heron"},
    {"id": "bittern", "title": "Wardens report a rare bird", "text": LONG,
     "date": "2025-01-11", "source": "Town Crier", "url": "https://crier.example/bittern"},
    {"id": "markup", "title": "Editors discuss <mark>tags</mark> & entities", "text": MARKUP,
     "date": "2025-01-12", "source": "Town Crier", "url": "https://crier.example/markup"},
]
MARK = re.compile(r"</?mark>")


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("highlight")
    jsonl = write_jsonl(folder / "articles.jsonl", EXTRA_ARTICLES + ARTICLES)
    path = folder / "index"
    assert reindex([SEEDS, jsonl], path, full=True, workers=1).added == 12
    return path


@pytest.fixture(scope="module")
def terms_of(root: Path):
    """The highlight terms of a query, parsed against the real index."""
    with open_index(root).searcher() as searcher:
        yield lambda q: query_terms(parse_query(q, searcher)[0])


def run(root: Path, **args) -> dict:
    args.setdefault("collapse", "none")  # one result per article, no story folding
    return search(root, parse_request(args))


def by_title(data: dict, start: str) -> dict:
    (found,) = [r for r in data["results"] if r["title"].startswith(start)]
    return found


# Query terms


@pytest.mark.parametrize(
    ("q", "words", "phrases"),
    [
        ("syria", {"syria"}, []),
        ("pledges nested", {"pledg", "nest"}, []),
        ("syria -turkey", {"syria"}, []),
        ("syria NOT (turkey OR kenya)", {"syria"}, []),
        ('"joint defense" agreement', {"agreement"}, [("joint", "defens")]),
        ('"aid for syria"', set(), [("aid", "for", "syria")]),
        ("title:quokka", {"quokka"}, []),
        ("date:>=2025-08-01 kenya", {"kenya"}, []),
        ("person:guler", set(), []),
        ("", set(), []),
    ],
)
def test_query_terms_are_the_positive_stemmed_words_and_phrases(terms_of, q, words, phrases):
    terms = terms_of(q)
    assert (terms.words, terms.phrases) == (words, phrases)
    assert bool(terms) == bool(words or phrases)


# Marking a text


@pytest.mark.parametrize(
    ("text", "terms", "marked"),
    [
        ("Donors pledge aid for Syria", {"syria"}, "Donors pledge aid for <mark>Syria</mark>"),
        ("Donors pledged aid", {"pledg"}, "Donors <mark>pledged</mark> aid"),
        ("Syria’s army and SYRIA", {"syria"}, "<mark>Syria’s</mark> army and <mark>SYRIA</mark>"),
        ('<b>Syria</b> & "co"', {"syria"},
         "&lt;b&gt;<mark>Syria</mark>&lt;/b&gt; &amp; &quot;co&quot;"),
        ("<mark>Syria</mark>", {"mark"},
         "&lt;<mark>mark</mark>&gt;Syria&lt;/<mark>mark</mark>&gt;"),
        ("Nothing to see <here>", {"syria"}, "Nothing to see &lt;here&gt;"),
        ("Syrian syriac", {"syria"}, "Syrian syriac"),  # other words, not the query's
    ],
)
def test_highlight_text_marks_words_and_escapes_the_rest(text, terms, marked):
    assert highlight_text(text, terms) == marked


@pytest.mark.parametrize(
    ("text", "terms", "marked"),
    [
        ("Donors pledge aid for Syria", Terms(phrases=[("aid", "for", "syria")]),
         "Donors pledge <mark>aid for Syria</mark>"),
        ("Donors pledge aid to Syria", Terms(phrases=[("aid", "for", "syria")]),
         "Donors pledge aid to Syria"),
        ("a joint pact, a joint defense pact", Terms(phrases=[("joint", "defens")]),
         "a joint pact, a <mark>joint defense</mark> pact"),
        ("joint defense, and defense alone", Terms({"defens"}, [("joint", "defens")]),
         "<mark>joint defense</mark>, and <mark>defense</mark> alone"),
        ("defense joint", Terms(phrases=[("joint", "defens")]), "defense joint"),
        ("joint <defense>", Terms(phrases=[("joint", "defens")]),
         "<mark>joint &lt;defense</mark>&gt;"),
    ],
)
def test_a_phrase_is_marked_as_one_unit(text: str, terms: Terms, marked: str):
    assert highlight_text(text, terms) == marked


# Snippets


def test_a_snippet_is_the_matching_sentences_whole(terms_of):
    assert snippet(HERON, terms_of("nested")) == (
        "A heron <mark>nested</mark> on the roof of the town hall, staff said."
    )


def test_a_snippet_joins_two_matching_sentences_in_document_order(terms_of):
    assert snippet(HERON, terms_of("heron")) == (
        "A <mark>heron</mark> nested on the roof of the town hall, staff said."
        + ELLIPSIS
        + "Residents were not told about the <mark>heron</mark>."
    )


def test_the_best_two_sentences_are_shown_in_document_order(terms_of):
    assert snippet(HERON, terms_of("budget OR roof OR staff")) == (
        "Officials discussed the <mark>budget</mark> at length."
        + ELLIPSIS
        + "A heron nested on the <mark>roof</mark> of the town hall, <mark>staff</mark> said."
    )


def test_on_a_tie_the_earlier_sentence_wins(terms_of):
    first = "A heron was seen over the harbour at dawn by " + "a " * 80 + "fisherman."
    later = "Another heron was seen over the marsh at dusk by " + "a " * 80 + "warden."
    assert snippet(f"{first} {later}", terms_of("heron")).startswith("A <mark>heron</mark> was")
    assert snippet(f"{first} {later}", terms_of("heron dusk")).startswith("Another <mark>")


def test_only_the_best_sentence_when_two_would_be_too_long(terms_of):
    body = f"{LONG}\n\nThe bittern flew off before noon."
    cut = snippet(body, terms_of("bittern"))
    assert ELLIPSIS not in cut and cut.count("<mark>bittern</mark>") == 1
    assert cut.startswith("…") and "booming in the reeds" in cut


def test_without_terms_a_snippet_is_the_opening(terms_of):
    assert snippet(HERON, Terms()) == (
        "The council met on Monday." + ELLIPSIS + "Officials discussed the budget at length."
    )


def test_a_long_sentence_matched_near_its_end_shows_the_end_whole(terms_of):
    cut = snippet(LONG, terms_of("bittern"))
    assert cut.startswith("…") and cut.endswith("to the delight of everyone.")
    assert cut.count("<mark>bittern</mark>") == 1
    inner = MARK.sub("", cut)[1:]
    assert SNIPPET_CHARS - 20 < len(inner) <= SNIPPET_CHARS
    assert LONG.endswith(inner) and LONG[-len(inner) - 1] == " "  # from a whole word


def test_a_long_sentence_matched_early_is_cut_after_a_whole_word(terms_of):
    cut = snippet(LONG, terms_of("wardens"))
    assert cut.startswith("<mark>Wardens</mark> who had walked") and cut.endswith("…")
    inner = MARK.sub("", cut)[:-1]
    assert LONG.startswith(inner) and LONG[len(inner)] == " "
    assert SNIPPET_CHARS - 20 < len(inner) <= SNIPPET_CHARS


def test_a_long_sentence_matched_in_the_middle_is_cut_on_both_sides(terms_of):
    sentence = "Alpha " + "beta " * 100 + "heron " + "gamma " * 100 + "end."
    cut = snippet(sentence, terms_of("heron"))
    assert cut.startswith("…beta beta") and cut.endswith("gamma…")
    assert cut.count("<mark>heron</mark>") == 1
    inner = MARK.sub("", cut)[1:-1]
    start = sentence.index(inner)
    assert sentence[start - 1] == " " and sentence[start + len(inner)] == " "
    assert len(inner) <= SNIPPET_CHARS and inner.index("heron") >= SNIPPET_CHARS // 3 - 5


def test_an_empty_body_has_no_snippet(terms_of):
    assert snippet("", terms_of("syria")) == ""
    assert snippet("\n\n  \n", terms_of("syria")) == ""


def test_a_snippet_escapes_the_corpus_text(terms_of):
    assert snippet(MARKUP, terms_of("reader")) == (
        "A <mark>reader</mark> wrote &lt;mark&gt;hello&lt;/mark&gt; &amp; asked about "
        "&amp;amp; entities."
    )


# Through search()


def test_a_quoted_phrase_is_one_mark_in_title_and_snippet(root: Path):
    hit = by_title(run(root, q='"joint defense"'), "Syria, Turkey")
    assert hit["title_html"] == (
        "Syria, Turkey sign <mark>joint defense</mark> cooperation agreement"
    )
    assert "<mark>joint defense</mark>" in hit["snippet"]
    assert "<mark>joint</mark>" not in hit["snippet"]
    assert "<mark>defense</mark>" not in hit["snippet"]


def test_unquoted_words_are_marked_one_by_one(root: Path):
    hit = by_title(run(root, q="joint defense"), "Syria, Turkey")
    assert hit["title_html"] == (
        "Syria, Turkey sign <mark>joint</mark> <mark>defense</mark> cooperation agreement"
    )


def test_a_phrase_over_a_stop_word_and_stemmed_words_in_titles(root: Path):
    hit = by_title(run(root, q='"aid for syria"'), "Donors")
    assert hit["title_html"] == (
        "Donors pledge <mark>aid for Syria</mark> reconstruction in Brussels"
    )
    hit = by_title(run(root, q="pledges"), "Donors")
    assert hit["title_html"] == (
        "Donors <mark>pledge</mark> aid for Syria reconstruction in Brussels"
    )
    # The dateline stays in the body, and so in the snippet's sentence.
    assert hit["snippet"].startswith("BRUSSELS - Donors <mark>pledged</mark> new aid for Syria")


def test_search_snippets_are_the_matching_sentence(root: Path):
    hit = by_title(run(root, q="nested"), "Town council")
    assert hit["snippet"] == "A heron <mark>nested</mark> on the roof of the town hall, staff said."
    assert hit["title_html"] == "Town council meets about the budget"


def test_negated_words_are_not_marked(root: Path):
    hit = by_title(run(root, q="quokka NOT title:harbour"), "Quokka")
    assert "<mark>quokka</mark>" in hit["snippet"]
    assert "harbour" in hit["snippet"] and "<mark>harbour</mark>" not in hit["snippet"]


def test_corpus_markup_is_escaped_in_titles_and_snippets(root: Path):
    hit = by_title(run(root, q="editors reader"), "Editors")
    assert hit["title_html"] == (
        "<mark>Editors</mark> discuss &lt;mark&gt;tags&lt;/mark&gt; &amp; entities"
    )
    assert hit["snippet"] == (
        "A <mark>reader</mark> wrote &lt;mark&gt;hello&lt;/mark&gt; &amp; asked about "
        "&amp;amp; entities." + ELLIPSIS + "The <mark>editors</mark> replied."
    )


@pytest.mark.parametrize("q", ["", "script alert quokka", "mark tags hello", "syria"])
def test_the_only_markup_is_mark_and_the_text_is_the_corpus(root: Path, q: str):
    data = run(root, q=q, per_page="100")
    assert data["results"]
    for hit in data["results"]:
        for shown in (hit["title_html"], hit["snippet"]):
            plain = MARK.sub("", shown)
            assert "<" not in plain and ">" not in plain
            assert shown.count("<mark>") == shown.count("</mark>")
        assert html.unescape(MARK.sub("", hit["title_html"])) == hit["title"]
        for part in MARK.sub("", hit["snippet"]).split(ELLIPSIS):
            assert html.unescape(part).strip("…") in hit["title"] + "\n" + _body(root, hit)


def _body(root: Path, hit: dict) -> str:
    with open_index(root).searcher() as searcher:
        return searcher.document(id=hit["id"])["body"]


def test_the_hostile_title_is_escaped(root: Path):
    hit = by_title(run(root, q="quokka"), "Quokka")
    assert hit["title_html"] == (
        "<mark>Quokka</mark> sighting &lt;script&gt;alert(1)&lt;/script&gt; "
        "&quot;onerror=alert(2) stuns rangers"
    )


@pytest.mark.parametrize(
    ("text", "words", "marked"),
    [
        # Words are ruled out by their first character before stemming: a stem keeps it.
        ("Ünal and Unal met.", {"unal"}, ["Ünal", "Unal"]),  # folded: not ruled out
        ("Dying, they said; the die is cast.", {"die"}, ["Dying", "die"]),  # dying -> die
        ("The U.S. and US officials", {"us"}, ["U.S", "US"]),
        ("In 2016 and 2016's count", {"2016"}, ["2016", "2016&#x27;s"]),
        ("Cats, cat and catalogue", {"cat"}, ["Cats", "cat"]),
    ],
)
def test_words_ruled_out_by_their_first_letter_are_exactly_those_no_term_stands_for(
        text: str, words: set[str], marked: list[str]):
    terms = Terms(words)
    assert re.findall(r"<mark>(.*?)</mark>", highlight_text(text, terms)) == marked
    assert re.findall(r"<mark>(.*?)</mark>", snippet(text, terms)) == marked
    assert terms.blocked.isdisjoint({w[0] for w in words}) and "x" in terms.blocked
