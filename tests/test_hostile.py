"""Bad input at ingest: every kind of hostile file alone, then the whole hostile corpus at once.

For each kind: the good articles are indexed and searchable, each bad file or record is reported
with its reason, the run finishes, and the articles indexed before the run are all still there.
Each kind runs as an incremental reindex over an existing index and as a full rebuild.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import SEEDS
from hostile import KINDS, Kind, jsonl, mark, prose, record, story

from search.generations import open_index
from search.index import Report, reindex
from search.query import get_article, search
from search.request import parse_request

BASELINE = [mark("baseline", n) for n in range(3)]
BASELINE_COUNT = 2 + len(BASELINE)  # the seeds and the baseline records


def _params() -> list:
    """(kind, mode) pairs, marked slow, skipped where the platform cannot build the kind, or
    expected to fail (strictly) where a known bug outside the reading stages bites."""
    params = []
    for kind in KINDS:
        for mode in ("incremental", "full"):
            marks = [pytest.mark.slow] if kind.slow else []
            if why := kind.unavailable() if kind.unavailable else "":
                marks.append(pytest.mark.skip(reason=why))
            if kind.known_bug and mode == "incremental":
                marks.append(pytest.mark.xfail(strict=True, reason=kind.known_bug))
            params.append(pytest.param(kind, mode, marks=marks, id=f"{kind.name}-{mode}"))
    return params


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> tuple[Path, Path]:
    """A corpus of the seeds and three records, and an index of it to copy for each test."""
    corpus = tmp_path_factory.mktemp("baseline") / "corpus"
    shutil.copytree(SEEDS, corpus)
    lines = [{"title": f"Baseline report {m}", "text": prose(m), "date": "2025-01-0" + str(n + 1)}
             for n, m in enumerate(BASELINE)]
    (corpus / "baseline.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    root = corpus.parent / "index"
    report = reindex([corpus], root, workers=1)
    assert (report.added, report.skipped) == (BASELINE_COUNT, []), report.to_json()
    return corpus, root


def lookup(root: Path, words: list[str]) -> dict[str, dict]:
    """Each word's search results: {"total": n, "article": the whole article when n == 1}."""

    def run() -> dict[str, dict]:
        found = {}
        for word in words:
            data = search(root, parse_request({"q": word}))
            entry = {"total": data["total"]}
            if data["total"] == 1:
                hit = data["results"][0]
                entry["article"] = {**get_article(root, hit["id"]), "hit": hit}
            found[word] = entry
        return found

    # The search library keeps one searcher per thread and index: a short-lived thread lets
    # them go with it, so a hundred indexes do not hold their files open.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def reported(report: Report, folder: Path) -> list[tuple[str, str]]:
    """Skipped and duplicate entries as (path relative to ``folder``, reason), sorted."""
    entries = report.skipped + getattr(report, "duplicates", [])
    return sorted((os.path.relpath(s.path, folder), s.reason) for s in entries)


def assert_reported(kind: Kind, entries: list[tuple[str, str]]) -> None:
    """Exactly the kind's bad files and records are reported, each with its reason."""
    expected = sorted(kind.bad)
    assert [path for path, _ in entries] == [path for path, _ in expected], entries[:20]
    for (path, reason), (_, pattern) in zip(entries, expected, strict=True):
        assert re.search(pattern, reason), (path, reason, pattern)


def assert_searchable(root: Path, kind: Kind, extra: list[str]) -> None:
    """Good and earlier articles are found once each; forbidden words not at all."""
    found = lookup(root, [*kind.good, *extra, *kind.absent])
    for word in [*kind.good, *extra]:
        assert found[word]["total"] == 1, (word, found[word]["total"])
    for word in kind.absent:
        assert found[word]["total"] == 0, word
    if kind.check:
        kind.check({m: found[m]["article"] for m in kind.good})


def count(root: Path) -> int:
    with open_index(root).searcher() as searcher:
        return searcher.doc_count()


@pytest.mark.parametrize(("kind", "mode"), _params())
def test_hostile_kind(kind: Kind, mode: str, baseline: tuple[Path, Path], tmp_path: Path):
    corpus, prebuilt = baseline
    root = tmp_path / "index"
    shutil.copytree(prebuilt, root)
    folder = tmp_path / kind.name
    folder.mkdir()
    kind.build(folder)
    report = reindex([corpus, folder], root, full=mode == "full", prune=True, workers=1)
    assert_reported(kind, reported(report, folder))
    if mode == "full":
        assert report.added == BASELINE_COUNT + len(kind.good)
    else:
        assert (report.added, report.updated, report.removed) == (len(kind.good), 0, 0)
        assert report.unchanged == BASELINE_COUNT
    assert count(root) == BASELINE_COUNT + len(kind.good)
    assert_searchable(root, kind, BASELINE)
    if mode == "incremental":
        assert_rerun_changes_nothing(corpus, folder, root, report)


def assert_rerun_changes_nothing(corpus: Path, folder: Path, root: Path, first: Report) -> None:
    """The same corpus again: nothing added, changed or removed, nothing new reported.

    Files indexed before are not read again, so their bad records are not reported again.
    """
    again = reindex([corpus, folder], root, prune=True, workers=1)
    assert (again.added, again.updated, again.removed) == (0, 0, 0)
    assert again.unchanged == count(root) == first.added + first.unchanged
    assert set(reported(again, folder)) <= set(reported(first, folder))


AVAILABLE = [k for k in KINDS if not (k.unavailable and k.unavailable())]


@pytest.fixture(scope="module")
def whole(baseline: tuple[Path, Path], tmp_path_factory) -> tuple[Path, Path, Path, Report]:
    """Every kind side by side, read by two extraction workers into a copy of the baseline."""
    corpus, prebuilt = baseline
    root = tmp_path_factory.mktemp("whole") / "index"
    shutil.copytree(prebuilt, root)
    folder = root.parent / "hostile"
    for kind in AVAILABLE:
        (folder / kind.name).mkdir(parents=True)
        kind.build(folder / kind.name)
    return corpus, folder, root, reindex([corpus, folder], root, prune=True, workers=2)


@pytest.mark.slow
def test_whole_hostile_corpus_in_one_run(whole):
    corpus, folder, root, report = whole
    good = sum(len(k.good) for k in AVAILABLE)
    bad = Counter(f"{k.name}/{path}" for k in AVAILABLE for path, _ in k.bad)
    assert (report.added, report.updated, report.removed) == (good, 0, 0)
    assert report.unchanged == BASELINE_COUNT
    assert Counter(path for path, _ in reported(report, folder)) == bad
    assert count(root) == BASELINE_COUNT + good
    found = lookup(root, [m for k in AVAILABLE for m in k.good] + BASELINE)
    assert {w for w, f in found.items() if f["total"] != 1} == set()
    absent = lookup(root, [m for k in AVAILABLE for m in k.absent])
    assert {w for w, f in absent.items() if f["total"]} == set()


@pytest.mark.slow
def test_whole_hostile_corpus_again_changes_nothing(whole):
    corpus, folder, root, report = whole
    assert_rerun_changes_nothing(corpus, folder, root, report)


def test_same_url_in_a_new_file_over_an_existing_index(tmp_path: Path):
    """A later crawl saves an indexed URL again, with other text, in a new file: a second
    article (ids are per file and record), and runs are stable."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    url = "https://ledger.example/saved-twice"
    first, second = mark("sameurl", 0), mark("sameurl", 1)
    (corpus / "a.jsonl").write_text(jsonl(record(first, url=url)))
    root = tmp_path / "index"
    reindex([corpus], root, workers=1)
    (corpus / "b.jsonl").write_text(jsonl(record(second, url=url)))
    assert (reindex([corpus], root, workers=1).added, count(root)) == (1, 2)
    report = reindex([corpus], root, workers=1)
    assert (report.added, report.updated, report.unchanged, report.skipped) == (0, 0, 2, [])
    assert {w: f["total"] for w, f in lookup(root, [first, second]).items()} == {
        first: 1, second: 1}


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs Linux /proc/self/mem")
def test_indexed_file_that_becomes_unreadable(tmp_path: Path):
    """A file indexed before fails to read now: it is reported, its article stays, the run
    goes on and indexes the new files (even with prune: a read error is not a deletion)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (tmp_path / "saved.txt").write_text(story(mark("unreadable", 0)))
    (corpus / "story.txt").symlink_to(tmp_path / "saved.txt")
    root = tmp_path / "index"
    reindex([corpus], root, workers=1)
    (corpus / "story.txt").unlink()
    (corpus / "story.txt").symlink_to("/proc/self/mem")  # a regular file that fails with EIO
    (corpus / "new.txt").write_text(story(mark("unreadable", 1)))
    report = reindex([corpus], root, prune=True, workers=1)
    assert (report.added, report.removed) == (1, 0)
    assert [(Path(s.path).name, s.reason) for s in report.skipped] == [
        ("story.txt", "unreadable: Input/output error")]
    assert {w: f["total"] for w, f in lookup(root, [mark("unreadable", 0),
                                                    mark("unreadable", 1)]).items()} == {
        mark("unreadable", 0): 1, mark("unreadable", 1): 1}


def test_the_corpus_has_at_least_forty_kinds():
    assert len(KINDS) >= 40
    assert len({k.name for k in KINDS}) == len(KINDS)
    markers = [m for k in KINDS for m in (*k.good, *k.absent)]
    assert len(set(markers)) == len(markers)
