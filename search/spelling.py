"""'Did you mean': a corrected query from the index's own words, when a query finds little.

A noisy channel: the correction of a word is the indexed word ``w`` that best explains it,
weighing how common ``w`` is (its frequency in titles and leads) against how unlikely the
typing error is (a weighted edit distance, a transposition counting as one edit, the
commonest slips counting less). Candidates come from Whoosh's Levenshtein automata over each
segment's words, never from a scan of the vocabulary: one edit anywhere, two edits after the
first letter, and the swaps of two neighbouring letters looked up directly.
"""

from __future__ import annotations

import math
import re

from whoosh.automata.lev import levenshtein_automaton
from whoosh.codec.base import Automata
from whoosh.searching import Searcher

from .analysis import normalize

SUGGEST_BELOW = 3
SUGGEST_WORDS = 20  # distinct words a suggestion looks at: 1000 unknown ones took seconds
LETTERS = r"[^\W\d_]+"  # only words are corrected, not numbers or punctuation
# How much one edit weighs against frequency: a word one edit further must be e^EDIT_WEIGHT
# times as frequent to win (tuned on bench/spelling_dev.tsv).
EDIT_WEIGHT = 4.0
MAX_COST = 2.0
SURE = 100  # a word this frequent one slip away is not looked past (see correction)
SHORT = 4  # words this short get one edit at most: two edits turn "thw" into anything
VOWELS = frozenset("aeiouy")
# Neighbours on a QWERTY keyboard: a finger landing one key off is a common substitution.
ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
NEAR = {
    (a, b)
    for r, row in enumerate(ROWS)
    for c, a in enumerate(row)
    for rr in (r - 1, r, r + 1)
    if 0 <= rr < len(ROWS)
    for cc in (c - 1, c, c + 1)
    if 0 <= cc < len(ROWS[rr]) and (b := ROWS[rr][cc]) != a
}


def suggest(searcher: Searcher, query: str, total: int) -> str | None:
    """``query`` with its unknown words corrected, when it finds fewer than SUGGEST_BELOW."""
    if total >= SUGGEST_BELOW or not query.strip():
        return None
    fixes: dict[str, str | None] = {}  # each distinct word looked up once
    changed, words = False, []
    for word in query.split():
        plain = normalize(word.strip('"()'), False)
        if ":" not in word and re.fullmatch(LETTERS, plain) and not _known(searcher, plain):
            if plain not in fixes and len(fixes) < SUGGEST_WORDS:
                fixes[plain] = correction(searcher, plain)
            if fixes.get(plain):
                words.append(fixes[plain])
                changed = True
                continue
        words.append(word)
    return " ".join(words) if changed else None


def correction(searcher: Searcher, word: str) -> str | None:
    """The indexed word most likely meant by ``word``: frequent, and a likely slip away.

    Words two edits away are looked for only when nothing frequent is closer: that search
    costs several times the first (a quarter of a second on a busy 2-core machine)."""
    reader = searcher.reader()
    near = _within(reader, word, 1, 0)
    near |= {s for s in _swaps(word) if reader.frequency("spell", s) > 0}
    best = _likeliest(reader, word, near)
    if len(word) > SHORT and (best is None or reader.frequency("spell", best) < SURE):
        best = _likeliest(reader, word, near | _within(reader, word, 2, 1))
    return best


def _likeliest(reader, word: str, near: set[str]) -> str | None:
    """The candidate with the best frequency against slip cost (ties: alphabetical)."""
    limit = 1.0 if len(word) <= SHORT else MAX_COST
    scored = []
    for candidate in near - {word}:
        frequency = reader.frequency("spell", candidate)
        cost = slip_cost(word, candidate)
        if frequency > 0 and cost <= limit:
            scored.append((math.log(frequency) - EDIT_WEIGHT * cost, candidate))
    return min(scored, key=lambda sc: (-sc[0], sc[1]))[1] if scored else None


def _within(reader, word: str, edits: int, prefix: int) -> set[str]:
    """Indexed words at most ``edits`` Levenshtein edits from ``word``, keeping its first
    ``prefix`` letters: one automaton walked over each segment's words (no scan)."""
    dfa = levenshtein_automaton(word, edits, prefix).to_dfa()
    found: set[str] = set()
    for segment, _ in reader.leaf_readers():
        found.update(Automata.find_matches(dfa, segment.cursor("spell")))
    return found


def _swaps(word: str) -> set[str]:
    """``word`` with two neighbouring letters swapped, every way (the automaton has no swaps)."""
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}


def slip_cost(typed: str, meant: str) -> float:
    """How unlikely typing ``meant`` as ``typed`` is: an edit distance (optimal string
    alignment) where the commonest slips cost less than 1: a left-out vowel or doubled
    letter, a doubled letter typed, a swap of neighbours, a key next to the right one."""
    rows = len(typed) + 1
    cols = len(meant) + 1
    d = [[0.0] * cols for _ in range(rows)]
    for i in range(1, rows):
        d[i][0] = d[i - 1][0] + _extra(typed, i - 1)
    for j in range(1, cols):
        d[0][j] = d[0][j - 1] + _missing(meant, j - 1)
    for i in range(1, rows):
        for j in range(1, cols):
            a, b = typed[i - 1], meant[j - 1]
            d[i][j] = min(
                d[i - 1][j] + _extra(typed, i - 1),
                d[i][j - 1] + _missing(meant, j - 1),
                d[i - 1][j - 1] + _substitution(a, b),
            )
            if i > 1 and j > 1 and a == meant[j - 2] and typed[i - 2] == b and a != b:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 0.8)
    return d[-1][-1]


def _extra(typed: str, i: int) -> float:
    """Typing a letter too many: cheaper when it doubles its neighbour ("calmm")."""
    return 0.6 if i > 0 and typed[i - 1] == typed[i] else 1.0


def _missing(meant: str, j: int) -> float:
    """Leaving a letter out: cheaper for a vowel ("putn") or half of a double ("quoka")."""
    if meant[j] in VOWELS or (j > 0 and meant[j - 1] == meant[j]):
        return 0.6
    return 1.0


def _substitution(a: str, b: str) -> float:
    if a == b:
        return 0.0
    if (a, b) in NEAR or (a in VOWELS and b in VOWELS):
        return 0.7
    return 1.0


def _known(searcher: Searcher, word: str) -> bool:
    """A word of the index: in a title or lead (the spelling field), or anywhere in a body."""
    if searcher.doc_frequency("spell", word) > 0:
        return True
    return searcher.doc_frequency("body", normalize(word)) > 0
