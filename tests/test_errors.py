"""The library's errors over the web: one JSON shape, and each semantic base with its status.

Each kind is made for real: a bad parameter, a missing article, a missing index, an index that
cannot be read, a reindex lock held by another run, an index root that cannot be written.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import shutil

import lxml.html
import pytest
from conftest import SEEDS

import search
from search import InvalidRequest, NotFound, SearchError, Unavailable
from search.generations import current_generation, reindex_lock
from search.index import reindex
from web import create_app
from web.errors import STATUS

BASES = (InvalidRequest, NotFound, Unavailable)


def _json_error(response, status: int) -> dict:
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/json"
    return response.get_json()["error"]


def _friendly_page(response, status: int, title: str) -> str:
    """An HTML error page with its title; returns the message it shows."""
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "text/html"
    doc = lxml.html.fromstring(response.data)
    assert doc.xpath("//h1")[0].text_content() == title
    assert doc.xpath("//form[@role='search']")  # the way back is on the page
    return doc.xpath("//p[@class='error-page__message']")[0].text_content()


def _with_boom(app):
    def boom():
        raise RuntimeError("secret internals")

    app.add_url_rule("/api/boom", view_func=boom)
    return app


@pytest.mark.parametrize(
    ("url", "status", "param"),
    [
        ("/api/search?page=0", 400, "page"),
        ("/api/search?sort=sideways", 400, "sort"),
        ("/api/search.jsonl?from=2025-13-01", 400, "from"),
        ("/api/articles/nope", 404, None),
        ("/api/stories/nope", 404, None),
        ("/api/nope", 404, None),
        ("/api/boom", 500, None),
    ],
)
def test_the_one_error_shape(app, url, status, param):
    """Every /api/ error is {"error": {"code", "message", "param"}}, nothing more or less."""
    response = _with_boom(app).test_client().get(url)
    body = response.get_json()
    assert response.status_code == status and response.mimetype == "application/json"
    assert list(body) == ["error"]
    assert list(body["error"]) == ["code", "message", "param"]
    assert body["error"]["code"] == status
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert body["error"]["param"] == param


def test_every_library_error_derives_from_one_semantic_base():
    """Status comes from the base class, so an error outside every base would be a 500."""
    modules = [
        importlib.import_module(f"search.{info.name}")
        for info in pkgutil.iter_modules(search.__path__)
    ]
    errors = {
        cls
        for module in modules
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, SearchError) and cls is not SearchError and cls not in BASES
    }
    assert {"BadParameter", "ArticleNotFound", "StoryNotFound", "NoIndex", "StaleIndex",
            "ReindexRunning", "WriteFailed", "NotText", "EmptyArticle", "TooLong"} <= {
        cls.__name__ for cls in errors
    }  # fmt: skip
    for cls in errors:
        assert sum(issubclass(cls, base) for base in BASES) == 1, cls
    assert set(STATUS) == set(BASES)


def test_invalid_request_is_a_400_naming_the_parameter(client):
    error = _json_error(client.get("/api/search?per_page=1000"), 400)
    assert error == {
        "code": 400, "message": "per_page: must be between 1 and 100", "param": "per_page"
    }  # fmt: skip
    message = _friendly_page(client.get("/search?per_page=1000"), 400, "Bad request")
    assert message == "per_page: must be between 1 and 100"


def test_not_found_is_a_404(client):
    error = _json_error(client.get("/api/stories/nope"), 404)
    assert error["message"] == "no story with id 'nope'" and error["param"] is None
    message = _friendly_page(client.get("/stories/nope"), 404, "Not found")
    assert message == "no story with id 'nope'"


def test_a_missing_index_is_unavailable(tmp_path):
    client = create_app({"TESTING": True, "INDEX": tmp_path / "missing"}).test_client()
    error = _json_error(client.get("/api/search?q=syria"), 503)
    assert "news-search reindex" in error["message"]
    assert "news-search reindex" in _friendly_page(client.get("/"), 503, "Search is not ready")


@pytest.fixture
def stale_root(index_root, tmp_path):
    """A copy of the test index whose table of contents is damaged: Whoosh cannot open it."""
    root = tmp_path / "stale"
    shutil.copytree(index_root, root)
    (toc,) = current_generation(root).glob("_MAIN_*.toc")
    toc.write_bytes(b"\x80\x04not a whoosh table of contents")
    return root


def test_an_unreadable_index_is_unavailable_not_a_500(stale_root):
    client = create_app({"TESTING": True, "INDEX": stale_root}).test_client()
    for url in ("/api/search?q=syria", "/api/articles/x", "/api/search.jsonl"):
        error = _json_error(client.get(url), 503)
        assert "news-search reindex --full" in error["message"], url
    message = _friendly_page(client.get("/search?q=syria"), 503, "Search is not ready")
    assert "news-search reindex --full" in message
    assert client.get("/search.csv").status_code == 503


def _reindexing_app(root):
    """The app plus a test-only route that reindexes ``root``: the web app itself never writes,
    so this is how a writing error reaches the error handler."""
    app = create_app({"TESTING": True, "INDEX": root})

    def run():
        reindex([SEEDS], root, workers=1)
        return "done"

    app.add_url_rule("/api/reindex", view_func=run)
    app.add_url_rule("/reindex", view_func=run, endpoint="site_reindex")
    return app.test_client()


def test_a_held_reindex_lock_is_unavailable_with_retry_after(tmp_path):
    root = tmp_path / "index"
    client = _reindexing_app(root)
    with reindex_lock(root):  # what a reindex running in another process holds
        response = client.get("/api/reindex")
        error = _json_error(response, 503)
        assert "another reindex" in error["message"] and error["param"] is None
        assert int(response.headers["Retry-After"]) > 0
        response = client.get("/reindex")
        _friendly_page(response, 503, "Search is not ready")
        assert int(response.headers["Retry-After"]) > 0


def test_an_index_that_cannot_be_written_is_unavailable(tmp_path):
    root = tmp_path / "a-file"
    root.write_text("not a folder")
    client = _reindexing_app(root)
    error = _json_error(client.get("/api/reindex"), 503)
    assert error["message"].startswith("could not write the index")
    assert "Retry-After" not in client.get("/api/reindex").headers  # nothing will fix itself
    _friendly_page(client.get("/reindex"), 503, "Search is not ready")


def test_the_openapi_document_describes_the_one_shape(client):
    doc = client.get("/api/openapi.json").get_json()
    error = doc["components"]["schemas"]["Error"]["properties"]["error"]
    assert error["required"] == list(error["properties"]) == ["code", "message", "param"]
    assert error["properties"]["param"]["type"] == ["string", "null"]
    unavailable = doc["paths"]["/api/search"]["get"]["responses"]["503"]
    assert "Retry-After" in unavailable["headers"]
