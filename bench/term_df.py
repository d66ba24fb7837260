"""Build ``search/data/term_df.tsv.gz``: background document frequencies for story linking.

Story links weigh the words two articles share by how rare they are in news in general. The
weights come from this fixed table, not from the index being built, so that linking two
articles depends on those two articles alone (and a full reindex gives the same stories as
incremental runs). The table is derived from the NewsArticles corpus (3,824 articles,
Dec 2016 - Mar 2017): terms as the index analyses them and the number of articles holding
each, for terms in at least ``MIN_DF`` articles. It holds counts, not text.

    python bench/term_df.py path/to/NewsArticles.csv
"""

from __future__ import annotations

import csv
import gzip
import sys
from collections import Counter
from pathlib import Path

from search.analysis import analyze

MIN_DF = 3
OUT = Path(__file__).resolve().parent.parent / "search" / "data" / "term_df.tsv.gz"


def main(csv_path: str) -> None:
    csv.field_size_limit(sys.maxsize)
    df: Counter = Counter()
    docs = 0
    with open(csv_path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = " ".join(row.get(k) or "" for k in ("title", "subtitle", "text"))
            if text.strip():
                docs += 1
                df.update(set(analyze(text)))
    kept = sorted((t, n) for t, n in df.items() if n >= MIN_DF)
    lines = [f"#docs\t{docs}\n", *(f"{t}\t{n}\n" for t, n in kept)]
    # mtime=0: the same corpus gives the same bytes.
    OUT.write_bytes(gzip.compress("".join(lines).encode("utf-8"), 9, mtime=0))
    print(f"{len(kept)} terms from {docs} articles -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "NewsArticles.csv")
