"""Vectors beside each generation: made at reindex by the workers, only for new and changed
articles, kept in step with the index, and skipped entirely for a words-only index."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from search.embed import RECIPE
from search.generations import current_generation, index_stats
from search.index import reindex
from search.vectors import VECTORS, VectorsMismatch, has_vectors, read_vectors

PROJECT = Path(__file__).resolve().parent.parent


def article(n: int, text: str = "") -> dict:
    return {
        "id": f"a{n}",
        "title": f"Harbour report number {n}",
        "text": text or f"Dock workers in port {n} unloaded grain on Monday, officials said.",
        "date": "2025-03-01",
        "url": f"https://wire.example/{n}",
        "source": "Wire",
    }


def write(path: Path, articles: list[dict]) -> None:
    path.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")


def stored(root: Path) -> dict[str, tuple[str, bytes]]:
    """Each article id with the content hash its vector was made from and the vector's bytes."""
    gen = current_generation(root)
    conn = sqlite3.connect(gen / VECTORS)
    try:
        return {i: (h, v) for i, h, v in conn.execute("SELECT id, hash, vector FROM vectors")}
    finally:
        conn.close()


def indexed_ids(root: Path) -> set[str]:
    from search.generations import open_index

    with open_index(root).searcher() as searcher:
        return {fields["id"] for fields in searcher.all_stored_fields()}


def test_a_rebuild_stores_one_unit_vector_per_article(tmp_path: Path):
    write(tmp_path / "a.jsonl", [article(n) for n in range(4)])
    root = tmp_path / "index"
    report = reindex([tmp_path / "a.jsonl"], root, full=True, workers=1)
    assert (report.added, report.embedded, report.vectors) == (4, 4, "made")
    recipe, ids, matrix = read_vectors(current_generation(root))
    assert recipe == RECIPE
    assert set(ids) == indexed_ids(root) and len(ids) == 4
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=2e-3)  # float16 on disk
    assert any("4 articles embedded" in line for line in report.lines(str(root)))
    assert index_stats(root)["vectors"] == 4


def test_incremental_runs_embed_only_new_and_changed_articles(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write(corpus / "a.jsonl", [article(n) for n in range(3)])
    write(corpus / "b.jsonl", [article(n) for n in range(3, 5)])
    root = tmp_path / "index"
    assert reindex([corpus], root, full=True, workers=1).embedded == 5
    before = stored(root)

    changed = article(1, "Storm closes the port for a week; ships wait offshore.")
    write(corpus / "a.jsonl", [article(0), changed, article(2), article(9)])  # b.jsonl as it was
    report = reindex([corpus], root, workers=1)
    assert (report.added, report.updated, report.unchanged) == (1, 1, 4)
    assert report.embedded == 2
    after = stored(root)
    assert set(after) == indexed_ids(root) and len(after) == 6
    new = after.keys() - before.keys()
    remade = {i for i in before if after[i] != before[i]}  # only the changed article's
    assert len(new) == 1 and len(remade) == 1
    assert reindex([corpus], root, workers=1).embedded == 0  # nothing new: nothing embedded


def test_the_changed_article_gets_a_vector_of_its_new_text(tmp_path: Path):
    write(tmp_path / "a.jsonl", [article(0), article(1)])
    root = tmp_path / "index"
    reindex([tmp_path / "a.jsonl"], root, full=True, workers=1)
    before = stored(root)
    write(tmp_path / "a.jsonl", [article(0), article(1, "Storm closes the port for a week.")])
    reindex([tmp_path / "a.jsonl"], root, workers=1)
    after = stored(root)
    same = [i for i in before if before[i] == after[i]]
    different = [i for i in before if before[i][1] != after[i][1] and before[i][0] != after[i][0]]
    assert len(same) == 1 and len(different) == 1


def test_removed_articles_lose_their_vectors(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write(corpus / "a.jsonl", [article(0)])
    write(corpus / "b.jsonl", [article(1), article(2)])
    root = tmp_path / "index"
    reindex([corpus], root, full=True, workers=1)
    (corpus / "b.jsonl").unlink()
    report = reindex([corpus], root, prune=True, workers=1)
    assert report.removed == 2
    assert set(stored(root)) == indexed_ids(root) and len(stored(root)) == 1


def test_an_article_missing_its_vector_is_embedded_by_the_next_run(tmp_path: Path):
    """A run killed between the vectors' commit and Whoosh's leaves them out of step; the next
    run repairs it, like the story store."""
    write(tmp_path / "a.jsonl", [article(0), article(1)])
    root = tmp_path / "index"
    reindex([tmp_path / "a.jsonl"], root, full=True, workers=1)
    lost = sorted(stored(root))[0]
    conn = sqlite3.connect(current_generation(root) / VECTORS)
    with conn:
        conn.execute("DELETE FROM vectors WHERE id = ?", (lost,))
        conn.execute("INSERT INTO vectors VALUES ('ghost', 'h', x'00')")
    conn.close()
    report = reindex([tmp_path / "a.jsonl"], root, workers=1)
    assert report.embedded == 1 and report.unchanged == 2
    assert set(stored(root)) == indexed_ids(root)


def test_two_workers_make_the_same_vectors_as_one(tmp_path: Path):
    write(tmp_path / "a.jsonl", [article(n) for n in range(6)])
    one, two = tmp_path / "one", tmp_path / "two"
    reindex([tmp_path / "a.jsonl"], one, full=True, workers=1)
    assert reindex([tmp_path / "a.jsonl"], two, full=True, workers=2).embedded == 6
    assert stored(one) == stored(two)


def test_a_words_only_index_has_no_vectors_and_keeps_none(tmp_path: Path):
    write(tmp_path / "a.jsonl", [article(0)])
    root = tmp_path / "index"
    report = reindex([tmp_path / "a.jsonl"], root, full=True, workers=1, vectors=False)
    assert report.embedded == 0 and "--no-vectors" in report.vectors
    assert not has_vectors(current_generation(root))
    assert index_stats(root)["vectors"] is None
    write(tmp_path / "a.jsonl", [article(0), article(1)])
    report = reindex([tmp_path / "a.jsonl"], root, workers=1)  # follows the index: no vectors
    assert (report.added, report.embedded) == (1, 0)
    assert not has_vectors(current_generation(root))
    with pytest.raises(VectorsMismatch, match="built without vectors"):
        reindex([tmp_path / "a.jsonl"], root, workers=1, vectors=True)
    assert reindex([tmp_path / "a.jsonl"], root, full=True, workers=1).embedded == 2


def test_an_index_with_vectors_refuses_an_incremental_run_without_them(tmp_path: Path):
    write(tmp_path / "a.jsonl", [article(0)])
    root = tmp_path / "index"
    reindex([tmp_path / "a.jsonl"], root, full=True, workers=1)
    write(tmp_path / "a.jsonl", [article(0), article(1)])
    with pytest.raises(VectorsMismatch, match="omit --no-vectors"):
        reindex([tmp_path / "a.jsonl"], root, workers=1, vectors=False)
    assert len(indexed_ids(root)) == 1  # refused before anything was written


def test_a_words_only_reindex_never_loads_the_model(tmp_path: Path):
    """Lexical ingest keeps its speed: no onnxruntime import, no model file read."""
    write(tmp_path / "a.jsonl", [article(0)])
    script = (
        "import sys\n"
        "from search.index import reindex\n"
        f"reindex([{str(tmp_path / 'a.jsonl')!r}], {str(tmp_path / 'index')!r}, full=True,"
        " workers=1, vectors=False)\n"
        "print('onnxruntime' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True,
                          text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
