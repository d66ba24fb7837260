"""OpenSearch alone at a scale too big for the side-by-side run (issue 13's 1M target).

``bench/opensearch.py`` ingests into Whoosh too and queries FTS5 and Tantivy beside the
cluster; at 1M those take hours more than the cluster itself. This script runs only the
cluster's part, the same way: three nodes on loopback from the tests' code, the product's
reindex of the raw-page corpus into an index of 3 shards and 1 replica in a fresh process
(extraction workers', reindex process's and JVMs' CPU apart), then the query mix through our
full search on the cluster (facets, 10 snippets, suggestion), with the JVMs' CPU and the
cluster requests per search.

The mix is built from the run's exported documents when a Whoosh run of this scale made them,
else from the largest smaller scale's (same seed and format): a scaled corpus's first articles
are the smaller corpus (each article is seeded by its number), so every query still has its
articles, though rare words are less rare in the larger one.

    python bench/opensearch_alone.py --smoke
    NEWS_SEARCH_OPENSEARCH_HEAP=2g python bench/opensearch_alone.py --scale 1000000
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import corpus
import ingest
import mix
import opensearch
import query
from harness import SMOKE_SCALE, cache_root, save_result, table

PER_KIND = 40


def mix_source(n: int, seed: int, fmt: str) -> Path:
    """The exported documents the mix is drawn from: this scale's, or the largest below it."""
    own = ingest.run_dir(n, seed, fmt) / "docs.jsonl"
    if own.exists():
        return own
    runs = cache_root() / "runs"
    smaller = []
    for docs in runs.glob(f"n*-s{seed}-{fmt}-v{corpus.VERSION}/docs.jsonl"):
        size = int(docs.parent.name.split("-", 1)[0][1:])
        if size < n:
            smaller.append((size, docs))
    if not smaller:
        raise SystemExit(f"no exported documents to draw queries from: run `python "
                         f"bench/ingest.py --scale {min(n, 100_000)}` first")
    return max(smaller)[1]


def queries(root: Path, cluster, docs: Path, per_kind: int) -> dict:
    """The mix through our search on the cluster, after a warm-up mix of other queries."""
    from search.searchindex import open_search_index

    started = time.perf_counter()
    side = query.Ours(root, index=open_search_index(root))
    query._call(side, "opensearch", mix.Query("one_mid", ["government"]))
    cold = round((time.perf_counter() - started) * 1000, 1)
    chosen = {"opensearch": side}
    query.run_mix(chosen, mix.build_mix(docs, opensearch.WARMUP_PER_KIND, seed=8), warmup=0)
    http = opensearch.count_requests(side.index.client.transport)
    before = opensearch.jvm_cpu(cluster)
    rows = query.run_mix(chosen, mix.build_mix(docs, per_kind), warmup=0)
    jvm_ms = (opensearch.jvm_cpu(cluster) - before) * 1000 / len(rows)
    return {"summary": query.summarize(rows, ("opensearch",)), "cold_first_query_ms": cold,
            "jvm_cpu_ms_per_query": round(jvm_ms, 2),
            "requests_per_search": round(sum(t.calls for t in http.values()) / len(rows), 2),
            "requests": {k: {"per_search": round(t.calls / len(rows), 2),
                             "ms_each": round(t.seconds * 1000 / t.calls, 2)}
                         for k, t in sorted(http.items())},
            "mix_from": str(docs)}


def report(data: dict) -> str:
    """The run's tables."""
    o = data["ingest"]
    n = o["articles"] or 1
    costs = {"extraction workers": o["cpu_seconds"]["workers"], "reindex process":
             o["cpu_seconds"]["main"], "JVMs": o["jvm_cpu_seconds"]}
    out = [table(["ingest", "articles", "skipped", "seconds", "articles/s", "index MiB"],
                 [["opensearch", o["articles"], o["skipped"], o["seconds"], n / o["seconds"],
                   o["index"]["store_bytes"] / 2**20]]),
           table(["CPU-ms per article", "ms"], [[k, v * 1000 / n] for k, v in costs.items()]),
           table(["stage (+ = timed by bench)", "seconds"],
                 sorted(o["stages"].items(), key=lambda kv: -kv[1]))]
    kinds = data["query"]["summary"]["kinds"]
    out.append(table(["kind", "n", "p50 ms", "p95 ms", "p99 ms"],
                     [[k, s["n"], s["opensearch"]["p50"], s["opensearch"]["p95"],
                       s["opensearch"]["p99"]] for k, s in kinds.items()]))
    q = data["query"]
    out.append(f"per search: {q['requests_per_search']} cluster requests, the JVMs' CPU "
               f"{q['jvm_cpu_ms_per_query']} ms; cold first query {q['cold_first_query_ms']} ms;"
               f" mix from {q['mix_from']}")
    return "\n\n".join(out)


def main(argv: list[str] | None = None) -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    corpus.add_scale_options(parser)
    parser.add_argument("--workers", type=int, default=None, help="extraction processes [cores]")
    parser.add_argument("--per-kind", type=int, default=None, help=f"queries per kind [{PER_KIND}]")
    parser.add_argument("--results", type=Path, default=None, help="results folder")
    args = parser.parse_args(argv)
    n = SMOKE_SCALE if args.smoke else args.scale
    load = os.getloadavg()
    print(f"opensearch alone: {n} articles ({args.format}); load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    docs = mix_source(n, args.seed, args.format)
    folder = corpus.write(n, args.seed, args.format)
    cluster, start_s = opensearch.start_cluster()
    try:
        print("  opensearch ingest...", flush=True)
        root = ingest.run_dir(n, args.seed, args.format) / "opensearch-alone-root"
        root.parent.mkdir(parents=True, exist_ok=True)
        figures = opensearch.ingest_opensearch(folder, root, cluster, args.workers)
        print("  queries...", flush=True)
        measured = queries(root, cluster, docs, args.per_kind or (8 if args.smoke else PER_KIND))
        memory = opensearch.jvm_memory(cluster)
    finally:
        cluster.stop()
    data = {"format": args.format, "articles": n, "load_average_at_start": [round(x, 2)
                                                                             for x in load],
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "cluster": {"nodes": opensearch.NODES, "heap": opensearch.HEAP,
                        "shards": opensearch.SHARDS, "replicas": opensearch.REPLICAS,
                        "start_s": round(start_s, 1), "memory": memory},
            "ingest": figures, "query": measured}
    print(report(data))
    save_result("opensearch-alone", data, args)


if __name__ == "__main__":
    sys.exit(main())
