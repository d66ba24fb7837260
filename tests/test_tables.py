"""The serving tables: written with each index version, read (mapped) instead of rebuilt."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import EXTRA_ARTICLES, SEEDS, write_jsonl

from search.generations import current_generation
from search.index import reindex
from search.query import get_article, get_story, parse_request, search
from search.searchindex import WhooshIndex
from search.tables import ARRAYS, read_tables

_events: list | None = None


def _audit(event: str, args: tuple) -> None:
    if _events is not None and event in ("open", "sqlite3.connect"):
        _events.append((event, str(args[0])))


sys.addaudithook(_audit)  # for the life of the test process: it records only when asked


def opened_by(root: Path, fn) -> tuple[list[tuple[str, str]], WhooshIndex]:
    """The files ``fn(index)`` opens and the databases it connects to, with a new index
    object (as in a worker that just started), and that object."""
    global _events
    index = WhooshIndex(root)
    _events = []
    try:
        fn(index)
        return _events, index
    finally:
        _events = None


@pytest.fixture
def root(tmp_path, corpus) -> Path:
    root = tmp_path / "index"
    reindex([SEEDS, corpus], root, full=True, workers=1)
    return root


def answers(root: Path) -> list:
    """What the index answers to a few requests: pages, facets, stories, hybrid matches."""
    out = []
    for params in ({"q": ["syria"]}, {"q": ["turkey"], "mode": ["lexical"]}, {"q": [""]},
                   {"q": ["election"], "sort": ["newest"]}, {"q": ["vote count"]},
                   {"q": [""], "country": ["TR"], "collapse": ["none"]}):
        out.append(search(root, parse_request(params)))
    first = out[0]["results"][0]["id"]
    out.append(get_article(root, first))
    out.append(get_story(root, first))
    return out


def test_a_rebuild_stores_the_tables_of_its_version(root):
    gen = current_generation(root)
    folders = sorted(p.name for p in gen.glob("tables-*"))
    assert len(folders) == 1 and (gen / folders[0] / ARRAYS).stat().st_size > 0
    generation = int(folders[0].split("-")[1])
    tables = read_tables(gen, generation)
    assert tables is not None and tables.source == "stored"
    assert tables.facets.total() == 2 + len(EXTRA_ARTICLES)  # the seeds and the extra ones
    assert tables.vectors is not None
    assert int(np.count_nonzero(tables.vectors[2])) == 2 + len(EXTRA_ARTICLES)


def test_opening_reads_the_stored_tables_instead_of_building_them(root):
    gen = current_generation(root)
    events, index = opened_by(root, lambda ix: ix.search(parse_request({"q": ["syria"]})))
    files = [path for event, path in events if event == "open"]
    databases = [path for event, path in events if event == "sqlite3.connect"]
    assert any(path.endswith(f"/{ARRAYS}") for path in files)
    # The story and vector databases are what building the tables reads: not opened.
    assert not any("stories.sqlite" in p or "vectors.sqlite" in p for p in databases + files)
    view = index.views.thread_view()
    assert view.tables.source == "stored"
    mapped = view.facets.field("people").docs
    assert isinstance(mapped.base, np.memmap) and not mapped.flags.writeable
    assert Path(mapped.base.filename).parent.parent == gen.resolve()


def test_without_stored_tables_they_are_built_and_answer_the_same(root):
    stored = answers(root)
    gen = current_generation(root)
    for folder in gen.glob("tables-*"):
        shutil.rmtree(folder)
    events, index = opened_by(root, lambda ix: ix.search(parse_request({"q": ["syria"]})))
    assert any("stories.sqlite" in path for _, path in events)  # built: the stories are read
    assert index.views.thread_view().tables.source == "built"
    assert answers(root) == stored


def test_an_incremental_run_stores_the_tables_of_the_new_version(root, tmp_path):
    gen = current_generation(root)
    before = sorted(p.name for p in gen.glob("tables-*"))
    quokkas = search(root, parse_request({"q": ["quokka"], "mode": ["lexical"]}))["total"]
    (tmp_path / "more").mkdir()
    more = write_jsonl(tmp_path / "more" / "more.jsonl", [{
        "id": "quokka", "title": "Quokka census on Rottnest", "date": "2024-12-12",
        "text": "ROTTNEST, Australia - Rangers counted quokkas.\n\nThe count rose.",
        "source": "Daily Ledger", "url": "https://ledger.example/quokka",
    }])
    reindex([more], root, workers=1)
    after = sorted(p.name for p in gen.glob("tables-*"))
    assert len(after) == 1 and after != before  # the old version's tables are gone
    events, _ = opened_by(root, lambda ix: ix.search(parse_request({"q": ["quokka"]})))
    assert not any("stories.sqlite" in path for _, path in events)
    lexical = parse_request({"q": ["quokka"], "mode": ["lexical"]})
    assert search(root, lexical)["total"] == quokkas + 1


def test_ranking_reads_each_segments_stored_postings_not_whooshs_blocks(root):
    stored = answers(root)
    events, index = opened_by(root, lambda ix: ix.search(parse_request({"q": ["syria"]})))
    files = [path for event, path in events if event == "open"]
    assert any("/postings-" in p and p.endswith(f"/{ARRAYS}") for p in files)
    view = index.views.thread_view()
    assert view.terms.stored is not None
    found = view.terms.postings(view.searcher.reader(), "body", "syria")
    assert len(found.ids) and found.blocks == []  # slices of the arrays: no block decoded
    for folder in current_generation(root).glob("postings-*"):  # an index written before them
        shutil.rmtree(folder)
    fallback = WhooshIndex(root)
    fallback.search(parse_request({"q": ["syria"]}))
    view = fallback.views.thread_view()
    assert view.terms.stored is None
    assert view.terms.postings(view.searcher.reader(), "body", "syria").blocks
    assert answers(root) == stored
