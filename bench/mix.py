"""The query mix, drawn from the indexed documents themselves (seeded, so runs repeat).

Kinds: single words of three document frequencies, two and three words taken from one
paragraph, phrases (consecutive non-stop words of one sentence), words with a source filter,
words within a date range around a document that has them, an empty match-all browse (newest
first), and whole titles, whose right answer is the document they came from.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from engines import EngineQuery, read_docs

KINDS = ("one_rare", "one_mid", "one_common", "two_words", "three_words", "phrase", "filtered",
         "date_range", "browse", "title")
WORD = re.compile(r"[A-Za-z]+")
SAMPLE_DOCS = 20_000  # documents read to draw the mix from, at any scale
# Bands of document frequency, as shares of the documents sampled.
# Rare: in 2 documents up to 0.1% of them (at least 5).
BANDS = {"one_rare": (0.0, 0.001), "one_mid": (0.005, 0.02), "one_common": (0.05, 0.25)}
# Whoosh's English stop list, copied so the mix does not depend on an engine.
STOP = frozenset(
    "a an and are as at be by can for from have if in is it may not of on or tbd that the "
    "this to us we when will with yet you your".split()
)


@dataclass
class Query:
    """One query of the mix, in engine-neutral form."""

    kind: str
    words: list[str]
    phrase: bool = False
    source: str | None = None
    date_from: str | None = None  # inclusive day
    date_to: str | None = None  # inclusive day (as our request's "to")
    target: str | None = None  # the expected top hit (title queries)
    extra: dict = field(default_factory=dict)

    def params(self) -> dict:
        """Our search request's parameters (what the web app receives)."""
        out: dict = {"q": " ".join(self.words)}
        if self.phrase:
            out["q"] = f'"{out["q"]}"'
        if self.source:
            out["source"] = [self.source]
        if self.date_from:
            out["from"] = self.date_from
        if self.date_to:
            out["to"] = self.date_to
        return out

    def engine(self) -> EngineQuery:
        """The same query for FTS5 and Tantivy (their date end is exclusive)."""
        end = None
        if self.date_to:
            end = f"{datetime.fromisoformat(self.date_to) + timedelta(days=1):%Y-%m-%d}"
        return EngineQuery(self.words, self.phrase, self.source, self.date_from, end)

    def to_json(self) -> dict:
        """Plain data for the results file."""
        return {k: v for k, v in asdict(self).items() if v not in (None, False, {}, [])}


def build_mix(docs_path: Path, per_kind: int, seed: int = 7) -> list[Query]:
    """``per_kind`` queries of every kind, shuffled."""
    rng = random.Random(seed)
    docs = []
    for n, doc in enumerate(read_docs(docs_path)):
        if n >= SAMPLE_DOCS:
            break
        docs.append({k: doc[k] for k in ("id", "title", "body", "source", "published")})
    df: Counter = Counter()
    for doc in docs:
        df.update({w for w in _words(doc["body"]) if w not in STOP and len(w) > 2})
    mix: list[Query] = []
    for kind, (low, high) in BANDS.items():
        top = max(5, high * len(docs)) if kind == "one_rare" else high * len(docs)
        band = sorted(w for w, c in df.items() if low * len(docs) <= c <= top and c >= 2)
        mix += [Query(kind, [w], extra={"df": df[w]}) for w in _sample(rng, band, per_kind)]
    for _ in range(per_kind):
        mix.append(Query("two_words", _from_paragraph(rng, docs, 2)))
        mix.append(Query("three_words", _from_paragraph(rng, docs, 3)))
        mix.append(Query("phrase", _phrase(rng, docs), phrase=True))
        mix.append(_filtered(rng, docs, df))
        mix.append(_dated(rng, docs, df))
        mix.append(Query("browse", []))
        doc = rng.choice(docs)
        mix.append(Query("title", _words(doc["title"], lower=False) or ["news"], target=doc["id"]))
    rng.shuffle(mix)
    return mix


def _words(text: str, lower: bool = True) -> list[str]:
    found = WORD.findall(text)
    return [w.lower() for w in found] if lower else found


def _sample(rng: random.Random, items: list, k: int) -> list:
    if not items:
        return []
    return [rng.choice(items) for _ in range(k)] if len(items) < k else rng.sample(items, k)


def _content(words: list[str]) -> list[str]:
    return [w for w in words if w not in STOP and len(w) > 3]


def _from_paragraph(rng: random.Random, docs: list[dict], k: int) -> list[str]:
    for _ in range(100):
        paragraph = rng.choice(rng.choice(docs)["body"].split("\n\n"))
        words = sorted(set(_content(_words(paragraph))))
        if len(words) >= k:
            return rng.sample(words, k)
    return ["news"] * k


def _phrase(rng: random.Random, docs: list[dict]) -> list[str]:
    """2-3 consecutive words of one sentence, none a stop word (engines treat those apart)."""
    for _ in range(200):
        sentence = rng.choice(re.split(r"(?<=[.!?])\s+", rng.choice(docs)["body"]))
        tokens = re.findall(r"\S+", sentence)
        size = rng.choice((2, 3))
        if len(tokens) <= size:
            continue
        start = rng.randrange(len(tokens) - size)
        run = tokens[start : start + size]
        if all(re.fullmatch(r"[A-Za-z]{3,}", t) and t.lower() not in STOP for t in run):
            return [t.lower() for t in run]
    return ["prime", "minister"]


def _doc_word(rng: random.Random, docs: list[dict], df: Counter, need: str) -> tuple[dict, str]:
    for _ in range(100):
        doc = rng.choice(docs)
        if need and not doc[need]:
            continue
        words = [w for w in set(_content(_words(doc["body"]))) if df[w] >= 0.002 * len(docs)]
        if words:
            return doc, rng.choice(sorted(words))
    return docs[0], "news"


def _filtered(rng: random.Random, docs: list[dict], df: Counter) -> Query:
    doc, word = _doc_word(rng, docs, df, "source")
    return Query("filtered", [word], source=doc["source"])


def _dated(rng: random.Random, docs: list[dict], df: Counter) -> Query:
    doc, word = _doc_word(rng, docs, df, "published")
    day = datetime.fromisoformat(doc["published"])
    width = rng.choice((3, 7, 14))
    return Query("date_range", [word], date_from=f"{day - timedelta(days=width):%Y-%m-%d}",
                 date_to=f"{day + timedelta(days=width):%Y-%m-%d}")
