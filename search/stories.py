"""Stories: every outlet's report of one event under one id, and duplicate copies found.

Each article gets a signature when it is extracted: its most distinctive terms, weighted by how
rare they are in news in general; its people; its day; a fingerprint of its text and a sketch
of its 5-word shingles. Two articles published within ``WINDOW_DAYS`` of each other are linked
as *duplicates* when their shingles mostly agree (a wire copy with another footer) and as the
*same event* when their distinctive terms do. A story is a connected group of linked articles,
named after its earliest article.

A link depends on its two articles alone (term rarity comes from a fixed background table, not
from the index), so stories do not depend on the order articles arrive in: incremental runs and
a full rebuild give the same stories. Signatures, links and story ids live in SQLite beside
each index generation.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
import sqlite3
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .analysis import TOKEN_PATTERN, normalize
from .extract import Article

STORIES = "stories.sqlite"
SIGNATURE_TERMS = 30
LOOKUP_TERMS = 12  # the top terms through which an article finds its candidates
LEAD_TERMS = 300  # news puts the event first: later paragraphs add background, not identity
WINDOW_DAYS = 3
SAME_EVENT = 0.45  # cosine of two signatures at which they report one event
SAME_EVENT_NAMED = 0.3  # ... enough when they also name the same person
NEAR_DUPLICATE = 0.6  # estimated resemblance (Jaccard) of 5-word shingles
# Links chain: A-B and B-C put C with A though they may share nothing. Within a linked group,
# clusters merge only while their average similarity (unlinked pairs count 0) stays above this.
COHESION = 0.1
SHINGLE = 5
SKETCH = 64
WORD = re.compile(r"\w+")
TOKEN = re.compile(TOKEN_PATTERN)
DF_TABLE = Path(__file__).parent / "data" / "term_df.tsv.gz"


@dataclass(frozen=True)
class Signature:
    """What an article is, for linking: distinctive terms, people, day and text fingerprints."""

    terms: dict[str, float]  # unit length
    people: frozenset[str]
    day: int | None  # proleptic ordinal
    fingerprint: str
    sketch: tuple[int, ...]

    def to_json(self) -> str:
        """The signature as compact JSON, for the story store."""
        return json.dumps(
            [self.terms, sorted(self.people), self.day, self.fingerprint, self.sketch],
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Signature:
        """A signature from ``to_json``."""
        terms, people, day, fingerprint, sketch = json.loads(text)
        return cls(terms, frozenset(people), day, fingerprint, tuple(sketch))


@cache
def _background() -> tuple[int, dict[str, int]]:
    """Document frequencies of terms in a reference news corpus (see bench/term_df.py)."""
    lines = gzip.decompress(DF_TABLE.read_bytes()).decode("utf-8").splitlines()
    docs = int(lines[0].split("\t")[1])
    return docs, {term: int(n) for term, n in (line.split("\t") for line in lines[1:])}


def rarity(term: str) -> float:
    """Inverse document frequency of ``term`` in news at large; unseen terms are the rarest."""
    docs, df = _background()
    return math.log((docs + 1) / (df.get(term, 0) + 1))


def _terms(text: str) -> list[str]:
    # The index's analysis (normalize) without Whoosh's token objects: 4x faster.
    return [t for t in map(normalize, TOKEN.findall(text)) if t]


def signature(article: Article) -> Signature:
    """The linking signature of an article."""
    terms = _terms(article.title) * 2 + _terms(article.subtitle)
    terms += _terms(article.body[: LEAD_TERMS * 12])[:LEAD_TERMS]
    weights = {t: (1 + math.log(n)) * rarity(t) for t, n in Counter(terms).items()}
    top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:SIGNATURE_TERMS]
    norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
    words = WORD.findall(article.body.lower())
    basis = words if len(words) >= 50 else WORD.findall(article.title.lower()) + words
    return Signature(
        terms={t: round(w / norm, 4) for t, w in top},
        people=frozenset(p.lower() for p in article.people),
        day=article.published.toordinal() if article.published else None,
        fingerprint=hashlib.sha1(" ".join(basis).encode()).hexdigest()[:20] if basis else "",
        sketch=_sketch(words),
    )


def _sketch(words: list[str]) -> tuple[int, ...]:
    """The ``SKETCH`` smallest hashes of the text's 5-word shingles (a bottom-k MinHash).

    Words hash with crc32 and shingles as tuples of those ints: both are the same in every
    process (string hashes are salted per process, int and tuple hashes are not).
    """
    ids = [zlib.crc32(w.encode()) for w in words]
    starts = range(len(ids) - SHINGLE + 1)
    shingles = {hash(tuple(ids[i : i + SHINGLE])) & 0xFFFFFFFF for i in starts}
    return tuple(sorted(shingles)[:SKETCH])


def resemblance(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity of two texts' shingle sets from their sketches."""
    if not a or not b:
        return 0.0
    union = sorted(set(a) | set(b))[:SKETCH]
    both = set(a) & set(b)
    return sum(1 for h in union if h in both) / len(union)


def similarity(a: Signature, b: Signature) -> float:
    """Cosine of two signatures' term weights."""
    small, large = (a.terms, b.terms) if len(a.terms) <= len(b.terms) else (b.terms, a.terms)
    return sum(w * large.get(t, 0.0) for t, w in small.items())


def link(a: Signature, b: Signature) -> str | None:
    """How two articles relate: "duplicate", "event" (same event) or None."""
    if a.day is None or b.day is None or abs(a.day - b.day) > WINDOW_DAYS:
        return None
    score = similarity(a, b)
    if score < SAME_EVENT_NAMED:
        return None  # copies of one text share their distinctive terms: no need to compare more
    if resemblance(a.sketch, b.sketch) >= NEAR_DUPLICATE:
        return "duplicate"
    if score >= SAME_EVENT or a.people & b.people:
        return "event"
    return None


SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, day INTEGER, fingerprint TEXT, signature TEXT NOT NULL,
    story TEXT, duplicate_of TEXT);
CREATE INDEX IF NOT EXISTS articles_day ON articles(day);
CREATE INDEX IF NOT EXISTS articles_fingerprint ON articles(fingerprint);
CREATE TABLE IF NOT EXISTS links (
    a TEXT NOT NULL, b TEXT NOT NULL, kind TEXT NOT NULL, score REAL NOT NULL,
    PRIMARY KEY (a, b));
CREATE INDEX IF NOT EXISTS links_b ON links(b);
"""


class StoryStore:
    """Signatures, links and story ids of one index generation, updated article by article.

    Signatures are loaded day by day as new articles need their neighbours, so an incremental
    run reads only the days it touches.
    """

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.executescript(SCHEMA)
        self.conn.execute("BEGIN")
        self._loaded: set[int] = set()
        self._signatures: dict[str, Signature] = {}
        # (term, day) -> articles: a candidate shares a top term on a nearby day. Keyed by both
        # so finding them reads a few small sets, not a week of articles (quadratic at 100k).
        self._by_term_day: dict[tuple[str, int | None], set[str]] = defaultdict(set)
        self.changed = False

    def duplicate_of(self, sig: Signature, article_id: str) -> str | None:
        """The id of an indexed article with exactly this text, if there is one."""
        if not sig.fingerprint:
            return None
        row = self.conn.execute(
            "SELECT id FROM articles WHERE fingerprint = ? AND id != ? LIMIT 1",
            (sig.fingerprint, article_id),
        ).fetchone()
        return row[0] if row else None

    def add(self, article_id: str, sig: Signature) -> None:
        """Store an article (replacing an older version) and link it to its neighbours."""
        self.remove(article_id)
        links = []
        if sig.day is not None:
            self._load_days(sig.day)
            for other in self._candidates(sig):
                theirs = self._signatures[other]
                kind = link(sig, theirs)
                if kind:
                    score = 1.0 if kind == "duplicate" else similarity(sig, theirs)
                    links.append((*sorted((article_id, other)), kind, score))
        self.conn.execute(
            "INSERT INTO articles (id, day, fingerprint, signature) VALUES (?, ?, ?, ?)",
            (article_id, sig.day, sig.fingerprint, sig.to_json()),
        )
        self.conn.executemany("INSERT OR REPLACE INTO links VALUES (?, ?, ?, ?)", links)
        self._remember(article_id, sig)
        self.changed = True

    def remove(self, article_id: str) -> None:
        """Forget an article and its links."""
        gone = self.conn.execute("DELETE FROM articles WHERE id = ?", (article_id,)).rowcount
        if not gone:
            return
        self.conn.execute("DELETE FROM links WHERE a = ? OR b = ?", (article_id, article_id))
        old = self._signatures.pop(article_id, None)
        if old is not None:
            for term in list(old.terms)[:LOOKUP_TERMS]:
                self._by_term_day[term, old.day].discard(article_id)
        self.changed = True

    def ids(self) -> set[str]:
        """Every stored article id."""
        return {row[0] for row in self.conn.execute("SELECT id FROM articles")}

    def finish(self) -> None:
        """Recompute story and duplicate groups from the links, then commit."""
        if self.changed:
            rows = self.conn.execute("SELECT id, day, story, duplicate_of FROM articles")
            days, before = {}, {}
            for i, day, story, copy in rows:
                days[i], before[i] = day, (story, copy)
            links = self.conn.execute("SELECT a, b, kind, score FROM links").fetchall()
            story = group_stories(days, [(a, b, score) for a, b, _, score in links])
            copies = _groups(days, [(a, b) for a, b, kind, _ in links if kind == "duplicate"])
            after = {i: (story[i], copies[i] if copies[i] != i else None) for i in days}
            self.conn.executemany(
                "UPDATE articles SET story = ?, duplicate_of = ? WHERE id = ?",
                [(*after[i], i) for i in days if after[i] != before[i]],
            )
        self.conn.execute("COMMIT")
        self.conn.close()

    def abandon(self) -> None:
        """Roll back everything since opening."""
        self.conn.execute("ROLLBACK")
        self.conn.close()

    def _candidates(self, sig: Signature) -> set[str]:
        assert sig.day is not None
        days = range(sig.day - WINDOW_DAYS, sig.day + WINDOW_DAYS + 1)
        terms = list(sig.terms)[:LOOKUP_TERMS]
        return set().union(*(self._by_term_day.get((t, d), ()) for t in terms for d in days))

    def _load_days(self, day: int) -> None:
        for d in range(day - WINDOW_DAYS, day + WINDOW_DAYS + 1):
            if d in self._loaded:
                continue
            self._loaded.add(d)
            rows = self.conn.execute("SELECT id, signature FROM articles WHERE day = ?", (d,))
            for article_id, text in rows:
                if article_id not in self._signatures:
                    self._remember(article_id, Signature.from_json(text))

    def _remember(self, article_id: str, sig: Signature) -> None:
        self._signatures[article_id] = sig
        for term in list(sig.terms)[:LOOKUP_TERMS]:
            self._by_term_day[term, sig.day].add(article_id)


def group_stories(
    days: dict[str, int | None], links: list[tuple[str, str, float]], cohesion: float = COHESION
) -> dict[str, str]:
    """Stories from scored links: linked groups, split where only a chain holds them together.

    Each linked group is clustered by average linkage, which depends on the links alone (not
    on the order articles came in). Each story is named after its earliest member.
    """
    linked = _groups(days, [(a, b) for a, b, _ in links])
    by_group: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
    for a, b, score in links:
        by_group[linked[a]].append((a, b, score))
    members: dict[str, list[str]] = defaultdict(list)
    for i, group in linked.items():
        members[group].append(i)
    story = {}
    for group, ids in members.items():
        if len(ids) <= 2:
            story.update(dict.fromkeys(ids, group))
            continue
        for cluster in _average_link(ids, by_group[group], cohesion):
            story.update(dict.fromkeys(cluster, _earliest(cluster, days)))
    return story


def _average_link(ids: list[str], links, cohesion: float) -> list[list[str]]:
    """Merge the closest pair of clusters while their average similarity reaches ``cohesion``."""
    cluster = {i: i for i in ids}
    items = {i: [i] for i in ids}
    while True:
        totals: dict[tuple[str, str], float] = defaultdict(float)
        for a, b, score in links:
            ca, cb = cluster[a], cluster[b]
            if ca != cb:
                totals[min(ca, cb), max(ca, cb)] += score
        best, pair = cohesion, None
        for (ca, cb), total in sorted(totals.items()):
            average = total / (len(items[ca]) * len(items[cb]))
            if average > best or (pair is None and average == best):
                best, pair = average, (ca, cb)
        if pair is None:
            return list(items.values())
        keep, gone = pair
        for i in items[gone]:
            cluster[i] = keep
        items[keep] += items.pop(gone)


def _earliest(ids: list[str], days: dict[str, int | None]) -> str:
    return min(ids, key=lambda i: (days[i] if days[i] is not None else math.inf, i))


def _groups(days: dict[str, int | None], edges: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Connected groups of ids, each named after its earliest member (then the smallest id)."""
    parent = {i: i for i in days}

    def root(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in edges:
        if a in parent and b in parent:
            parent[root(a)] = root(b)
    members: dict[str, list[str]] = defaultdict(list)
    for i in days:
        members[root(i)].append(i)
    name = {}
    for group in members.values():
        name.update(dict.fromkeys(group, _earliest(group, days)))
    return name


def read_stories(gen: Path) -> dict[str, tuple[str, str | None]]:
    """Each article id of a generation with its story id and the copy it duplicates."""
    path = gen / STORIES
    if not path.exists():
        return {}
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT id, story, duplicate_of FROM articles").fetchall()
    finally:
        conn.close()
    return {i: (story or i, duplicate_of) for i, story, duplicate_of in rows}
