"""Team sheets: the players a sports report lists after the story.

"Everton: Martyn, Hibbert, Yobo, Stubbs, Naysmith ..." or "G Thomas (Toulouse, capt); K Morgan
(Newport-Gwent), T Shanklin (Cardiff) ...": a sentence that is mostly a list of capitalised
names, separated by commas or semicolons, each perhaps with an initial and a club in brackets.
Each name is a person's, though most are surnames alone.
"""

from __future__ import annotations

from collections.abc import Container

from search.lexicon import MONTHS, ORG, STOP, Doc

MIN_PLAYERS = 6  # a list shorter than this is prose ("Smith, Jones and Brown")
MIN_SHARE = 0.8  # the share of a list's items that must look like names
_SEPARATORS = frozenset(",;")
_SKIP = frozenset(("capt", "captain", "gk", "."))  # "(Toulouse, capt)", the final stop


def lineup_names(doc: Doc, places: Container[int]) -> tuple[list[tuple[int, int]], set[int]]:
    """The players of every team sheet in the article, as token ranges [start, end), and the
    tokens the team sheets cover (clubs in brackets included). ``places``: the tokens that
    are places; an item that is all place is no player ("Botswana, Colombia, Peru ...")."""
    found: list[tuple[int, int]] = []
    covered: set[int] = set()
    for start, end in doc.sentences:
        sentence = doc.toks[start:end]
        if sentence.count(",") + sentence.count(";") < MIN_PLAYERS - 1:
            continue  # most sentences: not a list at all
        items = _items(doc.toks, start, end)
        names = [
            (i, j)
            for i, j in items
            if _is_name(doc.toks, i, j) and not all(k in places for k in range(i, j))
        ]
        if len(items) >= MIN_PLAYERS and len(names) >= MIN_SHARE * len(items):
            found += names
            covered.update(range(start, end))
    return found, covered


def _items(toks: list[str], start: int, end: int) -> list[tuple[int, int]]:
    """The items [start, end) of a list sentence: after any "Label:", split at , and ;
    with bracketed clubs and "capt" left out."""
    head = toks[start:end]
    if ":" in head[:6]:
        start += head.index(":") + 1  # "Everton:", "Subs:", "Replacements:"
    items, item_start, item_end, depth = [], None, 0, 0
    for i in range(start, end + 1):
        tok = toks[i] if i < end else ","
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and (tok in _SEPARATORS or tok.lower() in _SKIP or tok == "and"):
            if item_start is not None:
                items.append((item_start, item_end))
            item_start = None
        elif depth == 0:
            item_start = i if item_start is None else item_start
            item_end = i + 1
    return items


def _is_name(toks: list[str], start: int, end: int) -> bool:
    """A player's name: one to three capitalised words, an initial allowed first ("G Thomas")."""
    words = toks[start:end]
    if not 1 <= len(words) <= 3 or words[-1] in ORG or len(words[-1]) < 2:
        return False
    return all(
        w[:1].isupper() and w.replace("-", "").replace("'", "").isalpha()
        and w not in STOP and w not in MONTHS and not (w.isupper() and len(w) > 1)
        for w in words
    )  # fmt: skip
