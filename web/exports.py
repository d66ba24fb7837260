"""Exports: the whole result set as CSV or JSON Lines, and the newest matches as an Atom feed."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, request, url_for

from search.query import SearchRequest, iter_results

from . import present
from .data import index_root, search_data, search_request

bp = Blueprint("exports", __name__)

CSV_COLUMNS = (
    "id",
    "published",
    "source",
    "title",
    "url",
    "authors",
    "people",
    "countries",
    "regions",
    "story",
    "score",
)
FEED_SIZE = 50
ATOM = "http://www.w3.org/2005/Atom"
# A spreadsheet runs a cell starting with one of these as a formula (=HYPERLINK(...)).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot carry at all, even escaped: dropped from feed text.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def all_results(req: SearchRequest) -> Iterator[dict]:
    """Every match, the first one fetched now so a missing index fails before streaming starts."""
    results = iter_results(index_root(), req)
    first = next(results, None)
    return iter(()) if first is None else itertools.chain([first], results)


def export_header(req: SearchRequest) -> dict:
    """The query and filters an export was made from."""
    return {"query": req.q, "filters": req.describe()}


def attachment(body: Iterable[str], mimetype: str, filename: str) -> Response:
    """A streamed download."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/search.csv", endpoint="csv")
def csv_export() -> Response:
    """Every match as CSV; the first row is a ``#`` comment recording the query and filters."""
    req = search_request()
    return attachment(csv_lines(req, all_results(req)), "text/csv", "search.csv")


def csv_lines(req: SearchRequest, results: Iterable[dict]) -> Iterator[str]:
    """The CSV text row by row."""
    filters = req.describe()
    chosen = [
        f"{k}={v}"
        for k, vs in filters.items()
        if k not in ("q", "sort", "collapse") and vs
        for v in (vs if isinstance(vs, list) else [vs])
    ]
    yield csv_row(
        [f"# query: {req.q}", f"filters: {'; '.join(chosen) or 'none'}", f"sort: {req.sort}"]
    )
    yield csv_row(CSV_COLUMNS)
    for result in results:
        yield csv_row(_cell(result.get(column)) for column in CSV_COLUMNS)


def csv_row(cells: Iterable) -> str:
    """One CSV line (quoted as needed)."""
    out = io.StringIO()
    csv.writer(out).writerow(cells)
    return out.getvalue()


def _cell(value) -> str:
    if isinstance(value, dict):  # a story: its id
        return value["id"]
    if isinstance(value, list):
        value = "; ".join(value)
    text = "" if value is None else str(value)
    # Corpus text that looks like a formula is quoted, so spreadsheets show it as text.
    return "'" + text if text.startswith(FORMULA_START) else text


@bp.get("/api/search.jsonl")
def jsonl() -> Response:
    """Every match as JSON Lines; the first line is {"query": ..., "filters": ...}."""
    req = search_request()
    lines = itertools.chain([export_header(req)], all_results(req))
    body = (json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    return attachment(body, "application/x-ndjson", "search.jsonl")


@bp.get("/search.atom")
def atom() -> Response:
    """The newest matches as an Atom feed."""
    # Every new article is an entry, even one that joins a story already in the feed.
    data = search_data(sort="newest", page="1", per_page=str(FEED_SIZE), collapse="none")
    xml = atom_feed(data, present.state_of(data))
    return Response(xml, mimetype="application/atom+xml")


def atom_feed(data: dict, state: dict) -> bytes:
    """An Atom document for a search() result; ElementTree escapes every text and attribute."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    query = data["query"]
    plain = {
        "sort": present.DEFAULTS.sort,
        "per_page": present.DEFAULTS.per_page,
        "collapse": present.DEFAULTS.collapse,
    }
    self_url = _external(present.link(state, "exports.atom", **plain))
    newest = data["results"][0]["published"] if data["results"] else None
    _add(feed, "title", f"News search: {query}" if query else "News search: latest articles")
    _add(feed, "id", self_url)
    updated = _stamp(newest or datetime.now(UTC).isoformat())
    _add(feed, "updated", updated)
    _add(feed, "link", rel="self", href=self_url)
    html_url = _external(present.link(state, **plain))
    _add(feed, "link", rel="alternate", type="text/html", href=html_url)
    _add(ET.SubElement(feed, f"{{{ATOM}}}author"), "name", "News Search")
    for result in data["results"]:
        feed.append(atom_entry(result, updated))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def atom_entry(result: dict, undated: str) -> ET.Element:
    """One article as an Atom entry; its link is our article page, never the corpus URL.

    Atom requires an ``updated`` time: an undated article takes the feed's (``undated``).
    """
    entry = ET.Element(f"{{{ATOM}}}entry")
    href = url_for("site.article", article_id=result["id"], _external=True)
    _add(entry, "id", href)
    _add(entry, "title", result["title"], type="text")
    _add(entry, "updated", _stamp(result["published"]) if result["published"] else undated)
    if result["published"]:
        _add(entry, "published", _stamp(result["published"]))
    _add(entry, "link", rel="alternate", type="text/html", href=href)
    for name in result["authors"]:
        _add(ET.SubElement(entry, f"{{{ATOM}}}author"), "name", name)
    _add(entry, "summary", result["snippet"] or result["title"], type="html")
    return entry


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = NOT_XML.sub("", text)
    return element


def _external(path: str) -> str:
    """An absolute URL for a path of this site."""
    return request.host_url.rstrip("/") + path


def _stamp(iso: str) -> str:
    """An RFC 3339 time for Atom: stored times are naive UTC."""
    when = datetime.fromisoformat(iso)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.isoformat().replace("+00:00", "Z")
