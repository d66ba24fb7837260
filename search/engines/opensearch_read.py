"""The read side of an OpenSearch index (an alias): search, exports, articles, stories, related
articles and stats, answering in ``search.query``'s shapes.

One request is translated once (``opensearch_dsl``): the query and the filters typed into it
as the ``query``; the ticked filters and dates as ``post_filter``, so that each facet is an
aggregation filtered by every ticked filter but its own; exact totals (``track_total_hits``);
one hit per story (``collapse``; its other matches are counted and listed by the search for
the page's stories, with their briefs). Facet counts are exact, proven from OpenSearch's
error bounds or counted again (``opensearch_facets``). Snippets are ours
(``search.highlight`` over ``_source``). A search never returns partial results: shard
failures raise ``ClusterUnavailable``, as a cluster that does not answer does.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import replace
from types import SimpleNamespace

from opensearchpy import OpenSearch

from .. import notices
from ..analysis import STOPLIST, index_term
from ..filters import resolve_filters
from ..highlight import query_terms
from ..request import FACET_PARAMS, BadParameter, SearchRequest
from ..results import ArticleNotFound, StoryNotFound
from ..syntax import parse_query
from . import opensearch_shape as shape
from .opensearch_client import AliasClient
from .opensearch_dsl import (
    BRIEF_FIELDS,
    OLDEST_FIRST,
    both,
    day_filter,
    group_matches,
    sort_clause,
    translate,
    values_filter,
)
from .opensearch_facets import SHARD_SIZE, facet_aggs, settle
from .opensearch_lexicon import Cached, Speller, facet_values
from .opensearch_names import Name, names_in, word_groups

RELATED = 8  # query.RELATED
RELATED_TERMS = 12  # query.RELATED_TERMS
STOPS = sorted({index_term(word) for word in STOPLIST})
CHUNK = 500  # rows per request of an export stream
# The facet values are read again only when the index changed (another index behind the
# alias, documents written or deleted): at a million articles they are many pages.
VALUES_TTL = math.inf
WINDOW = 10_000  # OpenSearch's default index.max_result_window
PRECISION = 40_000  # the largest cardinality precision_threshold OpenSearch takes
LARGE = ["lead", "spell", "person"]  # never displayed: left out of the answers
PARSING = SimpleNamespace(schema=shape.SCHEMA)  # parse_query reads only the searcher's schema


class OpenSearchReader:
    """The read side of one OpenSearch index (an alias), answering in search.query's shapes."""

    def __init__(self, client: OpenSearch, alias: str) -> None:
        self.client = client
        self.alias = alias
        self.index = AliasClient(client, alias)
        self._search = self.index.search
        self._call = self.index.call
        self._values = Cached(VALUES_TTL)
        self.speller = Speller(self._search, self.index.frequencies)
        self.shard_size = SHARD_SIZE  # facet values each shard sends at first

    # -- search -------------------------------------------------------------------------------

    def search(self, request: SearchRequest, *, snippets: bool = True) -> dict:
        """One page of results, exact totals, facets and a suggestion (``query.search``)."""
        found = self._match(request)
        request, query = found.request, found.parsed.query
        key = "story" if request.collapse == "story" else "copy"
        sort = shape.applied_sort(request, query)
        start = (request.page - 1) * request.per_page
        # from + size may not pass the index's result window (collapsed hits cannot be paged
        # with search_after): past it, only the counts are asked for, and only a page past
        # the end (a notice, as with Whoosh) is answered.
        deep = start + request.per_page > WINDOW
        groups = shape.coverage_groups(query)
        aggs = {**facet_aggs(found.ticked, request, first=self.shard_size),
                "groups": {"filter": found.post,
                           "aggs": {"n": {"cardinality": {"field": key,
                                                          "precision_threshold": PRECISION}}}}}
        if groups is not None and len(groups) > 1:
            # Whoosh counts the words each article holds before names add matches.
            every = [_any(variants) for variants in groups.values()]
            aggs["complete"] = {"filter": both([found.post, *every])}
        body = {"query": found.main, "post_filter": found.post, "aggs": aggs,
                "from": 0 if deep else start, "size": 0 if deep else request.per_page,
                "sort": sort_clause(sort),
                "track_total_hits": True, "collapse": {"field": key},
                "_source": {"excludes": LARGE}}
        answer = self._search(body)
        total = answer["hits"]["total"]["value"]
        aggs = self._exact_facets(answer["aggregations"], found, request)
        count = answer["aggregations"]["groups"]["n"]["value"]
        pages = max(1, -(-count // request.per_page))
        past_end = bool(count) and request.page > pages
        if past_end:
            found.said.append(notices.past_end(request.page, pages))
        elif deep:
            raise BadParameter("page", f"at most {WINDOW:,} results deep on OpenSearch "
                                       f"(page {WINDOW // request.per_page} of {pages}); "
                                       "narrow the search or export it")
        hits = answer["hits"]["hits"]
        stories, matches = self._page_stories(hits, key, found)
        terms, patterns = query_terms(query), shape.patterns_of(query)
        facets, more = shape.facets(aggs, request)
        complete = answer["aggregations"].get("complete", {}).get("doc_count")
        return {
            "query": request.q,
            "total": total,
            **shape.coverage(groups, found.parsed.typed, total, complete),
            "semantic_added": 0,
            "total_results": count,
            "collapse": request.collapse,
            "page": request.page,
            "per_page": request.per_page,
            "pages": pages,
            "sort": request.sort,
            # Patterns that match no word leave Whoosh nothing to rank by: it says "newest".
            "sorted_by": "newest" if not total and not terms else sort,
            "filters": request.describe(),
            "results": [
                {**shape.result(h, terms, snippets, sort == "relevance", stories, patterns),
                 **shape.collapsed(h, matches[shape.group_of(h, key)]), "by_meaning": False}
                for h in hits
            ],
            "facets": facets,
            "facet_size": {name: request.size_of(name) for name in FACET_PARAMS},
            "facet_more": more,
            "suggestion": self.speller.suggest(request.q, total),
            "notices": found.said,
            "past_end": past_end,
            **shape.mode(request, query),
        }

    def iter_results(self, request: SearchRequest, *, offset: int = 0, limit: int | None = None,
                     snippets: bool = False, body: bool = False,
                     ) -> tuple[int, Generator[dict, None, None]]:
        """Matching articles in order, uncollapsed: how many match, and a stream of ``limit``
        of them from ``offset`` (``query.iter_results``), paged with ``search_after``."""
        found = self._match(request)
        query = found.parsed.query
        sort = shape.applied_sort(found.request, query)
        base = {"query": found.main, "post_filter": found.post, "sort": sort_clause(sort),
                "track_total_hits": True}
        total = self._search({**base, "size": 0})["hits"]["total"]["value"]
        end = total if limit is None else min(total, offset + limit)
        terms, patterns = query_terms(query), shape.patterns_of(query)
        excludes = LARGE if body or snippets or patterns else [*LARGE, "body"]

        def stream() -> Generator[dict, None, None]:
            after = self._skip(base, offset) if offset else None
            left = end - offset
            while left > 0:
                page = {**base, "size": min(CHUNK, left), "_source": {"excludes": excludes},
                        "track_total_hits": False}
                if after is not None:
                    page["search_after"] = after
                hits = self._search(page)["hits"]["hits"]
                if not hits:
                    return
                stories = self._stories({h["_source"].get("story") or h["_id"] for h in hits})
                for hit in hits:
                    row = shape.result(hit, terms, snippets, sort == "relevance", stories,
                                       patterns)
                    if body:
                        row["body"] = hit["_source"].get("body", "")
                    yield row
                after, left = hits[-1]["sort"], left - len(hits)

        return total, stream()

    def _skip(self, base: dict, offset: int) -> list | None:
        """The sort key of the row just before ``offset``: sort values only, no sources."""
        after, left = None, offset
        while left > 0:
            page = {**base, "size": min(10_000, left), "_source": False,
                    "track_total_hits": False}
            if after is not None:
                page["search_after"] = after
            hits = self._search(page)["hits"]["hits"]
            if not hits:
                break
            after, left = hits[-1]["sort"], left - len(hits)
        return after

    # -- articles and stories -----------------------------------------------------------------

    def get_article(self, article_id: str) -> dict:
        """One whole article by id, with its story and the story's other articles."""
        source = self._article(article_id)
        if source is None:
            raise ArticleNotFound(f"no article with id {article_id!r}")
        story = source.get("story") or source["id"]
        members = self._members(story)
        return {
            **shape.plain(source),
            "story": self._stories({story})[story],
            "body": source.get("body", ""),
            "subtitle": source.get("subtitle", ""),
            "dateline_place": source.get("dateline_place", ""),
            "tags": list(source.get("tags") or []),
            "focus_countries": list(source.get("focus_countries") or []),
            "coverage": shape.oldest_first([m for m in members if m["id"] != source["id"]]),
        }

    def get_story(self, story_id: str) -> dict:
        """A story by its id (or the id of any of its articles): every article, oldest first."""
        members = self._members(story_id)
        if not members and (source := self._article(story_id)):
            story_id = source.get("story") or source["id"]
            members = self._members(story_id)
        if not members:
            raise StoryNotFound(f"no story with id {story_id!r}")
        articles = shape.oldest_first(members)
        return {**self._stories({story_id})[story_id], "first": articles[0]["published"],
                "last": articles[-1]["published"], "articles": articles}

    def related(self, article_id: str, limit: int = RELATED) -> list[dict]:
        """Articles like this one, one per story, leaving out its own story: OpenSearch's
        more_like_this over title and body (its key terms, stop words left out), with its
        main countries and people at smaller weights, as ``query.related`` weighs them."""
        source = self._article(article_id)
        if source is None:
            raise ArticleNotFound(f"no article with id {article_id!r}")
        text = f"{source.get('title', '')}\n\n{source.get('body', '')}"
        like = {"more_like_this": {"fields": ["body"], "like": [{"doc": {"body": text}}],
                                   "max_query_terms": RELATED_TERMS, "min_term_freq": 1,
                                   "min_doc_freq": 1, "stop_words": STOPS}}
        about = [{"term": {"countries": {"value": c, "boost": 0.5}}}
                 for c in source.get("focus_countries") or []]
        about += [{"term": {"people": {"value": p, "boost": 0.3}}}
                  for p in source.get("people") or []]
        story = source.get("story") or source["id"]
        query = {"bool": {"should": [like, *about], "minimum_should_match": 1,
                          "must_not": [{"term": {"story": story}}]}}
        hits = self._search({"query": query, "size": limit, "collapse": {"field": "story"},
                             "sort": sort_clause("relevance"),
                             "_source": BRIEF_FIELDS + ["story"]})["hits"]["hits"]
        stories = self._stories({h["_source"]["story"] for h in hits})
        return [{**shape.brief(h["_source"]), "score": round(h["_score"], 4),
                 "story": stories[h["_source"]["story"]]} for h in hits]

    def stats(self) -> dict:
        """Article count, per-source counts, date range and size (``generations.index_stats``)."""
        aggs = {"sources": {"terms": {"field": "source", "size": 100_000,
                                      "missing": ""}}}
        answer = self._search({"size": 0, "track_total_hits": True, "aggs": aggs})
        sources: dict[str, int] = {}
        for bucket in answer["aggregations"]["sources"]["buckets"]:
            name = bucket["key"] or "(unknown)"
            sources[name] = sources.get(name, 0) + bucket["doc_count"]
        first, last = (self._dated("asc"), self._dated("desc"))
        index = self.index.concrete()
        store = self._call(self.client.indices.stats, index=index, metric="store")
        return {
            "articles": answer["hits"]["total"]["value"],
            "sources": dict(sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))),
            "first": first,
            "last": last,
            "size_bytes": store["_all"]["primaries"]["store"]["size_in_bytes"],
            "generation": index,
            "location": f"{self.index.hosts()}/{self.alias}",
            "vectors": None,  # no k-NN here: searched by words only
        }

    # -- helpers -------------------------------------------------------------------------------

    def _match(self, request: SearchRequest) -> SimpleNamespace:
        """The parsed query as the main DSL query (with the filters typed into it) and the
        ticked filters apart (``query._match``, by the same ``filters.resolve`` rule)."""
        parsed = parse_query(request.q, PARSING)
        said = [notices.syntax(parsed.fallback, request.q)] if parsed.fallback is not None else []
        values = self._values.get(self.index.version(), lambda: facet_values(self._search))
        typed = resolve_filters(values, parsed.filters, said)
        excluded = resolve_filters(values, parsed.excluded, said)
        chosen = resolve_filters(values, request.filters(), said)
        query, names = self._with_names(parsed, values)
        main = {"bool": {
            "must": [query],
            "filter": [values_filter(FACET_PARAMS[n], v) for n, v in typed.items()],
            "must_not": [values_filter(FACET_PARAMS[n], v) for n, v in excluded.items()]}}
        ticked: dict = {n: values_filter(FACET_PARAMS[n], v) for n, v in chosen.items()}
        ticked["date"] = day_filter(request.date_from, request.date_to)
        return SimpleNamespace(parsed=parsed, said=said, main=main, ticked=ticked,
                               post=both(list(ticked.values())),
                               request=replace(request, **chosen))

    def _with_names(self, parsed, values) -> tuple[dict, list[Name]]:
        """The query, matching the articles about the people and countries it names too."""
        query = translate(parsed.query)
        groups = word_groups(parsed.query)
        names = names_in(parsed.typed, groups, values, self._search) if groups else []
        if not names:
            return query, names
        about = [{"constant_score": {"filter": name.subject}} for name in names]
        return {"bool": {"should": [query, *about], "minimum_should_match": 1}}, names

    def _exact_facets(self, aggs: dict, found, request: SearchRequest) -> dict:
        """The facet aggregations, those ``settle`` cannot prove exact counted again with
        every value of every shard (``opensearch_facets``)."""
        aggs, unsure = settle(aggs, request, self.shard_size)
        if not unsure:
            return aggs
        exact = facet_aggs(found.ticked, request, retry=True, names=unsure)
        answer = self._search({"size": 0, "query": found.main, "aggs": exact})
        return {**aggs, **answer["aggregations"]}

    def _stories(self, stories: set[str]) -> dict[str, dict]:
        """Each story in brief (``results.story_brief``): every member counts, matched or not."""
        if not stories:
            return {}
        answer = self._search({"size": 0, "query": {"terms": {"story": sorted(stories)}},
                               "aggs": {"stories": _story_aggs(stories)}})
        return shape.story_briefs(answer["aggregations"]["stories"])

    def _page_stories(self, hits: list[dict], key: str, found) -> tuple[dict, dict]:
        """The page's stories in brief, and each hit's group of matches (what the collapse's
        inner hits would send): one search, where inner hits cost a search per hit."""
        if not hits:
            return {}, {}
        stories = sorted({h["_source"].get("story") or h["_id"] for h in hits})
        values = sorted({shape.group_of(h, key) for h in hits}, key=lambda v: (v is None, v))
        within = [{"terms": {"story": stories}}, {"terms": {key: [v for v in values if v]}}]
        aggs = {"stories": {"filter": within[0], "aggs": {"of": _story_aggs(stories)}},
                "groups": group_matches(key, values, both([found.main, found.post]),
                                        shape.MORE)}
        if None in values:
            within.append({"bool": {"must_not": [{"exists": {"field": key}}]}})
        answer = self._search({"size": 0, "aggs": aggs, "query": {
            "bool": {"should": within, "minimum_should_match": 1}}})["aggregations"]
        each = answer["groups"]["each"]["buckets"]
        return (shape.story_briefs(answer["stories"]["of"]),
                {v: each[str(i)]["more"] for i, v in enumerate(values)})

    def _members(self, story: str) -> list[dict]:
        return self._all({"term": {"story": story}}, BRIEF_FIELDS + ["story"])

    def _article(self, article_id: str) -> dict | None:
        hits = self._search({"query": {"term": {"id": article_id}}, "size": 1,
                             "_source": {"excludes": LARGE}})["hits"]["hits"]
        return hits[0]["_source"] if hits else None

    def _all(self, query: dict, fields: list[str]) -> list[dict]:
        """The ``_source`` of every document ``query`` matches, oldest first."""
        out: list[dict] = []
        after = None
        while True:
            body = {"query": query, "size": 1_000, "sort": OLDEST_FIRST, "_source": fields}
            if after is not None:
                body["search_after"] = after
            hits = self._search(body)["hits"]["hits"]
            out += [h["_source"] for h in hits]
            if len(hits) < 1_000:
                return out
            after = hits[-1]["sort"]

    def _dated(self, order: str) -> str | None:
        hits = self._search({"query": {"exists": {"field": "published"}}, "size": 1,
                             "sort": [{"published": order}, {"id": order}],
                             "_source": ["published"]})["hits"]["hits"]
        return hits[0]["_source"]["published"] if hits else None


def _story_aggs(stories: set[str] | list[str]) -> dict:
    """Each story's size and sources, for stories the query holds exactly."""
    return {"terms": {"field": "story", "size": len(stories)},
            "aggs": {"sources": {"terms": {"field": "source", "size": 10_000}}}}


def _any(variants: list) -> dict:
    """A word group (one word or phrase in every field it is searched in) as one query."""
    return {"bool": {"should": [translate(v) for v in variants], "minimum_should_match": 1}}
