"""The one data function behind every search rendering, and the article lookup."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, request

from search.query import SearchRequest, get_article, get_story, parse_request, related, search


def index_root() -> Path:
    """This app's index folder."""
    return Path(current_app.config["INDEX"])


def search_request(**overrides: str) -> SearchRequest:
    """The current request's query string as a validated SearchRequest (raises BadParameter)."""
    args = request.args.to_dict(flat=False)
    args.update({name: [value] for name, value in overrides.items()})
    return parse_request(args)


def search_data(**overrides: str) -> dict:
    """search() for the current query string: the HTML page, JSON, CSV and Atom all render it."""
    return search(index_root(), search_request(**overrides))


def article_data(article_id: str) -> dict:
    """One whole article with its story's other coverage and related articles."""
    article = get_article(index_root(), article_id)
    return {**article, "related": related_data(article_id)}


def related_data(article_id: str) -> list[dict]:
    """Articles like this one from other stories (raises ArticleNotFound)."""
    return related(index_root(), article_id)


def story_data(story_id: str) -> dict:
    """One story with all its articles (raises StoryNotFound)."""
    return get_story(index_root(), story_id)
