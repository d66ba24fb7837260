"""Our parsed queries and requests as OpenSearch's query DSL, translated once per request.

The query language is ``search.syntax``'s: its parser yields a Whoosh query tree whose words
are already analysed (stemmed, folded) as the index holds them, so each leaf becomes a ``term``
on that token, never a ``match`` that would analyse a stem again. Field weights stay as the
parser put them (``TITLE_BOOST``, ``LEAD_BOOST`` as boosts of per-field clauses, summed as
Whoosh's BM25F sums per-field scores). Filters and aggregations are built here too, so the
reader only sends and reads.
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
from ..request import FACET_PARAMS, SearchRequest

MATCH_ALL: dict = {"match_all": {}}
MATCH_NONE: dict = {"match_none": {}}
# Inner hits listed under a collapsed result: results.MORE others, plus the hit itself.
BRIEF_FIELDS = ["id", "title", "title_from", "source", "published", "url"]
OLDEST_FIRST = [{"published": {"order": "asc", "missing": "_last"}}, {"id": "asc"}]
# A terms aggregation is exact when every shard returns every value it holds; the first try
# asks each shard for a few times the listed values, a retry (when OpenSearch reports a
# possible error) for this many.
SHARD_SIZE_RETRY = 65_536


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


def facet_aggs(ticked: dict[str, dict | None], request: SearchRequest,
               shard_size: int | None = None) -> dict:
    """Each facet counted under every ticked filter but its own, one value more than listed
    (whether it is there says if there are more), with each ticked value counted apart
    (listed even when it is not among the top); and the day histogram under every filter
    but the dates."""
    aggs: dict = {}
    for name, field in FACET_PARAMS.items():
        size = request.size_of(name) + 1
        terms = {"field": field, "size": size, "order": [{"_count": "desc"}, {"_key": "asc"}],
                 "shard_size": shard_size or max(size * 5, 100),
                 "show_term_doc_count_error": True}
        inner: dict = {"values": {"terms": terms}}
        if chosen := getattr(request, name):
            keyed = {str(i): values_filter(field, [v]) for i, v in enumerate(chosen)}
            inner["chosen"] = {"filters": {"filters": keyed}}
        others = both([f for n, f in ticked.items() if n != name])
        aggs[f"facet_{name}"] = {"filter": others, "aggs": inner}
    histogram = {"date_histogram": {"field": "published", "calendar_interval": "1d",
                                    "min_doc_count": 1, "format": "yyyy-MM-dd"}}
    aggs["facet_date"] = {"filter": both([f for n, f in ticked.items() if n != "date"]),
                          "aggs": {"days": histogram}}
    return aggs


def sort_clause(sort: str) -> list:
    """The DSL sort of an applied sort, with the id as the last key (search_after needs a
    total order; Whoosh breaks ties by document number, which OpenSearch does not have)."""
    if sort == "relevance":
        return [{"_score": "desc"}, {"id": "asc"}]
    order = "desc" if sort == "newest" else "asc"
    return [{"published": {"order": order, "missing": "_last"}}, {"id": order}]


def collapse_clause(field: str, more: int) -> dict:
    """One hit per group, with the group's other matches oldest first (as results.briefs)."""
    return {"field": field, "inner_hits": {"name": "more", "size": more + 1,
                                           "sort": OLDEST_FIRST, "_source": BRIEF_FIELDS}}
