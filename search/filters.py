"""Facet filters: one rule turns a value a user typed (``person:putin``) or ticked
(``?person=putin``) into the values the index holds ("Vladimir Putin").

The rule, in order: the same value ignoring case and accents; for a country, a country name,
capital or ISO code; else every value holding the given words as whole words, in order
("putin" finds "Vladimir Putin", "put" finds nobody; "latin america" finds "Latin America &
Caribbean").
"""

from __future__ import annotations

import difflib
import re
import threading
import weakref
from collections import Counter
from dataclasses import dataclass, field

import pycountry

from . import notices
from .facets import FacetTable
from .places import fold, lookup_place
from .request import FACET_PARAMS

SHOWN = 5  # accepted values named when a value matches nothing


@dataclass
class _Values:
    """A facet's values, folded to words, and which values hold each word."""

    names: list[str]
    words: list[tuple[str, ...]]
    exact: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    holding: dict[str, set[int]] = field(default_factory=dict)


# One per facet table: the tables live as long as an index version serves, and so do these.
_tables: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# The newest per facet: a new index version with the same values (a swap to a rebuild of the
# same corpus, an update that named no one new) takes it instead of building it again (~80 ms
# at 10k, on the first search after the swap).
_newest: dict[str, _Values] = {}
_lock = threading.Lock()


def words_of(text: str) -> tuple[str, ...]:
    """``text`` as lower-case ASCII words: "Yaşar Güler" -> ("yasar", "guler")."""
    return tuple(re.findall(r"[^\W_]+", fold(text).lower()))


def resolve(table: FacetTable, name: str, value: str) -> list[str]:
    """The indexed values of facet ``name`` that ``value`` stands for ([] when none)."""
    values = _values(table, name)
    words = words_of(value)
    if not words:
        return []
    if found := values.exact.get(words):
        return found
    if name == "country" and (code := country_code(value)):
        return [code] if code in table.postings(FACET_PARAMS[name]) else []
    candidates = set.intersection(*(values.holding.get(w, set()) for w in words))
    return [values.names[i] for i in sorted(candidates) if _within(words, values.words[i])]


def resolve_filters(table: FacetTable, filters: dict[str, list[str]], said: list[dict]) -> dict:
    """Each filter's values as the index holds them. A value that matches nothing is kept as
    given (it still matches nothing, and a page can offer to remove it) and noticed in
    ``said``, with values that would match."""
    out: dict[str, list[str]] = {}
    for name, values in filters.items():
        for value in values:
            found = resolve(table, name, value)
            if not found:
                offer = [label(name, v) for v in accepted(table, name, value)]
                said.append(notices.unknown_filter(name, value, offer))
            out.setdefault(name, []).extend(found or [value])
        out[name] = list(dict.fromkeys(out[name]))
    return out


def country_code(value: str) -> str | None:
    """The ISO alpha-2 code of a country name, capital, alpha-2 or alpha-3 code."""
    text = value.strip()
    if len(text) in (2, 3) and text.isalpha():
        found = pycountry.countries.get(**{f"alpha_{len(text)}": text.upper()})
        if found:
            return found.alpha_2
    return lookup_place(text)


def accepted(table: FacetTable, name: str, value: str, limit: int = SHOWN) -> list[str]:
    """Values to offer when ``value`` matches nothing: those with a word it begins ("put":
    Vladimir Putin) or a word spelt like it ("merkle": Angela Merkel), else the commonest;
    commonest first."""
    values = _values(table, name)
    sizes = Counter(table.sizes(FACET_PARAMS[name]))
    last = words_of(value)[-1:] or [""]
    like = [w for w in values.holding if last[0] and w.startswith(last[0])]
    like += difflib.get_close_matches(last[0], list(values.holding), n=limit, cutoff=0.7)
    found = {values.names[i] for w in like for i in values.holding[w]}
    if not found:
        return [v for v, _ in sizes.most_common(limit)]
    return sorted(found, key=lambda v: (-sizes[v], v))[:limit]


def _within(words: tuple[str, ...], name: tuple[str, ...]) -> bool:
    """Whether ``words`` occur in ``name`` one after another."""
    n = len(words)
    return any(name[i : i + n] == words for i in range(len(name) - n + 1))


def _values(table: FacetTable, name: str) -> _Values:
    """The values of facet ``name`` in ``table`` as words (a country's name with its code),
    built once per table."""
    with _lock:
        per_table = _tables.setdefault(table, {})
        if name not in per_table:
            names = sorted(table.postings(FACET_PARAMS[name]))
            newest = _newest.get(name)
            per_table[name] = _newest[name] = (
                newest if newest is not None and newest.names == names else _build(name, names)
            )
        return per_table[name]


def _build(name: str, names: list[str]) -> _Values:
    values = _Values(names, [words_of(label(name, n)) for n in names])
    for i, words in enumerate(values.words):
        values.exact.setdefault(words, []).append(names[i])
        for word in set(words):
            values.holding.setdefault(word, set()).add(i)
    return values


def label(name: str, value: str) -> str:
    """A value as people read it: "Germany (DE)" for a country code, else the value."""
    if name == "country" and (country := pycountry.countries.get(alpha_2=value)):
        return f"{getattr(country, 'common_name', None) or country.name} ({value})"
    return value
