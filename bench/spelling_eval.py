"""'Did you mean' on real misspellings: how many of ``bench/spelling_dev.tsv`` are corrected.

    python bench/spelling_eval.py INDEX [--show]

INDEX is an index of NewsArticles (``news-search reindex NewsArticles.csv --index INDEX``).
Each typed word is corrected as a one-word query that finds nothing would be; prints the
accuracy (overall and by kind: names, places, common words), the time per word, and with
``--show`` every miss. Run it on an older checkout to compare (it uses whichever correction
function that checkout has).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from search.generations import open_index  # noqa: E402

DEV = HERE / "spelling_dev.tsv"


def corrector():
    """This checkout's correction function."""
    from search import query

    if hasattr(query, "_correction"):  # before search/spelling.py: one edit first, then two
        return query._correction
    from search.spelling import correction

    return correction


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--show", action="store_true", help="print every miss")
    args = parser.parse_args()
    rows = [line.split("\t") for line in DEV.read_text().splitlines() if not line.startswith("#")]
    correct = corrector()
    right, total = Counter(), Counter()
    elapsed = []
    with open_index(args.index).searcher() as searcher:
        for typed, meant, kind in rows:
            start = time.perf_counter()
            got = correct(searcher, typed)
            elapsed.append(time.perf_counter() - start)
            total[kind] += 1
            right[kind] += got == meant
            if got != meant and args.show:
                print(f"  {typed:14} -> {got!s:14} (meant {meant})")
    for kind in sorted(total):
        print(f"{kind:6} {right[kind]}/{total[kind]}")
    elapsed.sort()
    print(f"all    {sum(right.values())}/{sum(total.values())}"
          f"  median {1000 * elapsed[len(elapsed) // 2]:.0f} ms, max {1000 * elapsed[-1]:.0f} ms")


if __name__ == "__main__":
    main()
