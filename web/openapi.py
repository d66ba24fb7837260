"""The OpenAPI 3.1 description of the JSON API and the exports, written by hand."""

from __future__ import annotations

from search.request import (
    COLLAPSES,
    DEFAULT_MODE,
    FACET_PARAMS,
    FACET_SIZE,
    MAX_FACET_SIZE,
    MAX_FILTER_CHARS,
    MAX_FILTER_VALUES,
    MAX_PAGE,
    MAX_PER_PAGE,
    MODES,
    SORTS,
    UNKNOWN,
)

from .data import MAX_OFFSET


def _query(name: str, description: str, schema: dict, *, repeat: bool = False) -> dict:
    if repeat:
        schema = {"type": "array", "items": schema, "maxItems": MAX_FILTER_VALUES}
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        **({"style": "form", "explode": True} if repeat else {}),
    }


DATE_FORMS = r"[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?|[0-9]{1,4}[dwmyDWMY]"
DAY = {
    "type": "string",
    # The forms (empty: no bound); a real calendar day, and `from` not after `to`, are checked
    # too (a 400).
    "pattern": rf"^\s*({DATE_FORMS})?\s*$",
    "examples": ["2025-08-13", "2025-08", "30d", "1y"],
}
# Stored times are UTC without an offset: ISO 8601, but not RFC 3339's "date-time".
PUBLISHED = {
    "type": ["string", "null"],
    "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$",
    "description": "UTC, YYYY-MM-DDTHH:MM:SS; null when undated.",
}
VALUE = {"type": "string", "maxLength": MAX_FILTER_CHARS}
FACET_SIZE_SCHEMA = {
    "type": "integer", "minimum": 1, "maximum": MAX_FACET_SIZE, "default": FACET_SIZE,
}  # fmt: skip
TITLE_FROM = {
    "type": "string",
    "enum": ["", "url", "text"],
    "description": "Where the title came from when the article had no headline: `url` (the "
    "URL's slug) or `text` (its first sentence); empty for a real headline.",
}
SEARCH_PARAMETERS = [
    _query(
        "q",
        "Words to search for; `person:`, `country:`, `region:`, `source:` filter.",
        {"type": "string"},
    ),
    _query(
        "page",
        "Page number, from 1.",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
    ),
    _query(
        "per_page",
        "Results per page.",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 10},
    ),
    _query(
        "sort",
        "Order of the results.",
        {"type": "string", "enum": list(SORTS), "default": "relevance"},
    ),
    _query(
        "collapse",
        "`story`: one hit per story (its best article); `none`: every article, copies of one "
        "text still folded.",
        {"type": "string", "enum": list(COLLAPSES), "default": "story"},
    ),
    _query(
        "mode",
        "`hybrid`: words and meaning (sentence vectors) fused, for queries of plain words; "
        "`lexical`: words only. Phrases, fields, operators and date sorts use words only, and "
        "so does an index built without vectors (`mode_notice` says why).",
        {"type": "string", "enum": list(MODES), "default": DEFAULT_MODE},
    ),
    _query(
        "region",
        "Only articles about this region (repeat for any of several).",
        VALUE,
        repeat=True,
    ),
    _query(
        "country",
        "Only articles naming this ISO 3166 alpha-2 country code.",
        {"type": "string", "pattern": "^[A-Za-z]{2}$"},
        repeat=True,
    ),
    _query("person", "Only articles naming this person.", VALUE, repeat=True),
    _query(
        "source",
        f"Only articles from this source; `{UNKNOWN}` for articles that name none.",
        VALUE,
        repeat=True,
    ),
    _query("from", "First day: YYYY-MM-DD, YYYY-MM, YYYY or an age like 7d, 30d, 1y.", DAY),
    _query("to", "Last day (inclusive), same forms as `from`.", DAY),
    _query(
        "facet_size",
        "How many values each facet lists, most frequent first (`facet_more` says whether "
        "a facet has more).",
        FACET_SIZE_SCHEMA,
    ),
    *(
        _query(f"facet_size.{name}", f"How many values the `{name}` facet lists; "
               "overrides `facet_size`.", FACET_SIZE_SCHEMA)
        for name in FACET_PARAMS
    ),  # fmt: skip
]
SEARCH_ONLY = ("page", "per_page", "collapse")


def _exported(p: dict) -> bool:
    return p["name"] not in SEARCH_ONLY and not p["name"].startswith("facet_size")


FEED_PARAMETERS = [
    p for p in SEARCH_PARAMETERS if _exported(p) and p["name"] not in ("sort", "mode")
]


def export_parameters(max_rows: int, snippets: bool) -> list[dict]:
    """The search's filters and sort, plus which rows and which extra fields to export."""
    return [p for p in SEARCH_PARAMETERS if _exported(p)] + [
        _query(
            "offset",
            "Rows to skip: where this part of the export starts (0 is the first match).",
            {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
        ),
        _query(
            "limit",
            f"Rows in this export, at most {max_rows:,} (the cap).",
            {"type": "integer", "minimum": 1, "maximum": max_rows, "default": max_rows},
        ),
        _query(
            "snippets",
            "Fill each row's snippet (1 or 0)"
            + (", plain text without marks." if snippets else ": escaped HTML, as in the API."),
            {"type": "boolean", "default": snippets},
        ),
        _query("body", "Add each article's whole text as a `body` field (1 or 0).",
               {"type": "boolean", "default": False}),
    ]  # fmt: skip


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
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait, when the index is only busy (another reindex runs).",
        "schema": {"type": "integer"},
    }
}


def _error(description: str, headers: dict | None = None) -> dict:
    return {
        "description": description,
        **({"headers": headers} if headers else {}),
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
ERRORS = {
    "400": _error("A parameter has a value that cannot be used; `param` names it."),
    "503": _error(
        "The index cannot serve now: there is none yet, it cannot be read (written by an "
        "incompatible version: rebuild it), or it is busy.",
        RETRY_AFTER,
    ),
}
# What an export was made from: the rows hold articles only.
EXPORT_HEADERS = {
    "Content-Disposition": {
        "description": "An attachment named from the query, its ASCII letters and digits "
        "joined by dashes (`search-syria-turkey.csv`), plus `-rows-100001-200000` for a part.",
        "schema": {"type": "string"},
    },
    "X-Query": {
        "description": "The query, printable ASCII as it is and the rest percent-encoded (UTF-8).",
        "schema": {"type": "string"},
    },
    "X-Filters": {
        "description": "The filters as a URL query string (`region=Europe&from=2025-08-01`).",
        "schema": {"type": "string"},
    },
    "X-Total-Count": {"description": "Matching articles in all.", "schema": {"type": "integer"}},
    "X-Export-Truncated": {
        "description": "`true` when matches remain after this export (see `Link: rel=next`).",
        "schema": {"type": "string", "enum": ["true", "false"]},
    },
    "Link": {
        "description": "rel=alternate: the same search as JSON (/api/search); rel=next: the "
        "next part of the export, when truncated. Link, X-Query and "
        "X-Filters are left out when longer than 4,000 characters.",
        "schema": {"type": "string"},
    },
}


# Outside /api/ errors are pages for people, as everywhere on the site.
PAGE_ERRORS = {
    code: {"description": error["description"], "content": {"text/html": {"schema": {}}}}
    for code, error in ERRORS.items()
}


def _ok(
    description: str, media: str, schema: dict, errors: dict = ERRORS, headers: dict | None = None
) -> dict:
    ok = {"description": description, "content": {media: {"schema": schema}}}
    return {"200": {**ok, **({"headers": headers} if headers else {})}, **errors}


def document(max_rows: int) -> dict:
    """The whole OpenAPI document (``max_rows``: the export cap)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "News search API",
            "version": "1.0.0",
            "description": (
                "Search a news corpus: ranked results, facets and exports. Exports stream every "
                f"match, at most {max_rows:,} rows each (`offset` and `limit` page on); what "
                "an export was made from is in its file name and response headers."
            ),
        },
        "paths": {
            "/api/search": {
                "get": {
                    "operationId": "search",
                    "summary": "One page of results with facets.",
                    "parameters": SEARCH_PARAMETERS,
                    "responses": _ok(
                        "Results", "application/json", {"$ref": "#/components/schemas/Search"}
                    ),
                }
            },
            "/api/articles/{id}": {
                "get": {
                    "operationId": "getArticle",
                    "summary": "One whole article.",
                    "parameters": [ID],
                    "responses": {
                        **_ok(
                            "The article",
                            "application/json",
                            {"$ref": "#/components/schemas/Article"},
                        ),
                        "404": _error("No article has this id."),
                    },
                }
            },
            "/api/articles/{id}/related": {
                "get": {
                    "operationId": "getRelated",
                    "summary": "Articles like this one, outside its own story.",
                    "parameters": [ID],
                    "responses": {
                        **_ok(
                            "Related articles",
                            "application/json",
                            {
                                "type": "object",
                                "properties": {"id": {"type": "string"}, "related": BRIEFS},
                            },
                        ),
                        "404": _error("No article has this id."),
                    },
                }
            },
            "/api/stories/{id}": {
                "get": {
                    "operationId": "getStory",
                    "summary": "Every outlet's articles on one event (by story or article id).",
                    "parameters": [ID],
                    "responses": {
                        **_ok(
                            "The story",
                            "application/json",
                            {"$ref": "#/components/schemas/StoryPage"},
                        ),
                        "404": _error("No story has this id."),
                    },
                }
            },
            "/api/search.jsonl": {
                "get": {
                    "operationId": "exportJsonLines",
                    "summary": "Every match, one article (a search result) a line.",
                    "parameters": export_parameters(max_rows, snippets=False),
                    "responses": _ok(
                        "JSON Lines",
                        "application/x-ndjson",
                        {"type": "string"},
                        headers=EXPORT_HEADERS,
                    ),
                }
            },
            "/search.csv": {
                "get": {
                    "operationId": "exportCsv",
                    "summary": "Every match as CSV; the first row is the header.",
                    "description": "Columns: id, published, source, title, url, authors, people, "
                    "countries, regions (lists joined by `; `), story (its id), score, snippet "
                    "(plain text), and body with `body=1`. A cell that a spreadsheet would run "
                    "as a formula starts with `'`.",
                    "parameters": export_parameters(max_rows, snippets=True),
                    "responses": _ok(
                        "CSV", "text/csv", {"type": "string"}, PAGE_ERRORS, EXPORT_HEADERS
                    ),
                }
            },
            "/search.atom": {
                "get": {
                    "operationId": "feed",
                    "summary": "Atom feed of the newest 50 matches.",
                    "parameters": FEED_PARAMETERS,
                    "responses": _ok(
                        "Atom", "application/atom+xml", {"type": "string"}, PAGE_ERRORS
                    ),
                }
            },
        },
        "components": {
            "schemas": {
                "Search": SEARCH,
                "Result": RESULT,
                "Article": ARTICLE,
                "Story": STORY,
                "StoryPage": STORY_PAGE,
                "Brief": BRIEF,
                "Error": ERROR,
            }
        },
    }
