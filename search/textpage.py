"""Text pages: pull the article out of a web page rendered to text, or out of clean prose.

A rendered page is a column of lines: menus, a breaking-news ticker, the headline, a byline
block, the article, its tags, then "Related", "Most Read" and a footer. The signals are
line-level: bullets, short lines, known section markers, lines that repeat within the page
(header and footer, photo captions) and lines that repeat across pages of the same site
(tickers read like prose, so only repetition gives them away; see ``line_key``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .dates import DATE_LABEL, DATE_RE, MONTHS, date_order, find_date, labelled_date, site_order

BULLETS = "•·▪◦●‣*-–—"
# A marker opens a block of non-article lines that runs to the next blank line.
BLOCK_MARKERS = {"breaking", "breaking news", "live", "just in", "latest", "trending", "ticker"}
# After these the article is over: everything below is lists of other stories and footer.
END_MARKERS = {
    "most read",
    "read next",
    "more from",
    "recommended",
    "you may also like",
    "you might also like",
    "popular",
    "most popular",
    "latest news",
    "more stories",
    "coverage",
    "comments",
    "leave a comment",
    "share this article",
    "all rights reserved",
    "newsletter",
    "sign up for our newsletter",
    "about us",
    "more on this story",
    "top stories",
    "editor's picks",
}
# An inline list of links inside the article; it runs until prose resumes.
INLINE_MARKERS = {
    "related",
    "related news",
    "related articles",
    "related stories",
    "see also",
    "also read",
    "read also",
    "more on this",
    "recommended reading",
}
UI_LINES = {
    "listen",
    "share",
    "print",
    "email",
    "tweet",
    "advertisement",
    "advert",
    "sponsored",
    "subscribe",
    "follow us",
    "comments",
    "menu",
    "search",
    "close",
    "home",
    "x",
    "login",
    "sign in",
    "skip to content",
    "skip to main content",
    "back to top",
    "copy link",
    "save",
}
UI_PATTERNS = re.compile(
    r"^(?:\d+\s+min(?:ute)?s?\s+read|\d+\s+shares?|read more\b.*|advertisement\b.*|"
    r"click here\b.*|follow us on\b.*|photo:.*|image:.*|source:\s*\S.*|watch:.*|"
    r"listen to (?:this|the) (?:article|story)\b.*|share (?:this|on)\b.*|"
    r"(?:updated|published|posted)\s*:?\s*$)",
    re.IGNORECASE,
)
# What tells a sentence of the article that starts like an interface line ("Click here to
# read the full report, the minister said.") from the interface line itself: an attribution,
# or a clause after a comma in a line that ends like a sentence.
_ATTRIBUTION = re.compile(r"\b(?:said|says|told|added|according|wrote|asked|warned)\b", re.I)
_CLAUSE = re.compile(r"[,;]\s+\w.*[.!?][\"'”’]?$")
UI_MAX_WORDS = 12  # longer lines are never interface lines
QUOTES = "\"'“‘«„"
BYLINE_RE = re.compile(
    r"^[Bb][Yy]\s+(?P<names>[A-Z][\w'’.-]*(?:[\s,&]+(?:and\s+)?[A-Z][\w'’.-]*)*)\s*$"
)
SOURCE_RE = re.compile(r"^source:\s*(?P<source>.+)$", re.IGNORECASE)
DATELINE_RE = re.compile(
    rf"^(?P<place>[A-Z][\w.'’ -]{{1,40}}?(?:\s*[–—-]\s*[A-Z][\w.'’ -]{{1,40}}?)*)\s*[–—-]\s*"
    rf"(?P<date>{MONTHS}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{MONTHS}\s+\d{{4}})\s*[–—-]?\s*",
)
WIRE_DATELINE_RE = re.compile(
    r"^(?P<place>[A-Z][A-Z.'’ ]{2,30}(?:,\s*[A-Z][\w.]+)?)"
    r"(?:,\s*(?P<date>[A-Z][a-z]{2,8}\.?\s+\d{1,2}))?\s*(?:\((?P<agency>[^)]{2,30})\))?\s*[–—-]{1,2}\s+"
)
CAPTION_CREDIT = re.compile(
    r"\((?:AP|AFP|Reuters|Getty|File|[^()]*(?:Photo|Images|via|Ministry|"
    r"Agency|Office|handout)[^()]*)\)\s*$",
    re.IGNORECASE,
)
SENTENCE_END = (".", "!", "?", '"', "”", "’", "'", ".)", ":")
REPEAT_SITE_PAGES = 3  # a line on this many pages of one site is boilerplate
HEADER_CHARS = 10_000  # a page's own date is in its header, above the article


@dataclass
class TextFields:
    """What a text page yields before entities: the same names as a record's fields."""

    title: str = ""
    subtitle: str = ""
    body: str = ""
    published: str = ""
    source: str = ""
    authors: list[str] = field(default_factory=list)
    dateline_place: str = ""
    tags: list[str] = field(default_factory=list)


def line_key(line: str) -> str:
    """A short, normalised fingerprint of a line, for counting repeats across pages."""
    norm = " ".join(clean(line).lower().split())
    return hashlib.blake2b(norm.encode(), digest_size=8).hexdigest()


def clean(line: str) -> str:
    """The line without bullets, odd spaces and zero-width characters."""
    line = unicodedata.normalize("NFC", line).replace("\u00a0", " ")
    line = re.sub(r"[\u200b-\u200f\u202a-\u202e\u2060\ufeff]", "", line)
    return line.strip().lstrip(BULLETS).strip()


def is_bullet(line: str) -> bool:
    """True when the line is a list item (a bullet character then a space)."""
    stripped = line.strip()
    return len(stripped) > 1 and stripped[0] in BULLETS and stripped[1] in " \t"


def is_prose(text: str) -> bool:
    """A sentence-like line: enough words and sentence punctuation at the end."""
    words = len(text.split())
    return words >= 25 or (words >= 6 and text.endswith(SENTENCE_END))


def site_name(lines: list[str]) -> str:
    """The outlet's name: a short first line that the page repeats (header and footer)."""
    first = next((clean(x) for x in lines if clean(x)), "")
    if not first or len(first.split()) > 6 or first.endswith(SENTENCE_END):
        return ""
    return first if sum(clean(x) == first for x in lines) >= 2 else ""


def page_line_keys(text: str) -> tuple[str, set[str]]:
    """The site of a rendered page and the keys of its lines (for learning per-site repeats)."""
    lines = text.splitlines()
    site = site_name(lines)
    keys = {line_key(x) for x in lines if len(clean(x)) >= 12} if site else set()
    if site and (order := date_order(text[:HEADER_CHARS])):
        keys.add(order)  # how the site writes dates, once enough of its pages agree
    return site, keys


def learn_repeats(pages: Iterable[tuple[str, set[str]]]) -> dict[str, set[str]]:
    """Line keys that appear on ``REPEAT_SITE_PAGES`` or more pages of one site."""
    counts: dict[str, Counter] = {}
    for site, keys in pages:
        if site:
            counts.setdefault(site, Counter()).update(keys)
    return {
        site: {k for k, n in counter.items() if n >= REPEAT_SITE_PAGES}
        for site, counter in counts.items()
    }


def parse_text_page(text: str, site_repeats: set[str] | frozenset = frozenset()) -> TextFields:
    """Extract title, body and metadata from a rendered page or a clean article."""
    lines = [x.rstrip() for x in text.splitlines()]
    out = TextFields(source=site_name(lines))
    in_page = Counter(clean(x) for x in lines if clean(x))
    drop = {x for x, n in in_page.items() if n >= 2} | _marker_blocks(lines)
    kept = [
        (i, x)
        for i, x in enumerate(lines)
        if i not in drop and clean(x) not in drop
        and (line_key(x) not in site_repeats or _above_meta(lines, i))
    ]
    start = _read_header(kept, out, site_order(site_repeats))
    body_lines = _article_lines(kept[start:], out, standfirst=start > 0)
    read_dateline(body_lines, out)
    paragraphs = [p for p in body_lines if p]
    if not out.title and paragraphs:
        out.title = title_from_prose(opening(paragraphs))
    if out.subtitle and len(paragraphs) > 1 and paragraphs[0] == out.subtitle:
        paragraphs = paragraphs[1:]  # a standfirst, not the article's first paragraph
    elif out.subtitle:
        out.subtitle = ""
    # Crossheads alone are menus: an article has at least one sentence.
    out.body = "\n\n".join(paragraphs) if any(is_prose(p) for p in paragraphs) else ""
    return out


def _above_meta(lines: list[str], i: int) -> bool:
    """Whether line ``i`` stands right above a byline or date line: the page's headline,
    which the site's other pages list too ("Most read"), so it repeats across the site."""
    below = next((x for x in lines[i + 1:i + 4] if clean(x)), "")
    return bool(below) and _is_meta(below)


def _marker_blocks(lines: list[str]) -> set[int]:
    """Indexes of lines in blocks opened by a ticker marker, up to the next blank line."""
    dropped: set[int] = set()
    i = 0
    while i < len(lines):
        if clean(lines[i]).lower() in BLOCK_MARKERS:
            dropped.add(i)
            i += 1
            while i < len(lines) and clean(lines[i]):
                dropped.add(i)
                i += 1
        i += 1
    return dropped


def _read_header(kept: list[tuple[int, str]], out: TextFields, day_first: bool | None) -> int:
    """Find the byline block (by, date, source bullets); read it; return where the body starts."""
    meta = [j for j, (_, x) in enumerate(kept) if _is_meta(x) and j < len(kept) * 0.8]
    if not meta:
        return 0
    first = meta[0]
    last = first
    while last + 1 < len(kept) and (
        _is_meta(kept[last + 1][1]) or is_interface(clean(kept[last + 1][1]))
    ):
        last += 1
    for _, x in kept[first : last + 1]:
        _read_meta(clean(x), out, day_first)
    title = next((clean(x) for _, x in reversed(kept[:first])
                  if clean(x) and not is_bullet(x) and not is_interface(clean(x))), "")
    out.title = title
    return last + 1


def _is_meta(line: str) -> bool:
    text = clean(line)
    if not text or len(text) > 80 or DATELINE_RE.match(text):
        return False
    return bool(
        BYLINE_RE.match(text)
        or SOURCE_RE.match(text)
        or _is_date_line(text)
        or bool(DATE_LABEL.match(text) and labelled_date(text, True))
        or re.match(r"^\d+\s+(?:shares?|min(?:ute)?s?\s+read)$", text, re.IGNORECASE)
    )


def _is_date_line(text: str) -> bool:
    match = DATE_RE.search(text)
    return bool(match) and len(text) - len(match.group(0)) <= 20


def _read_meta(text: str, out: TextFields, day_first: bool | None) -> None:
    if byline := BYLINE_RE.match(text):
        names = re.split(r"\s*(?:,|&|\band\b)\s*", byline.group("names"))
        out.authors.extend(n for n in names if n)
    elif DATE_LABEL.match(text) and not out.published:
        out.published = labelled_date(text, day_first)
    elif _is_date_line(text) and not out.published:
        out.published = find_date(text)[1]


def is_interface(text: str) -> bool:
    """An interface line by what it is: UI vocabulary alone ("Share", "Advertisement"), or
    a short line of a UI form ("Read more: ...", "Click here to subscribe") that is not a
    sentence of the article."""
    if text.lower().rstrip(":") in UI_LINES:
        return True
    if not UI_PATTERNS.match(text) or len(text.split()) > UI_MAX_WORDS:
        return False
    return not (_ATTRIBUTION.search(text) or _CLAUSE.search(text))


def _article_lines(kept: list[tuple[int, str]], out: TextFields, standfirst: bool) -> list[str]:
    """The article's paragraphs, with "" between blocks; tags collected from the closing list."""
    result: list[str] = []
    bullets: list[str] = []
    in_inline = False
    # The first paragraph under the byline is a standfirst only when something that is not
    # article (a "Listen" button, a photo and its caption) parts it from the article's prose.
    pending, parted = "", False
    for _, raw in kept:
        text = clean(raw)
        low = text.lower().rstrip(":")
        if low in END_MARKERS and any(result):
            break
        if low in INLINE_MARKERS:
            in_inline = parted = True
            continue
        if in_inline and not _resumes_article(text):
            continue
        in_inline = False
        if is_bullet(raw) and not is_prose(text):
            bullets.append(text)
            parted = True
            continue
        if text and any(result):
            bullets = []  # a list followed by more article text was not the tag list
        if _keep(text, raw):
            if pending and is_prose(text):
                out.subtitle = pending if parted else ""
                pending = ""
            result.append(text)
            if standfirst and not out.subtitle and is_prose(text) and not any(result[:-1]):
                pending, parted = (text if len(text) < 300 else ""), False
        elif text:
            parted = True
    out.tags = [t for t in bullets if len(t.split()) <= 6 and not is_interface(t)]
    return result


def _resumes_article(text: str) -> bool:
    # Linked headlines often read like sentences ("...: Are your choices made for X?"), so only
    # a line ending like a statement, or a long one, ends a related-links list.
    words = len(text.split())
    return words >= 25 or (words >= 8 and text.rstrip("\"”’'").endswith((".", "!", ".)")))


def _keep(text: str, raw: str) -> bool:
    if not text or is_interface(text) or CAPTION_CREDIT.search(text):
        return False
    if is_prose(text):
        return True
    # Crossheads ("Strategic priorities") are kept; one-word UI leftovers are not.
    return len(text.split()) >= 2 and not is_bullet(raw) and _capitalised(text)


def _capitalised(text: str) -> bool:
    """Whether a line opens like a headline: a capital or a figure, after any quote or
    currency sign ("'Strong dollar' call halts slide", "$1m payoff", "iTunes now selling")."""
    first = text.lstrip(QUOTES + "$£€¥&#").split(maxsplit=1)
    return bool(first) and (first[0][0].isupper() or first[0][0].isdigit()
                            or any(c.isupper() for c in first[0]))


def read_dateline(paragraphs: list[str], out: TextFields) -> None:
    """Read a dateline ("Ankara – Turkey – August 14, 2025 –", "ANKARA (Reuters) -") into
    ``out``: the place and date become metadata, and the sentence stays whole in the body."""
    for text in paragraphs:
        if not text:
            continue
        match = DATELINE_RE.match(text) or WIRE_DATELINE_RE.match(text)
        if match:
            parts = [p.strip() for p in re.split(r"\s*[–—-]\s*|,\s*", match.group("place"))]
            out.dateline_place = ", ".join(p.title() if p.isupper() else p for p in parts if p)
            if match.groupdict().get("date") and not out.published:
                out.published = match.group("date")
        if match or is_prose(text):
            return  # the dateline opens the first paragraph of prose, after any headline


def without_dateline(text: str) -> str:
    """A paragraph without its opening dateline (for a title made from the first sentence)."""
    match = DATELINE_RE.match(text) or WIRE_DATELINE_RE.match(text)
    return text[match.end():].strip() if match else text


def opening(paragraphs: list[str]) -> str:
    """The first paragraph without its dateline (the next one if the dateline was all of it)."""
    return next((text for p in paragraphs if (text := without_dateline(p))), "")


def title_from_prose(paragraph: str) -> str:
    """Clean prose has no headline: use its first sentence, cut at a word near 150 characters."""
    match = re.match(r"(.+?[.!?])(?:\s|$)", paragraph)
    sentence = match.group(1) if match else paragraph
    if len(sentence) <= 150:
        return sentence
    return sentence[:150].rsplit(" ", 1)[0] + "…"
