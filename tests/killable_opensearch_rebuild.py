"""An OpenSearch rebuild in a process of its own, for a test to kill with SIGKILL mid-bulk.

    python tests/killable_opensearch_rebuild.py URL ALIAS PATH... [--chunk-docs N] [--pause-after N]

Documents are made from the files at PATH by the project's own pipeline (read, extract,
document). It prints ``chunk N`` after each bulk chunk and ``done INDEX`` at the end; with
``--pause-after N`` it stops itself (SIGSTOP) after chunk N, so the test kills it at a known
point instead of racing it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search.document import document  # noqa: E402
from search.engines.opensearch_write import OpenSearchWriter, WriteReport  # noqa: E402
from search.extract import extract  # noqa: E402
from search.pipeline import source_hash  # noqa: E402
from search.read import Page, discover, read_file  # noqa: E402


def documents_from(paths: Iterable[str | Path]) -> Iterator[dict]:
    """The index documents of every article in the files under ``paths``, as reindex makes them."""
    for path in discover(paths):
        if not isinstance(path, Path):
            continue
        file_hash = source_hash(path)
        for page in read_file(path):
            if isinstance(page, Page):
                yield document(extract(page), file_hash)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("alias")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--chunk-docs", type=int, default=2)
    parser.add_argument("--pause-after", type=int, default=0)
    args = parser.parse_args()
    chunks = 0

    def progress(report: WriteReport) -> None:
        nonlocal chunks
        chunks += 1
        print(f"chunk {chunks} {report.index}", flush=True)
        if chunks == args.pause_after:
            os.kill(os.getpid(), signal.SIGSTOP)

    writer = OpenSearchWriter(args.url, args.alias, chunk_docs=args.chunk_docs,
                              progress=progress)
    report = writer.rebuild(list(documents_from(args.paths)))
    print(f"done {report.index} {report.indexed}", flush=True)


if __name__ == "__main__":
    main()
