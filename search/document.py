"""What an extracted article becomes in the index: its fields, and its lead."""

from __future__ import annotations

import re

from .extract import Article
from .textpage import without_dateline

LEAD_WORDS = 50  # at most: a lead is a paragraph or two sentences, not the article
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*\s")
_WORD = re.compile(r"\w+")


def lead_of(title: str, subtitle: str, body: str) -> str:
    """The article's lead: its subtitle, else its first paragraph that is not its headline
    again, cut at the last sentence end within ``LEAD_WORDS`` words.

    Bodies from exports often have no paragraph breaks (the whole body is one "paragraph"),
    and scraped pages often repeat the headline as the body's first line: neither is a lead.
    """
    if subtitle.strip():
        return subtitle.strip()
    headline = _words(title)
    for paragraph in body.split("\n\n"):
        # A dateline on a line of its own ("Ankara – Turkey – August 14, 2025 –") stays in
        # the body but is no lead.
        if without_dateline(paragraph).strip() and _words(paragraph) != headline:
            return _first_words(paragraph.strip(), LEAD_WORDS)
    return ""


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _first_words(text: str, count: int) -> str:
    words = text.split()
    if len(words) <= count:
        return text
    cut = " ".join(words[:count])
    ends = [m.end() for m in _SENTENCE_END.finditer(cut + " ")]
    return cut[: ends[-1]].strip() if ends else cut


def document(article: Article, file_hash: str) -> dict:
    """The fields Whoosh indexes and stores for ``article`` (read from a file of ``file_hash``)."""
    published = article.published
    lead = lead_of(article.title, article.subtitle, article.body)
    doc = {
        "id": article.id,
        "path": article.path,
        "source_hash": file_hash,
        "hash": article.content_hash(),
        "title": article.title,
        "title_from": article.title_from,
        "lead": lead,
        "body": article.body,
        "spell": f"{article.title}\n{lead}",
        "person": "\n".join(article.people),
        "subtitle": article.subtitle,
        "url": article.url,
        "dateline_place": article.dateline_place,
        "source": article.source,
    }
    for name in ("people", "countries", "focus_countries", "regions", "tags", "authors"):
        values = [v.replace(",", " ") for v in getattr(article, name)]
        if values:
            doc[name] = ",".join(values)
    if published:
        doc |= {
            "published": published,
            "day": f"{published:%Y-%m-%d}",
            "month": f"{published:%Y-%m}",
        }
    return doc
