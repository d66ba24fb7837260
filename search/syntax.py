"""The query language: words, phrases, AND/OR/NOT, ``-word``, field prefixes and date ranges.

Whatever the user types parses: malformed syntax falls back to the plain words, so a query
never fails. ``person:``, ``country:``, ``region:`` and ``source:`` become facet filters.
"""

from __future__ import annotations

import re

from whoosh.qparser import FieldAliasPlugin, GtLtPlugin, MultifieldParser, OrGroup
from whoosh.qparser.dateparse import DateParserPlugin
from whoosh.query import And, AndNot, DateRange, Every, Not, NullQuery, NumericRange, Or, Query
from whoosh.searching import Searcher

from .analysis import normalize
from .request import FACET_PARAMS
from .schema import TEXT_FIELDS

MAX_TERMS = 64  # words kept from a pasted essay: enough to rank, bounded in cost
FIELD_SYNTAX = re.compile(r'\b(person|country|region|source):("[^"]*"|\S+)', re.IGNORECASE)
NEGATION = re.compile(r'(?:^|(?<=\s))(?:-|NOT\s+)("[^"]*"|[^\s()"]+)')
DANGLING_FIELD = re.compile(r"\b\w+:(?=\s|$)")


def parse_query(text: str, searcher: Searcher) -> tuple[Query, dict[str, list[str]]]:
    """The user's query as a Whoosh query plus facet filters given as ``person:``-style prefixes.

    Malformed syntax never raises: it falls back to the plain words. Negations (``-word``,
    ``NOT word``) exclude from whatever the rest matches, or from everything when alone.
    """
    filters: dict[str, list[str]] = {}

    def take(match: re.Match) -> str:
        filters.setdefault(match.group(1).lower(), []).append(match.group(2).strip('"'))
        return " "

    negated: list[str] = []

    def negate(match: re.Match) -> str:
        negated.append(match.group(1))
        return " "

    rest = DANGLING_FIELD.sub(" ", FIELD_SYNTAX.sub(take, text))
    rest = NEGATION.sub(negate, " ".join(rest.split()[:MAX_TERMS]))
    positive = _parse(rest, searcher.schema)
    excluded = _parse(" ".join(negated), searcher.schema) if negated else NullQuery
    if excluded is not NullQuery:
        base = Every() if positive is NullQuery else positive
        positive = AndNot(base, excluded)
    return (Every() if positive is NullQuery else positive), _resolve_filters(filters, searcher)


def _parse(text: str, schema) -> Query:
    """Parse with the full syntax; on any failure, or nothing positive left, the plain words."""
    words = re.findall(r"\w+", text)
    if not words:
        return NullQuery
    try:
        query = _parser(schema).parse(text)
    except Exception:  # noqa: BLE001 - any parser failure means: use the plain words
        query = NullQuery
    if query is NullQuery or not _positive(query):
        query = _parser(schema).parse(" ".join(words).lower())
    return _require_ranges(query)


def _require_ranges(query: Query) -> Query:
    """``date:>2024 syria`` means Syria articles after 2024: a range is a filter, not an option."""
    if not isinstance(query, Or):
        return query
    ranges = [q for q in query.subqueries if isinstance(q, DateRange | NumericRange)]
    if not ranges:
        return query
    rest = [q for q in query.subqueries if q not in ranges]
    return And(ranges + ([Or(rest)] if rest else []))


def _parser(schema) -> MultifieldParser:
    parser = MultifieldParser(TEXT_FIELDS, schema, group=OrGroup.factory(0.9))
    parser.add_plugin(GtLtPlugin())
    parser.add_plugin(DateParserPlugin(free=False))
    parser.add_plugin(FieldAliasPlugin({"published": ["date"], "title": ["headline"]}))
    return parser


def _positive(query: Query) -> bool:
    """True when some leaf of the query is not negated (a term, a phrase, a date range...)."""
    if isinstance(query, Not) or query is NullQuery:
        return False
    if isinstance(query, AndNot):
        return _positive(query.a)
    children = list(query.children())
    return not children or any(_positive(c) for c in children)


def _resolve_filters(filters: dict[str, list[str]], searcher: Searcher) -> dict[str, list[str]]:
    """Map typed values to indexed ones: "syria" -> SY, "europe" -> Europe, "guler" -> full name."""
    from .places import lookup_place

    resolved: dict[str, list[str]] = {}
    for name, values in filters.items():
        field = FACET_PARAMS[name]
        known = [v.decode() if isinstance(v, bytes) else v for v in searcher.lexicon(field)]
        for value in values:
            folded = " ".join(normalize(w, False) or w.lower() for w in value.split())
            match = [k for k in known if k.lower() == value.lower()]
            if not match and name == "country" and (code := lookup_place(value)):
                match = [code]
            if not match:
                match = [k for k in known if folded and folded in k.lower()] or [value]
            resolved.setdefault(name, []).extend(match)
    return resolved
