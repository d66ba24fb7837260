"""Server benchmark: the real app under waitress on loopback, loaded from a separate process.

Starts ``news-search serve --index DIR --port P`` (the CLI the docs tell people to run) on
127.0.0.1 in a subprocess, then runs a load client in another process: a fixed number of
concurrent keep-alive connections (Python threads with http.client), each sending the query
mix's URLs one after another for a bounded time and count; or, with ``--load wrk``, Debian's
``wrk`` (C, one event loop per thread) sends them, so that the client takes little of the two
cores the server needs. For each concurrency level it
reports requests/s, p50/p95/p99 latency, errors, and the server's resident memory.

    python bench/server.py --smoke
    python bench/server.py --scale 10000 --concurrency 1,4,16 --duration 20
    python bench/server.py --scale 100000 --concurrency 1,4,16,64 --load wrk
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import corpus
import ingest
import mix
from harness import (
    PROJECT,
    SMOKE_SCALE,
    percentile,
    rss_of,
    run_child,
    save_result,
    table,
    tree_cpu,
    tree_memory,
)

ENDPOINTS = {"api": "/api/search", "html": "/search"}
MAX_REQUESTS = 100_000  # per level: the load always stops by itself
TIMEOUT = 600  # seconds for one response: a cold thread at 1M articles builds its tables first


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(root: Path, port: int, threads: int, log: Path,
                 workers: int | None = None) -> subprocess.Popen:
    """``news-search serve`` from this checkout, in its own process, its messages to ``log``
    (a pipe nobody reads fills up with waitress's queue warnings and blocks the server)."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    command = [sys.executable, "-c", "from web.cli import main; main()", "serve",
               "--index", str(root), "--host", "127.0.0.1", "--port", str(port),
               "--threads", str(threads)]
    command += ["--workers", str(workers)] if workers else []  # else serve's default
    with open(log, "wb") as messages:
        return subprocess.Popen(command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL,
                                stderr=messages)


def wait_ready(port: int, server: subprocess.Popen, log: Path, timeout: float = 1800) -> float:
    """Seconds until the server answers a search (it opens its index on the first one)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if server.poll() is not None:
            raise SystemExit(f"server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            conn.request("GET", "/api/search?q=news")
            if conn.getresponse().status == 200:
                return time.perf_counter() - started
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not answer in time")


def load(port: int, paths: list[str], concurrency: int, duration: float, cap: int) -> dict:
    """In the client process: ``concurrency`` connections sending ``paths`` for ``duration``."""
    lock = threading.Lock()
    state = {"next": 0}
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    deadline = time.perf_counter() + duration

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        while time.perf_counter() < deadline:
            with lock:
                if state["next"] >= cap:
                    return
                path = paths[state["next"] % len(paths)]
                state["next"] += 1
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                status = str(response.status)
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    ok = statuses.get("200", 0)
    return {
        "concurrency": concurrency,
        "requests": len(latencies),
        "ok": ok,
        "errors": len(latencies) - ok,
        "statuses": statuses,
        "seconds": round(wall, 2),
        "requests_per_s": round(ok / wall, 1) if wall else 0,
        **{f"p{q}_ms": round(percentile(latencies, q) or 0, 1) for q in (50, 95, 99)},
    }


# wrk sends the mix's URLs in turn from a file (one per line) and prints its figures as JSON.
WRK_SCRIPT = """
local paths, next = {}, 0
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  next = math.random(#paths)  -- threads start at different places in the mix
end
request = function()
  next = next % #paths + 1
  return wrk.format("GET", paths[next])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "us": %d, "p50": %d, "p95": %d, "p99": %d, "socket": %d, "status": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def load_wrk(port: int, paths: list[str], concurrency: int, duration: float,
             folder: Path) -> dict:
    """``wrk`` with ``concurrency`` connections sending ``paths`` for ``duration`` seconds."""
    script, listing = folder / "wrk.lua", folder / "wrk-paths.txt"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
    threads = min(2, concurrency)  # two cores: more wrk threads only take the server's CPU
    done = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{duration:.0f}s",
         "--timeout", f"{TIMEOUT}s", "-s", str(script), f"http://127.0.0.1:{port}",
         "--", str(listing)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    seconds = figures["us"] / 1e6
    errors = figures["socket"] + figures["status"]
    return {
        "concurrency": concurrency, "client": "wrk", "requests": figures["requests"],
        "ok": figures["requests"] - errors, "errors": errors, "seconds": round(seconds, 2),
        "requests_per_s": round((figures["requests"] - errors) / seconds, 1) if seconds else 0,
        **{f"p{q}_ms": round(figures[f"p{q}"] / 1000, 1) for q in (50, 95, 99)},
    }


def paths_for(queries: list[mix.Query], endpoint: str) -> list[str]:
    """The URLs of the query mix on one endpoint."""
    base = ENDPOINTS[endpoint]
    return [f"{base}?{urlencode(q.params(), doseq=True)}" for q in queries]


def bench(run: Path, queries, levels, duration, threads, endpoints, workers=None,
          client_kind: str = "python") -> dict:
    """Start the server, warm it, load it at each level, stop it."""
    port = free_port()
    log = run / "server.log"
    server = start_server(run / "index", port, threads, log, workers)
    out = {"threads": threads, "workers": workers, "client": client_kind, "levels": []}
    client = Path(__file__).resolve()
    try:
        out["ready_seconds"] = round(wait_ready(port, server, log), 2)
        out["memory_after_start"] = rss_of(server.pid) | tree_memory(server.pid)
        spec = run / "server-paths.json"
        for endpoint in endpoints:
            spec.write_text(json.dumps(paths_for(queries, endpoint)), encoding="utf-8")
            warm = ["--client", str(port), "--paths", str(spec), "--duration", "3",
                    "--concurrency", str(threads)]
            run_child(client, warm, run / "client.json")
            for level in levels:
                args = ["--client", str(port), "--paths", str(spec), "--duration", str(duration),
                        "--concurrency", str(level)]
                cpu = tree_cpu(server.pid)
                if client_kind == "wrk":
                    figures = load_wrk(port, paths_for(queries, endpoint), level, duration, run)
                else:
                    figures = run_child(client, args, run / "client.json")
                cpu = tree_cpu(server.pid) - cpu
                per_request = 1000 * cpu / max(1, figures["requests"])
                figures |= {"endpoint": endpoint, "server_cpu_s": round(cpu, 2),
                            "cpu_ms_per_request": round(per_request, 1),
                            "server_memory": rss_of(server.pid) | tree_memory(server.pid)}
                print(f"  {endpoint} c={level}: {figures['requests_per_s']} req/s, "
                      f"p95 {figures['p95_ms']} ms, errors {figures['errors']}, "
                      f"server CPU {figures['cpu_ms_per_request']} ms/request", flush=True)
                out["levels"].append(figures)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return out


def report(data: dict) -> str:
    """The table of levels."""
    rows = [[f["endpoint"], f["concurrency"], f["requests"], f["errors"], f["requests_per_s"],
             f["p50_ms"], f["p95_ms"], f["p99_ms"], f.get("cpu_ms_per_request"),
             f["server_memory"]["rss_mib"],
             " ".join(str(w) for w in f["server_memory"]["workers_rss_mib"]) or "-",
             f["server_memory"]["total_rss_mib"], f["server_memory"]["total_pss_mib"]]
            for f in data["levels"]]
    return table(["endpoint", "clients", "requests", "errors", "req/s", "p50 ms", "p95 ms",
                  "p99 ms", "CPU ms/req", "parent RSS MiB", "worker RSS MiB", "total RSS MiB",
                  "total PSS MiB"], rows)


def main(argv: list[str] | None = None) -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    corpus.add_scale_options(parser)
    parser.add_argument("--concurrency", default="1,4,16", help="client levels [1,4,16]")
    parser.add_argument("--duration", type=float, default=None, help="seconds per level [20]")
    parser.add_argument("--threads", type=int, default=4, help="waitress threads [4]")
    parser.add_argument("--workers", type=int, default=None,
                        help="serve --workers [serve's default: one per core]")
    parser.add_argument("--endpoints", default="api,html", help="api and/or html [api,html]")
    parser.add_argument("--results", type=Path, default=None, help="results folder")
    parser.add_argument("--load", choices=("python", "wrk"), default="python",
                        help="the load client: Python threads, or Debian's wrk [python]")
    parser.add_argument("--client", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--paths", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.client:
        from harness import child_done

        paths = json.loads(args.paths.read_text(encoding="utf-8"))
        level = int(args.concurrency)
        child_done(args.child_out, load(args.client, paths, level, args.duration, MAX_REQUESTS))
        return
    n = SMOKE_SCALE if args.smoke else args.scale
    duration = args.duration or (3.0 if args.smoke else 20.0)
    levels = [int(x) for x in args.concurrency.split(",")]
    endpoints = [e for e in args.endpoints.split(",") if e in ENDPOINTS]
    run = ingest.ensure_built(n, args.seed, args.format)
    queries = mix.build_mix(run / "docs.jsonl", 8 if args.smoke else 40, seed=11)
    print(f"server: {n} articles, workers {args.workers or 'default'} x waitress "
          f"{args.threads} threads, levels {levels}, {args.load} client, "
          f"{duration:.0f}s each", flush=True)
    data = bench(run, queries, levels, duration, args.threads, endpoints, args.workers,
                 args.load)
    print(report(data))
    data |= {"articles": n, "format": args.format, "duration_per_level": duration}
    save_result("server", data, args)


if __name__ == "__main__":
    sys.exit(main())
