"""A reindex in a process of its own, for the fault tests to kill with SIGKILL.

    python tests/killable_reindex.py ROOT PATH... [--full] [--workers N] [--pause-at POINT]

It prints ``progress N`` after each extracted article and ``done GENERATION`` at the end, so a
test can time a kill by its output. Points too brief to hit by timing are reached with
``--pause-at``: the process stops itself (SIGSTOP) there and the test kills it. Only the calls
the library makes into sqlite3 and ``os`` are intercepted; the library itself is unchanged.

Points: ``stories-commit`` (just before the story store's COMMIT), ``stories-committed`` (just
after it), ``switch`` (before ``CURRENT`` is replaced) and ``switched`` (just after).
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search.generations import POINTER  # noqa: E402
from search.index import reindex  # noqa: E402

PAUSE_AT = ""


def pause(point: str) -> None:
    """Say where we are, then stop until the test kills (or continues) us."""
    if point == PAUSE_AT:
        print(f"paused {point}", flush=True)
        os.kill(os.getpid(), signal.SIGSTOP)


class Connection:
    """A sqlite3 connection that pauses around COMMIT (sqlite3's own class cannot be patched)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, *args):
        commit = sql.strip().upper() == "COMMIT"
        if commit:
            pause("stories-commit")
        result = self._conn.execute(sql, *args)
        if commit:
            pause("stories-committed")
        return result

    def __getattr__(self, name: str):
        return getattr(self._conn, name)


def intercept() -> None:
    """Wrap sqlite3.connect and os.replace with the pause points."""
    connect, replace = sqlite3.connect, os.replace

    def paused_connect(*args, **kwargs):
        return Connection(connect(*args, **kwargs))

    def paused_replace(src, dst, *args, **kwargs):
        pointer = Path(dst).name == POINTER
        if pointer:
            pause("switch")
        replace(src, dst, *args, **kwargs)
        if pointer:
            pause("switched")

    sqlite3.connect = paused_connect
    os.replace = paused_replace


def main() -> None:
    global PAUSE_AT
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--pause-at", default="")
    args = parser.parse_args()
    PAUSE_AT = args.pause_at
    intercept()

    def progress(done: int, total: int, articles: int) -> None:
        print(f"progress {articles}", flush=True)

    report = reindex(
        args.paths, args.root, full=args.full, workers=args.workers, progress=progress
    )
    print(f"done {report.generation} {report.added}", flush=True)


if __name__ == "__main__":
    main()
