"""Query benchmark: the query mix through our ``search()`` and through FTS5 and Tantivy.

Ours runs exactly what the web app runs (``search.query.search`` on a parsed request: ranked
page of 10, exact total, facets under filters, 10 highlighted snippets, suggestion). FTS5 and
Tantivy do the same page's work with their own APIs (see engines.py). Each query is run by
the three engines back to back, so machine noise hits them alike; latencies are reported per
kind as p50/p95/p99 with our time as a ratio to each. A relevance-free sanity check compares
the top hit of title queries with the document the title came from.

    python bench/query.py --smoke
    python bench/query.py --scale 10000 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

import corpus
import engines
import ingest
import mix
from harness import SMOKE_SCALE, Timer, percentile, ratio, save_result, table

NAMES = ("ours", "fts5", "tantivy") if engines.have_tantivy() else ("ours", "fts5")


class Ours:
    """Our index object over the benchmark index (as the web app keeps one), by words or by
    words and meaning."""

    def __init__(self, root: Path, mode: str = "lexical", index=None) -> None:
        from search.request import parse_request
        from search.searchindex import WhooshIndex

        # ``index``: another engine's index object (opensearch.py), asked the same requests.
        self.root, self.mode, self._parse = root, mode, parse_request
        self.index = index if index is not None else WhooshIndex(root)

    def search(self, q: mix.Query) -> dict:
        """One results page, as the web app asks for it."""
        out = self.index.search(self._parse({**q.params(), "mode": self.mode}))
        return {"ids": [r["id"] for r in out["results"]], "total": out["total"]}


def open_engines(run: Path, mode: str = "lexical") -> dict:
    """The three engines, each opened and its first query timed (cold start)."""
    opened, cold = {}, {}
    probe = mix.Query("one_mid", ["government"])
    index = run / ("index" if mode == "lexical" else "index-vectors")
    for name in NAMES:
        started = time.perf_counter()
        engine = {"ours": lambda: Ours(index, mode),
                  "fts5": lambda: engines.Fts5(run / "fts5.db"),
                  "tantivy": lambda: engines.Tantivy(run / "tantivy")}[name]()
        _call(engine, name, probe)
        cold[name] = round((time.perf_counter() - started) * 1000, 1)
        opened[name] = engine
    return {"engines": opened, "cold_first_query_ms": cold}


def _call(engine, name: str, q: mix.Query) -> dict:
    return engine.search(q) if isinstance(engine, Ours) else engine.search(q.engine())


def run_mix(opened: dict, queries: list[mix.Query], warmup: int = 20) -> list[dict]:
    """Every query through every engine, back to back; latency in ms and the top hits."""
    for q in queries[:warmup]:
        for name, engine in opened.items():
            _call(engine, name, q)
    rows = []
    for q in queries:
        row = {"kind": q.kind, "query": q}
        for name, engine in opened.items():
            started = time.perf_counter()
            out = _call(engine, name, q)
            row[name] = (time.perf_counter() - started) * 1000
            row[f"{name}_top"] = out["ids"][0] if out["ids"] else None
            row[f"{name}_total"] = out["total"]
            if "core_seconds" in out:  # FTS5, Tantivy: ranked page + snippets, before facets
                row[f"{name}_core"] = out["core_seconds"] * 1000
        rows.append(row)
    return rows


def summarize(rows: list[dict], names: tuple[str, ...] = NAMES) -> dict:
    """Percentiles per kind and engine, ratios (ours to each other), and the top-hit sanity
    check."""
    kinds: dict[str, dict] = {}
    for kind in [*mix.KINDS, "all"]:
        chosen = [r for r in rows if kind in ("all", r["kind"])]
        if not chosen:
            continue
        stats = {"n": len(chosen)}
        for name in names:
            values = [r[name] for r in chosen if name in r]
            stats[name] = {f"p{q}": _round(percentile(values, q)) for q in (50, 95, 99)}
            core = [r[f"{name}_core"] for r in chosen if f"{name}_core" in r]
            if core:
                stats[name] |= {f"core_p{q}": _round(percentile(core, q)) for q in (50, 95)}
        for other in names[1:]:
            stats[f"ours_vs_{other}_p50"] = ratio(stats["ours"]["p50"], stats[other]["p50"])
            stats[f"ours_vs_{other}_p95"] = ratio(stats["ours"]["p95"], stats[other]["p95"])
        stats["median_total"] = {
            name: percentile([r[f"{name}_total"] for r in chosen], 50) for name in names
        }
        kinds[kind] = stats
    titles = [r for r in rows if r["kind"] == "title"]
    sanity = {}
    if titles:
        for name in names:
            sanity[f"{name}_top_is_source_doc"] = _share(titles, lambda r, n=name: r[f"{n}_top"]
                                                         == r["query"].target)
        for other in names[1:]:
            sanity[f"ours_same_top_as_{other}"] = _share(
                titles, lambda r, o=other: r["ours_top"] == r[f"{o}_top"])
    return {"kinds": kinds, "title_sanity": sanity}


def _share(rows: list[dict], test) -> float:
    return round(sum(1 for r in rows if test(r)) / len(rows), 3)


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def breakdown(root: Path, queries: list[mix.Query]) -> dict:
    """Where our search time goes, per kind: wrappers around the steps of ``search()``."""
    from whoosh.searching import Searcher

    import search.query as query_module

    steps = ("_search", "_searcher", "parse_query", "_match", "_rank", "result", "collapsed",
             "_facets", "_suggest", "_combine", "snippet", "highlight_text")
    timers: dict[str, Timer] = {}
    originals = []
    for owner, name in [(query_module, s) for s in steps] + [(Searcher, "docs_for_query")]:
        if hasattr(owner, name):
            timers[name] = Timer()
            originals.append((owner, name, getattr(owner, name)))
            eager = name == "docs_for_query"  # a generator: time its consumption too
            setattr(owner, name, _timed(getattr(owner, name), timers[name], eager))
    ours = Ours(root)
    result: dict[str, dict] = {}
    try:
        for kind in mix.KINDS:
            for t in timers.values():
                t.seconds = 0.0
            chosen = [q for q in queries if q.kind == kind]
            started = time.perf_counter()
            for q in chosen:
                ours.search(q)
            total = time.perf_counter() - started
            if chosen:
                result[kind] = {"total_ms": round(total * 1000 / len(chosen), 2)} | {
                    k: round(t.seconds * 1000 / len(chosen), 2) for k, t in timers.items()
                    if t.seconds}
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
    return result


def _timed(function, timer: Timer, eager: bool = False):
    def timed(*args, **kwargs):
        with timer:
            out = function(*args, **kwargs)
            return iter(list(out)) if eager else out

    return timed


def profile(root: Path, queries: list[mix.Query], top: int = 30) -> str:
    """cProfile of our search over the whole mix (warm)."""
    ours = Ours(root)
    profiler = cProfile.Profile()
    profiler.enable()
    for q in queries:
        ours.search(q)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def report(summary: dict) -> str:
    """Latency table per kind, ratios and the sanity check."""
    rows = []
    missing: dict = {}
    for kind, s in summary["kinds"].items():
        fts5, tantivy = s["fts5"], s.get("tantivy", missing)
        rows.append([kind, s["n"], s["ours"]["p50"], s["ours"]["p95"], s["ours"]["p99"],
                     fts5["p50"], fts5["p95"], fts5.get("core_p95"), tantivy.get("p50"),
                     tantivy.get("p95"), tantivy.get("core_p95"), s["ours_vs_fts5_p95"],
                     s.get("ours_vs_tantivy_p95")])
    out = table(["kind", "n", "ours p50", "p95", "p99", "fts5 p50", "p95", "core p95",
                 "tantivy p50", "p95", "core p95", "ours÷fts5 p95", "ours÷tantivy p95"], rows)
    out += ("\n(core: ranked page and snippets only, before counting facets; ours always "
            "counts them)")
    sanity = table(["title queries", "share"], summary["title_sanity"].items())
    return f"latency in ms\n{out}\n\n{sanity}"


def main(argv: list[str] | None = None) -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    corpus.add_scale_options(parser)
    parser.add_argument("--per-kind", type=int, default=None, help="queries per kind [40]")
    parser.add_argument("--profile", action="store_true",
                        help="also time the steps of search() and cProfile the mix")
    parser.add_argument("--results", type=Path, default=None, help="results folder")
    parser.add_argument("--mode", choices=("lexical", "hybrid"), default="lexical",
                        help="ours by words, or by words and meaning (an index with vectors, "
                        "built beside the words-only one on first use) [lexical]")
    args = parser.parse_args(argv)
    n = SMOKE_SCALE if args.smoke else args.scale
    per_kind = args.per_kind or (8 if args.smoke else 40)
    run = ingest.ensure_built(n, args.seed, args.format)
    if args.mode == "hybrid":
        ingest.ensure_vectors(n, args.seed, args.format)
    queries = mix.build_mix(run / "docs.jsonl", per_kind)
    print(f"query: {len(queries)} queries over {n} articles ({args.format}), ours {args.mode}",
          flush=True)
    opened = open_engines(run, args.mode)
    rows = run_mix(opened["engines"], queries)
    summary = summarize(rows)
    print(report(summary))
    print("\ncold first query (open + 1 query), ms:", opened["cold_first_query_ms"])
    data = {"format": args.format, "articles": n, "per_kind": per_kind, "mode": args.mode,
            "cold_first_query_ms": opened["cold_first_query_ms"], **summary}
    if args.profile:
        data["ours_breakdown_ms"] = breakdown(run / "index", queries)
        steps = ("total_ms", "parse_query", "docs_for_query", "_match", "_rank", "result",
                 "snippet", "collapsed", "_facets", "_suggest")
        rows_b = [[k, *(v.get(s) for s in steps)] for k, v in data["ours_breakdown_ms"].items()]
        print("\nours, mean ms per query by step (nested: match holds parse and the postings "
              "walk; results hold snippets)")
        print(table(["kind", "total", "parse", "postings", "match", "rank", "results",
                     "snippets", "collapse", "facets", "suggest"], rows_b))
        print(profile(run / "index", queries))
    data["queries_sample"] = [q.to_json() for q in queries[:10]]
    save_result("query" if args.mode == "lexical" else "query-hybrid", data, args)


if __name__ == "__main__":
    sys.exit(main())
