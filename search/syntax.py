"""The query language: words, phrases, AND/OR/NOT, ``-word``, field prefixes and date ranges.

Whatever the user types parses: malformed syntax falls back to the plain words (and says so),
so a query never fails. ``person:``, ``country:``, ``region:`` and ``source:`` become facet
filters. Whatever sits inside quotes is a phrase, always: the rewriting below only ever sees
the text outside quotes.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import NamedTuple

from whoosh.qparser import FieldAliasPlugin, GtLtPlugin, MultifieldParser, OrGroup
from whoosh.qparser.dateparse import DateParserPlugin
from whoosh.query import (
    And,
    AndNot,
    DateRange,
    Every,
    Not,
    NullQuery,
    NumericRange,
    Or,
    Phrase,
    Query,
    Term,
)
from whoosh.searching import Searcher

from . import whoosh_fixes  # noqa: F401  (X -Y must not return X's first match holding Y)
from .analysis import TOKEN_PATTERN, index_term, is_stop
from .schema import LEAD_BOOST, TEXT_FIELDS, TITLE_BOOST

MAX_TERMS = 64  # words kept from a pasted essay: enough to rank, bounded in cost
FIELD_SYNTAX = re.compile(
    r'(?<![\w-])(-(?=\w)|NOT\s+)?(person|country|region|source):("[^"]*"|\S+)', re.IGNORECASE
)
NEGATION = re.compile(r'(?:^|(?<=\s))(?:-|NOT\s+)("[^"]*"|[^\s()"]+)')
DANGLING_FIELD = re.compile(r"\b\w+:(?=\s|$)")
# Whoosh's date parser reads `date:>D` as `date:>=D`: strict bounds are rewritten first.
STRICT_DATE = re.compile(r"\b(date|published):([<>])(\d{4})(?:-(\d\d)(?:-(\d\d))?)?(?![\w-])")
QUOTED = re.compile(r'"[^"]*"')
# A quoted span stands in the text as one opaque word while the rewriting runs: private-use
# characters no query needs (they are removed from what the user typed first).
HOLE = "\ue000{}\ue001"
HOLES = re.compile("\ue000(\\d+)\ue001")
SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "\ue000": " ", "\ue001": " "})
OPERATORS = frozenset({"AND", "OR", "NOT", "TO", "ANDNOT", "ANDMAYBE"})
WORD = re.compile(rf"{HOLES.pattern}|{TOKEN_PATTERN}")


class Parsed(NamedTuple):
    """A parsed query: the words to rank by and the facet filters typed into it."""

    query: Query
    filters: dict[str, list[str]]  # ``person:guler``: only articles naming him (as typed)
    excluded: dict[str, list[str]]  # ``-person:guler``: none naming him (as typed)
    # The plain words searched instead when the syntax could not be read ("" for none),
    # or None when it was read as written.
    fallback: str | None = None
    # Each word and phrase of the query as typed, by what it looks for (a term or terms).
    typed: dict = {}


class _Masked(NamedTuple):
    """A query with each quoted span replaced by a hole, and what the holes held."""

    text: str
    spans: list[str]
    balanced: bool

    def restore(self, text: str) -> str:
        return HOLES.sub(lambda m: self.spans[int(m.group(1))], text)


def parse_query(text: str, searcher: Searcher) -> Parsed:
    """The user's query as a Whoosh query plus facet filters given as ``person:``-style prefixes.

    Malformed syntax never raises: it falls back to the plain words, named in ``fallback``.
    Negations (``-word``, ``NOT word``, ``-source:x``) exclude from whatever the rest
    matches, or from everything. Filter values are returned as typed (``filters.resolve``
    reads them against the index, by the same rule as ticked filters).
    """
    masked = _mask(text)
    filters: dict[str, list[str]] = {}
    excluded: dict[str, list[str]] = {}

    def take(match: re.Match) -> str:
        value = masked.restore(match.group(3)).strip('"').strip()
        if value:  # ``country:"`` names nothing: ignore it rather than match nothing
            chosen = excluded if match.group(1) else filters
            chosen.setdefault(match.group(2).lower(), []).append(value)
        return " "

    negated: list[str] = []

    def negate(match: re.Match) -> str:
        negated.append(masked.restore(match.group(1)))
        return " "

    rest = STRICT_DATE.sub(_inclusive, masked.text)
    rest = DANGLING_FIELD.sub(" ", FIELD_SYNTAX.sub(take, rest))
    rest = NEGATION.sub(negate, " ".join(rest.split()[:MAX_TERMS]))
    if not masked.balanced:  # a quote without its partner: the words, not a guess
        positive, fallback = _plain(masked.restore(rest), searcher.schema), ""
    else:
        positive, fallback = _parse(masked.restore(rest), searcher.schema)
    positive = _without_stop_words(positive, rest)
    if fallback is not None:
        fallback = _words_searched(masked.restore(rest), positive)
    words_out = _parse(" ".join(negated), searcher.schema)[0] if negated else NullQuery
    if words_out is not NullQuery:
        base = Every() if positive is NullQuery else positive
        positive = AndNot(base, words_out)
    if positive is NullQuery and text.strip() and not (negated or filters or excluded):
        fallback = ""  # nothing searchable was typed: say so rather than list silently
    return Parsed(
        Every() if positive is NullQuery else positive,
        filters,
        excluded,
        fallback,
        _typed(masked),
    )


def _mask(text: str) -> _Masked:
    """``text`` with each quoted span as a hole; an unpaired quote is dropped and noted."""
    # Words inside quotes count towards the bound too (a pasted essay of quotes).
    text = " ".join(text.translate(SMART_QUOTES).split()[:MAX_TERMS])
    spans: list[str] = []

    def hole(match: re.Match) -> str:
        spans.append(match.group(0))
        return HOLE.format(len(spans) - 1)

    masked = QUOTED.sub(hole, text)
    balanced = '"' not in masked
    return _Masked(masked.replace('"', " "), spans, balanced)


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


def _parse(text: str, schema) -> tuple[Query, str | None]:
    """Parse with the full syntax; on any failure, or nothing positive left, the plain words
    (and "" to say the syntax was not read, else None)."""
    if not re.search(r"\w", text):
        return NullQuery, None
    try:
        query = _parser(schema).parse(text)
    except Exception:  # noqa: BLE001 - any parser failure means: use the plain words
        query = NullQuery
    if query is NullQuery or not _positive(query):
        return _plain(text, schema), ""
    return _require_ranges(query), None


def _plain(text: str, schema) -> Query:
    """The words of ``text`` and nothing else: no operators, fields, ranges or phrases."""
    words = [w for w in re.findall(r"\w+", text) if w not in OPERATORS]
    if not words:
        return NullQuery
    return _parser(schema).parse(" ".join(words).lower())


def _without_stop_words(query: Query, rest: str) -> Query:
    """``query`` without the stop words of a longer plain query ("trump and putin").

    Kept: stop words inside phrases, a capitalised one after the first word ("Theresa May
    brexit"), one given a field ("title:who"), and all of them when nothing else is asked
    ("may", "the who"). Operators Whoosh read as words ("OR OR kenya") always go.
    """
    drop: set[str] = set()
    keep: set[str] = set()
    operators: set[str] = set()
    for n, match in enumerate(WORD.finditer(rest)):
        word = match.group(0)
        if word in OPERATORS:
            operators.add(index_term(word))
        elif is_stop(word):
            named = n > 0 and word[:1].isupper()
            given = rest[match.start() - 1 : match.start()] == ":"  # title:who
            (keep if named or given else drop).add(index_term(word))
    query = _prune(query, operators)
    pruned = _prune(query, drop - keep)
    return query if pruned is NullQuery else pruned


def _prune(query: Query, terms: set[str]) -> Query:
    """``query`` without its words ``terms`` in the text fields (phrases and NOTs untouched)."""
    if not terms:
        return query

    def cut(node: Query) -> Query:
        if isinstance(node, Term) and node.fieldname in TEXT_FIELDS and node.text in terms:
            return NullQuery
        if isinstance(node, Phrase | Not):
            return node
        if isinstance(node, AndNot):
            return AndNot(cut(node.a), node.b)
        return node.apply(cut)

    pruned = cut(query).normalize()
    return pruned if pruned is not NullQuery and _positive(pruned) else NullQuery


def query_words(query: Query) -> dict:
    """The words and phrases a query looks for, by term (or tuple of terms), in order."""
    found: dict = {}
    for leaf in query.leaves():
        if isinstance(leaf, Term) and leaf.fieldname in TEXT_FIELDS:
            found.setdefault(leaf.text, leaf.text)
        elif isinstance(leaf, Phrase) and leaf.fieldname in TEXT_FIELDS:
            found.setdefault(tuple(leaf.words), " ".join(leaf.words))
    return found


def _typed(masked: _Masked) -> dict:
    """Each word and quoted phrase of the query as typed, keyed by what it looks for."""
    typed: dict = {}
    for match in WORD.finditer(masked.text):
        if hole := HOLES.fullmatch(match.group(0)):
            phrase = " ".join(masked.spans[int(hole.group(1))].strip('"').split())
            terms = tuple(t for t in map(index_term, re.findall(TOKEN_PATTERN, phrase)) if t)
            typed.setdefault(terms if len(terms) > 1 else terms[0] if terms else phrase,
                             f'"{phrase}"')
        elif term := index_term(match.group(0)):
            typed.setdefault(term, match.group(0).lower())
    return typed


def _words_searched(text: str, query: Query) -> str:
    """The plain words of ``text`` that ``query`` looks for, as typed (lower case), in order."""
    terms = query_words(query)
    words = [w.lower() for w in re.findall(r"\w+", text) if w not in OPERATORS]
    return " ".join(dict.fromkeys(w for w in words if index_term(w) in terms))


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
    # Fields of weight 0 are not searched (``lead:word`` still is).
    fields = [f for f in TEXT_FIELDS if boosts.get(f, 1.0) > 0]
    # A plain OR: ranking weighs how much of the query each article holds (ranking.py; a
    # coordination bonus re-counted the matching terms of every document, half the cost).
    parser = MultifieldParser(fields, schema, fieldboosts=boosts, group=OrGroup)
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
