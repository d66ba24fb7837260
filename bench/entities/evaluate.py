"""Score the entity extractor against the hand labels in ``labels.jsonl`` (see README.md).

Runs ``search.extract.extract`` on the labelled articles, read with ``search.read.read_file``
from the two corpora, and prints micro-averaged precision, recall and F1 for people, for all
countries mentioned and for focus countries, per corpus and overall.

    python bench/entities/evaluate.py NewsArticles.csv bbc/ [--split dev|test|all] [--errors]

A predicted person matches a gold person when the two names are equal after ``norm_name``
(accents folded, case, dots, hyphens and one-letter initials ignored) or equal to one of the
gold person's other written forms ("also"); each gold person is matched at most once, so a
person split in two counts one false positive.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from search.extract import Article, extract
from search.read import Page, read_file

LABELS = Path(__file__).with_name("labels.jsonl")
CORPORA = ("NewsArticles", "bbc")
TASKS = ("people", "countries", "focus")


def norm_name(name: str) -> str:
    """A name for matching: accents folded, lower case, no dots, hyphens as spaces, no initials."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("\u2019", "'").replace(".", " ").replace("-", " ")
    words = text.split()
    kept = [w for w in words if len(w) > 1]
    return " ".join(kept or words)


@dataclass
class Score:
    """True positives, false positives and false negatives, summed over articles."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, tp: int, fp: int, fn: int) -> None:
        self.tp, self.fp, self.fn = self.tp + tp, self.fp + fp, self.fn + fn

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@dataclass
class Errors:
    """What one article got wrong, for --errors."""

    key: str
    missed: dict[str, list[str]] = field(default_factory=dict)
    extra: dict[str, list[str]] = field(default_factory=dict)


def match_people(predicted: list[str], gold: list[dict]) -> tuple[list[str], list[str]]:
    """Predicted names that match no gold person, and gold names no prediction matched."""
    forms = [{norm_name(n) for n in [g["name"], *g.get("also", [])]} for g in gold]
    matched: set[int] = set()
    extra = []
    for name in predicted:
        key = norm_name(name)
        hit = next((i for i, f in enumerate(forms) if key in f and i not in matched), None)
        if hit is None:
            extra.append(name)
        else:
            matched.add(hit)
    missed = [g["name"] for i, g in enumerate(gold) if i not in matched]
    return extra, missed


def load_labels(split: str) -> list[dict]:
    """The labelled articles of one split (dev, test) or all of them."""
    rows = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in rows if split == "all" or r["split"] == split]


def news_pages(csv_path: Path, wanted: set[str]) -> Iterator[tuple[str, Page]]:
    """(article_id, page) for the wanted rows of the NewsArticles CSV."""
    for page in read_file(csv_path):
        if isinstance(page, Page) and page.fields.get("id") in wanted:
            yield page.fields["id"], page


def bbc_pages(root: Path, wanted: set[str]) -> Iterator[tuple[str, Page]]:
    """(folder/NNN.txt, page) for the wanted BBC files."""
    for key in sorted(wanted):
        for page in read_file(root / key):
            if isinstance(page, Page):
                yield key, page


def extract_all(labels: list[dict], news_csv: Path, bbc_root: Path) -> dict[tuple, Article]:
    """The extractor's article for every labelled key, by (corpus, key)."""
    wanted = {c: {r["key"] for r in labels if r["corpus"] == c} for c in CORPORA}
    pages = [("NewsArticles", k, p) for k, p in news_pages(news_csv, wanted["NewsArticles"])]
    pages += [("bbc", k, p) for k, p in bbc_pages(bbc_root, wanted["bbc"])]
    articles = {(corpus, key): extract(page) for corpus, key, page in pages}
    missing = {(r["corpus"], r["key"]) for r in labels} - set(articles)
    if missing:
        sys.exit(f"labelled articles not found in the corpora: {sorted(missing)}")
    return articles


def score(labels: list[dict], articles: dict[tuple, Article]) -> tuple[dict, list[Errors]]:
    """Scores by (corpus or "all", task), and each article's errors."""
    scores = {(c, t): Score() for c in (*CORPORA, "all") for t in TASKS}
    errors = []
    for row in labels:
        art = articles[(row["corpus"], row["key"])]
        gold_all = set(row["countries"])
        gold_focus = {c for c, kind in row["countries"].items() if kind == "focus"}
        extra, missed = match_people(art.people, row["people"])
        found = {
            "people": (len(art.people) - len(extra), extra, missed),
            "countries": _sets(set(art.countries), gold_all),
            "focus": _sets(set(art.focus_countries), gold_focus),
        }
        err = Errors(f"{row['corpus']}:{row['key']}")
        for task, (tp, fp, fn) in found.items():
            for corpus in (row["corpus"], "all"):
                scores[(corpus, task)].add(tp, len(fp), len(fn))
            if fp:
                err.extra[task] = fp
            if fn:
                err.missed[task] = fn
        errors.append(err)
    return scores, errors


def _sets(predicted: set[str], gold: set[str]) -> tuple[int, list[str], list[str]]:
    return len(predicted & gold), sorted(predicted - gold), sorted(gold - predicted)


def report(scores: dict, split: str, n: dict[str, int]) -> str:
    """The score table as text."""
    lines = [f"split: {split}  articles: " + ", ".join(f"{c} {k}" for c, k in n.items())]
    lines.append(f"{'':14}" + "".join(f"{t:^24}" for t in TASKS))
    lines.append(f"{'':14}" + f"{'P':>6}{'R':>6}{'F1':>6}{'n':>6}" * len(TASKS))
    for corpus in (*CORPORA, "all"):
        cells = []
        for task in TASKS:
            s = scores[(corpus, task)]
            p, r, f = s.prf()
            cells.append(f"{p:6.3f}{r:6.3f}{f:6.3f}{s.tp + s.fn:6d}")
        lines.append(f"{corpus:14}" + "".join(cells))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("news_csv", type=Path, help="NewsArticles.csv")
    parser.add_argument("bbc_root", type=Path, help="the BBC folder (business/, entertainment/...)")
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("--errors", action="store_true", help="list each article's misses")
    parser.add_argument("--json", action="store_true", help="scores as JSON")
    args = parser.parse_args()
    labels = load_labels(args.split)
    articles = extract_all(labels, args.news_csv, args.bbc_root)
    scores, errors = score(labels, articles)
    if args.json:
        out = {f"{c}/{t}": dict(zip(("p", "r", "f1"), s.prf(), strict=True))
               | {"tp": s.tp, "fp": s.fp, "fn": s.fn} for (c, t), s in scores.items()}
        print(json.dumps({"split": args.split, "scores": out}, indent=1))
        return
    n = {c: sum(r["corpus"] == c for r in labels) for c in CORPORA}
    print(report(scores, args.split, n))
    if args.errors:
        for err in errors:
            if err.missed or err.extra:
                print(f"\n{err.key}")
                for task in TASKS:
                    if task in err.missed or task in err.extra:
                        print(f"  {task:9} missed {err.missed.get(task, [])}"
                              f"  extra {err.extra.get(task, [])}")


if __name__ == "__main__":
    main()
