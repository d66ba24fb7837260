"""The layout of an index root: the pointer, generations, leftovers, the lock, errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from search.generations import (
    POINTER,
    NoIndex,
    ReindexRunning,
    StaleIndex,
    current_generation,
    open_index,
    reindex_lock,
    remove_leftovers,
    switch_to,
)
from search.index import reindex

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("generations") / "index"
    reindex([SEEDS], root, full=True, workers=1)
    return root


def test_no_pointer_no_index(tmp_path: Path):
    assert current_generation(tmp_path) is None
    with pytest.raises(NoIndex, match="run `news-search reindex PATH` first"):
        open_index(tmp_path)


def test_a_pointer_to_nothing_or_outside_is_no_index(tmp_path: Path):
    (tmp_path / POINTER).write_text("gen-missing\n")
    assert current_generation(tmp_path) is None
    (tmp_path / POINTER).write_text("../etc\n")  # names only a generation folder of this root
    assert current_generation(tmp_path) is None


def test_an_unreadable_generation_is_stale(tmp_path: Path):
    gen = tmp_path / "gen-1"
    gen.mkdir()
    (gen / "_MAIN_1.toc").write_bytes(b"not a pickle")
    (tmp_path / POINTER).write_text("gen-1\n")
    assert current_generation(tmp_path) == gen
    with pytest.raises(StaleIndex, match="rebuild it with `news-search reindex --full PATH`"):
        open_index(tmp_path)


def test_switch_keeps_the_previous_generation_and_drops_older_ones(built: Path, tmp_path: Path):
    serving = current_generation(built)
    root = tmp_path / "root"
    root.mkdir()
    for name in ("gen-a", "gen-b"):
        shutil.copytree(serving, root / name)
        switch_to(root, root / name)
    assert current_generation(root) == root / "gen-b"
    assert sorted(p.name for p in root.glob("gen-*")) == ["gen-a", "gen-b"]
    shutil.copytree(serving, root / "gen-c")
    switch_to(root, root / "gen-c")
    assert sorted(p.name for p in root.glob("gen-*")) == ["gen-b", "gen-c"]
    assert not (root / f"{POINTER}.tmp").exists()


def test_leftovers_of_a_killed_rebuild_are_removed(tmp_path: Path):
    (tmp_path / "gen-x.building").mkdir()
    (tmp_path / "gen-x.building" / "part").write_text("half")
    (tmp_path / f"{POINTER}.tmp").write_text("gen-x\n")
    (tmp_path / "gen-kept").mkdir()
    remove_leftovers(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gen-kept"]


def test_the_lock_refuses_a_second_holder_and_frees_on_exit(tmp_path: Path):
    with reindex_lock(tmp_path):
        with pytest.raises(ReindexRunning, match="another reindex of .* is running"):
            with reindex_lock(tmp_path):
                pass
    with reindex_lock(tmp_path):  # free again
        pass
