"""How well each run ranks the judged topics: nDCG@10, P@10 and recall@100, by topic type.

    python bench/relevance/evaluate.py --newsarticles PATH/NewsArticles.csv --bbc PATH/bbc
        [--split test|dev|all] [--runs ours,fts5,tantivy] [--json FILE]

Grades come from ``qrels.tsv`` (2 highly relevant, 1 partly, 0 not). nDCG@10 uses the grade as the
gain; P@10 and recall@100 count grade 1 or 2 as relevant. A document no judge saw counts as 0; the
share of such documents in each run's top 10 is printed, with a warning above 10 %: past that, the
pool no longer covers the run and its scores are too low by an unknown amount.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path

from runs import add_options, context, rankings, table
from topics import TYPES, load_topics

QRELS = Path(__file__).with_name("qrels.tsv")
K = 10
DEPTH = 100
UNJUDGED_WARNING = 0.10
METRICS = ("ndcg@10", "p@10", "recall@100")


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """topic -> corpus key -> grade."""
    out: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            out.setdefault(row["topic"], {})[row["doc"]] = int(row["grade"])
    return out


def ndcg(ranked: list[str], grades: dict[str, int], k: int = K) -> float:
    """Discounted gain of the top k over the best possible from the judged documents."""
    dcg = sum(grades.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    best = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / best if best else 0.0


def precision(ranked: list[str], grades: dict[str, int], k: int = K) -> float:
    """Relevant (grade >= 1) among the top k, over k (a short list is not excused)."""
    return sum(grades.get(d, 0) >= 1 for d in ranked[:k]) / k


def recall(ranked: list[str], grades: dict[str, int], depth: int = DEPTH) -> float:
    """Share of the judged relevant documents found in the top ``depth``."""
    relevant = {d for d, g in grades.items() if g >= 1}
    return len(relevant & set(ranked[:depth])) / len(relevant) if relevant else 0.0


def score_topic(ranked: list[str], grades: dict[str, int]) -> dict:
    """The three measures for one topic, plus its count of unjudged documents in the top 10."""
    top = ranked[:K]
    return {"ndcg@10": ndcg(ranked, grades), "p@10": precision(ranked, grades),
            "recall@100": recall(ranked, grades), "unjudged": sum(d not in grades for d in top),
            "listed": len(top)}


def evaluate(ranked: dict[str, dict[str, list[str]]], topics: list[dict],
             qrels: dict[str, dict[str, int]]) -> dict:
    """run -> type (and "all") -> mean measures over the topics with a relevant document."""
    scored = [t for t in topics if any(g >= 1 for g in qrels.get(t["id"], {}).values())]
    out = {}
    for run, by_topic in ranked.items():
        per_topic = {t["id"]: score_topic(by_topic[t["id"]], qrels[t["id"]]) for t in scored}
        out[run] = {"topics": per_topic}
        for kind in (*TYPES, "all"):
            ids = [t["id"] for t in scored if kind in ("all", t["type"])]
            if ids:
                out[run][kind] = _mean([per_topic[i] for i in ids])
    return out


def _mean(rows: list[dict]) -> dict:
    listed = sum(r["listed"] for r in rows)
    means = {m: sum(r[m] for r in rows) / len(rows) for m in METRICS}
    return {"n": len(rows), **means,
            "unjudged@10": sum(r["unjudged"] for r in rows) / listed if listed else 0.0}


def report(scores: dict) -> str:
    """One table per measure (rows: topic types, columns: runs), then the unjudged shares."""
    runs = list(scores)
    kinds = [k for k in (*TYPES, "all") if k in scores[runs[0]]]
    blocks = []
    for metric in (*METRICS, "unjudged@10"):
        rows = [[k, scores[runs[0]][k]["n"], *(_fmt(metric, scores[r][k][metric]) for r in runs)]
                for k in kinds]
        title = "unjudged@10 (% of the top 10 never judged)" if metric == "unjudged@10" else metric
        blocks.append(f"{title}\n" + table(["type", "topics", *runs], rows))
    return "\n\n".join(blocks)


def _fmt(metric: str, value: float) -> str:
    return f"{100 * value:.1f}" if metric == "unjudged@10" else f"{value:.3f}"


def warnings(scores: dict, topics: list[dict], qrels: dict) -> list[str]:
    """Topics nobody judged or with nothing relevant, and runs the pool does not cover."""
    out = []
    unjudged = [t["id"] for t in topics if t["id"] not in qrels]
    if unjudged:
        out.append(f"not judged, left out: {', '.join(unjudged)}")
    empty = [t["id"] for t in topics if t["id"] in qrels and t["id"] not in
             next(iter(scores.values()))["topics"]]
    if empty:
        out.append(f"no relevant document, left out: {', '.join(empty)}")
    for run, by_kind in scores.items():
        share = by_kind.get("all", {}).get("unjudged@10", 0.0)
        if share > UNJUDGED_WARNING:
            out.append(f"{run}: {share:.1%} of its top 10 was never judged (counted as not "
                       f"relevant); judge its unjudged documents before trusting its scores")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_options(parser)
    parser.add_argument("--split", choices=("dev", "test", "all"), default="test",
                        help="which topics [test]")
    parser.add_argument("--qrels", type=Path, default=QRELS, help="[bench/relevance/qrels.tsv]")
    parser.add_argument("--json", type=Path, help="also write the scores (per topic too) here")
    args = parser.parse_args()
    if not args.qrels.is_file():
        sys.exit(f"error: no judgments at {args.qrels}: write packets with pool.py, have them "
                 "judged, then run pool.py qrels")
    qrels = read_qrels(args.qrels)
    topics = load_topics(args.split)
    ctx = context(args)
    ranked = rankings(ctx, args.runs.split(","), topics)
    scores = evaluate(ranked, topics, qrels)
    print(f"split {args.split}: {len(topics)} topics, {len(ctx.collection):,} documents, "
          f"qrels {args.qrels.name} ({sum(map(len, qrels.values())):,} judgments)\n")
    print(report(scores) + "\n", flush=True)
    for line in warnings(scores, topics, qrels):
        print(f"warning: {line}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps({"split": args.split, "scores": scores}, indent=1))


if __name__ == "__main__":
    main()
