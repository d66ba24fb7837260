"""Hybrid search benchmark: what meaning adds to a query's time, and what the vectors weigh.

Runs every topic query of the relevance harness (70) through ``search.query.search`` as the
web app does (page of 10, collapsed by story, facets, snippets, suggestion), once by words
(``mode=lexical``) and once by words and meaning (``mode=hybrid``), back to back in turns so
machine noise hits both alike, after one warm-up pass. Reports p50/p95 per mode, the
per-query difference, the query embedding alone, the vector matrix's memory, and the cost of
the exact search (one matrix product) on synthetic unit vectors at larger sizes.

    python bench/hybrid.py --index /tmp/na/index [--rounds 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import PROJECT, machine, percentile, table  # noqa: E402 - puts this checkout first

TOPICS = PROJECT / "bench" / "relevance" / "topics.jsonl"
MODES = ("lexical", "hybrid")


def queries() -> list[str]:
    """The relevance harness's topic queries."""
    lines = TOPICS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["query"] for line in lines if line.strip()]


def timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - started) * 1000


def latencies(root: Path, qs: list[str], rounds: int) -> dict[str, list[float]]:
    """Milliseconds per query and mode; modes alternate first so neither is always warmer."""
    from search.request import parse_request
    from search.searchindex import WhooshIndex

    index = WhooshIndex(root)  # kept open, as a serving worker keeps its own

    def one(q: str, mode: str) -> None:
        index.search(parse_request({"q": q, "mode": mode}))

    for q in qs:  # warm-up: postings, tables, the model and the vectors loaded once
        for mode in MODES:
            one(q, mode)
    out: dict[str, list[float]] = {mode: [] for mode in MODES}
    for n in range(rounds):
        for i, q in enumerate(qs):
            order = MODES if (i + n) % 2 == 0 else MODES[::-1]
            for mode in order:
                out[mode].append(timed(one, q, mode))
    return out


def vector_memory(root: Path) -> dict:
    """The serving process's vector matrix: rows, bytes."""
    from search.hybrid import _tables

    table_ = next(iter(_tables.values()), None)
    if table_ is None:
        return {}
    return {"rows": int(table_.matrix.shape[0]), "with_vector": int(table_.has.sum()),
            "matrix_mib": round(table_.matrix.nbytes / 2**20, 1)}  # fmt: skip


def embed_times(qs: list[str]) -> list[float]:
    from search.embed import embed_query

    return [timed(embed_query, q) for q in qs]


def exact_search(sizes: list[int], repeat: int = 20) -> dict[int, float]:
    """p50 milliseconds of one matrix product over ``size`` random unit vectors (synthetic)."""
    rng = np.random.default_rng(0)
    out = {}
    for size in sizes:
        matrix = rng.standard_normal((size, 384), dtype=np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        query = matrix[0].copy()
        times = [timed(lambda m=matrix, q=query: (m @ q).argpartition(-100)[-100:])
                 for _ in range(repeat)]  # fmt: skip
        out[size] = round(percentile(times, 50), 2)
        del matrix
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="an index built with vectors")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the queries")
    parser.add_argument("--sizes", default="100000,300000", help="synthetic exact-search sizes")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    qs = queries()
    times = latencies(args.index, qs, args.rounds)
    diffs = [h - w for w, h in zip(times["lexical"], times["hybrid"], strict=True)]
    embeds = embed_times(qs)
    result = {
        "index": str(args.index), "machine": machine(), "queries": len(qs), "rounds": args.rounds,
        **{f"{m}_ms": {"p50": round(percentile(times[m], 50), 1),
                       "p95": round(percentile(times[m], 95), 1)} for m in MODES},
        "hybrid_minus_lexical_ms": {"p50": round(percentile(diffs, 50), 1),
                                    "p95": round(percentile(diffs, 95), 1)},
        "embed_query_ms": {"p50": round(percentile(embeds, 50), 1),
                           "p95": round(percentile(embeds, 95), 1)},
        "vectors": vector_memory(args.index),
        "exact_search_p50_ms": exact_search([int(s) for s in args.sizes.split(",") if s]),
    }  # fmt: skip
    rows = [[m, result[f"{m}_ms"]["p50"], result[f"{m}_ms"]["p95"]] for m in MODES]
    rows.append(["hybrid - lexical (per query)", *result["hybrid_minus_lexical_ms"].values()])
    rows.append(["embedding the query", *result["embed_query_ms"].values()])
    print(table(["ms", "p50", "p95"], rows))
    print(f"vectors: {result['vectors']}")
    print(f"exact search (synthetic), p50 ms by size: {result['exact_search_p50_ms']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
