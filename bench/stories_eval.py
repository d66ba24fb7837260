"""Story clustering on NewsArticles: pairwise precision and recall, and what it costs to index.

    python bench/stories_eval.py /path/to/NewsArticles.csv [--workers 2] [--skip-cost]

1. Reindexes the CSV with stories (a real ``reindex``), then reads each labelled pair's story
   ids (``bench/stories_labels.csv``, CSV article ids) and reports pairwise precision and
   recall: a pair is predicted "same event" when both articles share a story id. It also
   scores each pair's direct link (no transitivity), to show what grouping adds or costs.
2. Reindexes again with the story stage switched off (signatures and linking replaced by
   no-ops, in this process only) and reports the extra time stories cost.

Results go to ``bench/results/stories.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from search import index as index_module  # noqa: E402
from search import pipeline  # noqa: E402
from search.generations import current_generation, open_index  # noqa: E402
from search.index import reindex  # noqa: E402
from search.stories import STORIES, Signature, link, read_stories  # noqa: E402

LABELS = HERE / "stories_labels.csv"
RESULTS = HERE / "results" / "stories.json"


def load_labels() -> list[dict]:
    with open(LABELS, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def csv_urls(path: Path) -> dict[str, str]:
    """CSV article_id -> URL (how our index knows the article)."""
    csv.field_size_limit(sys.maxsize)
    with open(path, encoding="utf-8", newline="") as handle:
        return {row["article_id"]: row["article_source_link"] for row in csv.DictReader(handle)}


def index_ids(root: Path) -> dict[str, str]:
    """URL -> our article id."""
    with open_index(root).searcher() as searcher:
        return {f["url"]: f["id"] for f in searcher.all_stored_fields() if f.get("url")}


def signatures(gen: Path) -> dict[str, Signature]:
    import sqlite3

    conn = sqlite3.connect(gen / STORIES)
    rows = conn.execute("SELECT id, signature FROM articles").fetchall()
    conn.close()
    return {i: Signature.from_json(s) for i, s in rows}


def score(pairs: list[tuple[bool, bool]]) -> dict:
    tp = sum(1 for truth, guess in pairs if truth and guess)
    fp = sum(1 for truth, guess in pairs if guess and not truth)
    fn = sum(1 for truth, guess in pairs if truth and not guess)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "pairs": len(pairs), "tp": tp, "fp": fp, "fn": fn,
        "precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
    }  # fmt: skip


def evaluate(csv_path: Path, root: Path) -> dict:
    gen = current_generation(root)
    assert gen is not None
    urls, ours = csv_urls(csv_path), index_ids(root)
    stories = read_stories(gen)
    sigs = signatures(gen)
    grouped, direct, missing, by_stratum = [], [], [], {}
    for row in load_labels():
        a, b = ours.get(urls.get(row["a_id"], "")), ours.get(urls.get(row["b_id"], ""))
        if a not in stories or b not in stories:
            missing.append((row["a_id"], row["b_id"]))
            continue
        truth = row["same_event"] == "1"
        guess = stories[a][0] == stories[b][0]
        grouped.append((truth, guess))
        direct.append((truth, link(sigs[a], sigs[b]) is not None))
        by_stratum.setdefault(row["stratum"], []).append((truth, guess))
    sizes: dict[str, int] = {}
    for story, _ in stories.values():
        sizes[story] = sizes.get(story, 0) + 1
    return {
        "stories": score(grouped),
        "direct_links": score(direct),
        "by_stratum": {k: score(v) for k, v in sorted(by_stratum.items())},
        "unmatched_pairs": missing,
        "articles": len(stories),
        "story_count": len(sizes),
        "multi_article_stories": sum(1 for n in sizes.values() if n > 1),
        "largest_story": max(sizes.values()) if sizes else 0,
    }


@contextmanager
def stories_off():
    """The story stage as no-ops: the baseline that stories' cost is measured against."""

    class NoStore:
        def __init__(self, path):
            pass

        def duplicate_of(self, sig, article_id):
            return None

        def add(self, article_id, sig):
            pass

        def remove(self, article_id):
            pass

        def ids(self):
            return set()

        def finish(self):
            pass

        def abandon(self):
            pass

    blank = Signature({}, frozenset(), None, "", ())
    saved = pipeline.signature, index_module.StoryStore
    pipeline.signature, index_module.StoryStore = (lambda article: blank), NoStore
    try:
        yield
    finally:
        pipeline.signature, index_module.StoryStore = saved


def timed_reindex(csv_path: Path, root: Path, workers: int) -> tuple[float, dict]:
    started = time.perf_counter()
    report = reindex([csv_path], root, full=True, workers=workers)
    return time.perf_counter() - started, report.to_json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-cost", action="store_true", help="skip the baseline reindex")
    parser.add_argument("--index", type=Path, help="build (and keep) the index here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.index or Path(tmp) / "index"
        with_stories, report = timed_reindex(args.csv, root, args.workers)
        result = evaluate(args.csv, root)
        result["reindex_with_stories_s"] = round(with_stories, 1)
        result["stages"] = report["stages"]
        result["exact_duplicates"] = len(report["duplicates"])
        if not args.skip_cost:
            with stories_off():
                without, _ = timed_reindex(args.csv, Path(tmp) / "baseline", args.workers)
            result["reindex_without_stories_s"] = round(without, 1)
            result["stories_cost"] = round(with_stories / without - 1, 3)
    result["machine"] = {"python": platform.python_version(), "platform": platform.platform()}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print_table(result)


def print_table(result: dict) -> None:
    print(f"{'':<22}{'pairs':>6}{'prec':>7}{'recall':>8}{'f1':>7}")
    rows = [("stories", result["stories"]), ("direct links", result["direct_links"])]
    rows += [(f"  {k}", v) for k, v in result["by_stratum"].items()]
    for name, s in rows:
        print(f"{name:<22}{s['pairs']:>6}{s['precision']:>7.3f}{s['recall']:>8.3f}{s['f1']:>7.3f}")
    print(
        f"{result['articles']} articles in {result['story_count']} stories "
        f"({result['multi_article_stories']} with more than one article, "
        f"largest {result['largest_story']}); {result['exact_duplicates']} exact duplicates"
    )
    if "stories_cost" in result:
        print(
            f"reindex {result['reindex_with_stories_s']} s with stories, "
            f"{result['reindex_without_stories_s']} s without: "
            f"+{result['stories_cost'] * 100:.0f}%"
        )


if __name__ == "__main__":
    main()
