"""Sample cross-outlet article pairs from NewsArticles.csv for story-clustering labels.

The sampler is deliberately independent of the engine (nothing is imported from
``search/``): it uses only dates, outlet hosts and a bag of lowercased content words
taken from the title, subtitle and lead of each article.

Strata (every pair joins two different outlets, each unordered pair appears once):

* ``close``          published <= 3 days apart, high word overlap;
* ``medium``         published <= 3 days apart, moderate word overlap;
* ``hard-negative``  published <= 7 days apart, share a capitalised name but have
                     low-to-moderate overlap (same person or country, likely another event);
* ``random``         any two articles published <= 7 days apart.

Overlap is the Jaccard index of the two articles' top-30 content words.

Usage::

    python bench/stories_candidates.py [--csv PATH] [--seed N] [--pairs-out FILE]

It prints every pair for reading (ids, outlets, dates, titles, first ~500 characters of
text). ``--pairs-out`` also writes ``a_id,b_id,stratum,jaccard,days,shared_names``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import re
import sys
import textwrap
from collections import Counter, defaultdict
from itertools import combinations
from urllib.parse import urlparse

DEFAULT_CSV = "/work/data/NewsArticles.csv"
LEAD_CHARS = 600
TOP_WORDS = 30
SHOW_CHARS = 500

# Stratum -> target count. Drawn in this order; a pair drawn once is never reused.
TARGETS = {"close": 90, "medium": 50, "hard-negative": 50, "random": 30}
CLOSE_MIN = 0.25  # Jaccard of top-30 words
MEDIUM_RANGE = (0.12, 0.25)
HARDNEG_RANGE = (0.05, 0.15)
MAX_USES_PER_ARTICLE = 2  # keeps one big story from filling a stratum

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are aren as at be because been
    before being below between both but by can could did didn do does doesn doing don down
    during each few for from further had has hasn have haven having he her here hers herself
    him himself his how i if in into is isn it its itself just let me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own same she should
    so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was wasn we were weren what when where which while who
    whom why will with won would you your yours yourself yourselves
    said says say saying told tell according new one two three four five six seven eight nine
    ten first last year years month months week weeks day days time times people many much
    may might must us per cent percent since still well back even get got make made like
    including among around across another already however though although whether within without
    yet ago later earlier next old way part use used going went come came take took give given
    monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow
    january february march april june july august september october november december
    mr mrs ms dr news report reports reported reporting reuters ap afp cnn bbc abc tass xinhua
    """.split()
)

# Capitalised words that are not names of people or places.
NOT_NAMES = STOPWORDS | frozenset(
    """
    president minister prime government state states national international world city
    police army party house white secretary officials official senate congress court
    republican republicans democrat democrats democratic united north south east west
    foreign security general chief director council union european news press
    photo video getty images image ministry department office
    """.split()
)

WORD_RE = re.compile(r"[a-z][a-z'\-]+")
CAP_RE = re.compile(r"\b([A-Z][a-z]{2,}(?:[-'][A-Z]?[a-z]+)?)\b")
SENT_START_RE = re.compile(r"(?:^|[.!?:\"]\s+)([A-Z][a-z]+)")


def parse_date(raw: str) -> dt.date | None:
    """Parse ``YYYY/M/D`` (optionally followed by a time); ``None`` if unparseable."""
    m = re.match(r"\s*(\d{4})/(\d{1,2})/(\d{1,2})", raw or "")
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def content_words(text: str) -> list[str]:
    out = []
    for w in WORD_RE.findall(text.lower()):
        w = w.strip("'-")
        if w.endswith("'s"):
            w = w[:-2]
        if len(w) >= 3 and w not in STOPWORDS and not w.isdigit():
            out.append(w)
    return out


def top_words(title: str, lead: str, k: int = TOP_WORDS) -> frozenset[str]:
    """The k most frequent content words; title words count twice, ties by first use."""
    counts: Counter[str] = Counter()
    order: dict[str, int] = {}
    for weight, part in ((2, title), (1, lead)):
        for w in content_words(part):
            counts[w] += weight
            order.setdefault(w, len(order))
    ranked = sorted(counts, key=lambda w: (-counts[w], order[w]))
    return frozenset(ranked[:k])


def cap_names(title: str, lead: str) -> frozenset[str]:
    """Capitalised, non-sentence-initial words of the lead that look like names.

    Titles are skipped because several outlets write them in Title Case.
    """
    starts = {m.start(1) for m in SENT_START_RE.finditer(lead)}
    names = set()
    for m in CAP_RE.finditer(lead):
        word = re.sub(r"'s$", "", m.group(1))
        if m.start(1) in starts or word.lower() in NOT_NAMES:
            continue
        names.add(word)
    return frozenset(names)


def load(path: str) -> list[dict]:
    csv.field_size_limit(sys.maxsize)
    rows = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            date = parse_date(row["publish_date"])
            text = (row["text"] or "").strip()
            if date is None or len(text) < 200:
                continue
            title = " ".join((row["title"] or "").split())
            subtitle = " ".join((row["subtitle"] or "").split())
            lead = f"{subtitle} {text[:LEAD_CHARS]}"
            rows.append(
                {
                    "id": row["article_id"].strip(),
                    "date": date,
                    "host": urlparse(row["article_source_link"]).netloc.lower(),
                    "title": title,
                    "text": " ".join(text.split()),
                    "words": top_words(title, lead),
                    "names": cap_names(title, lead),
                }
            )
    return rows


def all_pairs(rows: list[dict], max_days: int = 7):
    """Yield (i, j, days, jaccard) for cross-outlet pairs at most max_days apart."""
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_day[r["date"]].append(i)
    days = sorted(by_day)
    for d in days:
        same = by_day[d]
        later = [
            j
            for delta in range(1, max_days + 1)
            for j in by_day.get(d + dt.timedelta(days=delta), ())
        ]
        candidates = [(i, j) for i, j in combinations(same, 2)]
        candidates += [(i, j) for i in same for j in later]
        for i, j in candidates:
            a, b = rows[i], rows[j]
            if a["host"] == b["host"]:
                continue
            wa, wb = a["words"], b["words"]
            union = len(wa | wb)
            jac = len(wa & wb) / union if union else 0.0
            yield i, j, abs((b["date"] - a["date"]).days), jac


def sample(rows: list[dict], seed: int) -> list[dict]:
    rng = random.Random(seed)
    pools: dict[str, list[tuple]] = {k: [] for k in TARGETS}
    for i, j, days, jac in all_pairs(rows):
        a, b = rows[i], rows[j]
        if days <= 3 and jac >= CLOSE_MIN:
            pools["close"].append((i, j, days, jac))
        elif days <= 3 and MEDIUM_RANGE[0] <= jac < MEDIUM_RANGE[1]:
            pools["medium"].append((i, j, days, jac))
        if HARDNEG_RANGE[0] <= jac < HARDNEG_RANGE[1] and a["names"] & b["names"]:
            pools["hard-negative"].append((i, j, days, jac))
        # Random: same ISO week, any overlap.
        if a["date"].isocalendar()[:2] == b["date"].isocalendar()[:2]:
            pools["random"].append((i, j, days, jac))

    seen: set[tuple[str, str]] = set()
    uses: Counter[str] = Counter()
    chosen = []
    for stratum, target in TARGETS.items():
        pool = pools[stratum]
        rng.shuffle(pool)
        got = 0
        for i, j, days, jac in pool:
            if got >= target:
                break
            a, b = rows[i], rows[j]
            key = tuple(sorted((a["id"], b["id"]), key=int))
            if key in seen:
                continue
            if uses[a["id"]] >= MAX_USES_PER_ARTICLE or uses[b["id"]] >= MAX_USES_PER_ARTICLE:
                continue
            seen.add(key)
            uses[a["id"]] += 1
            uses[b["id"]] += 1
            if int(a["id"]) > int(b["id"]):
                a, b = b, a
            chosen.append(
                {
                    "stratum": stratum,
                    "a": a,
                    "b": b,
                    "days": days,
                    "jaccard": jac,
                    "shared": sorted(a["names"] & b["names"]),
                }
            )
            got += 1
        print(f"# {stratum}: pool {len(pool)}, drawn {got}", file=sys.stderr)
    return chosen


def show(n: int, pair: dict) -> str:
    a, b = pair["a"], pair["b"]
    lines = [
        "=" * 100,
        f"[{n}] {pair['stratum']}  jaccard={pair['jaccard']:.3f}  days={pair['days']}"
        f"  shared={','.join(pair['shared'][:8])}",
    ]
    for tag, r in (("A", a), ("B", b)):
        lines.append(f"--- {tag} id={r['id']} {r['host']} {r['date'].isoformat()}")
        lines.append(f"    TITLE: {r['title']}")
        lines += textwrap.wrap(
            r["text"][:SHOW_CHARS], 100, initial_indent="    ", subsequent_indent="    "
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--csv", default=DEFAULT_CSV)
    ap.add_argument("--seed", type=int, default=20170301)
    ap.add_argument("--pairs-out", help="also write a_id,b_id,stratum,jaccard,days,shared_names")
    args = ap.parse_args(argv)

    rows = load(args.csv)
    pairs = sample(rows, args.seed)
    for n, pair in enumerate(pairs, 1):
        print(show(n, pair))
    if args.pairs_out:
        with open(args.pairs_out, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["a_id", "b_id", "stratum", "jaccard", "days", "shared_names"])
            for p in pairs:
                w.writerow(
                    [
                        p["a"]["id"],
                        p["b"]["id"],
                        p["stratum"],
                        f"{p['jaccard']:.3f}",
                        p["days"],
                        " ".join(p["shared"]),
                    ]
                )
    print(f"# {len(rows)} articles loaded, {len(pairs)} pairs", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
