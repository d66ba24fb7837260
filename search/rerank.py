"""Re-ranking the best hits by where the query's words occur: early in the body (the lead)
and near each other.

Positions cost a read per document and word, so only the best few of a query's hits are
re-ranked (``Ranking.candidates``), by the positions of the query's rarest few words: enough to
reorder a page, and a pasted headline costs no more than a few words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from whoosh.reading import IndexReader

if TYPE_CHECKING:
    from .ranking import Group, Ranking, TermArrays

# The body's first words: the lead of an article, wherever its extractor split paragraphs
# (the lead field holds a whole unbroken body, or a copy of a headline; see the README of
# bench/relevance). 30 beat 20, 50, 60 and 100 on the dev topics.
LEAD_WORDS = 30
NEAR = 10  # two words further apart than this are not near
WORDS = 4  # the rarest words of a query whose positions are read


def positional_bonus(
    reader: IndexReader, terms: TermArrays, groups: list[Group], docs: np.ndarray,
    ranking: Ranking, k1: float,
) -> np.ndarray:
    """Per document of ``docs``: its query words in the lead (saturated like BM25) and each
    pair of words next in the query found near each other, in units of the words' idf (the
    query's ``WORDS`` rarest words)."""
    rarest = sorted(sorted(range(len(groups)), key=lambda g: -groups[g].idf)[:WORDS])
    groups = [groups[g] for g in rarest]
    spots = [_body_positions(reader, terms, g.key, docs) for g in groups]
    bonus = np.zeros(len(docs), dtype=np.float64)
    for i, doc in enumerate(docs.tolist()):
        found = [each.get(doc) for each in spots]
        lead = 0.0
        for group, places in zip(groups, found, strict=True):
            early = sum(1 for p in places if p < LEAD_WORDS) if places else 0
            lead += group.idf * early * (k1 + 1) / (early + k1)
        near = 0.0
        for a in range(len(groups) - 1):  # words next to each other in the query
            if found[a] and found[a + 1] and (gap := _gap(found[a], found[a + 1])) <= NEAR:
                near += min(groups[a].idf, groups[a + 1].idf) / gap
        bonus[i] = ranking.lead * lead + ranking.proximity * near
    return bonus


def _body_positions(
    reader: IndexReader, terms: TermArrays, key, docs: np.ndarray
) -> dict[int, list[int]]:
    """Where a word (a phrase: its first word) occurs in the body of each of ``docs``."""
    word = key if isinstance(key, str) else key[0]
    found = terms.postings(reader, "body", word)
    if not len(found.ids):
        return {}
    docs = np.sort(docs)  # positions are read block by block, in document order
    at = np.minimum(np.searchsorted(found.ids, docs), len(found.ids) - 1)
    inside = docs[found.ids[at] == docs]
    if not len(inside):
        return {}
    spots = terms.spots(reader, "body", word, found, inside)
    return dict(zip(inside.tolist(), spots.lists(), strict=True))


def _gap(first: list[int], second: list[int]) -> int:
    """The least distance between a position in ``first`` and one in ``second`` (both sorted)."""
    i = j = 0
    best = abs(first[0] - second[0])
    while i < len(first) and j < len(second) and best > 1:
        best = min(best, abs(first[i] - second[j]))
        if first[i] < second[j]:
            i += 1
        else:
            j += 1
    return max(best, 1)
