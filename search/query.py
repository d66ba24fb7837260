"""Querying: one function turns a request into plain data (results, total, facets, suggestion).

The HTML page, the JSON API, the CLI and the exports all call ``search``; no Whoosh object
escapes this module (results are lazy and die with their searcher).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Generator
from dataclasses import dataclass, replace
from functools import partial
from itertools import islice
from pathlib import Path

from whoosh import collectors
from whoosh.query import Every, MultiTerm, NullQuery, Or, Query, Term
from whoosh.searching import Searcher

from . import budget, hybrid, notices
from .analysis import STOPLIST, index_term
from .coverage import coverage, word_shares
from .facets import SMALL, UNKNOWN, FacetTable, date_buckets, facet_counts
from .filters import resolve_filters
from .highlight import query_terms
from .hybrid import Fused
from .names import names_in
from .ranking import DEFAULT, Ranking, Scored, rankable
from .request import FACET_PARAMS, BadParameter, SearchRequest, parse_request
from .results import (
    ArticleNotFound,
    StoryNotFound,
    brief,
    collapsed,
    get_article,
    get_story,
    result,
    split_values,
    story_brief,
)
from .spelling import suggest
from .syntax import parse_query
from .view import View, Views, views_of

__all__ = [
    "ArticleNotFound",
    "BadParameter",
    "SearchRequest",
    "StoryNotFound",
    "get_article",
    "get_story",
    "iter_results",
    "parse_query",
    "parse_request",
    "related",
    "search",
]

RELATED = 8
RELATED_TERMS = 12
STOPS = frozenset(index_term(word) for word in STOPLIST)  # stop words as the body indexes them
# Indexed words that the patterns of one query (``*ria``, ``syr*``, ``[a TO m]``, ``syria~2``)
# may stand for in all: unbounded, ``*a* *e*`` took seconds on a few hundred articles.
MAX_EXPANSIONS = 500
MAX_PATTERNS = 15  # one per field searched: five words with wildcards


@dataclass
class _Matched:
    """What a request matches, and what it was taken to mean."""

    query: Query
    scored: Scored | list | None  # scores of every match (None: nothing to rank by)
    matched: set[int] | frozenset[int] | None  # what the query matches (None: everything)
    sets: dict  # each ticked filter's documents
    request: SearchRequest  # with its ticked filters as the index holds them
    typed: dict  # the query's words and phrases as typed
    notices: list[dict]


def search(
    root: str | Path | Views, request: SearchRequest, *, snippets: bool = True,
    ranking: Ranking = DEFAULT,
) -> dict:
    """Run a search request: one page of ranked results, exact totals, facets and a suggestion.

    ``total`` counts matching articles; ``total_results`` counts what the result list pages
    over once collapsed: stories (``collapse="story"``) or distinct texts (``"none"``).
    ``ranking`` weighs what counts beyond BM25F (the benchmarks compare variants with it).
    ``root``: an index root, or the ``Views`` of one (``WhooshIndex`` keeps them open).
    """
    with views_of(root) as views:
        return _search(views.open(), request, snippets, ranking)


def _search(view: View, request: SearchRequest, snippets: bool, ranking: Ranking) -> dict:
    found = _match(view, request, ranking)
    budget.check()  # between stages: a request past its time budget stops here (503)
    query, scored, matched, sets, request = (
        found.query, found.scored, found.matched, found.sets, found.request
    )
    # Hybrid search: the meaning's nearest documents join the matches, the rankings fused.
    meaning = hybrid.apply(view, request, query, scored, matched, sets)
    scored, matched = meaning.scored, meaning.matched
    hits = _combine(matched, sets.values(), view.facets)
    key = view.stories.key(request.collapse)
    groups = view.stories.groups(hits, request.collapse)
    ranked = _rank(view, query, scored, hits, request, key, ranking)
    budget.check()
    terms = query_terms(query)
    facets, more = _facets(view.facets, matched, sets, request)
    pages = max(1, -(-groups // request.per_page))
    past_end = bool(groups) and request.page > pages
    if past_end:
        found.notices.append(notices.past_end(request.page, pages))
    return {
        "query": request.q,
        "total": len(hits) - len(meaning.added),  # matched by words
        **coverage(view.searcher, found.query, found.scored, hits - meaning.added, found.typed),
        "semantic_added": len(meaning.added),  # found by meaning alone (facets count them)
        "total_results": groups,
        "collapse": request.collapse,
        "page": request.page,
        "per_page": request.per_page,
        "pages": pages,
        "sort": request.sort,
        "sorted_by": _applied_sort(request, query),
        "filters": request.describe(),
        "results": [
            {
                **result(view, n, score, terms, snippets),
                **collapsed(view, n, hits, key),
                "by_meaning": n in meaning.added,
            }
            for n, score in ranked
        ],
        "facets": facets,
        "facet_size": {name: request.size_of(name) for name in FACET_PARAMS},
        "facet_more": more,
        "suggestion": suggest(view.searcher, request.q, len(hits) - len(meaning.added)),
        "notices": found.notices,
        "past_end": past_end,
        **meaning.describe(),
    }


def iter_results(
    root: str | Path | Views,
    request: SearchRequest,
    *,
    offset: int = 0,
    limit: int | None = None,
    snippets: bool = False,
    body: bool = False,
) -> tuple[int, Generator[dict, None, None]]:
    """Matching articles for exports, in order, uncollapsed: how many match, and a stream of
    ``limit`` of them from ``offset``, with snippets and bodies if asked.

    Only doc numbers are ranked here; each article's stored fields are read when the stream
    reaches it. The stream owns a searcher, closed when it ends or is closed: an export is
    written after its request returns, and a searcher is not thread-safe.
    """
    views = root if isinstance(root, Views) else Views(root)
    view = views.fresh()
    searcher = view.searcher
    try:
        found = _match(view, request, DEFAULT)
        query, scored, matched, sets = found.query, found.scored, found.matched, found.sets
        meaning = hybrid.apply(view, found.request, query, scored, matched, sets)
        scored, matched = meaning.scored, meaning.matched
        hits = _combine(matched, sets.values(), view.facets)
        end = len(hits) if limit is None else min(len(hits), offset + limit)
        sort = _applied_sort(request, query)
        # _rank's order, but lazily where it can be: rows before ``offset`` are not kept.
        if sort != "relevance":
            order = ((d, None) for d in view.facets.by_date(hits, newest=sort == "newest"))
        elif isinstance(scored, Scored | Fused):
            order = scored.ranked(hits)
        else:  # Whoosh has scored every match already
            window = SearchRequest(q=request.q, sort=request.sort, per_page=max(1, end))
            order = iter(_rank(view, query, scored, hits, window, None))
        picked = list(islice(order, offset, end))
    except BaseException:
        views.release(view)
        raise
    docnums = array("q", (d for d, _ in picked))  # 8 bytes a row, not a tuple of objects
    scores = array("d", (math.nan if s is None else s for _, s in picked))
    del picked
    terms = query_terms(query)

    def stream() -> Generator[dict, None, None]:
        try:
            yield {}  # taken below: a started generator runs ``finally`` when closed
            for docnum, score in zip(docnums, scores, strict=True):
                row = result(view, docnum, None if math.isnan(score) else score, terms, snippets)
                if body:
                    row["body"] = searcher.stored_fields(docnum).get("body", "")
                yield row
        finally:
            views.release(view)

    rows = stream()
    next(rows)
    return len(hits), rows


def related(root: str | Path | Views, article_id: str, limit: int = RELATED) -> list[dict]:
    """Articles like this one (its key terms as a query), leaving out its own story."""
    with views_of(root) as views:
        return _related(views.open(), article_id, limit)


def _related(view: View, article_id: str, limit: int) -> list[dict]:
    docnum = view.stories.docnum.get(article_id)
    if docnum is None:
        raise ArticleNotFound(f"no article with id {article_id!r}")
    fields = view.searcher.stored_fields(docnum)
    text = f"{fields.get('title', '')}\n\n{fields.get('body', '')}"
    # Stop words are indexed (a query may search them) but say nothing of what it is about.
    terms = view.searcher.key_terms_from_text("body", text, numterms=RELATED_TERMS + len(STOPS))
    terms = [(word, weight) for word, weight in terms if word not in STOPS][:RELATED_TERMS]
    # What it is about (its main countries, its people) counts too, at a smaller weight.
    about = [Term("countries", c, boost=0.5) for c in split_values(fields.get("focus_countries"))]
    about += [Term("people", p, boost=0.3) for p in split_values(fields.get("people"))]
    query = Or([Term("body", word, boost=weight) for word, weight in terms] + about)
    own = set(view.stories.members[view.stories.story[docnum]])
    own_keys = {view.stories.story[docnum]}
    key = view.stories.key("story")
    others = view.facets.live() - own
    found = _one_per_key(_scored(view.searcher, query, others), key, limit, set(own_keys))
    return [
        {**brief(view, d), "score": round(score, 4), "story": story_brief(view, d)}
        for d, score in found
    ]


def _match(view: View, request: SearchRequest, ranking: Ranking) -> _Matched:
    """The query, its matches scored best first, the documents it matches (None: all) and each
    filter's documents. Matching and scoring are one pass (a phrase is costly to match).

    Filters typed into the query (``person:guler``, ``-source:x``) are part of what it
    matches; the ticked filters are kept apart, so each facet can be counted without its own.
    Both are read against the index by one rule (``filters.resolve``); a value matching
    nothing, like syntax that could not be read, becomes a notice.
    """
    parsed = parse_query(request.q, view.searcher)
    said = [notices.syntax(parsed.fallback, request.q)] if parsed.fallback is not None else []
    query = _bounded(parsed.query, view.searcher)
    matched = scored = None
    if (leaves := rankable(query, view.searcher.schema)) is not None:
        # Words and phrases (and the names among them): scored in bulk.
        names = partial(names_in, parsed.typed, table=view.facets) if ranking.names else None
        scored = view.terms.score(view.searcher, leaves, ranking, names)
        matched = set(scored.matched.tolist())
    elif not isinstance(query, Every):
        scored = _scored(view.searcher, query, None)
        matched = {docnum for docnum, _ in scored}
    for name, values in resolve_filters(view.facets, parsed.filters, said).items():
        docs = view.facets.matching(FACET_PARAMS[name], values)
        matched = docs if matched is None else matched & docs
    for name, values in resolve_filters(view.facets, parsed.excluded, said).items():
        docs = view.facets.matching(FACET_PARAMS[name], values)
        matched = (view.facets.live() if matched is None else matched) - docs
    chosen = resolve_filters(view.facets, request.filters(), said)
    sets = {name: view.facets.matching(FACET_PARAMS[name], v) for name, v in chosen.items()}
    sets["date"] = view.facets.in_dates(request.date_from, request.date_to)
    request = replace(request, **chosen)
    return _Matched(query, scored, matched, sets, request, parsed.typed, said)


def _bounded(query: Query, searcher: Searcher) -> Query:
    """Each pattern as an OR of the first indexed words it matches, at most its share of
    ``MAX_EXPANSIONS``, and only the first ``MAX_PATTERNS`` patterns (each scans the
    vocabulary): a query's cost no longer grows with the size of the vocabulary."""
    patterns = sum(1 for leaf in query.leaves() if isinstance(leaf, MultiTerm))
    if not patterns:
        return query
    share = max(1, MAX_EXPANSIONS // min(patterns, MAX_PATTERNS))
    reader = searcher.reader()
    expanded = 0

    def expand(node: Query) -> Query:
        nonlocal expanded
        if not isinstance(node, MultiTerm):
            return node.apply(expand)
        expanded += 1
        if expanded > MAX_PATTERNS or node.field() not in reader.schema:
            return NullQuery
        field = reader.schema[node.field()]
        words = islice(node.expanded_terms(reader), share)
        terms = [Term(name, field.from_bytes(word), boost=node.boost) for name, word in words]
        return Or(terms) if terms else NullQuery

    return expand(query)


def _combine(matched: set[int] | None, sets, table: FacetTable) -> set[int]:
    hits = table.live() if matched is None else matched
    for docs in sets:
        if docs is not None:
            hits = hits & docs
    return hits


def _rank(view: View, query: Query, scored, hits: set[int], request: SearchRequest, key,
          ranking: Ranking = DEFAULT):
    """The requested page of ``hits`` as (docnum, score), in order, one per ``key`` group."""
    start = (request.page - 1) * request.per_page
    need = start + request.per_page
    if not hits or start >= len(hits):
        return []
    sort = _applied_sort(request, query)
    if sort != "relevance":
        ordered = ((d, None) for d in view.facets.by_date(hits, newest=sort == "newest"))
        return _one_per_key(ordered, key, need, set())[start:]
    if isinstance(scored, Scored | Fused):  # ranked (or fused) already
        ordered = scored.ranked(hits)
    else:  # Whoosh ranks it
        ordered = iter(_best(view.searcher, query, scored, hits, ranking))
    return _one_per_key(ordered, key, need, set())[start:]


def _scored(searcher: Searcher, query: Query, allow) -> list[tuple[int, float]]:
    """Every document of ``allow`` that ``query`` matches as (docnum, score), best first.

    Each is scored once; grouping by story happens afterwards, in Python (Whoosh's collapse
    scores each document twice, and whoosh3 skips it when a filter is given).
    """
    # Whoosh takes a set but not a frozenset.
    allowed = set(allow) if isinstance(allow, frozenset) else allow
    collector: collectors.Collector = collectors.UnlimitedCollector()
    collector.replace = 0  # no matcher replacement: it only costs when every match is scored
    if allowed is not None:
        collector = collectors.FilterCollector(collector, allow=allowed)
    searcher.search_with_collector(query, collector)
    return list(collector.results().items())


def _best(searcher: Searcher, query: Query, scored, hits: set[int], ranking: Ranking) -> list:
    """``hits`` best first from Whoosh's scores of every match, each softened by the share of
    the query's words it holds, as plain words are ranked (``ranking.py``)."""
    if scored is None:
        scored = _scored(searcher, query, hits)
    shares = word_shares(searcher, query, hits) if ranking.coverage else None
    if shares is None:
        return [item for item in scored if item[0] in hits]
    power = ranking.coverage
    softened = [(d, score * shares[d] ** power) for d, score in scored if d in hits]
    return sorted(softened, key=lambda item: (-item[1], item[0]))


def _one_per_key(items, key, limit: int, seen: set) -> list:
    """The first ``limit`` items whose group (``key[docnum]``) is not in ``seen`` yet."""
    out = []
    for docnum, score in items:
        if key is not None:
            if key[docnum] in seen:
                continue
            seen.add(key[docnum])
        out.append((docnum, score))
        if len(out) >= limit:
            break
    return out


def _applied_sort(request: SearchRequest, query: Query) -> str:
    """Browsing (no words to rank by: only filters, dates or negations) lists newest first."""
    if request.sort == "relevance" and not query_terms(query):
        return "newest"
    return request.sort


def _facets(table: FacetTable, matched, sets: dict, request: SearchRequest) -> tuple[dict, dict]:
    """Each facet counted under every other filter but its own (ticking one keeps the others),
    and whether it has more values than it lists."""
    masks: dict[int, tuple] = {}  # one array per distinct set of documents (often just one)

    def others(name: str) -> tuple[set[int], object]:
        docs = _combine(matched, [s for n, s in sets.items() if n != name], table)
        if id(docs) not in masks:
            masks[id(docs)] = (docs, table.mask(docs) if len(docs) >= SMALL else None)
        return docs, masks[id(docs)][1]

    out, more = {}, {}
    for name, field in FACET_PARAMS.items():
        chosen = set(getattr(request, name))
        docs, mask = others(name)
        size = request.size_of(name)
        # One more than listed: whether it is there says if the facet has more values.
        counts = facet_counts(table, field, docs, limit=size + 1, mask=mask)
        more[name] = len(counts) > size
        # Only a source can be empty (people, countries, regions are lists): it is listed
        # as UNKNOWN, so that the source counts add up to the total.
        counts = [(v or UNKNOWN, c) for v, c in counts[:size] if v or name == "source"]
        out[name] = [{"value": v, "count": c, "selected": v in chosen} for v, c in counts]
        listed = {x["value"] for x in out[name]}
        # A ticked value beyond the listed ones stays listed, with its real count.
        out[name] += [
            {"value": v, "count": len(table.matching(field, [v]) & docs), "selected": True}
            for v in getattr(request, name)
            if v not in listed
        ]
    docs, mask = others("date")
    out["date"], out["date_unit"] = date_buckets(table, docs, mask)
    return out, more


