"""Reindexing: full and incremental, pruning, the lock and bad files (kills: test_faults.py)."""

import csv
import json
import os
import shutil
from pathlib import Path

import pytest

from search.generations import (
    ReindexRunning,
    current_generation,
    index_stats,
    open_index,
    reindex_lock,
)
from search.index import WriteFailed, reindex

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def article(n: int, source: str = "Wire") -> dict:
    return {"id": str(n), "title": f"Harbour report number {n}", "source": source,
            "published": f"2024-03-{n % 28 + 1:02d}",
            "text": f"The harbour authority published report {n} on Tuesday. " * 5}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    (folder / "wire.jsonl").write_text("\n".join(json.dumps(article(n)) for n in range(3)))
    return folder


def count(root: Path) -> int:
    with open_index(root).searcher() as searcher:
        return searcher.doc_count()


def test_full_then_incremental(tmp_path: Path, corpus: Path):
    root = tmp_path / "index"
    first = reindex([corpus], root, workers=1)
    assert (first.added, first.updated, first.unchanged, first.skipped) == (5, 0, 0, [])
    again = reindex([corpus], root, workers=1)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 5)
    lines = [article(0), {**article(1), "text": "A corrected report about the harbour."},
             article(2), article(3)]
    (corpus / "wire.jsonl").write_text("\n".join(json.dumps(x) for x in lines))
    changed = reindex([corpus], root, workers=1)
    assert (changed.added, changed.updated, changed.unchanged) == (1, 1, 4)
    assert count(root) == 6


def test_prune_removes_articles_of_deleted_files(tmp_path: Path, corpus: Path):
    root = tmp_path / "index"
    reindex([corpus], root, workers=1)
    (corpus / "000_9a752ea716365c3a.txt").unlink()
    kept = reindex([corpus], root, workers=1)
    assert kept.removed == 0 and count(root) == 5
    pruned = reindex([corpus], root, workers=1, prune=True)
    assert pruned.removed == 1 and count(root) == 4


def test_full_rebuild_switches_generation_atomically(tmp_path: Path, corpus: Path):
    root = tmp_path / "index"
    reindex([corpus], root, workers=1)
    old = current_generation(root)
    report = reindex([SEEDS], root, full=True, workers=2)
    assert report.added == 2 and current_generation(root) != old
    assert count(root) == 2
    assert sorted(p.name for p in root.glob("gen-*")) == sorted([old.name, report.generation])


def test_bad_files_are_skipped_with_a_reason(tmp_path: Path, corpus: Path):
    (corpus / "notes.docx").write_bytes(b"PK\x03\x04")
    (corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (corpus / "broken.json").write_text("{not json")
    mixed = json.dumps(article(10)) + "\n{bad\n" + json.dumps(article(11))
    (corpus / "mixed.jsonl").write_text(mixed)
    report = reindex([corpus], tmp_path / "index", workers=1)
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert reasons["notes.docx"] == "unsupported file type .docx"
    assert reasons["image.txt"].startswith("binary content")
    assert reasons["broken.json"].startswith("invalid JSON")
    assert reasons["mixed.jsonl#2"].startswith("invalid JSON")
    assert report.added == 7  # 2 seeds + 3 wire + the 2 good lines of mixed.jsonl


def test_second_reindex_refuses_while_one_runs(tmp_path: Path, corpus: Path):
    root = tmp_path / "index"
    with reindex_lock(root):
        with pytest.raises(ReindexRunning, match="another reindex"):
            reindex([corpus], root, workers=1)


def test_failed_rebuild_leaves_the_old_index_serving(tmp_path: Path, corpus: Path):
    root = tmp_path / "index"
    reindex([SEEDS], root, workers=1)
    before = current_generation(root)

    def explode(done, total, articles):
        if articles >= 2:
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        reindex([corpus], root, full=True, workers=1, progress=explode)
    assert current_generation(root) == before and count(root) == 2


def test_stats(tmp_path: Path, corpus: Path):
    root = tmp_path / "index"
    reindex([corpus], root, workers=1)
    stats = index_stats(root)
    assert stats["articles"] == 5
    assert stats["sources"] == {"Wire": 3, "(unknown)": 1, "Al Mayadeen English": 1}
    assert (stats["first"], stats["last"]) == ("2024-03-01T00:00:00", "2025-08-14T00:00:00")
    assert stats["size_bytes"] > 0 and os.path.isdir(stats["location"])


# Rebuilds written by several processes (search/writing.py)


def _answers(root: Path) -> dict[str, tuple]:
    from search.query import iter_results, parse_request, search

    out = {}
    for q in ("harbour", "harbour report 7", '"report number"', "syria turkey", ""):
        # Words only: fused scores come from ranks, and ties take their ranks in index order.
        request = parse_request({"q": q, "collapse": "none", "per_page": "100", "mode": "lexical"})
        found = search(root, request)
        # Ties (equal scores, equal dates) come in index order, which differs between layouts.
        page = [r["score"] if q else r["published"] for r in found["results"]]
        every = sorted((r["id"], r["score"]) for r in iter_results(root, request)[1])
        out[q] = (found["total"], page, every, found["facets"]["source"])
    return out


def test_a_rebuild_written_by_two_processes_answers_as_one_process(tmp_path: Path, corpus: Path):
    (corpus / "more.jsonl").write_text(
        "\n".join(json.dumps(article(n, f"Desk {n % 3}")) for n in range(3, 400)))
    one, two = tmp_path / "one", tmp_path / "two"
    assert reindex([corpus], one, full=True, workers=1).added == 402
    assert reindex([corpus], two, full=True, workers=2).added == 402
    with open_index(two).searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) >= 2  # one segment per writing process
    assert _answers(two) == _answers(one)
    changed = reindex([corpus], two, workers=2)  # incremental runs write in this process
    assert (changed.added, changed.unchanged) == (0, 402)


def test_a_writing_process_that_dies_fails_the_rebuild_and_the_old_index_serves(
    tmp_path: Path, corpus: Path, monkeypatch
):
    from whoosh.writing import SegmentWriter

    root = tmp_path / "index"
    reindex([SEEDS], root, workers=1)
    serving = current_generation(root)
    (corpus / "more.jsonl").write_text("\n".join(json.dumps(article(n)) for n in range(3, 300)))
    real = SegmentWriter.add_document
    parent = os.getpid()

    def die_in_a_sub_writer(self, **fields):
        if os.getpid() != parent:
            os._exit(3)  # a sub-writer killed (OOM killer, kill -9): no exception to catch
        return real(self, **fields)

    monkeypatch.setattr(SegmentWriter, "add_document", die_in_a_sub_writer)
    with pytest.raises(WriteFailed, match="ended with code 3|without its segment"):
        reindex([corpus], root, full=True, workers=2)
    assert current_generation(root) == serving and count(root) == 2
    assert [p.name for p in root.iterdir() if p.name.startswith("gen-")] == [serving.name]


# Article ids: one per file and record, wherever a run starts (search/extract.py article_id)


def story(topic: str, n: int) -> str:
    """A plain text article (headline, then prose) unlike every other topic and number."""
    return (f"{topic.title()} desk report {n} on the quarterly figures\n\n"
            f"The {topic} desk published its report number {n} on Tuesday, saying the "
            f"{topic} figures for quarter {n} were better than forecast.\n\n"
            f"Analysts covering {topic} expect report {n + 1} in the autumn.\n")


def ids_by_path(root: Path) -> dict[str, str]:
    with open_index(root).searcher() as searcher:
        return {f["path"]: f["id"] for f in searcher.all_stored_fields()}


def test_folders_indexed_in_separate_runs_keep_every_article(tmp_path: Path, monkeypatch):
    """Same file names in two folders, one run each (ids once came from the name under the
    folder given, so the second folder's files were skipped as duplicate ids)."""
    corpus = tmp_path / "data" / "corpus"
    for topic in ("tech", "business"):
        (corpus / topic).mkdir(parents=True)
        for n in range(2):
            (corpus / topic / f"00{n}.txt").write_text(story(topic, n))
    root = tmp_path / "index"
    assert reindex([corpus / "tech"], root, workers=1).added == 2
    second = reindex([corpus / "business"], root, workers=1)
    assert (second.added, second.unchanged, second.skipped) == (2, 0, [])  # tech not counted
    ids = ids_by_path(root)
    assert len(ids) == len(set(ids.values())) == 4
    again = reindex([corpus / "tech", corpus / "business"], root, workers=1)
    assert (again.added, again.updated, again.unchanged, again.skipped) == (0, 0, 4, [])
    monkeypatch.chdir(corpus)  # relative paths, another starting folder: the same ids
    assert reindex(["tech", "business"], root, full=True, workers=1).added == 4
    assert ids_by_path(root) == ids
    assert reindex([tmp_path / "data"], root, full=True, workers=1).added == 4
    assert ids_by_path(root) == ids


def test_records_sharing_a_url_are_two_articles_and_a_copy_is_a_duplicate(tmp_path: Path):
    """A CSV whose url column is a section page: different texts are different articles."""
    section = "https://news.example/world"
    rows = [["title", "url", "text"],
            ["Floods", section, story("floods", 1)], ["Budget", section, story("budget", 2)],
            ["Floods", section, story("floods", 1)]]  # the same text again: a real duplicate
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with open(corpus / "world.csv", "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    (corpus / "other.jsonl").write_text(json.dumps(
        {"title": "Harbour", "url": section + "/", "text": story("harbour", 3)}) + "\n")
    root = tmp_path / "index"
    report = reindex([corpus], root, workers=1)
    assert (report.added, report.skipped) == (3, [])
    assert [(Path(d.path).name, d.reason.split(" ")[0]) for d in report.duplicates] == [
        ("world.csv#3", "same")]
    with open_index(root).searcher() as searcher:
        assert len({f["id"] for f in searcher.all_stored_fields()}) == 3
    again = reindex([corpus], root, workers=1)
    assert (again.added, again.updated, again.unchanged, len(again.duplicates)) == (0, 0, 3, 1)


def test_an_incremental_run_into_an_index_with_the_old_ids_is_refused(
    tmp_path: Path, corpus: Path
):
    """Ids were once the path under the folder given: mixing schemes would lose articles."""
    from search import SearchError
    from search.query import search
    from search.request import parse_request
    from search.schema import SCHEMA_VERSION

    root = tmp_path / "index"
    reindex([corpus], root, workers=1)
    gen = current_generation(root)
    (gen / "VERSION").write_text(SCHEMA_VERSION + "\n")  # what versions before per-file ids wrote
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.name != "reindex.lock"}
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.txt").write_text(story("other", 1))
    with pytest.raises(SearchError, match=r"news-search reindex --full PATH\.\.\."):
        reindex([other], root, workers=1)
    after = {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.name != "reindex.lock"}
    assert after == before and current_generation(root) == gen  # nothing written
    assert search(root, parse_request({"q": "harbour"}))["total"] == 3  # it still serves
    assert reindex([corpus, other], root, full=True, workers=1).added == 6
    assert reindex([other], root, workers=1).unchanged == 1


def test_a_missing_path_is_an_error_and_nothing_is_written(tmp_path: Path, corpus: Path):
    from search import SearchError

    root = tmp_path / "index"
    missing = tmp_path / "no" / "such" / "folder"
    with pytest.raises(SearchError, match=f"^no such file or folder: {missing}$"):
        reindex([corpus, missing], root, workers=1)
    assert not root.exists()


def test_an_unreadable_path_is_an_error_and_nothing_is_written(
    tmp_path: Path, corpus: Path, monkeypatch
):
    from search import SearchError

    real_access = os.access  # root reads anything (as in CI containers): the refusal is simulated
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != corpus and real_access(p, mode))
    root = tmp_path / "index"
    with pytest.raises(SearchError, match=f"^cannot read {corpus}: permission denied$"):
        reindex([corpus], root, workers=1)
    assert not root.exists()


def test_a_file_reached_through_a_symbolic_link_is_one_article(tmp_path: Path):
    folder = tmp_path / "data" / "tech"
    folder.mkdir(parents=True)
    for n in range(2):
        (folder / f"00{n}.txt").write_text(story("tech", n))
    (tmp_path / "link").symlink_to(folder, target_is_directory=True)
    root = tmp_path / "index"
    assert reindex([tmp_path / "link"], root, workers=1).added == 2
    again = reindex([folder], root, prune=True, workers=1)
    assert (again.added, again.unchanged, again.removed, again.skipped) == (0, 2, 0, [])
    assert count(root) == 2


@pytest.mark.parametrize("prune", [False, True])
def test_a_moved_corpus_folder_keeps_every_article(tmp_path: Path, corpus: Path, prune: bool):
    """Ids name the real path, so moving a folder gives its articles new ids: each replaces its
    old entry (whose file is gone) instead of being called a duplicate of it, and with --prune
    none is lost in between."""
    root = tmp_path / "index"
    reindex([corpus], root, workers=1)
    with open_index(root).searcher() as searcher:
        before = {f["title"] for f in searcher.all_stored_fields()}
    moved = corpus.rename(tmp_path / "moved")
    report = reindex([moved], root, workers=1, prune=prune)
    assert (report.added, report.duplicates, report.removed, report.moved) == (5, [], 5, 5)
    with open_index(root).searcher() as searcher:
        stored = list(searcher.all_stored_fields())
    assert {f["title"] for f in stored} == before
    assert all(f["path"].startswith(str(moved)) for f in stored)
    assert "5 removed (5 of them now read from a new path)" in report.lines(str(root))[1]
