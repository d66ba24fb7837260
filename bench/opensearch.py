"""OpenSearch beside Whoosh (issue 13): ingest into a real three-node cluster, and the query mix.

Starts three OpenSearch nodes on loopback with the tests' own code (tests/opensearch_cluster.py:
the fetched distribution, each node its own JVM, here with the full JIT and a 512m heap), then:
  ingest   the product's reindex of the raw-page corpus into the cluster, in a fresh process:
           ``search.index.reindex(..., engine=opensearch)``, what ``news-search reindex PATH
           --engine opensearch --opensearch-url URL`` calls, into an index of 3 shards and 1
           replica. Its cost is split three ways: the extraction workers' CPU (reading,
           extraction, entities), the reindex process's own CPU and its time waiting on the
           cluster (the report's ``opensearch`` stage, and the bulk requests timed here), and the
           JVMs' CPU (``/proc/<pid>/stat`` of every node process, before and after).
  whoosh   the same corpus through the Whoosh reindex: bench/ingest.py's run of this corpus,
           reused if its run folder has one (the results say which), else built now, before
           the cluster starts, so that idle JVMs do not share its cores.
  query    the mix of bench/mix.py through both engines' full search (the same parsed
           ``SearchRequest``: ranked page of 10, exact total, facets, 10 snippets, suggestion),
           beside FTS5 and Tantivy as bench/query.py runs them, after a warm-up mix of other
           queries; the JVMs' CPU per query too.
  scale    from the per-article CPU costs: how ingest would go with N machines running
           extraction against a cluster, and what 100k and 1M would take here.

    python bench/opensearch.py --smoke
    nice python bench/opensearch.py --scale 10000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

import corpus
import ingest
import mix
import query
from harness import (
    PROJECT,
    SMOKE_SCALE,
    Timer,
    child_done,
    ratio,
    rss_of,
    run_child,
    save_result,
    table,
)

NODES, SHARDS, REPLICAS = 3, 3, 1
HEAP = os.environ.get("NEWS_SEARCH_OPENSEARCH_HEAP", "512m")  # per node
ALIAS = "bench"
WARMUP_PER_KIND = 10  # queries of each kind, another seed's, run through every engine first
MACHINE_CORES = 2  # of each machine in the scaling table, as this one
SCALE_MACHINES = (1, 2, 4, 8, 16, 32)
CLUSTERS = (3, 6, 12)  # nodes of MACHINE_CORES each, in the scaling table
ESTIMATES = (100_000, 1_000_000)


def start_cluster():
    """Three nodes on loopback, from the tests' fixtures' code, with benchmark JVM options."""
    # Read when opensearch_cluster is imported: the full JIT (the tests limit it to C1 to
    # start faster) and a bigger heap than the tests' 256m.
    os.environ.setdefault("NEWS_SEARCH_OPENSEARCH_JAVA_OPTS", "")
    os.environ.setdefault("NEWS_SEARCH_OPENSEARCH_HEAP", HEAP)
    sys.path.insert(0, str(PROJECT / "tests"))
    from opensearch_cluster import Cluster

    cluster = Cluster(NODES, name="news-search-bench")
    started = time.perf_counter()
    cluster.start()
    return cluster, time.perf_counter() - started


def jvm_cpu(cluster) -> float:
    """CPU seconds (user and system, every thread) used so far by the nodes' processes: each
    node runs in its own process group, so every process of those groups."""
    groups = {node.process.pid for node in cluster.nodes if node.process}
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) in groups:  # pgrp
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def jvm_memory(cluster) -> list[dict]:
    """Each node's resident memory now and at its peak."""
    return [{"node": node.name, **rss_of(node.process.pid)} for node in cluster.nodes
            if node.process]


def ingest_opensearch(folder: Path, root: Path, cluster, workers: int | None) -> dict:
    """The product's reindex into the cluster, in a fresh process; the JVMs' CPU around it."""
    shutil.rmtree(root, ignore_errors=True)
    args = ["--child", "--corpus", str(folder), "--root", str(root),
            "--urls", ",".join(cluster.urls)]
    if workers:
        args += ["--workers", str(workers)]
    idle = _idle_cpu(cluster)
    before = jvm_cpu(cluster)
    figures = run_child(Path(__file__).resolve(), args, root.parent / "opensearch-ingest.json")
    figures["jvm_cpu_seconds"] = round(jvm_cpu(cluster) - before, 2)
    figures["jvm_idle_cpu_per_s"] = idle
    figures["jvm_memory"] = jvm_memory(cluster)
    figures["index"] = _index_size(cluster)
    return figures


def _idle_cpu(cluster, seconds: float = 5.0) -> float:
    """The idle cluster's CPU per second (a baseline the ingest's JVM figure includes)."""
    before = jvm_cpu(cluster)
    time.sleep(seconds)
    return round((jvm_cpu(cluster) - before) / seconds, 3)


def _index_size(cluster) -> dict:
    from opensearch_cluster import http_json

    rows = http_json(f"{cluster.urls[0]}/_cat/indices/{ALIAS}*?format=json&bytes=b")
    return {"indices": [r["index"] for r in rows],
            "docs": sum(int(r["docs.count"]) for r in rows),
            "store_bytes": sum(int(r["store.size"]) for r in rows),
            "primary_bytes": sum(int(r["pri.store.size"]) for r in rows),
            "shards": SHARDS, "replicas": REPLICAS}


def child(folder: Path, root: Path, urls: str, workers: int | None) -> dict:
    """In the fresh process: ``search.index.reindex`` with the OpenSearch engine, timed."""
    from search.engineconfig import opensearch_config
    from search.engines.opensearch_write import OpenSearchWriter
    from search.index import reindex

    timers = {"bulk_requests": Timer(), "finish": Timer()}
    ingest._wrap(OpenSearchWriter, "_send", timers["bulk_requests"])
    ingest._wrap(OpenSearchWriter, "_finish", timers["finish"])
    cpu = ingest._cpu()
    started = time.perf_counter()
    report = reindex([folder], root, full=True, workers=workers, vectors=False,
                     engine=opensearch_config(urls, ALIAS, SHARDS, REPLICAS))
    seconds = time.perf_counter() - started
    used = ingest._cpu()
    stages = {k: round(v, 2) for k, v in report.stages.items()}
    stages |= {f"+{k}": round(t.seconds, 2) for k, t in timers.items()}
    return {"articles": report.added, "skipped": len(report.skipped),
            "skip_reasons": sorted({s.reason for s in report.skipped})[:5],
            "seconds": seconds, "stages": stages, "bulk_requests": timers["bulk_requests"].calls,
            "cpu_seconds": {k: round(used[k] - cpu[k], 2) for k in used},
            "index": report.generation, "workers": workers}


def whoosh_ingest(n: int, seed: int, fmt: str, workers: int | None) -> dict:
    """bench/ingest.py's Whoosh reindex of this corpus: its run folder's, or built now."""
    run = ingest.run_dir(n, seed, fmt)
    cached = (run / "ours.json").exists() and (run / "index").exists()
    ingest.ensure_built(n, seed, fmt, workers)
    figures = json.loads((run / "ours.json").read_text(encoding="utf-8"))
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime((run / "ours.json").stat().st_mtime))
    figures["provenance"] = (f"reused bench/ingest.py's run of {when} ({run / 'ours.json'})"
                             if cached else "built in this run by bench/ingest.py")
    return figures


def run_queries(run: Path, root: Path, per_kind: int) -> dict:
    """The mix through ours on Whoosh, ours on OpenSearch, FTS5 and Tantivy, back to back."""
    from search.searchindex import open_search_index

    opened = query.open_engines(run)
    started = time.perf_counter()
    cluster_side = query.Ours(root, index=open_search_index(root))
    query._call(cluster_side, "opensearch", mix.Query("one_mid", ["government"]))
    opened["cold_first_query_ms"]["opensearch"] = round((time.perf_counter() - started) * 1000, 1)
    names = ("ours", "opensearch", *[n for n in query.NAMES if n != "ours"])
    chosen = {"opensearch": cluster_side, **opened["engines"]}
    chosen = {name: chosen[name] for name in names}
    query.run_mix(chosen, mix.build_mix(run / "docs.jsonl", WARMUP_PER_KIND, seed=8), warmup=0)
    queries = mix.build_mix(run / "docs.jsonl", per_kind)
    return {"chosen": chosen, "names": names, "queries": queries,
            "cold_first_query_ms": opened["cold_first_query_ms"]}


def count_requests(transport) -> dict[str, Timer]:
    """Time the client's requests to the cluster by kind (endpoint, and a search's
    aggregations), from outside, as ingest.py times the steps of a reindex."""
    timers: dict[str, Timer] = {}
    original = transport.perform_request

    def timed(method, url, *args, **kwargs):
        body = kwargs.get("body") or {}
        what = url.rsplit("/", 1)[-1]
        if isinstance(body, dict) and what == "_search" and body.get("aggs"):
            what += " aggs: " + ",".join(sorted(body["aggs"])[:6])
        elif isinstance(body, dict) and what == "_search" and body.get("size") == 0:
            what += " size 0"
        with timers.setdefault(f"{method} {what}", Timer()):
            return original(method, url, *args, **kwargs)

    transport.perform_request = timed
    return timers


def per_article(whoosh: dict, cluster: dict) -> dict:
    """CPU seconds per article of each part of the two ingests."""
    n = cluster["articles"] or 1
    out = {
        "extraction_workers": cluster["cpu_seconds"]["workers"] / n,
        "reindex_process": cluster["cpu_seconds"]["main"] / n,
        "cluster_jvms": cluster["jvm_cpu_seconds"] / n,
        # What the three idle JVMs spend anyway over the run's length (not a per-article cost).
        "cluster_jvms_less_idle": (cluster["jvm_cpu_seconds"]
                                   - cluster["jvm_idle_cpu_per_s"] * cluster["seconds"]) / n,
        "waiting_on_cluster_wall": cluster["stages"].get("opensearch", 0.0) / n,
    }
    w = whoosh["articles"] or 1
    out["whoosh_total"] = sum(whoosh["cpu_seconds"].values()) / w
    out["whoosh_wall"] = whoosh["seconds"] / w
    out["opensearch_wall"] = cluster["seconds"] / n
    return {k: round(v * 1000, 2) for k, v in out.items()}  # ms


def scaling(costs: dict) -> list[dict]:
    """Articles/s with N extraction machines against clusters of dedicated nodes, from the
    measured CPU-ms per article (each part CPU-bound, the network and disks not limiting; the
    cluster's cost less what its JVMs spend idle)."""
    extract = costs["extraction_workers"] + costs["reindex_process"]
    rows = []
    for nodes in CLUSTERS:
        engine_rate = nodes * MACHINE_CORES * 1000 / costs["cluster_jvms_less_idle"]
        for machines in SCALE_MACHINES:
            extract_rate = machines * MACHINE_CORES * 1000 / extract
            rate = min(extract_rate, engine_rate)
            rows.append({"cluster_nodes": nodes, "extraction_machines": machines,
                         "extraction_per_s": round(extract_rate), "cluster_per_s": round(
                             engine_rate), "articles_per_s": round(rate),
                         "limited_by": "extraction" if extract_rate <= engine_rate else "cluster",
                         "hours_1m": round(1_000_000 / rate / 3600, 2)})
    return rows


def estimates(costs: dict) -> dict:
    """What 100k and 1M would take on this machine alone (all on its cores), linearly."""
    here = (costs["extraction_workers"] + costs["reindex_process"] + costs["cluster_jvms"])
    whoosh = costs["whoosh_total"]
    return {str(n): {"opensearch_cpu_bound_hours": round(n * here / 1000 / MACHINE_CORES / 3600,
                                                         2),
                     "opensearch_measured_rate_hours": round(
                         n * costs["opensearch_wall"] / 1000 / 3600, 2),
                     "whoosh_measured_rate_hours": round(n * costs["whoosh_wall"] / 1000 / 3600,
                                                         2),
                     "whoosh_cpu_bound_hours": round(n * whoosh / 1000 / MACHINE_CORES / 3600,
                                                     2)}
            for n in ESTIMATES}


def report(data: dict) -> str:
    """The tables of one run."""
    w, o = data["whoosh"], data["opensearch"]
    out = [f"cluster: {NODES} nodes, heap {HEAP} each, started in {data['cluster_start_s']:.0f} s;"
           f" index of {SHARDS} shards x {REPLICAS + 1} copies"]
    rows = [["whoosh (ours)", w["articles"], w["seconds"], w["articles"] / w["seconds"],
             ratio(w["seconds"], o["seconds"]), w["cpu_seconds"]["workers"],
             w["cpu_seconds"]["main"], None, w["index_bytes"] / 2**20],
            ["opensearch", o["articles"], o["seconds"], o["articles"] / o["seconds"], 1.0,
             o["cpu_seconds"]["workers"], o["cpu_seconds"]["main"], o["jvm_cpu_seconds"],
             o["index"]["store_bytes"] / 2**20]]
    out.append(table(["ingest", "articles", "seconds", "articles/s", "time ÷ opensearch",
                      "workers CPU s", "main CPU s", "JVMs CPU s", "index MiB"], rows))
    out.append("whoosh: " + w["provenance"])
    stages = sorted(o["stages"].items(), key=lambda kv: -kv[1])
    out.append(table(["opensearch ingest: stage (+ = timed by bench)", "seconds"], stages))
    out.append(table(["CPU-ms per article", "ms"], data["per_article_ms"].items()))
    out.append(_latency(data["query"]))
    out.append(f"opensearch, per search (mean over the measured mix): "
               f"{data['opensearch_requests_per_search']:.1f} requests to the cluster taking "
               f"{data['opensearch_http_ms_per_search']:.1f} ms (wall), of a mean search of "
               f"{data['opensearch_mean_ms']:.1f} ms; the JVMs' CPU "
               f"{data['jvm_cpu_ms_per_query']:.1f} ms")
    out.append(table(["opensearch request (by kind)", "per search", "ms each"],
                     [[k, v["per_search"], v["ms_each"]]
                      for k, v in data["opensearch_requests"].items()]))
    rows = [[r["cluster_nodes"], r["extraction_machines"], r["extraction_per_s"],
             r["cluster_per_s"], r["articles_per_s"], r["limited_by"], r["hours_1m"]]
            for r in data["scaling"]]
    out.append(f"ingest with N extraction machines ({MACHINE_CORES} cores each) against a cluster "
               "of dedicated nodes, from the CPU-ms per article above\n" + table(
                   ["cluster nodes", "N machines", "extraction/s", "cluster/s", "ingest/s",
                    "limited by", "1M: hours"], rows))
    rows = [[n, e["opensearch_measured_rate_hours"], e["opensearch_cpu_bound_hours"],
             e["whoosh_measured_rate_hours"], e["whoosh_cpu_bound_hours"]]
            for n, e in data["estimates"].items()]
    out.append("NOT RUN: estimated from this run's per-article figures (linear)\n" + table(
        ["articles", "opensearch h (this run's rate)", "h (CPU-bound, 2 cores)",
         "whoosh h (its rate)", "h (CPU-bound)"], rows))
    return "\n\n".join(out)


def _latency(summary: dict) -> str:
    names = summary["names"]
    rows = []
    for kind, s in summary["kinds"].items():
        row = [kind, s["n"]]
        for name in names:
            row += [s[name]["p50"], s[name]["p95"], s[name]["p99"]]
        row.append(ratio(s["opensearch"]["p95"], s["ours"]["p95"]))
        rows.append(row)
    headers = ["kind", "n"]
    for name in names:
        label = "whoosh" if name == "ours" else name
        headers += [f"{label} p50", "p95", "p99"]
    sanity = table(["title queries", "share"], summary["title_sanity"].items())
    return ("latency in ms (whoosh and opensearch: our full search, facets and 10 snippets)\n"
            + table([*headers, "os÷whoosh p95"], rows) + "\n\n" + sanity)


def main(argv: list[str] | None = None) -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    corpus.add_scale_options(parser)
    parser.add_argument("--workers", type=int, default=None, help="extraction processes [cores]")
    parser.add_argument("--per-kind", type=int, default=None, help="queries per kind [40]")
    parser.add_argument("--results", type=Path, default=None, help="results folder")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--urls", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_done(args.child_out, child(args.corpus, args.root, args.urls, args.workers))
        return
    n = SMOKE_SCALE if args.smoke else args.scale
    per_kind = args.per_kind or (8 if args.smoke else 40)
    load = os.getloadavg()
    print(f"opensearch: {n} articles ({args.format}); load average {load[0]:.2f} {load[1]:.2f} "
          f"{load[2]:.2f}", flush=True)
    folder = corpus.write(n, args.seed, args.format)
    print("  whoosh ingest...", flush=True)
    whoosh = whoosh_ingest(n, args.seed, args.format, args.workers)
    run = ingest.run_dir(n, args.seed, args.format)
    print("  starting the cluster...", flush=True)
    cluster, start_s = start_cluster()
    try:
        print("  opensearch ingest...", flush=True)
        root = run / "opensearch-root"
        cluster_ingest = ingest_opensearch(folder, root, cluster, args.workers)
        print("  queries...", flush=True)
        prepared = run_queries(run, root, per_kind)
        http = count_requests(prepared["chosen"]["opensearch"].index.client.transport)
        before = jvm_cpu(cluster)
        rows = query.run_mix(prepared["chosen"], prepared["queries"], warmup=0)
        jvm_per_query = (jvm_cpu(cluster) - before) * 1000 / len(rows)
    finally:
        cluster.stop()
    summary = query.summarize(rows, prepared["names"])
    costs = per_article(whoosh, cluster_ingest)
    data = {"format": args.format, "articles": n, "per_kind": per_kind,
            "load_average_at_start": [round(x, 2) for x in load],
            "cluster": {"nodes": NODES, "heap": HEAP, "shards": SHARDS, "replicas": REPLICAS,
                        "java_opts": os.environ.get("NEWS_SEARCH_OPENSEARCH_JAVA_OPTS")},
            "cluster_start_s": round(start_s, 1), "whoosh": whoosh, "opensearch": cluster_ingest,
            "per_article_ms": costs, "scaling": scaling(costs), "estimates": estimates(costs),
            "query": {**summary, "names": prepared["names"],
                      "cold_first_query_ms": prepared["cold_first_query_ms"]},
            "jvm_cpu_ms_per_query": round(jvm_per_query, 2),
            "opensearch_requests_per_search": round(sum(t.calls for t in http.values())
                                                    / len(rows), 2),
            "opensearch_http_ms_per_search": round(sum(t.seconds for t in http.values())
                                                   * 1000 / len(rows), 2),
            "opensearch_requests": {k: {"per_search": round(t.calls / len(rows), 2),
                                        "ms_each": round(t.seconds * 1000 / t.calls, 2)}
                                    for k, t in sorted(http.items())},
            "opensearch_mean_ms": round(sum(r["opensearch"] for r in rows) / len(rows), 2)}
    print(report(data))
    print("\ncold first query (open + 1 query), ms:", prepared["cold_first_query_ms"])
    save_result("opensearch", data, args)


if __name__ == "__main__":
    sys.exit(main())
