"""CPU per search in one process: the server benchmark's query mix through ``search()``.

A figure that other load on the machine inflates far less than wall-clock latency: it counts
the process's own CPU time (``time.process_time``) per search, after one warm-up pass.

    python bench/search_cpu.py --scale 10000 [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import time

import corpus
import ingest
import mix
from harness import percentile


def main(argv: list[str] | None = None) -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    corpus.add_scale_options(parser)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    from search.request import parse_request
    from search.searchindex import WhooshIndex

    run = ingest.ensure_built(args.scale, args.seed, args.format)
    queries = mix.build_mix(run / "docs.jsonl", 40, seed=11)
    requests = [parse_request({k: v if isinstance(v, list) else [v] for k, v in q.params().items()})
                for q in queries]
    index = WhooshIndex(run / "index")  # kept open, as a serving worker keeps its own
    for request in requests:
        index.search(request)
    times = []
    for _ in range(args.rounds):
        for request in requests:
            started = time.process_time()
            index.search(request)
            times.append((time.process_time() - started) * 1000)
    print(f"{len(times)} searches: CPU mean {sum(times) / len(times):.1f} ms, "
          f"p50 {percentile(times, 50):.1f}, p95 {percentile(times, 95):.1f}")


if __name__ == "__main__":
    sys.exit(main())
