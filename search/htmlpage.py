"""HTML to fields: the main text of a saved news page plus the metadata the page states itself."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import lxml.html
import trafilatura
from lxml import etree

from .dates import labelled_date, site_order
from .htmltext import BLOCKS, element_text
from .titles import page_title, squash

# trafilatura's fallback extractor (jusText) is quadratic in runs of short paragraphs: a 280 KB
# page of 20,000 <p> took 90 s, 50,000 took 8 minutes. News pages have a few thousand elements;
# past FAST_ELEMENTS it runs without fallbacks, past MAX_ELEMENTS our own reading does alone.
FAST_ELEMENTS = 3_000
MAX_ELEMENTS = 20_000
# Containers whose text is navigation or page furniture, never the article.
_BOILERPLATE = ("nav", "header", "footer", "aside", "form", "menu")
_ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle",
                  "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle",
                  "blogposting", "liveblogposting", "report"}
_DATE_METAS = ("article:published_time", "datepublished", "og:published_time", "pubdate",
               "publishdate", "publish-date", "date", "dc.date", "dc.date.issued",
               "dcterms.created", "dcterms.date", "sailthru.date", "parsely-pub-date")
_HAS_TIME = re.compile(r"\d{1,2}:\d{2}")
_FULL_DATE = re.compile(r"\d{4}[-/]\d{1,2}[-/]\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}")
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9:-]*)\b[^>]*>")
# Tags kept by each step of flattening (None: the page as it is). Head tags and paragraphs do
# not nest; the page's landmarks, kept at first, might.
_HEAD_AND_TEXT = frozenset({"html", "head", "title", "meta", "link", "script", "style", "body",
                            "p", "br", "h1", "h2", "h3", "h4", "h5", "h6"})
_KEEP_WHEN_FLATTENED = (None, _HEAD_AND_TEXT | {"article", "main", *_BOILERPLATE},
                        _HEAD_AND_TEXT, frozenset({"p", "br"}))
_NAME_SPLIT = re.compile(r"\s*(?:,\s*and\s+|,|\s+and\s+|\s+&\s+)\s*")


def html_fields(html: str, url: str = "", learned: frozenset[str] = frozenset()) -> dict:
    """Title, body, subtitle, published, url, source, authors and tags of one HTML page
    (``learned``: what was learned from the other pages of its site, see ``site_keys``)."""
    tree, html = _parse_page(html)
    meta = _metas(tree) if tree is not None else {}
    ld = _json_ld_article(tree) if tree is not None else {}
    doc = _trafilatura(html, url, sum(1 for _ in tree.iter()) if tree is not None else 0)
    site = _first(meta.get("og:site_name"), [_name(ld.get("publisher"))], [doc.get("sitename")])
    page_url = _first(meta.get("og:url"), _canonical(tree), [_text(ld.get("url"))], [url])
    title = _title(tree, meta, ld, doc, site, page_url, learned)
    published = _published(tree, meta, ld, doc, site_order(learned))
    fields: dict[str, Any] = {
        "title": title,
        "body": _body(tree, doc, ld, title),
        "subtitle": _first(meta.get("og:description"), [_text(ld.get("description"))],
                           meta.get("description")),
        "published": published,
        "url": page_url,
        "source": site,
        "authors": _authors(meta, ld, doc),
        "tags": _tags(meta, ld, doc),
    }
    return {key: value for key, value in fields.items() if value}


def html_to_text(html: str) -> str:
    """The readable text of an HTML fragment or page, paragraphs separated by blank lines."""
    tree = _parse(html)
    if tree is None:
        return ""
    body = tree.find("body")
    return element_text(body if body is not None else tree)


def split_names(value: str) -> list[str]:
    """A byline split into names, but only where it clearly lists several people."""
    value = " ".join(value.split())
    for separator in (";", "|"):
        if separator in value:
            return [part.strip() for part in value.split(separator) if part.strip()]
    parts = [part for part in _NAME_SPLIT.split(value) if part]
    # "Smith, John" or "Reuters, London" are one name: split only when every part looks like a
    # full name of 2-5 words without digits.
    if len(parts) > 1 and all(2 <= len(p.split()) <= 5 and not re.search(r"\d", p) for p in parts):
        return parts
    return [value] if value else []


def _parse(html: str) -> Any:
    return _parse_page(html)[0]


def _parse_page(html: str) -> tuple[Any, str]:
    """The page's lxml tree (None if there is none), and the markup it was read from.

    libxml2 stops reading at 256 levels of nesting and drops the rest of the page, article and
    all: a page that deep is read again with its nesting taken out, step by step.
    """
    for keep in _KEEP_WHEN_FLATTENED:
        markup = html if keep is None else _flatten(html, keep)
        tree, too_deep = _parse_once(markup)
        if not too_deep:
            break
    return tree, markup


def _parse_once(html: str) -> tuple[Any, bool]:
    # Encoding to bytes with an explicit parser encoding sidesteps lxml's refusal of str input
    # that carries an XML encoding declaration, and any <meta charset> lying about the text.
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
    try:
        tree = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, ValueError):
        return None, False
    return tree, any("Excessive depth" in error.message for error in parser.error_log)


def _flatten(html: str, keep: frozenset[str]) -> str:
    """The markup without the tags not in ``keep``: blocks become paragraph breaks."""

    def replace(tag: re.Match) -> str:
        name = tag.group(1).lower()
        if name in keep:
            return tag.group(0)
        return "<p>" if name in BLOCKS else ""

    return _TAG.sub(replace, html)


def _trafilatura(html: str, url: str, elements: int) -> dict:
    """trafilatura's reading of the page as a dict, or {} when it finds nothing."""
    if elements > MAX_ELEMENTS:
        return {}
    try:
        doc = trafilatura.bare_extraction(html, url=url or None, with_metadata=True,
                                          include_comments=False, include_tables=True,
                                          fast=elements > FAST_ELEMENTS)
    except Exception:  # noqa: BLE001 - a crash in a third-party extractor is just "no result"
        return {}
    if doc is None:
        return {}
    return {"body": doc.body, "title": doc.title, "author": doc.author, "date": doc.date,
            "sitename": doc.sitename, "tags": doc.tags, "categories": doc.categories}


def _metas(tree: Any) -> dict[str, list[str]]:
    """Every <meta> content by lower-cased property/name/itemprop, in document order."""
    found: dict[str, list[str]] = {}
    for meta in tree.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        value = " ".join((meta.get("content") or "").split())
        if key and value:
            found.setdefault(key.strip().lower(), []).append(value)
    return found


def _json_ld_article(tree: Any) -> dict:
    """The first schema.org Article-like object of the page's JSON-LD blocks."""
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue  # broken JSON-LD is common; the other sources still apply
        for item in _ld_objects(data):
            types = item.get("@type")
            types = types if isinstance(types, list) else [types]
            if any(isinstance(t, str) and t.lower() in _ARTICLE_TYPES for t in types):
                return item
    return {}


def _ld_objects(data: Any) -> Iterator[dict]:
    if isinstance(data, list):
        for item in data:
            yield from _ld_objects(item)
    elif isinstance(data, dict):
        yield data
        yield from _ld_objects(data.get("@graph"))


def _first(*candidates: Iterable[Any] | None) -> str:
    """The first non-empty string among lists of candidates."""
    for values in candidates:
        for value in values or ():
            if isinstance(value, str) and value.strip():
                return " ".join(value.split())
    return ""


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return next((v for v in value if isinstance(v, str) and v.strip()), "")
    return ""


def _name(value: Any) -> str:
    """A person or organisation name from JSON-LD: a string, {"name": ...} or a list of them."""
    if isinstance(value, list):
        return next((name for v in value if (name := _name(v))), "")
    if isinstance(value, dict):
        value = value.get("name")
    return value.strip() if isinstance(value, str) else ""


def _canonical(tree: Any) -> list[str]:
    if tree is None:
        return []
    return [link.get("href") or "" for link in tree.xpath('//link[@rel="canonical"]')]


def _title(tree: Any, meta: dict, ld: dict, doc: dict, site: str, url: str,
           learned: frozenset[str]) -> str:
    """The page's own headline element where it matches a stated title, else og:title, the
    JSON-LD headline or <title> without the site's name, else trafilatura's, else <h1>."""
    stated = [*meta.get("og:title", []), _text(ld.get("headline"))]
    stated.append(tree.findtext(".//title") or "" if tree is not None else "")
    stated += meta.get("twitter:title", [])
    title = page_title(tree, stated, site, url, learned)
    if title or tree is None:
        return title
    # trafilatura's title is read from the headings: it confirms none, so it comes last.
    h1 = tree.xpath("//h1")
    return _first([doc.get("title")], [" ".join(h1[0].text_content().split())] if h1 else [])


def _published(tree: Any, meta: dict, ld: dict, doc: dict, day_first: bool | None) -> str:
    """The most precise publication date the page states (date and time beats date only):
    its metadata, else a date after "Published", "Updated" or "Posted" in its text (in the
    site's order of day and month), else trafilatura's guess."""
    candidates: list[str] = list(meta.get("article:published_time", []))
    candidates.append(_text(ld.get("datePublished")))
    for key in _DATE_METAS[1:]:
        candidates.extend(meta.get(key, []))
    if tree is not None:
        # <time> inside asides and footers dates other stories, so only the page's own count.
        xpath = "//time[@datetime][not(ancestor::aside or ancestor::footer or ancestor::nav)]"
        times = tree.xpath(xpath)
        times.sort(key=lambda t: t.get("itemprop") != "datePublished" and t.get("pubdate") is None)
        candidates.extend(t.get("datetime") for t in times)
        if not any(isinstance(c, str) and c.strip() for c in candidates):
            body = tree.find("body")
            text = " ".join(body.text_content().split()) if body is not None else ""
            candidates.append(labelled_date(text, day_first))
    candidates.append(doc.get("date") or "")
    values = [" ".join(c.split()) for c in candidates if isinstance(c, str) and c.strip()]
    # max() keeps the first of equally precise values, so source order breaks ties.
    return max(values, key=_precision, default="")


def _precision(value: str) -> int:
    if _HAS_TIME.search(value):
        return 3
    return 2 if _FULL_DATE.search(value) else 1


def _authors(meta: dict, ld: dict, doc: dict) -> list[str]:
    """JSON-LD authors, else article:author / meta author, else trafilatura's guess."""
    value = ld.get("author")
    items = value if isinstance(value, list) else [value]
    names = [name for item in items if (name := _name(item))]
    if not names:
        # article:author is often a profile URL rather than a name.
        names = [v for v in meta.get("article:author", []) if not v.startswith("http")]
    if not names:
        names = meta.get("author", []) or ([doc["author"]] if doc.get("author") else [])
    return _dedupe(n for name in names for n in split_names(name))


def _tags(meta: dict, ld: dict, doc: dict) -> list[str]:
    """Section and tags from JSON-LD and meta tags, else trafilatura's categories and tags."""
    tags: list[str] = []
    for key in ("articleSection", "keywords"):
        value = ld.get(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                tags.extend(item.split(","))
    tags.extend(meta.get("article:section", []) + meta.get("article:tag", []))
    for key in ("news_keywords", "keywords"):
        for value in meta.get(key, []):
            tags.extend(value.split(","))
    if not tags:
        tags = list(doc.get("categories") or []) + list(doc.get("tags") or [])
    return _dedupe(tags)


def _dedupe(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for value in values:
        value = " ".join(value.split())
        if value and value.lower() not in seen:
            seen.add(value.lower())
            kept.append(value)
    return kept


def _body(tree: Any, doc: dict, ld: dict, title: str) -> str:
    """The article text: trafilatura's, else the page's article element, else JSON-LD."""
    body = doc.get("body")
    # trafilatura's own result is rooted at <body>; when one of its fallbacks (readability,
    # jusText) read the page better, the result is that candidate's element (a <div>): both
    # are the extractor's choice on the merits, and both are kept.
    paragraphs = _doc_paragraphs(body) if body is not None else []
    if paragraphs and _is_headline(paragraphs[0], title):
        paragraphs = paragraphs[1:]  # the <h1> repeats the title
    if not paragraphs and tree is not None:
        paragraphs = _own_paragraphs(tree)
    if not paragraphs:
        article_body = _text(ld.get("articleBody"))
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", article_body) if p.strip()]
    return "\n\n".join(paragraphs)


def _is_headline(paragraph: str, title: str) -> bool:
    """Whether a paragraph is the title, or most of it (a title with a suffix we kept)."""
    para, head = squash(paragraph), squash(title)
    return bool(para) and head.startswith(para) and len(para) >= 0.6 * len(head)


def _doc_paragraphs(body: Any) -> list[str]:
    """Paragraphs of trafilatura's XML body, or [] for its whole-page text dump."""
    if _is_page_dump(body):
        return []
    text = element_text(body) if len(body) or (body.text or "").strip() else ""
    return text.split("\n\n") if text else []


def _is_page_dump(body: Any) -> bool:
    """On pages it cannot read, trafilatura returns one <p> holding every text run of the
    page, one per line, menus included: our own reading of the page does better there. An
    article that is one <p> split by <br> is not that: its lines are <lb/> elements."""
    children = list(body)
    if len(children) != 1 or children[0].tag != "p" or len(children[0]):
        return False
    lines = [line for line in (children[0].text or "").splitlines() if line.strip()]
    return len(lines) > 1


def _own_paragraphs(tree: Any) -> list[str]:
    """Paragraphs of <article>/<main> (or the body) once menus, headers and footers are gone."""
    for xpath in ('//*[@itemprop="articleBody"]', "//article", "//main", '//*[@role="main"]',
                  "//body"):
        found = tree.xpath(xpath)
        if not found:
            continue
        container = copy.deepcopy(found[0])  # the caller's tree stays whole
        for junk in container.xpath(" | ".join(f".//{tag}" for tag in _BOILERPLATE)):
            if junk.getparent() is not None:
                junk.getparent().remove(junk)  # drop_tree() would keep junk's tail text glued
        text = element_text(container)
        if text:
            return text.split("\n\n")
    return []
