"""Which of a query's words each match holds: the counts a reader can quote ("81 articles
contain all of trump, putin · 1,104 more contain some"), and the share of the query each holds
(ranking weighs it, ``ranking.py``)."""

from __future__ import annotations

import math

import numpy as np
from whoosh.query import AndNot, Or, Phrase, Query, Term
from whoosh.searching import Searcher

from .ranking import Scored, word_of


def coverage(searcher: Searcher, query: Query, scored, hits: set[int], typed: dict) -> dict:
    """How many of ``hits`` hold every word of the query, how many only some, and the words
    as typed (None and [] when the query is not a list of words and phrases: browsing, AND,
    patterns). ``scored`` is the query's ``Scored`` when it has one: its counts are free."""
    groups = word_groups(query)
    if not groups or not all(isinstance(q, Term | Phrase) for g in groups.values() for q in g):
        return {"matched_all": None, "matched_some": None, "words": []}
    if len(groups) == 1:
        complete = len(hits)
    elif isinstance(scored, Scored):
        docs = np.fromiter(hits, dtype=np.int64, count=len(hits))
        complete = int(np.count_nonzero(scored.words[docs] >= scored.n_words))
    else:
        complete = len(with_every_word(searcher, groups, hits))
    words = [typed.get(k) or (k if isinstance(k, str) else f'"{" ".join(k)}"') for k in groups]
    return {"matched_all": complete, "matched_some": len(hits) - complete, "words": words}


def word_groups(query: Query) -> dict:
    """The parts of a query by the word or phrase they look for, whatever the field (the
    parser flattens "a b" over title, lead and body into one OR: regrouped by word)."""
    base = query.a if isinstance(query, AndNot) else query
    if isinstance(base, Term | Phrase):
        return {part_of(base): [base]}
    words: dict = {}
    if isinstance(base, Or):
        for sub in base.subqueries:
            words.setdefault(part_of(sub), []).append(sub)
    return words


def word_shares(searcher: Searcher, query: Query, hits: set[int]) -> dict[int, float] | None:
    """Per hit, the share of the query's words it holds, each word weighted by its rarity
    (Whoosh's idf over documents holding it anywhere); None when the query is not an OR of
    several words (each hit holds all of it)."""
    words = word_groups(query)
    if not isinstance(query.a if isinstance(query, AndNot) else query, Or) or len(words) < 2:
        return None
    count = searcher.doc_count()
    held = dict.fromkeys(hits, 0.0)
    total = 0.0
    for variants in words.values():
        docs = docs_of(searcher, variants)
        weight = math.log(count / (len(docs) + 1)) + 1
        total += weight
        for docnum in docs & held.keys():
            held[docnum] += weight
    return {docnum: weight / total for docnum, weight in held.items()}


def with_every_word(searcher: Searcher, words: dict, hits: set[int]) -> set[int]:
    """The ``hits`` that match some variant of every word group."""
    first = set(hits)
    for variants in words.values():
        first &= docs_of(searcher, variants)
    return first


def docs_of(searcher: Searcher, queries: list[Query]) -> set[int]:
    """Documents matching any of ``queries``: terms straight from their postings (cheaper than
    a matcher tree), anything else through Whoosh."""
    reader = searcher.reader()
    docs: set[int] = set()
    for query in queries:
        if isinstance(query, Term):
            if (query.fieldname, query.text) in reader:
                docs.update(reader.postings(query.fieldname, query.text).all_ids())
        else:
            docs.update(searcher.docs_for_query(query))
    return docs


def part_of(query: Query):
    """What a part of a parsed query looks for, whatever the field: a word or a phrase."""
    return word_of(query) if isinstance(query, Term | Phrase) else repr(query)
