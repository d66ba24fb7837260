"""The JSON shapes the API answers with, as OpenAPI 3.1 schemas (``openapi.py`` puts them in
its document's components)."""

from __future__ import annotations

from search.request import COLLAPSES, FACET_PARAMS, MAX_FACET_SIZE, MODES, SORTS, UNKNOWN

# Stored times are UTC without an offset: ISO 8601, but not RFC 3339's "date-time".
PUBLISHED = {
    "type": ["string", "null"],
    "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$",
    "description": "UTC, YYYY-MM-DDTHH:MM:SS; null when undated.",
}
TITLE_FROM = {
    "type": "string",
    "enum": ["", "url", "text"],
    "description": "Where the title came from when the article had no headline: `url` (the "
    "URL's slug) or `text` (its first sentence); empty for a real headline.",
}
STRINGS = {"type": "array", "items": {"type": "string"}}
STORY = {
    "type": "object",
    "required": ["id", "size", "sources"],
    "properties": {
        "id": {"type": "string", "description": "The id of the story's earliest article."},
        "size": {"type": "integer", "description": "Articles in the whole story."},
        "sources": STRINGS,
    },
}
BRIEF = {
    "type": "object",
    "required": ["id", "title", "source", "published", "url"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "title_from": TITLE_FROM,
        "source": {"type": "string"},
        "published": PUBLISHED,
        "url": {"type": "string"},
    },
}
BRIEFS = {"type": "array", "items": {"$ref": "#/components/schemas/Brief"}}
RESULT = {
    "type": "object",
    "required": ["id", "title", "title_html", "url", "source", "published", "snippet"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "title_html": {"type": "string", "description": "Escaped HTML with <mark> around hits."},
        "title_from": TITLE_FROM,
        "url": {"type": "string"},
        "source": {"type": "string"},
        "published": PUBLISHED,
        "authors": STRINGS,
        "regions": STRINGS,
        "countries": STRINGS,
        "people": STRINGS,
        "snippet": {"type": "string", "description": "Escaped HTML with <mark> around hits."},
        "score": {"type": ["number", "null"]},
        "story": {"$ref": "#/components/schemas/Story"},
        "collapsed": {"type": "integer", "description": "Other matches this hit stands for."},
        "by_meaning": {
            "type": "boolean",
            "description": "Found by meaning alone (hybrid mode): none of the query's words.",
        },
        "more": {**BRIEFS, "description": "Those matches (up to 20), oldest first."},
    },
}
FACET = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "value": {"type": "string"},
            "count": {"type": "integer"},
            "selected": {"type": "boolean"},
        },
    },
}
SEARCH = {
    "type": "object",
    "required": ["query", "total", "page", "per_page", "pages", "sort", "results", "facets"],
    "properties": {
        "query": {"type": "string"},
        "total": {"type": "integer", "description": "Articles matching the words."},
        "matched_all": {
            "type": ["integer", "null"],
            "description": "Of a plain query of words and phrases: matching articles that "
            "contain every one of them (null for other queries, e.g. browsing or AND/OR).",
        },
        "matched_some": {
            "type": ["integer", "null"],
            "description": "Of a plain query: matching articles that contain only some of its "
            "words (`matched_all + matched_some == total`).",
        },
        "words": {
            "type": ["array", "null"],
            "items": {"type": "string"},
            "description": "The words and phrases the counts are about, as typed.",
        },
        "semantic_added": {
            "type": "integer",
            "description": "Articles listed because their meaning is near the query's, though "
            "they do not match its words (hybrid mode); facets count them too.",
        },
        "total_results": {
            "type": "integer",
            "description": "Entries the results page over: stories, or distinct texts.",
        },
        "collapse": {"type": "string", "enum": list(COLLAPSES)},
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
        "pages": {"type": "integer"},
        "sort": {"type": "string", "enum": list(SORTS), "description": "as requested"},
        "sorted_by": {
            "type": "string",
            "enum": list(SORTS),
            "description": "as applied: a search without words lists the newest first",
        },
        "filters": {"type": "object"},
        "results": {"type": "array", "items": {"$ref": "#/components/schemas/Result"}},
        "facets": {
            "type": "object",
            "properties": {
                "region": FACET,
                "country": FACET,
                "person": FACET,
                "source": {
                    **FACET,
                    "description": f"Articles that name no source are counted as `{UNKNOWN}`, "
                    "so the counts add up to the total.",
                },
                "date": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "from": {"type": "string"},
                            "to": {"type": "string"},
                            "count": {"type": "integer"},
                        },
                    },
                },
                "date_unit": {"type": "string", "enum": ["day", "month"]},
            },
        },
        "facet_size": {
            "type": "object",
            "description": "How many values each facet lists, as applied.",
            "properties": {name: {"type": "integer"} for name in FACET_PARAMS},
        },
        "facet_more": {
            "type": "object",
            "description": "Whether a facet has more values than it lists (ask for them with "
            f"`facet_size.NAME`, up to {MAX_FACET_SIZE:,}).",
            "properties": {name: {"type": "boolean"} for name in FACET_PARAMS},
        },
        "suggestion": {"type": ["string", "null"]},
        "notices": {
            "type": "array",
            "description": "What the search did besides what was asked: the query's syntax "
            "could not be read and its words were searched instead (`syntax`), a filter value "
            "matched nothing (`unknown_filter`, with some values that do), the page is past "
            "the end (`past_end`).",
            "items": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "past_end": {
            "type": "boolean",
            "description": "The page asked for is after the last one (`pages`).",
        },
        "mode": {"type": "string", "enum": list(MODES), "description": "as applied"},
        "mode_requested": {"type": "string", "enum": list(MODES)},
        "mode_notice": {
            "type": ["string", "null"],
            "description": "Why words alone were used though hybrid was asked for.",
        },
    },
}
ARTICLE = {
    "type": "object",
    "required": ["id", "title", "body"],
    "properties": {
        **{
            name: {"type": "string"}
            for name in ("id", "title", "body", "subtitle", "url", "source", "dateline_place")
        },
        "title_from": TITLE_FROM,
        "published": PUBLISHED,
        **{
            name: STRINGS
            for name in ("authors", "tags", "people", "countries", "focus_countries", "regions")
        },
        "story": {"$ref": "#/components/schemas/Story"},
        "coverage": {**BRIEFS, "description": "The story's other articles, oldest first."},
        "related": {**BRIEFS, "description": "Similar articles from other stories."},
    },
}
STORY_PAGE = {
    "type": "object",
    "required": ["id", "size", "sources", "articles"],
    "properties": {
        **STORY["properties"],
        "first": PUBLISHED,
        "last": PUBLISHED,
        "articles": BRIEFS,
    },
}
ERROR = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "description": "The one error shape, for every error under /api/.",
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "param"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "integer", "description": "The HTTP status."},
                "message": {"type": "string"},
                "param": {
                    "type": ["string", "null"],
                    "description": "The request parameter at fault (a 400), else null.",
                },
            },
        }
    },
}
