"""Fixes to bugs of the pinned whoosh3 (3.54.0) that change what a search returns.

``X -Y`` is ``AndNot(X, Y)``. whoosh3's ``AndNotMatcher`` skips the negated side to the
first match of ``X`` only when their first documents are the same: when ``Y``'s first document
comes before ``X``'s, ``X``'s first match was returned even if it holds ``Y`` ("Muqtada
-elections" listed an article titled "... boycott Iraq elections"). ``_find_next`` already
skips ``Y`` forward and steps over every match of ``X`` that ``Y`` holds, so the first match
is found by it too. ``tests/test_query.py`` checks the fix on a real index.
"""

from __future__ import annotations

from whoosh.matching.binary import AndNotMatcher


def _find_first(self: AndNotMatcher) -> None:
    if self.a.is_active() and self.b.is_active():
        self._find_next()


AndNotMatcher._find_first = _find_first
