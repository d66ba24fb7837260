"""Entities: the people and countries an article names, found offline with rules and gazetteers.

People come from search/people.py (rules over the article's tokens, search/lexicon.py, with a
first-name list, data/first_names.txt, built by bench/entities/make_first_names.py from
public-domain and MIT-licensed lists and the corpora). Countries come from the gazetteer in
places.py; the focus ones are weighed by where they occur (title, dateline, lead, rest) and by
whose they are (the country named with a person's title: "Turkish President Erdogan").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from search.lexicon import (
    FIRST_NAMES_FILE,
    MONTHS,
    NOT_FIRST,
    ORG,
    STOP,
    TITLES,
    WORDS,
    Doc,
    byline_names,
    first_names,
    sentence_splitter,
)
from search.people import find_people
from search.places import (
    REGIONS,
    after_locative,
    find_places,
    fold,
    rank_countries,
    region_of,
)

__all__ = ["FIRST_NAMES_FILE", "REGIONS", "Entities", "find_entities", "region_of"]

# The word lists under their old names (tests and bench/entities/make_first_names.py read them).
_WORDS, _TITLES, _STOP, _MONTHS, _ORG, _NOT_FIRST = WORDS, TITLES, STOP, MONTHS, ORG, NOT_FIRST
_first_names, _sentence_splitter = first_names, sentence_splitter


@dataclass
class Entities:
    """The entity facets of one article."""

    people: list[str]
    countries: list[str]
    focus_countries: list[str]
    regions: list[str]


def _city_ok(doc: Doc, start: int, end: int) -> bool:
    """Whether a city match is a place: "in Nice", but not "Nice work" or "Phoenix Park"."""
    if doc.toks[end] in ORG:
        return False  # Phoenix Park (Dublin), Boston Globe: part of an organisation's name
    # A city named like a given name or an everyday word here needs "in"/"from" before it.
    key = " ".join(doc.toks[start:end])
    ambiguous = key in first_names() or key.lower() in doc.lower_words
    return not ambiguous or after_locative(doc.toks, start)


def find_entities(
    title: str, body: str, *, dateline_place: str = "", exclude: Iterable[str] = ()
) -> Entities:
    """Find the people, countries, focus countries and regions of one article."""
    doc = Doc(fold(title), fold(body))
    spans = find_places(doc.toks, lambda start, end: _city_ok(doc, start, end))
    names = [*exclude, *byline_names(fold(body))]
    excluded = {fold(name).lower().strip() for name in names if name.strip()}
    people = find_people(doc, spans, excluded)
    claimed = {i for p in people for i in p.positions}
    # "Jordan" in "Michael Jordan" is a person, not a country.
    spans = [s for s in spans if not claimed.intersection(range(s.start, s.end))]
    countries, focus = rank_countries(spans, doc.zone, dateline_place)
    regions = list(dict.fromkeys(r for c in (focus or countries) if (r := region_of(c))))
    return Entities([p.name() for p in people], countries, focus, regions)
