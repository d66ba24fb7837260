"""Ingest benchmark: end-to-end reindex throughput, by stage, with peak memory and index size.

Writes a scaled corpus (see corpus.py), then, each in a fresh process so memory figures are its
own:
  ours     ``search.index.reindex(full=True)`` on the raw files: reading, extraction, entities,
           indexing, commit (the stage timings the code reports, plus a few wrappers set here)
  whoosh   our schema and Whoosh writer alone, on the documents ours extracted (no extraction)
  fts5     SQLite FTS5 on the same documents
  tantivy  Tantivy on the same documents
The other engines index pre-extracted documents, so "ours" vs them includes our extraction and
entity work; "whoosh" vs them compares indexing alone.

    python bench/ingest.py --smoke
    python bench/ingest.py --scale 10000 --format mixed
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import shutil
import sys
import threading
import time
from pathlib import Path

import corpus
import engines
from harness import (
    SMOKE_SCALE,
    Timer,
    cache_root,
    child_done,
    folder_size,
    ratio,
    rss_of,
    run_child,
    save_result,
    table,
)

ENGINES = ("ours", "whoosh", "fts5", "tantivy")
PROFILE_SCALE = 2_000


def installed() -> tuple[str, ...]:
    """The engines this environment can run (Tantivy is an optional extra)."""
    return ENGINES if engines.have_tantivy() else ENGINES[:-1]


def run_dir(n: int, seed: int, fmt: str) -> Path:
    """The scratch folder of one corpus: our index, the exported documents, the other engines."""
    return cache_root() / "runs" / corpus.label(n, seed, fmt)


def ensure_built(n: int, seed: int, fmt: str, workers: int | None = None) -> Path:
    """A run folder whose four indexes exist (built by this benchmark if missing)."""
    run = run_dir(n, seed, fmt)
    needed = ["index", "docs.jsonl", "fts5.db"] + (["tantivy"] if engines.have_tantivy() else [])
    if not all((run / name).exists() for name in needed):
        # Whoosh-alone is only an ingest figure: the query and server benchmarks skip it.
        measure(n, seed, fmt, workers, tuple(e for e in installed() if e != "whoosh"),
                quiet=True)
    return run


def measure(n, seed, fmt, workers, chosen, quiet=False) -> dict:
    """Build every chosen engine's index in its own process and collect the figures."""
    started = time.perf_counter()
    folder = corpus.write(n, seed, fmt)
    corpus_seconds = time.perf_counter() - started
    run = run_dir(n, seed, fmt)
    run.mkdir(parents=True, exist_ok=True)
    script = Path(__file__).resolve()
    figures = {}
    for engine in ("ours", *[e for e in chosen if e != "ours"]):
        if engine != "ours" and not (run / "docs.jsonl").exists():
            raise SystemExit("no exported documents: run the 'ours' engine first")
        if engine == "ours" and "ours" not in chosen and (run / "docs.jsonl").exists():
            continue
        args = ["--child", engine, "--corpus", str(folder), "--run", str(run)]
        if workers:
            args += ["--workers", str(workers)]
        if not quiet:
            print(f"  {engine}...", flush=True)
        figures[engine] = run_child(script, args, run / f"{engine}.json")
    return {"corpus": str(folder), "corpus_write_seconds": round(corpus_seconds, 1),
            "corpus_bytes": folder_size(folder), "engines": figures}


def child(engine: str, folder: Path, run: Path, workers: int | None) -> dict:
    """Build one engine's index (in this fresh process) and return its figures."""
    cpu = _cpu()
    if engine == "ours":
        figures = _ours(folder, run, workers)
    else:
        target = {"whoosh": run / "whoosh-only", "fts5": run / "fts5.db",
                  "tantivy": run / "tantivy"}[engine]
        if target.is_dir():
            shutil.rmtree(target)
        build = {"whoosh": engines.build_whoosh, "fts5": engines.build_fts5,
                 "tantivy": engines.build_tantivy}[engine]
        started = time.perf_counter()
        figures = build(run / "docs.jsonl", target)
        figures["seconds"] = time.perf_counter() - started
        figures["articles"] = figures.pop("documents")
        figures["index_bytes"] = folder_size(target)
    used = _cpu()
    figures["cpu_seconds"] = {k: round(used[k] - cpu[k], 2) for k in used}
    return figures


def _cpu() -> dict:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"main": own.ru_utime + own.ru_stime, "workers": kids.ru_utime + kids.ru_stime}


def _ours(folder: Path, run: Path, workers: int | None) -> dict:
    """The real reindex, with timers wrapped around the steps the code does not time itself."""
    from search.index import reindex

    root = run / "index"
    if root.exists():
        shutil.rmtree(root)
    timers = _instrument()
    samples: list[tuple[float, int]] = []
    started = time.perf_counter()

    def progress(done: int, total: int, articles: int) -> None:
        if articles % 500 == 0 and (not samples or samples[-1][1] != articles):
            samples.append((round(time.perf_counter() - started, 2), articles))

    memory = _sample_rss(started)
    # Words only, like the engines it is compared with; what vectors cost is measured on
    # NewsArticles itself (docs/benchmarks.md, "Hybrid search").
    report = reindex([folder], root, full=True, workers=workers, progress=progress,
                     vectors=False)
    seconds = time.perf_counter() - started
    memory.append((round(seconds, 1), rss_of(os.getpid())["rss_mib"]))
    exported = engines.export_docs(root, run / "docs.jsonl")
    stages = {k: round(v, 2) for k, v in report.stages.items()}
    stages |= {f"+{k}": round(t.seconds, 2) for k, t in timers.items()}
    return {
        "articles": report.added,
        "skipped": len(report.skipped),
        "skip_reasons": sorted({s.reason for s in report.skipped})[:5],
        "seconds": seconds,
        "stages": stages,
        "progress": samples[:: max(1, len(samples) // 40)],
        "main_rss_mib": memory[:: max(1, len(memory) // 40)],
        "exported": exported,
        "index_bytes": folder_size(root),
        "workers": workers,
    }


def _sample_rss(started: float) -> list[tuple[float, float]]:
    """(seconds, MiB) of this process's memory every second while the reindex runs."""
    samples: list[tuple[float, float]] = []

    def sample() -> None:
        while True:
            samples.append((round(time.perf_counter() - started, 1),
                            rss_of(os.getpid())["rss_mib"]))
            time.sleep(1.0)

    threading.Thread(target=sample, daemon=True).start()
    return samples


def _instrument() -> dict[str, Timer]:
    """Time steps of the ingest path from outside (in this process only): wrappers, no edits."""
    from whoosh.writing import SegmentWriter

    import search.index as index_module
    import search.pipeline as pipeline_module

    timers = {name: Timer() for name in
              ("discover", "learn_repeats", "build_document", "add_document", "side_files")}
    _wrap(pipeline_module, "_discover", timers["discover"])
    _wrap(pipeline_module, "_learn", timers["learn_repeats"])
    _wrap(index_module, "document", timers["build_document"])
    _wrap(index_module, "_save_side_files", timers["side_files"])
    _wrap(SegmentWriter, "add_document", timers["add_document"])
    return timers


def _wrap(owner, name: str, timer: Timer) -> None:
    original = getattr(owner, name)

    def timed(*args, **kwargs):
        with timer:
            return original(*args, **kwargs)

    setattr(owner, name, timed)


def profile(folder: Path, run: Path, top: int = 30) -> str:
    """cProfile of one in-process reindex (workers=1, so extraction is profiled too)."""
    from search.index import reindex

    root = run / "profile-index"
    shutil.rmtree(root, ignore_errors=True)
    profiler = cProfile.Profile()
    profiler.enable()
    reindex([folder], root, full=True, workers=1, vectors=False)
    profiler.disable()
    profiler.dump_stats(run / "ingest.prof")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def report(n: int, data: dict) -> tuple[str, dict]:
    """The tables and the summary figures of one run."""
    figures = data["engines"]
    rows, summary = [], {}
    for engine, f in figures.items():
        rate = f["articles"] / f["seconds"] if f["seconds"] else 0
        summary[engine] = {"articles_per_s": round(rate, 1), "seconds": round(f["seconds"], 1),
                           "peak_rss_mib": max(f["memory"].values()),
                           "index_mib": round(f["index_bytes"] / 2**20, 1)}
        rows.append([engine, f["articles"], f["seconds"], rate,
                     f["memory"]["self_mib"], f["memory"]["children_max_mib"],
                     f["index_bytes"] / 2**20])
    out = [table(["engine", "articles", "seconds", "articles/s", "peak RSS MiB",
                  "workers peak MiB", "index MiB"], rows)]
    ours = summary.get("ours", {})
    for key in ("whoosh", "fts5", "tantivy"):
        if key in summary:
            other = summary[key]["seconds"]
            summary[f"ours_vs_{key}_time"] = ratio(ours.get("seconds"), other)
            if key != "whoosh":
                summary[f"whoosh_vs_{key}_time"] = ratio(
                    summary.get("whoosh", {}).get("seconds"), other)
    ratios = [(k, v) for k, v in summary.items() if k.endswith("_time")]
    if ratios:
        out.append(table(["time ratio", "× slower"], ratios))
    if "ours" in figures:
        f = figures["ours"]
        stages = sorted(f["stages"].items(), key=lambda kv: -kv[1])
        out.append(table(["ours: stage (+ = timed by bench)", "seconds"], stages))
        out.append(table(["ours: cpu", "seconds"], f["cpu_seconds"].items()))
        curve = f["main_rss_mib"][:: max(1, len(f["main_rss_mib"]) // 8)]
        out.append("ours: main process RSS over the run (s: MiB): "
                   + ", ".join(f"{t:.0f}: {m:.0f}" for t, m in curve if m))
    return "\n\n".join(out), summary


def main(argv: list[str] | None = None) -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    corpus.add_scale_options(parser)
    parser.add_argument("--workers", type=int, default=None, help="extraction processes [cores]")
    parser.add_argument("--engines", default=None,
                        help=f"comma-separated subset of {','.join(ENGINES)} [all installed]")
    parser.add_argument("--profile", action="store_true",
                        help=f"also cProfile an in-process reindex (workers=1) of "
                             f"{PROFILE_SCALE} articles")
    parser.add_argument("--results", type=Path, default=None, help="results folder")
    parser.add_argument("--child", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_done(args.child_out, child(args.child, args.corpus, args.run, args.workers))
        return
    n = SMOKE_SCALE if args.smoke else args.scale
    chosen = tuple(e.strip() for e in (args.engines or ",".join(installed())).split(","))
    print(f"ingest: {n} articles ({args.format}), engines {', '.join(chosen)}", flush=True)
    data = measure(n, args.seed, args.format, args.workers, chosen)
    text, summary = report(n, data)
    print(text)
    data["summary"] = summary
    data["format"] = args.format
    if args.profile:
        # A slice is enough to see where time goes; profiling 10k+ in one process takes long.
        size = min(n, PROFILE_SCALE)
        print(f"\ncProfile of one in-process reindex (workers=1) of {size} articles")
        prof = profile(corpus.write(size, args.seed, args.format), run_dir(size, args.seed,
                                                                          args.format))
        print(prof)
    save_result("ingest", data, args)


if __name__ == "__main__":
    sys.exit(main())
