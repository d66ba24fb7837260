"""What the read side needs of an OpenSearch index's vocabulary: every facet value (to read a
typed or ticked filter by ``search.filters``' rule), and did-you-mean by ``search.spelling``'s
noisy channel with the candidates and frequencies read from OpenSearch.

Spelling, as ``search.spelling`` does it over Whoosh: an unknown word's candidates are the
``spell`` field's words one edit away (any letter) or two edits away (not the first), found by
OpenSearch's term suggester (Lucene's Levenshtein automata, as Whoosh's), then kept only where
our plain Levenshtein distance says so (Lucene counts a swap as one edit, Whoosh's automaton as
two: the swaps are added apart, as Whoosh does). Each candidate is weighed by its collection
frequency in ``spell`` (Whoosh's ``reader.frequency``), read with ``_termvectors`` over an
artificial document on every shard and summed (term statistics are per shard).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable

from ..analysis import normalize
from ..request import FACET_PARAMS
from ..spelling import (
    EDIT_WEIGHT,
    LETTERS,
    MAX_COST,
    SHORT,
    SUGGEST_BELOW,
    SUGGEST_WORDS,
    SURE,
    slip_cost,
)

PAGE = 10_000  # composite aggregation buckets per request
# Candidates the suggester returns per word and pass: it keeps the nearest by string
# similarity, then by frequency; Whoosh keeps every word within the edits.
CANDIDATES = 100


class FacetValues:
    """Every value of each facet field and how many documents carry it: what
    ``search.filters`` reads a FacetTable for (``postings`` keys, ``sizes``)."""

    def __init__(self, counts: dict[str, dict[str, int]]) -> None:
        self.counts = counts

    def postings(self, field: str) -> dict[str, int]:
        """The field's values (filters only read the keys)."""
        return self.counts.get(field, {})

    def sizes(self, field: str) -> dict[str, int]:
        """Each value with the number of documents carrying it."""
        return self.counts.get(field, {})


def facet_values(search: Callable[[dict], dict]) -> FacetValues:
    """Every facet value with its document count, paged by a composite aggregation."""
    counts: dict[str, dict[str, int]] = {}
    for field in FACET_PARAMS.values():
        found: dict[str, int] = {}
        after = None
        while True:
            composite: dict = {"size": PAGE, "sources": [{"v": {"terms": {"field": field}}}]}
            if after:
                composite["after"] = after
            answer = search({"size": 0, "aggs": {"all": {"composite": composite}}})
            agg = answer["aggregations"]["all"]
            found.update((b["key"]["v"], b["doc_count"]) for b in agg["buckets"])
            after = agg.get("after_key")
            if not agg["buckets"] or not after:
                break
        counts[field] = found
    return FacetValues(counts)


class Cached:
    """A value rebuilt when its key changes or it is older than ``ttl`` seconds."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self.key: object = None
        self.value: object = None
        self.made = 0.0

    def get(self, key: object, make: Callable[[], object]) -> object:
        """The cached value for ``key``, made again if stale."""
        if self.key != key or time.monotonic() - self.made > self.ttl or self.value is None:
            self.value, self.key, self.made = make(), key, time.monotonic()
        return self.value


class Speller:
    """``search.spelling.suggest`` over one OpenSearch index.

    :param search: runs a search body against the index, returns the answer
    :param frequencies: collection frequencies of words in ``spell`` (summed over shards)
    """

    def __init__(self, search: Callable[[dict], dict],
                 frequencies: Callable[[list[str]], dict[str, int]]) -> None:
        self.search = search
        self.frequencies = frequencies

    def suggest(self, query: str, total: int) -> str | None:
        """``query`` with its unknown words corrected, when it finds fewer than SUGGEST_BELOW."""
        if total >= SUGGEST_BELOW or not query.strip():
            return None
        words = query.split()
        plains = [normalize(w.strip('"()'), False) for w in words]
        asked = [p for w, p in zip(words, plains, strict=True)
                 if ":" not in w and re.fullmatch(LETTERS, p)]
        asked = list(dict.fromkeys(asked))
        unknown = [p for p in asked if p not in self._known(asked)][:SUGGEST_WORDS]
        fixes = self._corrections(unknown) if unknown else {}
        out, changed = [], False
        for word, plain in zip(words, plains, strict=True):
            fix = fixes.get(plain) if ":" not in word else None
            out.append(fix or word)
            changed = changed or bool(fix)
        return " ".join(out) if changed else None

    def _known(self, words: list[str]) -> set[str]:
        """The words in a title or lead (``spell``), or, stemmed, anywhere in a body."""
        aggs = {str(i): {"filter": {"bool": {"should": [
            {"term": {"spell": w}}, {"term": {"body": normalize(w)}}]}}}
            for i, w in enumerate(words)}
        answer = self.search({"size": 0, "aggs": aggs}) if words else {"aggregations": {}}
        return {w for i, w in enumerate(words) if answer["aggregations"][str(i)]["doc_count"]}

    def _corrections(self, words: list[str]) -> dict[str, str | None]:
        suggest: dict = {}
        for i, word in enumerate(words):
            for edits, prefix in ((1, 0), (2, 1)):
                suggest[f"{i}_{edits}"] = {"text": word, "term": {
                    "field": "spell", "suggest_mode": "always", "max_edits": edits,
                    "prefix_length": prefix, "min_word_length": 1, "accuracy": 0.0,
                    "size": CANDIDATES, "shard_size": CANDIDATES, "max_inspections": 10,
                    "max_term_freq": 1.0, "min_doc_freq": 0, "sort": "score"}}
        answer = self.search({"size": 0, "suggest": suggest})["suggest"]
        near = {}
        for i, word in enumerate(words):
            options = {(o["text"], edits) for edits in (1, 2)
                       for entry in answer[f"{i}_{edits}"] for o in entry["options"]}
            one = {t for t, _ in options if _levenshtein(word, t) <= 1}
            two = {t for t, _ in options
                   if t[:1] == word[:1] and _levenshtein(word, t) <= 2}
            near[word] = (one | _swaps(word), two)
        wanted = sorted({t for one, two in near.values() for t in one | two})
        freq = self.frequencies(wanted) if wanted else {}
        return {word: _choose(word, one, two, freq) for word, (one, two) in near.items()}


def _choose(word: str, one: set[str], two: set[str], freq: dict[str, int]) -> str | None:
    """``spelling.correction``'s choice: the nearer words first, two edits only when nothing
    frequent is one slip away."""
    best = _likeliest(word, one, freq)
    if len(word) > SHORT and (best is None or freq.get(best, 0) < SURE):
        best = _likeliest(word, one | two, freq)
    return best


def _likeliest(word: str, near: set[str], freq: dict[str, int]) -> str | None:
    limit = 1.0 if len(word) <= SHORT else MAX_COST
    scored = []
    for candidate in near - {word}:
        frequency = freq.get(candidate, 0)
        cost = slip_cost(word, candidate)
        if frequency > 0 and cost <= limit:
            scored.append((math.log(frequency) - EDIT_WEIGHT * cost, candidate))
    return min(scored, key=lambda sc: (-sc[0], sc[1]))[1] if scored else None


def _swaps(word: str) -> set[str]:
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}


def _levenshtein(a: str, b: str) -> int:
    """Plain edit distance (no swaps), as Whoosh's Levenshtein automaton counts."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]
