"""Cold start and swap benchmark: `news-search serve` to its first answer, and the first
answers after a reindex swap.

Copies the benchmark's index (bench/ingest.py builds it) aside, starts the server on it on
127.0.0.1, and times from the start of the process to the first 200 of ``/api/search``. Then
it swaps generations as a full reindex does at its end (a copy of the serving generation under
a new name, ``CURRENT`` switched atomically) and sends as many concurrent searches as there are
workers, then the same again: the first round pays for reopening the index in each worker.

    python bench/serve_start.py --scale 10000 [--workers 2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import corpus
import ingest
from harness import PROJECT, percentile, save_result, table
from server import free_port

QUERY = "/api/search?q=election+results"


def ask(port: int, path: str) -> tuple[float, int, str]:
    """One GET on a new connection: milliseconds, status, the answering worker (if said)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return ((time.perf_counter() - started) * 1000, response.status,
                response.getheader("X-Worker-Pid") or "")
    finally:
        conn.close()


def first_answer(port: int, server: subprocess.Popen, started: float) -> float:
    """Seconds from ``started`` until the server answers a search with 200."""
    while True:
        if server.poll() is not None:
            raise SystemExit("server exited")
        try:
            if ask(port, "/api/search?q=news")[1] == 200:
                return time.perf_counter() - started
        except OSError:
            time.sleep(0.02)


def swap(root: Path) -> None:
    """What a full reindex does at its end: a new generation, CURRENT switched to it."""
    sys.path.insert(0, str(PROJECT))
    from search.generations import current_generation, switch_to

    gen = current_generation(root)
    new = root / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{time.monotonic_ns()}"
    shutil.copytree(gen, new, ignore=shutil.ignore_patterns("*WRITELOCK"))
    switch_to(root, new)


def once(index: Path, workers: int | None, port: int) -> dict:
    """Start, first answer, swap, first answers after it, stop."""
    command = [sys.executable, "-c", "from web.cli import main; main()", "serve",
               "--index", str(index), "--port", str(port)]
    command += ["--workers", str(workers)] if workers else []
    started = time.perf_counter()
    server = subprocess.Popen(command, cwd=PROJECT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env={"PYTHONPATH": str(PROJECT),
                                                              **_env()})
    try:
        cold = first_answer(port, server, started)
        n = max(workers or 1, 2)
        with ThreadPoolExecutor(n) as pool:
            list(pool.map(lambda _: ask(port, QUERY), range(4 * n)))  # every worker warm
            swap(index)
            after = list(pool.map(lambda _: ask(port, QUERY), range(n)))
            steady = list(pool.map(lambda _: ask(port, QUERY), range(n)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"cold_start_s": round(cold, 2),
            "after_swap_max_ms": round(max(a[0] for a in after), 1),
            "steady_max_ms": round(max(a[0] for a in steady), 1),
            "statuses": sorted({a[1] for a in after + steady})}


OPEN_AND_QUERY = {
    # Imports first (a server has them before its first request); then open and one query.
    "ours": """
import sys, time
from search.query import parse_request, search
from search.places import gazetteer
if sys.argv[2] == "warm":
    gazetteer()  # what a worker loads before it accepts: left is what a swap costs
started = time.perf_counter()
search(sys.argv[1], parse_request({"q": ["election results"], "mode": ["lexical"]}))
print(time.perf_counter() - started)
""",
    "tantivy": """
import sys, time
sys.path.insert(0, sys.argv[3])
from engines import EngineQuery, Tantivy
started = time.perf_counter()
Tantivy(sys.argv[1]).search(EngineQuery(["election", "results"]))
print(time.perf_counter() - started)
""",
}


def open_and_query(run: Path, engine: str, variant: str = "") -> float:
    """Milliseconds from opening an engine's index to its first answer, in a fresh process."""
    index = run / ("tantivy" if engine == "tantivy" else "serve-start-index")
    done = subprocess.run(
        [sys.executable, "-c", OPEN_AND_QUERY[engine], str(index), variant,
         str(Path(__file__).resolve().parent)],
        cwd=PROJECT, env={**_env(), "PYTHONPATH": str(PROJECT)}, capture_output=True,
        text=True, check=True)
    return round(float(done.stdout.split()[-1]) * 1000, 1)


def _env() -> dict:
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def main(argv: list[str] | None = None) -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    corpus.add_scale_options(parser)
    parser.add_argument("--workers", type=int, default=None, help="serve --workers [its default]")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--results", type=Path, default=None, help="results folder")
    args = parser.parse_args(argv)
    run = ingest.ensure_built(args.scale, args.seed, args.format)
    index = run / "serve-start-index"
    shutil.rmtree(index, ignore_errors=True)
    shutil.copytree(run / "index", index, ignore=shutil.ignore_patterns("*.lock", "*WRITELOCK"))
    opens = {name: [open_and_query(run, *name.split(":")) for _ in range(args.repeat)]
             for name in ("ours:cold", "ours:warm", "tantivy:")}
    for name, times in opens.items():
        print(f"open and first query, {name.rstrip(':')}: {times} ms")
    runs = [once(index, args.workers, free_port()) for _ in range(args.repeat)]
    rows = [[i + 1, r["cold_start_s"], r["after_swap_max_ms"], r["steady_max_ms"], r["statuses"]]
            for i, r in enumerate(runs)]
    print(table(["run", "serve to first answer s", "first after swap ms (max)",
                 "steady ms (max)", "statuses"], rows))
    summary = {k: percentile([r[k] for r in runs], 50)
               for k in ("cold_start_s", "after_swap_max_ms", "steady_max_ms")}
    print("median:", summary)
    save_result("serve-start", {"articles": args.scale, "workers": args.workers, "runs": runs,
                                "median": summary, "open_and_query_ms": opens}, args)


if __name__ == "__main__":
    sys.exit(main())
