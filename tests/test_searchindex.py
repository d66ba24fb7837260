"""The index object: each root's searchers and tables belong to its own object, so two roots
in one process never evict each other; the app keeps one object for all its requests."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from conftest import SEEDS, write_jsonl

from search.engineconfig import ENGINE_FILE, EngineConfig, write_engine
from search.generations import NoIndex
from search.index import reindex
from search.request import parse_request
from search.searchindex import WhooshIndex, open_search_index
from web import create_app, search_index

QUOKKA = {"id": "quokka", "title": "Quokka census on Rottnest", "date": "2024-12-12",
          "text": "ROTTNEST, Australia - Rangers counted quokkas.\n\nThe count rose.",
          "source": "Daily Ledger", "url": "https://ledger.example/quokka"}


@pytest.fixture(scope="module")
def roots(tmp_path_factory) -> tuple[Path, Path]:
    """Two index roots with different articles: the seeds, and one quokka article."""
    base = tmp_path_factory.mktemp("two-roots")
    seeds, quokka = base / "seeds-index", base / "quokka-index"
    reindex([SEEDS], seeds, full=True, workers=1, vectors=False)
    write_jsonl(base / "quokka.jsonl", [QUOKKA])
    reindex([base / "quokka.jsonl"], quokka, full=True, workers=1, vectors=False)
    return seeds, quokka


def ask(q: str):
    return parse_request({"q": [q], "mode": ["lexical"]})


def test_two_roots_in_one_process_keep_their_own_tables_and_searchers(roots):
    first, second = WhooshIndex(roots[0]), WhooshIndex(roots[1])
    assert first.search(ask("syria"))["total"] == 2
    view = first.views.thread_view()
    tables = first.views.versions()
    assert second.search(ask("quokka"))["total"] == 1
    # Before the index object, loading the second root's tables cleared the first's (one
    # cache for the process, newest version only) and each search of the other root built
    # them again.
    assert first.views.versions() == tables and len(tables) == 1
    assert second.views.versions() != tables
    assert first.search(ask("syria"))["total"] == 2
    assert first.views.thread_view() is view  # the same searcher and tables, not reopened
    assert first.views.thread_view().facets is view.facets
    assert second.search(ask("syria"))["total"] == 0
    first.close()
    second.close()


def test_each_thread_has_its_own_searcher_and_close_closes_them_all(roots):
    index = WhooshIndex(roots[0])
    index.search(ask("syria"))
    views = []

    def other_thread():
        index.search(ask("turkey"))
        views.append(index.views.thread_view())

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    mine = index.views.thread_view()
    assert views[0].searcher is not mine.searcher
    assert views[0].facets is mine.facets  # the tables are shared by the threads
    index.close()
    assert mine.searcher.is_closed and views[0].searcher.is_closed
    assert index.views.versions() == [] and index.views.thread_view() is None
    assert index.search(ask("syria"))["total"] == 2  # usable again: reopens
    index.close()


def test_the_thin_functions_leave_nothing_open(roots):
    from search.query import search

    assert search(roots[1], ask("quokka"))["total"] == 1
    import search.view as view_module

    # No module-level cache of views or tables is left behind (they were module globals).
    assert not {"_local", "_shared", "_tables_lock"} & set(vars(view_module))


def test_the_app_makes_one_index_object_and_uses_it_for_every_request(roots):
    app = create_app({"TESTING": True, "INDEX": roots[0]})
    other = create_app({"TESTING": True, "INDEX": roots[1]})
    index = search_index(app)
    assert isinstance(index, WhooshIndex) and index.root == roots[0]
    client, other_client = app.test_client(), other.test_client()
    assert client.get("/api/search?q=syria&mode=lexical").get_json()["total"] == 2
    tables = index.views.versions()
    assert other_client.get("/api/search?q=quokka&mode=lexical").get_json()["total"] == 1
    assert client.get("/api/search?q=syria&mode=lexical").get_json()["total"] == 2
    assert search_index(app) is index and index.views.versions() == tables
    assert search_index(other).views.versions() != tables


def test_the_engine_recorded_in_the_root_chooses_the_object(roots, tmp_path):
    assert not (roots[0] / ENGINE_FILE).exists()  # an older root: Whoosh
    assert open_search_index(roots[0]).engine == "whoosh"
    root = tmp_path / "os-root"
    write_engine(root, EngineConfig("opensearch", ("http://127.0.0.1:9",), "news"))
    index = open_search_index(root)
    assert index.engine == "opensearch" and index.config.alias == "news"
    with pytest.raises(NoIndex):
        WhooshIndex(tmp_path / "empty").search(ask("syria"))
