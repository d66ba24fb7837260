"""Names in a query, as ``search.names`` reads them, over an OpenSearch index: a run of the
query's words naming a person or a country the index knows (``filters.resolve``) matches the
articles about it too, when the index agrees on both counts (most documents holding the words
carry the value; most documents about the value hold the words). The counts are filter
aggregations of one request; the runs are chosen as ``names.names_in`` chooses them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from whoosh.query import Query

from ..analysis import TOKEN_PATTERN, index_term
from ..filters import resolve
from ..names import AGREE, MAX_NAME_WORDS
from ..ranking import DEFAULT, rankable, word_of
from .opensearch_dsl import translate, values_filter
from .opensearch_lexicon import FacetValues
from .opensearch_shape import SCHEMA


@dataclass
class Name:
    """A run of the query's words (``keys``) and the documents about what it names."""

    keys: tuple
    subject: dict  # DSL filter: the documents about the person or country
    carriers: dict  # DSL filter: the documents carrying the value at all


def word_groups(query: Query) -> dict | None:
    """The query's words and phrases by what they look for, each as one DSL query over every
    field it is searched in; None when the query is not plain words (Whoosh ranks it alone,
    without names)."""
    leaves = rankable(query, SCHEMA)
    if leaves is None or not DEFAULT.names:
        return None
    groups: dict = {}
    for leaf in leaves:
        groups.setdefault(word_of(leaf), []).append(translate(leaf))
    return {k: {"bool": {"should": v, "minimum_should_match": 1}} for k, v in groups.items()}


def names_in(typed: dict, groups: dict, values: FacetValues,
             search: Callable[[dict], dict]) -> list[Name]:
    """The names the index agrees on among runs of up to four of the query's words."""
    units = [(key, _plain(key, said)) for key, said in typed.items() if key in groups]
    runs: list[Name] = []
    i = 0
    while i < len(units):
        step = 1
        for n in range(min(MAX_NAME_WORDS, len(units) - i), 0, -1):
            run = units[i : i + n]
            named = _named(values, run)
            if named is not None:  # the longest run naming anything takes its words
                runs.append(named)
                step = n
                break
        i += step
    return _agreed(runs, groups, search) if runs else []


def _named(values: FacetValues, run: list) -> Name | None:
    text = " ".join(w for _, words in run for w in words)
    people = resolve(values, "person", text)
    countries = [] if people else resolve(values, "country", text)
    keys = tuple(key for key, _ in run)
    if people:
        about = values_filter("people", people)
        return Name(keys, about, about)
    if countries:
        return Name(keys, values_filter("focus_countries", countries),
                    values_filter("countries", countries))
    return None


def _agreed(runs: list[Name], groups: dict, search: Callable[[dict], dict]) -> list[Name]:
    """The runs whose two shares reach AGREE, counted over the whole index."""
    aggs = {}
    for n, name in enumerate(runs):
        words = {"bool": {"filter": [groups[k] for k in name.keys]}}
        aggs |= {
            f"{n}_words": {"filter": words},
            f"{n}_carried": {"filter": {"bool": {"filter": [words, name.carriers]}}},
            f"{n}_about": {"filter": name.subject},
            f"{n}_held": {"filter": {"bool": {"filter": [words, name.subject]}}},
        }
    counts = search({"size": 0, "aggs": aggs})["aggregations"]

    def share(part: str, whole: str, n: int) -> float:
        total = counts[f"{n}_{whole}"]["doc_count"]
        return counts[f"{n}_{part}"]["doc_count"] / total if total else 0.0

    return [name for n, name in enumerate(runs)
            if share("carried", "words", n) >= AGREE and share("held", "about", n) >= AGREE]


def _plain(key, said: str) -> tuple[str, ...]:
    """``names._plain`` (copied: private there): the unstemmed words of a word or phrase."""
    words = re.findall(TOKEN_PATTERN, said) if isinstance(key, tuple) else [said]
    return tuple(w for w in (index_term(x, stemmed=False) for x in words) if w)
