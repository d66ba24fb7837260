"""Extraction: turn a read page into one clean article record with its metadata and entities."""

from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import InvalidRequest
from .dates import parse_date
from .entities import find_entities
from .htmlpage import html_fields
from .read import Page
from .textpage import (
    TextFields,
    clean,
    is_interface,
    opening,
    parse_text_page,
    read_dateline,
    title_from_prose,
)

# Bump when ``article_id`` changes: an index of other ids must be rebuilt, never added to.
ID_SCHEME = "2"
# Seconds spent per stage in this process; the pipeline reports them per run.
TIMINGS = {"extraction": 0.0, "entities": 0.0}
# The longest real articles are ~100k characters. Entities, stories and indexing all grow with
# the text (a 1M-character article takes ~5 s), and NLTK's regexes give up after 5 s.
MAX_TEXT_CHARS = 1_000_000
SLUG_WORDS = 3  # a URL slug of fewer words is a section ("/politics/brexit"), not a headline
PAGE_SUFFIX = re.compile(r"\.(s?html?|php|aspx?|jsp)$", re.I)
# Ids in slugs: numbers ("-170207100017012") and hex digests ("-9a752ea7").
SLUG_ID = re.compile(r"\d+|(?=[a-f]*\d)[0-9a-f]{8,}", re.I)


@dataclass
class Article:
    """One news article as indexed: clean text, metadata and entity facets."""

    id: str
    path: str
    title: str
    body: str
    subtitle: str = ""
    published: datetime | None = None
    source: str = ""
    authors: list[str] = field(default_factory=list)
    dateline_place: str = ""
    tags: list[str] = field(default_factory=list)
    url: str = ""
    people: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    focus_countries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    # Where the title came from when the article had no headline: "url" (the URL's slug) or
    # "text" (its first sentence); "" for a real headline.
    title_from: str = ""

    def content_hash(self) -> str:
        """A hash of everything extracted, so an unchanged article is skipped on reindex."""
        data = self.to_json()
        data.pop("path")
        return hashlib.sha1(repr(sorted(data.items())).encode()).hexdigest()[:16]

    def to_json(self) -> dict:
        """The article as JSON-ready plain data (dates in ISO 8601)."""
        data = asdict(self)
        data["published"] = self.published.isoformat() if self.published else None
        return data


def extract(page: Page, site_repeats: frozenset[str] | set[str] = frozenset()) -> Article:
    """Extract one article from a page (its id: ``article_id`` of its file and record)."""
    started = time.perf_counter()
    if page.kind == "text":
        found = parse_text_page(page.text, site_repeats)
        fields = {**asdict(found), "published": found.published}
    elif page.kind == "html":
        fields = _record_fields(html_fields(page.text, learned=frozenset(site_repeats)))
    else:
        fields = _record_fields(page.fields)
    body = fields.get("body", "")
    if not body.strip():
        raise EmptyArticle("no article text found")
    if len(body) > MAX_TEXT_CHARS:
        raise TooLong(f"article text too long: {len(body):,} characters "
                      f"(limit {MAX_TEXT_CHARS:,})")
    title, title_from = _title(fields, body)
    authors = _unique(fields.get("authors", []))
    people_text = "\n".join(x for x in (fields.get("subtitle", ""), body) if x)
    parsed = time.perf_counter()
    found_entities = find_entities(
        title, people_text, dateline_place=fields.get("dateline_place", ""), exclude=authors
    )
    TIMINGS["extraction"] += parsed - started
    TIMINGS["entities"] += time.perf_counter() - parsed
    return Article(
        id=article_id(page.path, page.record),
        path=page.path,
        title=title,
        title_from=title_from,
        body=body,
        subtitle=fields.get("subtitle", ""),
        published=parse_date(fields.get("published")),
        source=fields.get("source", "") or _domain(fields.get("url", "")),
        authors=authors,
        dateline_place=fields.get("dateline_place", ""),
        tags=_unique(fields.get("tags", [])),
        url=fields.get("url", ""),
        people=found_entities.people,
        countries=found_entities.countries,
        focus_countries=found_entities.focus_countries,
        regions=found_entities.regions,
    )


class EmptyArticle(InvalidRequest):
    """The page holds no article text once boilerplate is removed."""


class TooLong(InvalidRequest):
    """The text is far longer than any article: a dump, not news."""


def article_id(path: str | Path, record: str = "") -> str:
    """The id of the article in the file at ``path`` (by its real absolute path, so the same
    wherever a run starts and however the path is spelled), at ``record`` within it."""
    basis = f"{os.path.realpath(path)}\n{record}"
    return hashlib.sha1(basis.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _record_fields(raw: dict) -> dict:
    """Clean a record's fields (from JSON, CSV or HTML): strings stripped, body freed of clutter."""
    fields = {k: v.strip() if isinstance(v, str) else v for k, v in raw.items() if v}
    paragraphs = [p for p in _paragraphs(str(fields.get("body", ""))) if not _clutter(p)]
    place, published = _dateline(paragraphs)
    fields.setdefault("dateline_place", place)
    if published and not fields.get("published"):
        fields["published"] = published
    fields["body"] = "\n\n".join(p for p in paragraphs if p)
    for name in ("authors", "tags"):
        value = fields.get(name, [])
        fields[name] = [value] if isinstance(value, str) else [str(x) for x in value]
    fields["id"] = str(fields.get("id", ""))
    return fields


def _paragraphs(body: str) -> list[str]:
    blocks = re.split(r"\n\s*\n", body) if "\n\n" in body else body.split("\n")
    return [" ".join(b.split()) for b in blocks if b.strip()]


def _clutter(paragraph: str) -> bool:
    text = clean(paragraph)
    return is_interface(text)


def _dateline(paragraphs: list[str]) -> tuple[str, str]:
    found = TextFields()
    read_dateline(paragraphs, found)
    return found.dateline_place, found.published


def _title(fields: dict, body: str) -> tuple[str, str]:
    """The headline, else one made from the URL's slug, else the first sentence; and which."""
    title = fields.get("title", "")
    if title:
        return title, "text" if _from_prose(title, body, fields.get("subtitle", "")) else ""
    if slug := title_from_url(fields.get("url", "")):
        return slug, "url"
    return _first_sentence(body), "text"


def _from_prose(title: str, body: str, subtitle: str) -> bool:
    """Whether a text page's title is the first sentence of its prose (textpage.py takes it
    when the page has no headline), not a headline line of its own (as BBC pages start)."""
    for paragraph in (opening(body.split("\n\n", 2)), subtitle):
        if paragraph and title == title_from_prose(paragraph):
            return title != paragraph or paragraph.endswith((".", "!", "?", '"', "”"))
    return False


def _first_sentence(body: str) -> str:
    return title_from_prose(opening(body.split("\n\n", 2)))


def title_from_url(url: str) -> str:
    """A headline from a URL's slug: ``/2017/02/trump-signs-order`` is "Trump signs order".

    The last path segment of at least three words, ids and ``.html`` left out; "" if none.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https", ""):
        return ""
    path = parts.path if parts.netloc or parts.path.startswith("/") else ""
    for segment in reversed(unquote(path).split("/")):
        words = [w for w in re.split(r"[-_+\s]+", PAGE_SUFFIX.sub("", segment)) if w]
        while words and SLUG_ID.fullmatch(words[-1]):
            words.pop()
        if sum(1 for w in words if any(c.isalpha() for c in w)) >= SLUG_WORDS:
            title = " ".join(words)
            return title_from_prose(title[0].upper() + title[1:])
    return ""


def _domain(url: str) -> str:
    host = urlsplit(url).hostname or "" if url else ""
    return host.removeprefix("www.")


def _unique(values: list[str]) -> list[str]:
    """Values with spaces squashed, without blanks and case-insensitive repeats, in order."""
    kept: dict[str, str] = {}  # lower case -> first spelling (a set, not a scan: 100k tags occur)
    for value in values:
        value = " ".join(str(value).split())
        if value:
            kept.setdefault(value.lower(), value)
    return list(kept.values())
