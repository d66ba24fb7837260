"""Names in a query: words that name a person or a country the index knows count as matches of
the facet fields too.

"Merkel migrants" then weighs articles about Angela Merkel that mostly say "the chancellor",
and "Russian oil" finds articles about Russia that say "Moscow" and never "Russian". A run of
up to four of the query's words is read by the filters' rule (``filters.resolve``: "merkel"
is Angela Merkel, "irish" is Ireland), longest first, and stands for the values it resolves to
only when the index agrees on two counts:

- most documents holding the words carry the value (not "may": few of its articles are about
  a person named May);
- most documents about the value hold the words (a person's articles name them; for a country,
  those it is a focus of: "Irish" names Ireland, but "Scottish" is not how most articles about
  the United Kingdom name it).
"""

from __future__ import annotations

import re

import numpy as np

from .analysis import TOKEN_PATTERN, index_term
from .facets import FacetTable
from .filters import resolve
from .ranking import Named

MAX_NAME_WORDS = 4  # "Kim Jong Nam", "Bosnia and Herzegovina"
AGREE = 0.5  # the share of documents each count must reach


def names_in(typed: dict, holding: dict, table: FacetTable) -> list[Named]:
    """The people and countries named by runs of the query's words (``typed``: each word as
    typed, by what it looks for; ``holding``: which documents hold each, a mask)."""
    units = [(key, _plain(key, said)) for key, said in typed.items() if key in holding]
    found: list[Named] = []
    i = 0
    while i < len(units):
        step = 1
        for n in range(min(MAX_NAME_WORDS, len(units) - i), 0, -1):
            run = units[i : i + n]
            named = _named(table, holding, run)
            if named is not None:  # the longest run naming anything takes its words
                found += [named] if named.keys else []
                step = n
                break
        i += step
    return found


def _named(table: FacetTable, holding: dict, run: list) -> Named | None:
    """What a run of words names, if the index agrees (``keys`` empty when it does not);
    None when it names nothing."""
    text = " ".join(w for _, words in run for w in words)
    people = resolve(table, "person", text)
    countries = [] if people else resolve(table, "country", text)
    if not people and not countries:
        return None
    words = np.logical_and.reduce([holding[key] for key, _ in run])
    size = len(words)
    if people:
        carriers = _docs(table, "people", people)
        subject, passing = carriers, np.zeros(0, dtype=np.int64)
    else:
        carriers = _docs(table, "countries", countries)
        subject = _docs(table, "focus_countries", countries)
        passing = np.setdiff1d(carriers, subject, assume_unique=True)
    agree = (_share(np.flatnonzero(words), _mask(carriers, size)) >= AGREE
             and _share(subject, words) >= AGREE)
    keys = tuple(key for key, _ in run) if agree else ()
    return Named(keys, subject, passing)


def _plain(key, said: str) -> tuple[str, ...]:
    """The unstemmed words of a query word or quoted phrase, as names are matched."""
    words = re.findall(TOKEN_PATTERN, said) if isinstance(key, tuple) else [said]
    return tuple(w for w in (index_term(x, stemmed=False) for x in words) if w)


def _docs(table: FacetTable, field: str, values: list[str]) -> np.ndarray:
    """The documents carrying any of ``values`` in ``field``, sorted."""
    docs = table.matching(field, values)
    return np.sort(np.fromiter(docs, dtype=np.int64, count=len(docs)))


def _share(docs: np.ndarray, mask: np.ndarray) -> float:
    """The share of ``docs`` (document numbers) that ``mask`` holds (0 when there are none)."""
    return float(np.count_nonzero(mask[docs])) / len(docs) if len(docs) else 0.0


def _mask(docs: np.ndarray, size: int) -> np.ndarray:
    """Document numbers as a mask over ``size`` documents."""
    mask = np.zeros(size, dtype=bool)
    mask[docs] = True
    return mask
