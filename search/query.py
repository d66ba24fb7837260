"""Querying: one function turns a request into plain data (results, total, facets, suggestion).

The HTML page, the JSON API, the CLI and the exports all call ``search``; no Whoosh object
escapes this module (results are lazy and die with their searcher).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

from whoosh.qparser import FieldAliasPlugin, GtLtPlugin, MultifieldParser, OrGroup
from whoosh.qparser.dateparse import DateParserPlugin
from whoosh.query import And, AndNot, DateRange, Every, Not, NullQuery, NumericRange, Or, Query
from whoosh.searching import Searcher

from . import SearchError
from .analysis import normalize
from .facets import FacetTable, date_buckets, facet_counts
from .highlight import highlight_text, query_terms, snippet
from .index import NoIndex, current_generation, open_index
from .request import FACET_PARAMS, BadParameter, SearchRequest, parse_request
from .schema import TEXT_FIELDS

__all__ = [
    "ArticleNotFound",
    "BadParameter",
    "SearchRequest",
    "get_article",
    "iter_results",
    "parse_request",
    "search",
]

MAX_TERMS = 64  # words kept from a pasted essay: enough to rank, bounded in cost
FIELD_SYNTAX = re.compile(r'\b(person|country|region|source):("[^"]*"|\S+)', re.IGNORECASE)
NEGATION = re.compile(r'(?:^|(?<=\s))(?:-|NOT\s+)("[^"]*"|[^\s()"]+)')
DANGLING_FIELD = re.compile(r"\b\w+:(?=\s|$)")
SUGGEST_BELOW = 3
_local = threading.local()


class ArticleNotFound(SearchError):
    """No article has this id."""


def search(root: str | Path, request: SearchRequest, *, snippets: bool = True) -> dict:
    """Run a search request: one page of ranked results, exact total, facets and a suggestion."""
    searcher, table = _searcher(Path(root))
    query, field_filters = parse_query(request.q, searcher)
    matched = set(searcher.docs_for_query(query)) if query is not Every else None
    sets = {
        name: table.matching(FACET_PARAMS[name], values)
        for name, values in {**request.filters(), **field_filters}.items()
    }
    sets["date"] = table.in_dates(request.date_from, request.date_to)
    hits = _combine(matched, sets.values(), table)
    ranked = _rank(searcher, query, hits, request)
    terms = query_terms(query)
    return {
        "query": request.q,
        "total": len(hits),
        "page": request.page,
        "per_page": request.per_page,
        "pages": max(1, -(-len(hits) // request.per_page)),
        "sort": request.sort,
        "sorted_by": _applied_sort(request, query),
        "filters": request.describe(),
        "results": [_result(searcher, n, score, terms, snippets) for n, score in ranked],
        "facets": _facets(table, matched, sets, request),
        "suggestion": _suggest(searcher, request, len(hits)),
    }


def iter_results(root: str | Path, request: SearchRequest) -> Iterator[dict]:
    """Every result of a request (no paging, no snippets), for exports."""
    searcher, table = _searcher(Path(root))
    query, field_filters = parse_query(request.q, searcher)
    matched = set(searcher.docs_for_query(query)) if query is not Every else None
    sets = [
        table.matching(FACET_PARAMS[n], v)
        for n, v in {**request.filters(), **field_filters}.items()
    ]
    sets.append(table.in_dates(request.date_from, request.date_to))
    hits = _combine(matched, sets, table)
    everything = SearchRequest(sort=request.sort, per_page=max(1, len(hits)), page=1, q=request.q)
    for docnum, score in _rank(searcher, query, hits, everything):
        yield _result(searcher, docnum, score, set(), False)


def get_article(root: str | Path, article_id: str) -> dict:
    """One whole article by id."""
    searcher, _ = _searcher(Path(root))
    docnum = searcher.document_number(id=article_id)
    if docnum is None:
        raise ArticleNotFound(f"no article with id {article_id!r}")
    fields = searcher.stored_fields(docnum)
    return {
        **_plain(fields),
        "body": fields.get("body", ""),
        "subtitle": fields.get("subtitle", ""),
        "dateline_place": fields.get("dateline_place", ""),
        "tags": _split(fields.get("tags")),
        "focus_countries": _split(fields.get("focus_countries")),
    }


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


def _combine(matched: set[int] | None, sets, table: FacetTable) -> set[int]:
    hits = table.live() if matched is None else matched
    for docs in sets:
        if docs is not None:
            hits = hits & docs
    return hits


def _rank(searcher: Searcher, query: Query, hits: set[int], request: SearchRequest):
    """The requested page of ``hits`` as (docnum, score), in the requested order."""
    start = (request.page - 1) * request.per_page
    if not hits or start >= len(hits):
        return []
    sort = _applied_sort(request, query)
    if sort == "relevance":
        results = searcher.search(query, filter=hits, limit=start + request.per_page)
        return [(hit.docnum, hit.score) for hit in results[start:]]
    results = searcher.search(
        Every(),
        filter=hits,
        limit=start + request.per_page,
        sortedby="published",
        reverse=sort == "newest",
    )
    return [(hit.docnum, None) for hit in results[start:]]


def _applied_sort(request: SearchRequest, query: Query) -> str:
    """Browsing (no words to rank by) lists the newest first."""
    if request.sort == "relevance" and isinstance(query, Every):
        return "newest"
    return request.sort


def _result(searcher: Searcher, docnum: int, score, terms, snippets: bool) -> dict:
    fields = searcher.stored_fields(docnum)
    return {
        **_plain(fields),
        "title_html": highlight_text(fields.get("title", ""), terms),
        "snippet": snippet(fields.get("body", ""), terms) if snippets else "",
        "score": round(score, 4) if score is not None else None,
    }


def _plain(fields: dict) -> dict:
    published = fields.get("published")
    return {
        "id": fields["id"],
        "title": fields.get("title", ""),
        "url": fields.get("url", ""),
        "source": fields.get("source", ""),
        "published": published.isoformat() if published else None,
        "authors": _split(fields.get("authors")),
        "regions": _split(fields.get("regions")),
        "countries": _split(fields.get("countries")),
        "people": _split(fields.get("people")),
    }


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def _facets(table: FacetTable, matched, sets: dict, request: SearchRequest) -> dict:
    """Each facet counted under every other filter but its own (ticking one keeps the others)."""

    def others(name: str) -> set[int]:
        return _combine(matched, [s for n, s in sets.items() if n != name], table)

    out = {}
    for name, field in FACET_PARAMS.items():
        chosen = set(getattr(request, name))
        counts = facet_counts(table, field, others(name))
        out[name] = [{"value": v, "count": c, "selected": v in chosen} for v, c in counts if v]
        out[name] += [
            {"value": v, "count": 0, "selected": True}
            for v in chosen
            if v not in {x["value"] for x in out[name]}
        ]
    out["date"], out["date_unit"] = date_buckets(table, others("date"))
    return out


def _suggest(searcher: Searcher, request: SearchRequest, total: int) -> str | None:
    """A corrected query from the index's own words, when the query finds little."""
    if total >= SUGGEST_BELOW or not request.q.strip():
        return None
    corrector = searcher.corrector("spell")
    changed, words = False, []
    for word in request.q.split():
        plain = normalize(word.strip('"()'), False)
        if plain and ":" not in word and not _known(searcher, plain):
            found = corrector.suggest(plain, limit=1, maxdist=2)
            if found:
                words.append(found[0])
                changed = True
                continue
        words.append(word)
    return " ".join(words) if changed else None


def _known(searcher: Searcher, word: str) -> bool:
    return searcher.doc_frequency("spell", word) > 0


def _searcher(root: Path) -> tuple[Searcher, FacetTable]:
    """This thread's searcher on the serving generation, reopened after a swap or an update.

    Searchers are not thread-safe, and ``refresh()`` can keep stale segments: reopen instead.
    """
    cache = _local.__dict__.setdefault("searchers", {})
    gen = current_generation(root)
    if gen is None:
        raise NoIndex(f"no index in {root}: run `news-search reindex PATH` first")
    entry = cache.get(root)
    if entry and entry[0] == gen and entry[1].up_to_date():
        return entry[1], entry[2]
    if entry:
        entry[1].close()
    searcher = open_index(root).searcher()
    table = FacetTable(searcher)
    cache[root] = (gen, searcher, table)
    return searcher, table
