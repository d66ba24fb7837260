"""Every error response comes from here: one JSON shape under /api/, friendly pages elsewhere."""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search import InvalidRequest, NotFound, SearchError, Unavailable
from search.budget import OverBudget

# The one place a library error becomes an HTTP status: by its semantic base, never its class.
STATUS = {InvalidRequest: 400, NotFound: 404, Unavailable: 503}
TITLES = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    500: "Something went wrong",
    503: "Search is not ready",
}


def error_body(code: int, message: str, param: str | None = None) -> dict:
    """The one JSON error shape: {"error": {"code": 400, "message": "...", "param": "page"}}.

    ``param`` names the request parameter at fault, or is null.
    """
    return {"error": {"code": code, "message": message, "param": param}}


def error_response(
    code: int, message: str, headers: dict | None = None, param: str | None = None
) -> Response:
    """JSON for the API (/api/...), an HTML page for the site."""
    if request.path.startswith("/api/"):
        response = jsonify(error_body(code, message, param))
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
    """The library's errors, by base: bad input 400, nothing there 404, index not usable 503."""
    code = next((code for base, code in STATUS.items() if isinstance(error, base)), None)
    if code is None:  # an error outside every base is a bug (a test checks there is none)
        return handle_unexpected(error)
    headers = {}
    if isinstance(error, Unavailable):
        if not isinstance(error, OverBudget):  # load sheds itself; a log line each would flood
            current_app.logger.error("%s", error)  # the operator has something to do
        if error.retry_after:
            headers["Retry-After"] = str(error.retry_after)
    return error_response(code, str(error), headers, getattr(error, "param", None))


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
