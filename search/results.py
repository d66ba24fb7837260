"""What an article becomes in an answer: a result of a search, an article with its story's
coverage, a story in brief. The search page, the API and the exports all read these shapes.
"""

from __future__ import annotations

from pathlib import Path

from . import NotFound
from .highlight import highlight_text, snippet
from .view import View, Views, views_of

MORE = 20  # collapsed articles listed under a hit, "and N more"


class ArticleNotFound(NotFound):
    """No article has this id."""


class StoryNotFound(NotFound):
    """No story has this id."""


def get_article(root: str | Path | Views, article_id: str) -> dict:
    """One whole article by id, with its story and the story's other articles."""
    with views_of(root) as views:
        return _article(views.open(), article_id)


def _article(view: View, article_id: str) -> dict:
    docnum = view.stories.docnum.get(article_id)
    if docnum is None:
        raise ArticleNotFound(f"no article with id {article_id!r}")
    fields = view.searcher.stored_fields(docnum)
    story = view.stories.story[docnum]
    return {
        **plain(fields),
        "story": story_brief(view, docnum),
        "body": fields.get("body", ""),
        "subtitle": fields.get("subtitle", ""),
        "dateline_place": fields.get("dateline_place", ""),
        "tags": split_values(fields.get("tags")),
        "focus_countries": split_values(fields.get("focus_countries")),
        "coverage": briefs(view, [d for d in view.stories.members[story] if d != docnum]),
    }


def get_story(root: str | Path | Views, story_id: str) -> dict:
    """A story by its id (or the id of any of its articles): every article, oldest first."""
    with views_of(root) as views:
        return _story(views.open(), story_id)


def _story(view: View, story_id: str) -> dict:
    members = view.stories.members.get(story_id)
    if not members and (story := view.stories.story_of(story_id)):
        story_id, members = story, view.stories.members[story]
    if not members:
        raise StoryNotFound(f"no story with id {story_id!r}")
    articles = briefs(view, members)
    return {
        **story_brief(view, members[0]),
        "first": articles[0]["published"],
        "last": articles[-1]["published"],
        "articles": articles,
    }


def result(view: View, docnum: int, score, terms, snippets: bool) -> dict:
    fields = view.searcher.stored_fields(docnum)
    return {
        **plain(fields),
        "title_html": highlight_text(fields.get("title", ""), terms),
        "snippet": snippet(fields.get("body", ""), terms) if snippets else "",
        "score": round(score, 4) if score is not None else None,
        "story": story_brief(view, docnum),
    }


def collapsed(view: View, docnum: int, hits: set[int], key) -> dict:
    """The other matches a hit stands for: its story's, or copies of its text."""
    story = view.stories.members[view.stories.story[docnum]]
    others = [d for d in story if d != docnum and d in hits and key[d] == key[docnum]]
    return {"collapsed": len(others), "more": briefs(view, others)[:MORE]}


def story_brief(view: View, docnum: int) -> dict:
    """A story in brief: its id, how many articles it has and from which sources."""
    story = view.stories.story[docnum]
    members = view.stories.members[story]
    sources = view.facets.values("source")
    return {
        "id": story,
        "size": len(members),
        "sources": sorted({s for d in members for s in sources.get(d, ()) if s}),
    }


def briefs(view: View, docnums: list[int]) -> list[dict]:
    """Articles in brief, oldest first (undated last)."""
    briefs = [brief(view, d) for d in docnums]
    return sorted(briefs, key=lambda b: (b["published"] is None, b["published"] or "", b["id"]))


BRIEF = ("id", "title", "title_from", "source", "published", "url")


def brief(view: View, docnum: int) -> dict:
    fields = plain(view.searcher.stored_fields(docnum))
    return {name: fields[name] for name in BRIEF}


def plain(fields: dict) -> dict:
    published = fields.get("published")
    return {
        "id": fields["id"],
        "title": fields.get("title", ""),
        # Where a missing headline was made from: "url" (its slug), "text" (the first sentence).
        "title_from": fields.get("title_from", ""),
        "url": fields.get("url", ""),
        "source": fields.get("source", ""),
        "published": published.isoformat() if published else None,
        "authors": split_values(fields.get("authors")),
        "regions": split_values(fields.get("regions")),
        "countries": split_values(fields.get("countries")),
        "people": split_values(fields.get("people")),
    }


def split_values(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]
