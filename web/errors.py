"""Every error response comes from here: one JSON shape under /api/, friendly pages elsewhere."""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search import SearchError
from search.generations import NoIndex
from search.query import ArticleNotFound, BadParameter, StoryNotFound

TITLES = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    500: "Something went wrong",
    503: "Search is not ready",
}
NO_INDEX = (
    "The search index is not ready yet. Build it with `news-search reindex PATH` "
    "(or start `news-search serve`, which indexes the sample articles), then try again."
)


def error_body(code: int, message: str) -> dict:
    """The one JSON error shape: {"error": {"code": 400, "message": "..."}}."""
    return {"error": {"code": code, "message": message}}


def error_response(code: int, message: str, headers: dict | None = None) -> Response:
    """JSON for the API (/api/...), an HTML page for the site."""
    if request.path.startswith("/api/"):
        response = jsonify(error_body(code, message))
    else:
        title = TITLES.get(code, "Error")
        html = render_template(
            [f"{code}.html", "error.html"], code=code, title=title, message=message
        )
        response = Response(html, mimetype="text/html")
    response.status_code = code
    response.headers.update(headers or {})
    return response


def handle_http(error: HTTPException) -> Response:
    """Routing and method errors (404, 405...); keeps headers such as ``Allow``."""
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return error_response(error.code or 500, error.description or "", headers)


def handle_search_error(error: SearchError) -> Response:
    """The library's errors: user input is a 400, a missing article a 404, no index a 503."""
    if isinstance(error, BadParameter):
        return error_response(400, str(error))
    if isinstance(error, ArticleNotFound | StoryNotFound):
        return error_response(404, str(error))
    if isinstance(error, NoIndex):
        current_app.logger.error("%s", error)
        return error_response(503, NO_INDEX)
    return handle_unexpected(error)


def handle_unexpected(error: Exception) -> Response:
    """Anything else is our bug: log it, show a 500 without internals."""
    if isinstance(error, HTTPException):
        return handle_http(error)
    current_app.logger.exception("unhandled error on %s", request.path)
    return error_response(500, "The server hit an unexpected error. Please try again later.")


def init_app(app: Flask) -> None:
    """Register the handlers on ``app``."""
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(SearchError, handle_search_error)
    app.register_error_handler(Exception, handle_unexpected)
