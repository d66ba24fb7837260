"""The query language: words, phrases, AND/OR/NOT, ``-word``, field prefixes and date ranges.

Whatever the user types parses: malformed syntax falls back to the plain words, so a query
never fails. ``person:``, ``country:``, ``region:`` and ``source:`` become facet filters.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import NamedTuple

from whoosh.qparser import FieldAliasPlugin, GtLtPlugin, MultifieldParser, OrGroup
from whoosh.qparser.dateparse import DateParserPlugin
from whoosh.query import And, AndNot, DateRange, Every, Not, NullQuery, NumericRange, Or, Query
from whoosh.searching import Searcher

from .analysis import normalize
from .request import FACET_PARAMS
from .schema import LEAD_BOOST, TEXT_FIELDS, TITLE_BOOST

MAX_TERMS = 64  # words kept from a pasted essay: enough to rank, bounded in cost
FIELD_SYNTAX = re.compile(
    r'(?<![\w-])(-(?=\w)|NOT\s+)?(person|country|region|source):("[^"]*"|\S+)', re.IGNORECASE
)
NEGATION = re.compile(r'(?:^|(?<=\s))(?:-|NOT\s+)("[^"]*"|[^\s()"]+)')
DANGLING_FIELD = re.compile(r"\b\w+:(?=\s|$)")
# Whoosh's date parser reads `date:>D` as `date:>=D`: strict bounds are rewritten first.
STRICT_DATE = re.compile(r"\b(date|published):([<>])(\d{4})(?:-(\d\d)(?:-(\d\d))?)?(?![\w-])")


class Parsed(NamedTuple):
    """A parsed query: the words to rank by and the facet filters typed into it."""

    query: Query
    filters: dict[str, list[str]]  # ``person:guler``: only articles naming him
    excluded: dict[str, list[str]]  # ``-person:guler``: none naming him


def parse_query(text: str, searcher: Searcher) -> Parsed:
    """The user's query as a Whoosh query plus facet filters given as ``person:``-style prefixes.

    Malformed syntax never raises: it falls back to the plain words. Negations (``-word``,
    ``NOT word``, ``-source:x``) exclude from whatever the rest matches, or from everything.
    """
    filters: dict[str, list[str]] = {}
    excluded: dict[str, list[str]] = {}

    def take(match: re.Match) -> str:
        value = match.group(3).strip('"').strip()
        if value:  # ``country:"`` names nothing: ignore it rather than match nothing
            chosen = excluded if match.group(1) else filters
            chosen.setdefault(match.group(2).lower(), []).append(value)
        return " "

    negated: list[str] = []

    def negate(match: re.Match) -> str:
        negated.append(match.group(1))
        return " "

    rest = DANGLING_FIELD.sub(" ", FIELD_SYNTAX.sub(take, STRICT_DATE.sub(_inclusive, text)))
    rest = NEGATION.sub(negate, " ".join(rest.split()[:MAX_TERMS]))
    positive = _parse(rest, searcher.schema)
    words_out = _parse(" ".join(negated), searcher.schema) if negated else NullQuery
    if words_out is not NullQuery:
        base = Every() if positive is NullQuery else positive
        positive = AndNot(base, words_out)
    return Parsed(
        Every() if positive is NullQuery else positive,
        _resolve_filters(filters, searcher),
        _resolve_filters(excluded, searcher),
    )


def _inclusive(match: re.Match) -> str:
    """``date:>2025-08-13`` as ``date:>=2025-08-14``; ``date:<2025-08`` as ``date:<=2025-07``."""
    field, op, year, month, day = match.groups()
    step = 1 if op == ">" else -1
    try:
        if day:
            when = date(int(year), int(month), int(day)) + timedelta(days=step)
            bound = f"{when:%Y-%m-%d}"
        elif month:
            index = int(year) * 12 + int(month) - 1 + step
            bound = f"{index // 12:04d}-{index % 12 + 1:02d}"
        else:
            bound = f"{int(year) + step:04d}"
    except (ValueError, OverflowError):
        return match.group(0)  # not a real date: leave it to the parser's fallback
    return f"{field}:{op}={bound}"


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
    # Field weights at query time: they multiply a field's BM25 score, after term-frequency
    # saturation (index-time boosts only multiply the frequency, which saturation flattens).
    boosts = {"title": TITLE_BOOST, "lead": LEAD_BOOST}
    # A plain OR: articles with every word are ranked first by query.py (a coordination bonus
    # re-counted the matching terms of every document, half the cost of ranking).
    parser = MultifieldParser(TEXT_FIELDS, schema, fieldboosts=boosts, group=OrGroup)
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
