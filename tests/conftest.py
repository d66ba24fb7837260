"""Shared fixtures: a real corpus and index in a temporary folder, the app, clients, a server."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import waitress
from opensearch_cluster import opensearch_cluster, opensearch_node  # noqa: F401  (fixtures)
from waitress import wasyncore

from search.index import reindex
from web import create_app

PROJECT = Path(__file__).resolve().parent.parent
SEEDS = PROJECT / "seeds"

# Extra articles next to the two seeds: several sources, months and people, and one hostile record.
EXTRA_ARTICLES = [
    {
        "id": "hostile-1",
        "title": 'Quokka sighting <script>alert(1)</script> "onerror=alert(2) stuns rangers',
        "text": (
            "A quokka was seen near the harbour, wildlife officers said on Monday.\n\n"
            'Visitors pasted <script>alert(1)</script> and "onerror=alert(2) into the guest book '
            "before the quokka wandered off."
        ),
        "date": "2025-06-02",
        "url": "javascript:alert(3)",
        "source": "Evil Gazette",
        "author": "Mallory <b>Bold</b>",
    },
    {
        "id": "ledger-rates",
        "title": "Turkey's central bank raises interest rates again",
        "text": (
            "ANKARA - Turkey's central bank raised its main interest rate on Thursday, "
            "President Recep Tayyip Erdogan said in a televised address.\n\n"
            "Finance Minister Mehmet Simsek said inflation would fall next year."
        ),
        "date": "2025-07-10",
        "url": "https://ledger.example/turkey-rates",
        "source": "Daily Ledger",
        "author": "Ayse Demir",
    },
    {
        "id": "eurowire-syria-aid",
        "title": "Donors pledge aid for Syria reconstruction in Brussels",
        "text": (
            "BRUSSELS - Donors pledged new aid for Syria at a conference in Brussels on Tuesday, "
            "European Commission President Ursula von der Leyen said.\n\n"
            "Turkey and Jordan asked for help with refugees."
        ),
        "date": "2025-08-01",
        "url": "https://eurowire.example/syria-aid",
        "source": "Euro Wire",
        "author": "Jan Peeters",
    },
    {
        "id": "eurowire-energy",
        "title": "France and Germany agree on an energy pact",
        "text": (
            "PARIS - France and Germany agreed on a joint energy pact on Friday, "
            "President Emmanuel Macron said after meeting Chancellor Friedrich Merz.\n\n"
            "The pact covers power lines and hydrogen."
        ),
        "date": "2025-05-20",
        "url": "https://eurowire.example/energy-pact",
        "source": "Euro Wire",
        "author": "Claire Martin",
    },
    {
        "id": "southern-floods",
        "title": "Floods displace thousands in southern Brazil",
        "text": (
            "PORTO ALEGRE, Brazil - Floods displaced thousands of people in southern Brazil, "
            "President Luiz Inacio Lula da Silva said on Wednesday.\n\n"
            "Rescue teams reached the worst-hit towns by boat."
        ),
        "date": "2025-04-03",
        "url": "https://southernpost.example/floods",
        "source": "Southern Post",
        "author": "Joao Souza",
    },
    {
        "id": "pacific-probe",
        "title": "Japan launches a lunar probe",
        "text": (
            "TOKYO - Japan launched a lunar probe on Saturday, Prime Minister Shigeru Ishiba "
            "said.\n\nThe probe will map water ice near the south pole of the Moon."
        ),
        "date": "2025-03-15",
        "url": "https://pacifictimes.example/lunar-probe",
        "source": "Pacific Times",
        "author": "Kenji Sato",
    },
    {
        "id": "ledger-kenya",
        "title": "Kenya counts votes after a calm election",
        "text": (
            "NAIROBI, Kenya - Officials counted votes on Wednesday after a calm election, "
            "President William Ruto said.\n\nObservers praised the turnout."
        ),
        "date": "2024-12-11",
        "url": "https://ledger.example/kenya-votes",
        "source": "Daily Ledger",
        "author": "Grace Wanjiru",
    },
]


def write_jsonl(path: Path, articles: list[dict]) -> Path:
    """Write ``articles`` as one JSON object per line and return the path."""
    path.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    """A folder holding the extra articles as a .jsonl file."""
    folder = tmp_path_factory.mktemp("corpus")
    write_jsonl(folder / "extra.jsonl", EXTRA_ARTICLES)
    return folder


@pytest.fixture(scope="session")
def index_root(corpus, tmp_path_factory) -> Path:
    """A real index of the seeds plus the extra articles, built once per test session."""
    root = tmp_path_factory.mktemp("index") / "index"
    report = reindex([SEEDS, corpus], root, full=True, workers=1)
    assert report.added == 2 + len(EXTRA_ARTICLES), report.to_json()
    return root


@pytest.fixture
def app(index_root):
    """The app over the shared index (read-only: tests that write build their own index)."""
    return create_app({"TESTING": True, "INDEX": index_root})


@pytest.fixture
def client(app):
    """The app's test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """The app's click test runner."""
    return app.test_cli_runner()


@contextmanager
def serve(root: Path, threads: int = 4, *, config: dict | None = None, dispatcher=None,
          extend=None) -> Iterator[str]:
    """The app over ``root`` served by waitress on a free loopback port; yields the base URL.
    ``config`` adds to the app's, ``extend(app)`` may add routes, ``dispatcher`` replaces
    waitress's task dispatcher (as a serving worker does)."""
    app = create_app({"TESTING": True, "INDEX": root, **(config or {})})
    if extend:
        extend(app)
    extra = {}
    if dispatcher is not None:
        dispatcher.set_thread_count(threads)
        extra["_dispatcher"] = dispatcher
    sockets: dict = {}
    server = waitress.create_server(app, map=sockets, host="127.0.0.1", port=0, threads=threads,
                                    **extra)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Close every socket from inside the server's own loop (a trigger callback): closing
        # them from this thread races with its select() and can raise there. An empty map
        # ends the loop, so run() returns.
        server.trigger.pull_trigger(lambda: wasyncore.close_all(sockets))
        thread.join(timeout=5)
        server.task_dispatcher.shutdown()
        assert not thread.is_alive()


@pytest.fixture
def live_server(index_root) -> Iterator[str]:
    """The app over the shared index served by waitress on a free loopback port."""
    with serve(index_root) as url:
        yield url


def fetch(url: str) -> tuple[int, dict, bytes]:
    """GET ``url``: status, headers and body, for error statuses too."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
