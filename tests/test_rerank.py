"""Re-ranking the best hits by where the words occur: query words near each other rank an
article higher than the same words far apart, and words in the lead (the body's first words)
higher than the same words deeper in the body."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_jsonl

from search.index import reindex
from search.query import parse_request, search
from search.ranking import Ranking

OPENING = ("Officials met in the capital on {day} to discuss the budget, the weather and the "
           "roads, and agreed to meet again next month once the council has published its plans "
           "for the coming year.")
FILLER = "Residents of the {place} were asked to keep the streets clear while work went on."


def _news(key: str, title: str, text: str) -> dict:
    # One subtitle for all: it is their lead field, so the field cannot break the ties below
    # (the re-rank's lead is the body's first words, whatever the lead field holds).
    return {"id": key, "title": title, "subtitle": "Notes from around the town", "text": text,
            "date": "2017-03-01", "source": "Wire", "url": f"https://rerank.example/{key}"}


def _text(day: str, place: str, first: str, middle: str, last: str) -> str:
    """A body of the same length whatever the day and place (each one word)."""
    opening, filler = OPENING.format(day=day), FILLER.format(place=place)
    return f"{first}{opening}\n\n{middle} {filler} {filler} {last}"


# The same words, as often, in bodies of the same length: apart or together; in the lead or
# deeper. The day and place differ only so that no text is folded as a copy of another.
ARTICLES = [
    _news("apart", "Town notes", _text("Monday", "north", "", "The ferry was late.",
                                        "Then a strike began.")),
    _news("together", "Town notes", _text("Friday", "south", "", "The ferry strike began.",
                                           "Then it was late.")),
    _news("deep", "Harbour notes", _text("Tuesday", "east", "", "Then the lighthouse keeper "
                                         "retired.", "Work went on.")),
    _news("lead", "Harbour notes", _text("Sunday", "west", "The lighthouse keeper retired. ",
                                         "Then", "Work went on.")),
]


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("rerank")
    path = folder / "index"
    reindex([write_jsonl(folder / "articles.jsonl", ARTICLES)], path, full=True, workers=1)
    return path


def keys(root: Path, q: str, ranking: Ranking | None = None) -> list[str]:
    request = parse_request({"q": q, "collapse": "none"})
    found = search(root, request, snippets=False, **({"ranking": ranking} if ranking else {}))
    return [r["url"].rsplit("/", 1)[1] for r in found["results"]]


def test_words_near_each_other_outrank_the_same_words_apart(root: Path):
    assert keys(root, "ferry strike", Ranking(proximity=0)) == ["apart", "together"]  # a tie
    assert keys(root, "ferry strike") == ["together", "apart"]


def test_words_in_the_lead_outrank_the_same_words_deeper(root: Path):
    assert keys(root, "lighthouse keeper", Ranking(lead=0)) == ["deep", "lead"]  # a tie
    assert keys(root, "lighthouse keeper") == ["lead", "deep"]
