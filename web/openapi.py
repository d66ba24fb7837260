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
from .openapi_schemas import (
    ARTICLE,
    BRIEF,
    BRIEFS,
    ERROR,
    RESULT,
    SEARCH,
    STORY,
    STORY_PAGE,
)


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
VALUE = {"type": "string", "maxLength": MAX_FILTER_CHARS}
FACET_SIZE_SCHEMA = {
    "type": "integer", "minimum": 1, "maximum": MAX_FACET_SIZE, "default": FACET_SIZE,
}  # fmt: skip
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
