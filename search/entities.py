"""Entities: the people and countries an article names, found offline with rules and gazetteers.

People come from search/people.py (rules over the article's tokens, search/lexicon.py, with a
first-name list, data/first_names.txt, built by bench/entities/make_first_names.py from
public-domain and MIT-licensed lists and the corpora). Countries come from the gazetteer in
places.py; the focus ones are weighed by where they occur (title, dateline, lead, rest) and by
whose they are (the country named with a person's title: "Turkish President Erdogan").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from search.aliases import Person
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
    DATA_DIR,
    REGIONS,
    Span,
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


PEOPLE_COUNTRIES_FILE = DATA_DIR / "people_countries.tsv"
TITLE_REACH = 6  # how far before a name its country may stand ("Turkish Defense Minister X")
US_PARTY_TAG = re.compile(r"[DRI]-[A-Z][a-z]*\.?$")  # "D-Minn.", "R-Texas", after a US name
_NATIONAL = frozenset(("country", "demonym"))


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


def _people_countries(doc: Doc, people: list[Person], spans: list[Span]) -> list[Span]:
    """Each later mention of a person whose country the article gives ("Turkish President
    Recep Tayyip Erdogan", "Russia's Foreign Minister Sergei Lavrov", "Al Franken, D-Minn.")
    counts as a mention of that country: a story about Erdogan is about Turkey. A person the
    article gives no country has the one other articles gave them (data/people_countries.tsv),
    if any, for every mention."""
    found = []
    named = {s.code for s in spans}  # the table weighs these; it never adds a country
    for person, said in _countries_of(doc, people, spans):
        code, written = said.partition(" ")[::2]
        if not code and (known := _known_countries().get(person.name(), "")) in named:
            code = known
        if code:  # the mention that wrote the country ("Turkish ...") counted it already
            starts = sorted(person.starts)
            found += [Span(i, i + 1, code, "person", "") for i in starts[bool(written) :]]
    return found


def _countries_of(doc: Doc, people: list[Person], spans: list[Span]) -> list[tuple[Person, str]]:
    """Each person with the country the article writes for them ("RU written", "US" for a
    party tag, "" for none)."""
    by_token = {i: s for s in spans if s.kind in _NATIONAL for i in range(s.start, s.end)}
    return [
        (p, next((c for i in sorted(p.starts) if (c := _country_at(doc, i, by_token))), ""))
        for p in people
    ]


def people_with_countries(text: str) -> list[tuple[str, str]]:
    """(name, country) of the people an article introduces with their country (for
    bench/entities/make_people_countries.py)."""
    doc = Doc("", fold(text))
    spans = find_places(doc.toks, lambda start, end: _city_ok(doc, start, end))
    people = find_people(doc, spans, set())
    found = _countries_of(doc, people, spans)
    return [(p.name(), said.split()[0]) for p, said in found if said]


@cache
def _known_countries() -> dict[str, str]:
    """Person -> country, as the corpora introduce them (data/people_countries.tsv)."""
    if not PEOPLE_COUNTRIES_FILE.exists():
        return {}  # while the table is being built
    lines = PEOPLE_COUNTRIES_FILE.read_text(encoding="utf-8").splitlines()
    return dict(line.split("\t") for line in lines if line and not line.startswith("#"))


def _country_at(doc: Doc, start: int, by_token: dict[int, Span]) -> str:
    """The country written before a name, over its title ("Turkish President | X"), else "US"
    for a US party tag after it ("X, D-Minn."); "" if none."""
    titled = False  # a country needs a title between ("US Envoy X"; not "Antarctica X")
    for i in range(start - 1, max(-1, start - TITLE_REACH), -1):
        tok = doc.toks[i]
        if i in by_token and (titled or by_token[i].kind == "demonym"):
            return by_token[i].code + " written"
        if not (tok[:1].isupper() or tok == "'s"):
            break
        titled = titled or tok == "'s" or tok.rstrip(".") in TITLES
    end = next((i for i in range(start, start + 5) if not doc.toks[i][:1].isupper()), start)
    if doc.toks[end] == "," and US_PARTY_TAG.match(doc.toks[end + 1]):
        return "US"
    return ""


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
    spans += _people_countries(doc, people, spans)
    countries, focus = rank_countries(spans, doc.zone, dateline_place)
    regions = list(dict.fromkeys(r for c in (focus or countries) if (r := region_of(c))))
    return Entities([p.name() for p in people], countries, focus, regions)
