"""The JSON API: the same data as the pages, as JSON, plus its OpenAPI description."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from . import openapi
from .data import MAX_EXPORT_ROWS, article_data, related_data, search_data, story_data

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search() -> Response:
    """search() as JSON, for the same parameters as the search page."""
    return jsonify(search_data())


@bp.get("/articles/<article_id>")
def article(article_id: str) -> Response:
    """One whole article as JSON."""
    return jsonify(article_data(article_id))


@bp.get("/articles/<article_id>/related")
def related(article_id: str) -> Response:
    """Articles like this one, outside its own story, as JSON."""
    return jsonify({"id": article_id, "related": related_data(article_id)})


@bp.get("/stories/<story_id>")
def story(story_id: str) -> Response:
    """One story (every outlet's articles on one event) as JSON."""
    return jsonify(story_data(story_id))


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """The OpenAPI 3.1 description of the API and the exports."""
    return jsonify(openapi.document(current_app.config.get("EXPORT_MAX_ROWS", MAX_EXPORT_ROWS)))
