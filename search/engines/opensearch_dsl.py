"""Our parsed queries and requests as OpenSearch's query DSL, translated once per request.

The query language is ``search.syntax``'s: its parser yields a Whoosh query tree whose words
are already analysed (stemmed, folded) as the index holds them, so each leaf becomes a ``term``
on that token, never a ``match`` that would analyse a stem again. Field weights stay as the
parser put them (``TITLE_BOOST``, ``LEAD_BOOST`` as boosts of per-field clauses, summed as
Whoosh's BM25F sums per-field scores). Filters are built here too (the facets' aggregations
in ``opensearch_facets``), so the reader only sends and reads.
"""

from __future__ import annotations

from datetime import date, datetime

from whoosh.query import (
    And,
    AndMaybe,
    AndNot,
    DateRange,
    Every,
    FuzzyTerm,
    Not,
    NullQuery,
    Or,
    Phrase,
    Prefix,
    Query,
    Require,
    Term,
    TermRange,
    Wildcard,
)

from .. import InvalidRequest
from ..facets import UNKNOWN

MATCH_ALL: dict = {"match_all": {}}
MATCH_NONE: dict = {"match_none": {}}
# A collapsed result's matches listed under it: results.MORE others, plus the hit itself.
BRIEF_FIELDS = ["id", "title", "title_from", "source", "published", "url"]
OLDEST_FIRST = [{"published": {"order": "asc", "missing": "_last"}}, {"id": "asc"}]


class Untranslatable(InvalidRequest):
    """A query node our parser made that has no DSL translation here."""


def translate(query: Query) -> dict:
    """A Whoosh query tree from ``search.syntax.parse_query`` as a DSL query."""
    if query is NullQuery:
        return MATCH_NONE
    if isinstance(query, Every):
        return MATCH_ALL
    if isinstance(query, DateRange):
        return _range(query.fieldname, query.startdate, query.enddate, query)
    if isinstance(query, FuzzyTerm):
        return {"fuzzy": {query.fieldname: {"value": query.text, "boost": query.boost,
                                            "fuzziness": query.maxdist,
                                            "prefix_length": query.prefixlength}}}
    if isinstance(query, Term):
        return {"term": {query.fieldname: {"value": _text(query.text), "boost": query.boost}}}
    if isinstance(query, Phrase):
        return _phrase(query)
    if isinstance(query, Prefix):
        return {"prefix": {query.fieldname: {"value": query.text, "boost": query.boost}}}
    if isinstance(query, Wildcard):
        return {"wildcard": {query.fieldname: {"value": query.text, "boost": query.boost}}}
    if isinstance(query, TermRange):
        return _range(query.fieldname, query.start, query.end, query)
    return _compound(query)


def _compound(query: Query) -> dict:
    if isinstance(query, AndNot):
        return {"bool": {"must": [translate(query.a)], "must_not": [translate(query.b)]}}
    if isinstance(query, AndMaybe):
        return {"bool": {"must": [translate(query.a)], "should": [translate(query.b)]}}
    if isinstance(query, Require):
        return {"bool": {"must": [translate(query.a)], "filter": [translate(query.b)]}}
    if isinstance(query, Not):
        # A bool of must_not alone matches everything else, as Whoosh's Not does.
        return {"bool": {"must_not": [translate(query.query)]}}
    if isinstance(query, And):
        return {"bool": {"must": [translate(q) for q in query.subqueries],
                         "boost": query.boost}}
    if isinstance(query, Or):
        return {"bool": {"should": [translate(q) for q in query.subqueries],
                         "minimum_should_match": 1, "boost": query.boost}}
    raise Untranslatable(f"cannot search {type(query).__name__} on OpenSearch: {query!r}")


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _phrase(query: Phrase) -> dict:
    """Words in order at consecutive positions (Whoosh's slop 1), or within ``slop`` of each
    other: Whoosh counts the step from one word to the next, Lucene the words between."""
    words = [_text(w) for w in query.words]
    if len(words) == 1:
        return {"term": {query.fieldname: {"value": words[0], "boost": query.boost}}}
    clauses = [{"span_term": {query.fieldname: word}} for word in words]
    return {"span_near": {"clauses": clauses, "slop": max(0, query.slop - 1),
                          "in_order": True, "boost": query.boost}}


def _range(field: str, start, end, query) -> dict:
    bounds: dict = {"boost": query.boost}
    if start is not None:
        bounds["gt" if query.startexcl else "gte"] = _bound(start)
    if end is not None:
        bounds["lt" if query.endexcl else "lte"] = _bound(end)
    return {"range": {field: bounds}}


def _bound(value) -> str:
    return value.isoformat() if isinstance(value, datetime | date) else _text(value)


def values_filter(field: str, values: list[str]) -> dict:
    """Documents carrying any of ``values`` in a facet field; UNKNOWN is the empty value."""
    if UNKNOWN in values:
        values = [*values, ""]
    return {"terms": {field: list(dict.fromkeys(values))}}


def day_filter(start: datetime | None, end: datetime | None) -> dict | None:
    """Documents published in [start, end) by their day key, as ``FacetTable.in_dates``."""
    if start is None and end is None:
        return None
    # The day keys are ISO dates: a keyword range compares them as the table bisects them.
    low = start.date().isoformat() if start else ""
    high = end.date().isoformat() if end else "9999"
    return {"range": {"day": {"gte": low, "lt": high}}}


def both(filters: list[dict | None]) -> dict:
    """Every one of ``filters`` (None ones left out): a bool filter, or match_all."""
    given = [f for f in filters if f is not None]
    return {"bool": {"filter": given}} if given else MATCH_ALL


def sort_clause(sort: str) -> list:
    """The DSL sort of an applied sort, with the id as the last key (search_after needs a
    total order; Whoosh breaks ties by document number, which OpenSearch does not have)."""
    if sort == "relevance":
        return [{"_score": "desc"}, {"id": "asc"}]
    order = "desc" if sort == "newest" else "asc"
    return [{"published": {"order": order, "missing": "_last"}}, {"id": order}]


def group_matches(field: str, values: list, matched: dict, more: int) -> dict:
    """What a collapse's inner hits would say of each group (a value of ``field``, None for
    none), asked as one aggregation: how many documents ``matched`` holds in it, and the
    oldest ``more`` + 1 of them (as results.briefs), each group a bucket keyed by its place."""
    keyed = {str(i): {"term": {field: v}} if v is not None else
             {"bool": {"must_not": [{"exists": {"field": field}}]}}
             for i, v in enumerate(values)}
    top = {"top_hits": {"size": more + 1, "sort": OLDEST_FIRST, "_source": BRIEF_FIELDS}}
    return {"filter": matched, "aggs": {"each": {"filters": {"filters": keyed},
                                                 "aggs": {"more": top}}}}
