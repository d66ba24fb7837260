"""OpenSearch answers in ``search.query``'s shapes: articles in brief and in full, results with
our snippets, facets with their ``(unknown)`` source and ticked values, the date histogram, the
search mode and the word coverage. Only plain data in and out (no client here)."""

from __future__ import annotations

import fnmatch
from collections import Counter

from whoosh.query import (
    AndNot,
    Every,
    MultiTerm,
    Not,
    Phrase,
    Prefix,
    Query,
    Term,
    TermRange,
    Wildcard,
)

from ..analysis import index_term
from ..coverage import word_groups
from ..facets import UNKNOWN, day_histogram
from ..highlight import TOKEN, Terms, highlight_text, query_terms, snippet
from ..hybrid import BY_DATE, NO_VECTORS, SYNTAX, plain_words
from ..ranking import rankable
from ..request import FACET_PARAMS, SearchRequest
from ..results import MORE
from ..schema import TEXT_FIELDS, build_schema
from .opensearch_dsl import BRIEF_FIELDS

SCHEMA = build_schema()


def plain(source: dict) -> dict:
    """``results.plain`` of a ``_source`` (facets are arrays there, dates ISO strings already
    written by ``datetime.isoformat``, as plain() writes them)."""
    return {
        "id": source["id"],
        "title": source.get("title", ""),
        "title_from": source.get("title_from", ""),
        "url": source.get("url", ""),
        "source": source.get("source", ""),
        "published": source.get("published") or None,
        **{name: list(source.get(name) or []) for name in
           ("authors", "regions", "countries", "people")},
    }


def brief(source: dict) -> dict:
    """``results.brief`` of a ``_source``."""
    fields = plain(source)
    return {name: fields[name] for name in BRIEF_FIELDS}


def oldest_first(sources: list[dict]) -> list[dict]:
    """Briefs oldest first (undated last), as ``results.briefs``."""
    found = [brief(s) for s in sources]
    return sorted(found, key=lambda b: (b["published"] is None, b["published"] or "", b["id"]))


def result(hit: dict, terms: Terms, snippets: bool, score: bool, stories: dict,
           patterns: list[Query] = ()) -> dict:
    """``results.result`` of a hit: our highlighter over the stored text, so the escaping is
    ours (corpus text HTML-escaped before any ``<mark>``)."""
    source = hit["_source"]
    if patterns:
        terms = _with_patterns(terms, patterns, source)
    value = hit.get("_score") if score else None
    return {
        **plain(source),
        "title_html": highlight_text(source.get("title", ""), terms),
        "snippet": snippet(source.get("body", ""), terms) if snippets else "",
        "score": round(value, 4) if value is not None else None,
        "story": stories[source.get("story") or source["id"]],
    }


def patterns_of(query: Query) -> list[Query]:
    """The positive patterns of the text fields (``syr*``, ``[a TO m]``)."""
    if isinstance(query, Not):
        return []
    if isinstance(query, AndNot):
        return patterns_of(query.a)
    if isinstance(query, MultiTerm):
        return [query] if query.fieldname in TEXT_FIELDS else []
    return [p for child in query.children() for p in patterns_of(child)]


def _with_patterns(terms: Terms, patterns: list[Query], source: dict) -> Terms:
    """The words of this article that the patterns match, marked as words: Whoosh expands a
    pattern into indexed words before highlighting, so the words it marks are these."""
    text = f"{source.get('title', '')}\n{source.get('body', '')[:20_000]}"
    words = {index_term(w) for w in set(TOKEN.findall(text))} - {""}
    matched = {w for w in words if any(_matches(p, w) for p in patterns)}
    return Terms(terms.words | matched, terms.phrases)


def _matches(pattern: Query, word: str) -> bool:
    if isinstance(pattern, Prefix):
        return word.startswith(pattern.text)
    if isinstance(pattern, Wildcard):
        return fnmatch.fnmatchcase(word, pattern.text)
    if isinstance(pattern, TermRange):
        low, high = pattern.start or "", pattern.end
        above = word > low if pattern.startexcl else word >= low
        below = high is None or (word < high if pattern.endexcl else word <= high)
        return above and below
    return False


def group_of(hit: dict, key: str) -> str | None:
    """The value a collapsed hit was grouped by (None: it has none)."""
    return (hit.get("fields", {}).get(key) or [None])[0]


def collapsed(hit: dict, group: dict) -> dict:
    """``results.collapsed`` from the matches of a collapsed hit's group (a top_hits
    aggregation: how many, and the oldest)."""
    others = [h["_source"] for h in group["hits"]["hits"] if h["_id"] != hit["_id"]]
    return {"collapsed": group["hits"]["total"]["value"] - 1,
            "more": oldest_first(others)[:MORE]}


def story_briefs(stories: dict) -> dict[str, dict]:
    """Each story of a ``stories`` terms aggregation: its size and its sources (not empty)."""
    return {
        b["key"]: {"id": b["key"], "size": b["doc_count"],
                   "sources": sorted(s["key"] for s in b["sources"]["buckets"] if s["key"])}
        for b in stories["buckets"]
    }


def facets(aggs: dict, request: SearchRequest) -> tuple[dict, dict]:
    """``query._facets`` from the filtered aggregations of ``opensearch_facets.facet_aggs``."""
    out, more = {}, {}
    for name in FACET_PARAMS:
        agg = aggs[f"facet_{name}"]
        size = request.size_of(name)
        counts = [(b["key"], b["doc_count"]) for b in agg["values"]["buckets"]]
        more[name] = len(counts) > size
        chosen = getattr(request, name)
        counts = [(v or UNKNOWN, c) for v, c in counts[:size] if v or name == "source"]
        out[name] = [{"value": v, "count": c, "selected": v in chosen} for v, c in counts]
        listed = {x["value"] for x in out[name]}
        ticked = agg.get("chosen", {}).get("buckets", {})
        out[name] += [
            {"value": v, "count": ticked[str(i)]["doc_count"], "selected": True}
            for i, v in enumerate(chosen) if v not in listed
        ]
    days = {b["key_as_string"]: b["doc_count"] for b in aggs["facet_date"]["days"]["buckets"]}
    out["date"], out["date_unit"] = day_histogram(Counter(days))
    return out, more


def applied_sort(request: SearchRequest, query: Query) -> str:
    """``query._applied_sort``: browsing (nothing to rank by) lists newest first. Whoosh
    expands a pattern into its words before asking, so a pattern counts as words here."""
    if request.sort == "relevance" and not (query_terms(query) or _pattern(query)):
        return "newest"
    return request.sort


def _pattern(query: Query) -> bool:
    """Whether a pattern is among the positive leaves (those ``query_terms`` walks)."""
    if isinstance(query, Not):
        return False
    if isinstance(query, AndNot):
        return _pattern(query.a)
    if isinstance(query, MultiTerm):
        return query.fieldname in TEXT_FIELDS  # query_terms only counts the text fields
    return any(_pattern(child) for child in query.children())


def mode(request: SearchRequest, query: Query) -> dict:
    """``hybrid.apply``'s account of the mode: there are no vectors in OpenSearch, so a
    hybrid request is answered by words, saying so as for a Whoosh index built without."""
    notice = None
    if request.mode == "hybrid" and request.q.strip() and not isinstance(query, Every):
        if request.sort != "relevance":
            notice = BY_DATE
        elif rankable(query, SCHEMA) is None or not plain_words(query, request.q):
            notice = SYNTAX
        else:
            notice = NO_VECTORS
    return {"mode": "lexical", "mode_requested": request.mode, "mode_notice": notice}


def coverage_groups(query: Query) -> dict | None:
    """The query's words and phrases by what they look for, when it is a list of them
    (``coverage.coverage``'s condition), else None."""
    groups = word_groups(query)
    if not groups or not all(isinstance(q, Term | Phrase) for g in groups.values() for q in g):
        return None
    return groups


def coverage(groups: dict | None, typed: dict, total: int, complete: int | None) -> dict:
    """``coverage.coverage``'s counts and words as typed."""
    if groups is None:
        return {"matched_all": None, "matched_some": None, "words": []}
    if len(groups) == 1:
        complete = total
    words = [typed.get(k) or (k if isinstance(k, str) else f'"{" ".join(k)}"') for k in groups]
    return {"matched_all": complete, "matched_some": total - (complete or 0), "words": words}
