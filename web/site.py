"""The site: the search page and the article page (HTML renderings of the library's data)."""

from __future__ import annotations

from flask import Blueprint, Response, make_response, render_template, url_for

from . import present
from .data import article_data, search_data, story_data

bp = Blueprint("site", __name__)
# A longer header line breaks clients and proxies (Python's http.client stops at 64 kB, nginx's
# default buffers hold 4-8 kB); the <head> still names the twin.
MAX_LINK_HEADER = 4000


def with_alternate(html: str, json_url: str) -> Response:
    """The page, advertising its JSON twin in a ``Link`` header as well as in its <head>."""
    response = make_response(html)
    if len(json_url) <= MAX_LINK_HEADER:
        response.headers["Link"] = f'<{json_url}>; rel="alternate"; type="application/json"'
    return response


@bp.get("/")
@bp.get("/search")
def search() -> Response:
    """The search page: query box, results, facets, date histogram, sort and pages."""
    data = search_data()
    page = present.search_page(data)
    return with_alternate(render_template("search.html", data=data, page=page), page["json"])


@bp.get("/articles/<article_id>")
def article(article_id: str) -> Response:
    """One article in full, with its people, countries and regions as search links."""
    data = article_data(article_id)
    page = present.article_page(data)
    html = render_template("article.html", article=data, page=page)
    return with_alternate(html, page["json"])


@bp.get("/stories/<story_id>")
def story(story_id: str) -> Response:
    """Every outlet's coverage of one story, oldest first."""
    data = story_data(story_id)
    html = render_template("story.html", story=data, page=present.story_page(data))
    return with_alternate(html, url_for("api.story", story_id=data["id"]))
