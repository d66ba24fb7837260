"""Highlighting: sentence-aware snippets with matched words, and whole phrases, in ``<mark>``.

Corpus text is HTML-escaped piece by piece as the output is built, so the only markup a
snippet can hold is the ``<mark>`` this module adds.
"""

from __future__ import annotations

import html
import re
import string
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from whoosh.query import AndNot, Not, Phrase, Query, Term

from .analysis import TOKEN_PATTERN, index_term, sentences
from .schema import TEXT_FIELDS

TOKEN = re.compile(TOKEN_PATTERN)
PARAGRAPH = re.compile(r"\n\s*\n")
SNIPPET_CHARS = 320
ELLIPSIS = " … "
OTHER = "\0"  # the term of a word that stands for none of the query's (see Terms.blocked)


@dataclass
class Terms:
    """The positive index terms and phrases of a query, as the text fields analyse them."""

    words: set[str] = field(default_factory=set)
    phrases: list[tuple[str, ...]] = field(default_factory=list)

    def __iter__(self):
        yield from self.words
        for phrase in self.phrases:
            yield from phrase

    def __bool__(self) -> bool:
        return bool(self.words or self.phrases)

    @cached_property
    def blocked(self) -> frozenset[str]:
        """First characters ruling a word out without stemming it: ASCII letters and digits
        that begin none of the terms. A term is a word folded then stemmed, and neither
        changes an ASCII letter or digit that begins it (Snowball keeps a word's first letter;
        folding maps only other characters), so a word beginning with one of these stands
        for no term. Most words of a result are looked at only this way."""
        firsts = {term[:1] for term in self}
        return frozenset(c for c in string.ascii_letters + string.digits
                         if c.lower() not in firsts)


def query_terms(query: Query) -> Terms:
    """The words and phrases to mark: every positive term of the text fields (not NOT branches)."""
    terms = Terms()
    _walk(query, terms)
    return terms


def _walk(query: Query, terms: Terms) -> None:
    if isinstance(query, Not):
        return
    if isinstance(query, AndNot):
        _walk(query.a, terms)
        return
    if isinstance(query, Phrase) and query.fieldname in TEXT_FIELDS:
        if tuple(query.words) not in terms.phrases:  # one per field: title, lead, body
            terms.phrases.append(tuple(query.words))
        return
    if isinstance(query, Term) and query.fieldname in TEXT_FIELDS:
        terms.words.add(query.text if isinstance(query.text, str) else query.text.decode())
        return
    for child in query.children():
        _walk(child, terms)


def highlight_text(text: str, terms: Terms | set) -> str:
    """``text`` escaped, with the query's words and phrases wrapped in ``<mark>``."""
    if not isinstance(terms, Terms):
        terms = Terms(set(terms))
    return _render(text, _spans(text, terms))


def snippet(body: str, terms: Terms | set, params: Path | None = None) -> str:
    """One or two of the body's best-matching sentences, escaped and highlighted."""
    if not isinstance(terms, Terms):
        terms = Terms(set(terms))
    # Punkt only where it matters: paragraphs with a match (or the first, for no match).
    paragraphs = [p for p in PARAGRAPH.split(body[:20_000]) if p.strip()]
    matching = [p for p in paragraphs if terms and _mentions(p, terms)]
    found = sentences("\n\n".join(matching or paragraphs[:1]), params)
    if not found:
        return ""
    scores = [_score(s, terms) for s in found]
    # Best score first; on a tie the earlier sentence, as news puts the gist first.
    order = sorted(range(len(found)), key=lambda i: (-scores[i], i))
    best = order[0] if terms and scores[order[0]] > 0 else 0
    chosen = [best]
    second = [i for i in order if i != best and scores[i] > 0][:1]
    if second and len(found[best]) + len(found[second[0]]) < SNIPPET_CHARS:
        chosen.append(second[0])
    elif not terms and best + 1 < len(found) and len(found[0]) + len(found[1]) < SNIPPET_CHARS:
        chosen.append(1)
    parts = [_window(found[i], terms) for i in sorted(chosen)]
    return ELLIPSIS.join(parts)


def _mentions(text: str, terms: Terms) -> bool:
    """Whether ``_spans(text, terms)`` finds anything. Most paragraphs of a result hold none
    of the query's words: their distinct words, looked up once each, say so for a fraction of
    what marking them costs (that was most of a search's time)."""
    blocked = terms.blocked
    found = {index_term(word) for word in set(TOKEN.findall(text)) if word[0] not in blocked}
    found.discard("")  # not a word to mark (``_spans`` leaves such tokens out)
    if found & terms.words:
        return True  # a word outside any phrase, or inside a marked phrase: a span either way
    if any(found.issuperset(phrase) for phrase in terms.phrases):
        return bool(_spans(text, terms))  # the words are there; in a row is for _spans to say
    return False


def _score(sentence: str, terms: Terms) -> float:
    spans = _spans(sentence, terms)
    distinct = {sentence[a:b].lower() for a, b in spans}
    return len(distinct) * 2 + len(spans) * 0.5


def _window(sentence: str, terms: Terms) -> str:
    """The sentence highlighted; a very long one is cut around its first match, on word edges."""
    spans = _spans(sentence, terms)
    if len(sentence) <= SNIPPET_CHARS:
        return _render(sentence, spans)
    start = max(0, (spans[0][0] if spans else 0) - SNIPPET_CHARS // 3)
    if start + SNIPPET_CHARS >= len(sentence):
        # A match near the end: show the end whole, from the first word that fits.
        space = sentence.find(" ", len(sentence) - SNIPPET_CHARS)
        start, end = (space + 1 if space >= 0 else len(sentence) - SNIPPET_CHARS), len(sentence)
    else:
        start = sentence.rfind(" ", 0, start) + 1 if start else 0
        end = sentence.rfind(" ", start, start + SNIPPET_CHARS)
        end = end if end > start else start + SNIPPET_CHARS
    inner = [(a - start, b - start) for a, b in spans if a >= start and b <= end]
    cut = "…" if end < len(sentence) else ""
    return ("…" if start else "") + _render(sentence[start:end], inner) + cut


def _spans(text: str, terms: Terms) -> list[tuple[int, int]]:
    """Character spans to mark: whole phrases first, then single words outside them."""
    blocked = terms.blocked
    tokens = [(m.start(), m.end(), OTHER if (w := m.group(0))[0] in blocked else index_term(w))
              for m in TOKEN.finditer(text)]
    content = [t for t in tokens if t[2]]  # every word, stop words too, as in the index
    spans: list[tuple[int, int]] = []
    for phrase in terms.phrases:
        n = len(phrase)
        for i in range(len(content) - n + 1):
            if tuple(t[2] for t in content[i : i + n]) == phrase:
                spans.append((content[i][0], content[i + n - 1][1]))
    covered = [(a, b) for a, b in spans]
    for start, end, term in content:
        if term in terms.words and not any(a <= start < b for a, b in covered):
            spans.append((start, end))
    return sorted(spans)


def _render(text: str, spans: list[tuple[int, int]]) -> str:
    out, pos = [], 0
    for start, end in spans:
        if start < pos:
            continue
        out.append(html.escape(text[pos:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)
