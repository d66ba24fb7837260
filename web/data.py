"""The one data function behind every search rendering, the export rows, and article lookup."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

from flask import current_app, request

from search.request import BadParameter, SearchRequest, parse_request
from search.searchindex import SearchIndex

# Rows in one export at most (``offset`` pages on). A row is read from the index as it is
# written, so memory does not grow with it; the cap bounds how long one response runs.
MAX_EXPORT_ROWS = 100_000
MAX_OFFSET = 100_000_000
FLAGS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


@dataclass
class Export:
    """Part of every match, for a download: the search, how many match, and this part's rows."""

    request: SearchRequest
    total: int
    offset: int
    limit: int
    body: bool
    rows: Generator[dict, None, None]

    @property
    def end(self) -> int:
        """One past the last row of this part."""
        return max(self.offset, min(self.total, self.offset + self.limit))

    @property
    def truncated(self) -> bool:
        """Whether matches remain after this part."""
        return self.end < self.total


def search_index() -> SearchIndex:
    """This app's index object (made once by ``create_app``)."""
    return current_app.extensions["search_index"]


def search_request(**overrides: str) -> SearchRequest:
    """The current request's query string as a validated SearchRequest (raises BadParameter)."""
    args = request.args.to_dict(flat=False)
    args.update({name: [value] for name, value in overrides.items()})
    return parse_request(args)


def search_data(**overrides: str) -> dict:
    """search() for the current query string: the HTML page, JSON, CSV and Atom all render it."""
    return search_index().search(search_request(**overrides))


def export_data(*, snippets: bool) -> Export:
    """The matches of the current query string from ``offset``, at most ``limit`` (capped at
    EXPORT_MAX_ROWS), with snippets (``snippets``, default as given) and bodies (``body=1``)."""
    cap = int(current_app.config.get("EXPORT_MAX_ROWS", MAX_EXPORT_ROWS))
    req = search_request()
    offset = _whole("offset", 0, 0, MAX_OFFSET)
    limit = _whole("limit", cap, 1, cap)
    body = _flag("body", False)
    total, rows = search_index().iter_results(
        req, offset=offset, limit=limit, snippets=_flag("snippets", snippets),
        body=body,
    )  # fmt: skip
    return Export(req, total, offset, limit, body, rows)


def _whole(name: str, default: int, low: int, high: int) -> int:
    text = request.args.get(name, "").strip()
    if not text:
        return default
    # Digits only, and few of them: int() of a 5,000-digit string is refused (and slow).
    if not (text.isdecimal() and len(text) <= len(str(high)) and low <= int(text) <= high):
        raise BadParameter(name, f"must be between {low} and {high}")
    return int(text)


def _flag(name: str, default: bool) -> bool:
    text = request.args.get(name, "").strip().lower()
    if not text:
        return default
    if text not in FLAGS:
        raise BadParameter(name, "must be 1 or 0")
    return FLAGS[text]


def article_data(article_id: str) -> dict:
    """One whole article with its story's other coverage and related articles."""
    article = search_index().get_article(article_id)
    return {**article, "related": related_data(article_id)}


def related_data(article_id: str) -> list[dict]:
    """Articles like this one from other stories (raises ArticleNotFound)."""
    return search_index().related(article_id)


def story_data(story_id: str) -> dict:
    """One story with all its articles (raises StoryNotFound)."""
    return search_index().get_story(story_id)
