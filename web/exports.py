"""Exports: the whole result set as CSV or JSON Lines, and the newest matches as an Atom feed.

CSV and JSON Lines hold only articles: the first CSV row is the header, every JSON line an
article. What the export was made from goes in the response instead: the file name (from the
query), ``X-Query``, ``X-Filters``, ``X-Total-Count``, ``X-Export-Truncated`` and a ``Link`` to
the same search as JSON (and to the next part when the export was capped).
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from urllib.parse import quote, urlencode
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, request, url_for

from . import present
from .data import Export, export_data, search_data
from .site import MAX_LINK_HEADER

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
    "snippet",
)
FEED_SIZE = 50
ATOM = "http://www.w3.org/2005/Atom"
# A spreadsheet runs a cell starting with one of these as a formula (=HYPERLINK(...)).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot carry at all, even escaped: dropped from feed text.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# X-Query keeps printable ASCII as it is and percent-encodes the rest (and "%"): a header
# carries neither line breaks nor, portably, anything outside ASCII.
HEADER_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")
NAME_CHARS = 60  # of the query in a file name
MARK = re.compile(r"</?mark>")


@bp.get("/search.csv", endpoint="csv")
def csv_export() -> Response:
    """Every match as CSV, the header row first, with a plain-text snippet (and the body if
    ``body=1``); at most EXPORT_MAX_ROWS rows, ``offset`` and ``limit`` page on."""
    part = export_data(snippets=True)
    columns = CSV_COLUMNS + (("body",) if part.body else ())
    return download(part, csv_lines(columns, part.rows), "text/csv", "csv")


def csv_lines(columns: tuple[str, ...], results: Iterable[dict]) -> Iterator[str]:
    """The CSV text row by row, the header row first."""
    yield csv_row(columns)
    for result in results:
        plain = {**result, "snippet": plain_text(result.get("snippet", ""))}
        yield csv_row(_cell(plain.get(column)) for column in columns)


def csv_row(cells: Iterable) -> str:
    """One CSV line (quoted as needed)."""
    out = io.StringIO()
    csv.writer(out).writerow(cells)
    return out.getvalue()


def plain_text(fragment: str) -> str:
    """A snippet's text without its markup (only ``<mark>`` and escapes: see highlight.py)."""
    return html.unescape(MARK.sub("", fragment))


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
    """Every match as JSON Lines, one article a line; snippets if ``snippets=1``, bodies if
    ``body=1``; capped and paged as the CSV is."""
    part = export_data(snippets=False)
    lines = (json.dumps(row, ensure_ascii=False) + "\n" for row in part.rows)
    return download(part, lines, "application/x-ndjson", "jsonl")


def download(part: Export, body: Iterable[str], mimetype: str, suffix: str) -> Response:
    """A streamed download, with what it was made from in its name and headers."""
    response = Response(body, mimetype=mimetype)
    response.call_on_close(part.rows.close)  # its searcher, even if the client goes early
    response.headers.update(export_headers(part, suffix))
    return response


def export_headers(part: Export, suffix: str) -> dict[str, str]:
    """The file name, the query, the filters, the totals and links to the same search as JSON
    (its first page, facets and totals) and to the next part of a capped export."""
    state = present.state_of(
        {"query": part.request.q, "filters": part.request.describe(), "sort": part.request.sort,
         "collapse": "none", "per_page": present.DEFAULTS.per_page, "page": 1}
    )  # fmt: skip
    filters = [
        (k, v) for k, v in present.query_pairs(state) if k not in ("q", "sort", "collapse", "mode")
    ]
    links = [f'<{present.link(state, "api.search")}>; rel="alternate"; type="application/json"']
    if part.truncated:
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "offset"]
        links.append(f'<{request.path}?{urlencode([*args, ("offset", part.end)])}>; rel="next"')
    # A longer header breaks clients and proxies: such a value is left out.
    links = [link for link in links if len(link) <= MAX_LINK_HEADER]
    described = {
        "X-Query": quote(part.request.q, safe=HEADER_SAFE),
        "X-Filters": urlencode(filters),
        **({"Link": ", ".join(links)} if links else {}),
    }
    return {
        "Content-Disposition": f'attachment; filename="{file_name(part, suffix)}"',
        **{name: value for name, value in described.items() if len(value) <= MAX_LINK_HEADER},
        "X-Total-Count": str(part.total),
        "X-Export-Truncated": "true" if part.truncated else "false",
    }


def file_name(part: Export, suffix: str) -> str:
    """``search-syria-turkey.csv``: the query's letters and digits only, and which rows when
    the export is a part of the matches (``search-syria-rows-1-100000.csv``)."""
    ascii_words = unicodedata.normalize("NFKD", part.request.q).encode("ascii", "ignore")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_words.decode().lower()).strip("-")
    if len(slug) > NAME_CHARS:  # cut at a word's end, if there is one to cut at
        cut = slug[: NAME_CHARS + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut[:NAME_CHARS]
    name = f"search-{slug}" if slug else "search"
    if part.offset or part.truncated:
        name += f"-rows-{part.offset + 1}-{part.end}" if part.end > part.offset else "-rows-none"
    return f"{name}.{suffix}"


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
