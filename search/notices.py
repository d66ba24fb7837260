"""What a search says besides its results, as plain sentences every front end shows as they are.

A notice is data (a ``code`` and the values it names) plus its ``message``: the page, the API
and the command line print the same sentence.
"""

from __future__ import annotations

from urllib.parse import urlsplit

UNKNOWN_OUTLET = "an unknown source"


def syntax(fallback: str, query: str) -> dict:
    """The query's syntax could not be read: which words were searched instead."""
    if not fallback:
        message = f"Found no words to search for in “{query.strip()[:80]}”"
    else:
        message = f"Could not read the query's syntax: searched for the words {fallback} instead"
    return {"code": "syntax", "words": fallback, "message": message}


def unknown_filter(name: str, value: str, accepted: list[str]) -> dict:
    """A filter value that matches no value of the index, and some that would."""
    message = f"No {name} matches “{value}”"
    if accepted:
        message += f"; some that do: {', '.join(accepted)}"
    return {"code": "unknown_filter", "param": name, "value": value, "accepted": accepted,
            "message": message}  # fmt: skip


def past_end(page: int, pages: int) -> dict:
    """A page after the last one: which pages exist."""
    fill = f"{pages} page" if pages == 1 else f"{pages} pages"
    message = f"Page {page} is past the end: the results fill {fill}"
    return {"code": "past_end", "page": page, "pages": pages, "message": message}


def coverage(data: dict) -> str | None:
    """ "81 articles contain all of trump, putin · 1,104 more contain some", when some of a
    query's matches hold only some of its words (else None: the total says it all)."""
    complete, partial, words = data["matched_all"], data["matched_some"], data["words"]
    if complete is None or not partial or len(words) < 2:
        return None
    listed = ", ".join(words)
    if not complete:
        return f"No article contains all of {listed} · {_articles(partial)} {_verb(partial)} some"
    return (
        f"{_articles(complete)} {_verb(complete)} all of {listed}"
        f" · {partial:,} more {_verb(partial)} some"
    )


def _articles(n: int) -> str:
    return f"{n:,} article" + ("s" if n != 1 else "")


def _verb(n: int) -> str:
    return "contains" if n == 1 else "contain"


def more_line(result: dict) -> str:
    """A collapsed hit's "and 2 more from Euro Wire, an unknown source" ("" when none)."""
    if not result.get("collapsed"):
        return ""
    sources = outlets(result.get("more", []))
    return f"and {result['collapsed']} more" + (f" from {', '.join(sources)}" if sources else "")


def outlets(articles: list[dict]) -> list[str]:
    """The outlets of ``articles`` sorted, "an unknown source" last when one names none."""
    named = {outlet(a) for a in articles}
    return sorted(named - {""}) + [UNKNOWN_OUTLET] * ("" in named)


def outlet(article: dict) -> str:
    """Who published an article: its source, else its web URL's domain, else ""."""
    if article.get("source"):
        return article["source"]
    try:
        parts = urlsplit(article.get("url") or "")
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https"):
        return ""
    return (parts.hostname or "").removeprefix("www.")
