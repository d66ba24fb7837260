"""What an article becomes in the index: its lead, on real-looking bodies and in a real index."""

from __future__ import annotations

from pathlib import Path

from conftest import write_jsonl

from search.document import LEAD_WORDS, lead_of
from search.index import reindex
from search.query import parse_request, search

# An export's body: sentences with no paragraph breaks (the NewsArticles CSV's shape).
UNBROKEN = (
    "Rescue teams reached the flooded valley on Tuesday after two days of rain. "
    "The regional governor said 40 families had been moved to schools in the town. "
    "Farmers counted their losses as the water slowly went down across the plain. "
    "Engineers will inspect the old stone bridge, which a surveyor says needs repair."
)


def test_a_body_without_paragraphs_gives_its_first_sentences_not_all_of_it():
    lead = lead_of("Floods cut off valley", "", UNBROKEN)
    # Three whole sentences fit in LEAD_WORDS words; the fourth does not, and is not cut.
    assert lead == UNBROKEN[: UNBROKEN.index(" Engineers")]
    assert len(lead.split()) <= LEAD_WORDS < len(UNBROKEN.split())


def test_a_headline_repeated_as_the_first_paragraph_is_not_the_lead():
    body = "Floods cut off valley\n\nRescue teams reached the valley on Tuesday.\n\nMore later."
    lead = lead_of("Floods cut off valley", "", body)
    assert lead == "Rescue teams reached the valley on Tuesday."


def test_a_subtitle_is_the_lead():
    assert lead_of("Floods", "Forty families moved", UNBROKEN) == "Forty families moved"


def test_a_long_sentence_is_cut_at_the_word_limit():
    body = " ".join(["word"] * 80)
    assert lead_of("T", "", body) == " ".join(["word"] * LEAD_WORDS)


def test_only_lead_words_match_the_lead_field(tmp_path: Path):
    jsonl = write_jsonl(tmp_path / "a.jsonl", [
        {"id": "f", "title": "Floods cut off valley", "text": UNBROKEN, "date": "2025-03-04",
         "source": "Valley Post", "url": "https://valley.example/f"},
    ])
    root = tmp_path / "index"
    reindex([jsonl], root, full=True, workers=1, vectors=False)

    def total(q: str) -> int:
        return search(root, parse_request({"q": q, "mode": "lexical"}))["total"]

    assert total("lead:governor") == 1  # second sentence: in the lead
    assert total("lead:surveyor") == 0  # fourth sentence: in the body only
    assert total("surveyor") == 1


def test_words_only_in_the_subtitle_find_the_article(tmp_path: Path):
    # The NewsArticles CSV has subtitles holding what the body never says ("Go go alternative
    # facts!" under a late-night show's story): the lead field must be searched, not only stored.
    jsonl = write_jsonl(tmp_path / "a.jsonl", [
        {"id": "s", "title": "Comedian mocks adviser's gaffe",
         "subtitle": "Go go alternative facts!", "text": UNBROKEN, "date": "2025-03-04",
         "source": "Valley Post", "url": "https://valley.example/s"},
    ])
    root = tmp_path / "index"
    reindex([jsonl], root, full=True, workers=1, vectors=False)
    for q in ('"alternative facts"', "alternative facts"):
        found = search(root, parse_request({"q": q, "mode": "lexical"}))
        assert [r["title"] for r in found["results"]] == ["Comedian mocks adviser's gaffe"]
