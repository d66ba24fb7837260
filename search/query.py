"""Querying: parse a user's query and return plain data (no Whoosh objects escape)."""

from __future__ import annotations

from pathlib import Path

from whoosh.qparser import MultifieldParser, OrGroup

from .index import open_index

TEXT_FIELDS = ("title", "lead", "body")


def search(root: str | Path, q: str, *, limit: int = 10) -> dict:
    """Ranked search over title, lead and body: all-words matches first, then partial ones."""
    ix = open_index(Path(root))
    parser = MultifieldParser(TEXT_FIELDS, ix.schema, group=OrGroup.factory(0.9))
    with ix.searcher() as searcher:
        query = parser.parse(q)
        hits = searcher.search(query, limit=limit)
        return {
            "query": q,
            "total": len(hits),
            "results": [
                {
                    "id": hit["id"],
                    "title": hit["title"],
                    "source": hit.get("source", ""),
                    "published": hit["published"].isoformat() if hit.get("published") else None,
                    "score": round(hit.score, 4),
                }
                for hit in hits
            ],
        }
