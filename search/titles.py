"""Headlines of HTML pages: the page's own headline element, else its stated title without
the site's name; and the site names learned from the titles of a site's pages."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from html import unescape
from pathlib import PurePath
from typing import Any
from urllib.parse import urlparse

from .dates import date_order
from .textpage import is_interface

TITLE_SEPARATORS = re.compile(r"\s+(\||-|–|—|::|·|•|»|:)\s+")
_GENERIC_LABELS = {"www", "com", "org", "net", "news", "edu", "gov", "info", "online", "html"}
# Headline elements: h1/h2, and elements whose class names a headline ("headline",
# "entry-title", "article-title", "story-title", "post-title"), outside menus and rails.
_HEADINGS = (
    "//*[self::h1 or self::h2 or contains(concat(' ', normalize-space(@class), ' '), ' headline')"
    " or contains(@class, 'headline') or contains(@class, '-title') or @itemprop='headline']"
    "[not(ancestor::nav or ancestor::footer or ancestor::aside or ancestor::header[.//nav])]"
)
MAX_HEADINGS = 30  # the headline is near the top: later headings are rails and teasers
# A title end shared by enough pages of a site (``textpage.REPEAT_SITE_PAGES``, counted as its
# repeated lines are) is the site's name: learned as a key with this prefix.
SITE_KEY = "~site-name:"


def squash(value: str) -> str:
    """Letters and digits only, lower-cased: how two spellings of a title are compared."""
    return re.sub(r"[^\w]|_", "", value.lower())


def page_title(tree: Any, stated: list[str], site: str, url: str,
               learned: Iterable[str] = ()) -> str:
    """The headline: the first prominent heading that matches a stated title (og:title,
    JSON-LD headline, <title>) once a site name is off, else the first stated title without
    the site's name; never an interface line."""
    stated = [" ".join(t.split()) for t in stated if t and t.strip()]
    stated = [t for t in stated if not is_interface(t)]
    names = site_names(site, url)
    known = {key[len(SITE_KEY):] for key in learned if key.startswith(SITE_KEY)}
    if tree is not None and stated:
        wanted = {squash(v) for title in stated for v in _variants(title)}
        wanted.discard("")
        for heading in tree.xpath(_HEADINGS)[:MAX_HEADINGS]:
            text = " ".join(heading.text_content().split())
            if text and squash(text) in wanted and not is_interface(text):
                return text
    return strip_site(stated[0], names, known) if stated else ""


def site_names(site: str, url: str) -> set[str]:
    """Squashed names the site goes by: its stated name and its host's labels."""
    names = {squash(site)} | host_names(url)
    names.discard("")
    return names


def strip_site(title: str, names: set[str], learned: set[str] | frozenset = frozenset()) -> str:
    """"Headline | Site" -> "Headline", "Site - Headline" -> "Headline" (known names only;
    an unknown short last segment after "|" goes too, " - " occurs inside real headlines).
    ``names`` match a segment that contains them or that they contain ("bbc" in "BBC News");
    ``learned`` title ends only match whole, so a learned "Opinion" never cuts "Opinion poll"."""
    segments, separators = _split(title)
    if len(segments) < 2:
        return title

    def is_site(segment: str) -> bool:
        seg = squash(segment)
        return seg in learned or any(seg and (seg in name or name in seg) for name in names)

    if is_site(segments[-1]):
        return _join(segments[:-1], separators[:-1])
    if is_site(segments[0]):
        return _join(segments[1:], separators[1:])
    if separators[-1] == "|" and len(segments[-1].split()) <= 4:
        return _join(segments[:-1], separators[:-1])
    return title


def host_names(url: str) -> set[str]:
    """Distinctive labels of a URL's host name: "www.bbc.co.uk" -> {"bbc"}."""
    labels = (urlparse(url).hostname or "").lower().split(".")
    return {label for label in labels if len(label) >= 3 and label not in _GENERIC_LABELS}


def title_ends(title: str) -> set[str]:
    """The squashed first and last segments of a title with separators (site-name candidates)."""
    segments, _ = _split(" ".join(title.split()))
    if len(segments) < 2:
        return set()
    return {squash(segments[0]), squash(segments[-1])} - {""}


def _split(title: str) -> tuple[list[str], list[str]]:
    parts = TITLE_SEPARATORS.split(title)
    return parts[0::2], parts[1::2]


def _join(segments: list[str], separators: list[str]) -> str:
    out = segments[0]
    for separator, segment in zip(separators, segments[1:], strict=True):
        out += f" {separator} {segment}"
    return out


def _variants(title: str) -> Iterator[str]:
    """The title, and every run of its segments that holds its longest segment."""
    yield title
    segments, separators = _split(title)
    if len(segments) < 2:
        return
    longest = max(range(len(segments)), key=lambda i: len(segments[i]))
    for i in range(longest + 1):
        for j in range(longest + 1, len(segments) + 1):
            yield _join(segments[i:j], separators[i:j - 1])


_HEAD_CHARS = 200_000  # the <head> and the byline are near the top
_TITLE_TAG = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_PAGE_URL = re.compile(
    r"""<(?:meta[^>]+property=["']og:url["'][^>]*content|link[^>]+rel=["']canonical["'][^>]*href)"""
    r"""=["']([^"']+)""", re.IGNORECASE)
_SITE_NAME = re.compile(r"""<meta[^>]+property=["']og:site_name["'][^>]*content=["']([^"']+)""",
                        re.IGNORECASE)


def html_site(html: str, path: str) -> str:
    """Which site an HTML page is of, read cheaply: its URL's host, else its og:site_name,
    else the folder it was saved in."""
    head = html[:_HEAD_CHARS]
    if (url := _PAGE_URL.search(head)) and (host := urlparse(url.group(1)).hostname):
        return "host:" + host.removeprefix("www.")
    if name := _SITE_NAME.search(head):
        return "name:" + " ".join(unescape(name.group(1)).split())
    return "folder:" + str(PurePath(path).parent)


def html_page_keys(html: str, path: str) -> tuple[str, set[str]]:
    """An HTML page's site and what it tells about the site: the ends of its <title> (a site
    name once enough pages share it) and the order it writes a numeric date in."""
    head = html[:_HEAD_CHARS]
    keys = set()
    if title := _TITLE_TAG.search(head):
        keys = {SITE_KEY + end for end in title_ends(unescape(title.group(1)))}
    if order := date_order(head):
        keys.add(order)
    return html_site(html, path), keys
