"""web/gate.py and its place in a worker: one request computed at a time per process."""

from __future__ import annotations

import threading

from conftest import SEEDS

from search.engineconfig import EngineConfig, write_engine
from search.index import reindex
from web.gate import Gate
from web.worker import serving_app

WAIT = 10.0  # seconds; the tests end far sooner when it works


class Recorder:
    """A WSGI app that holds each call until released and counts how many run at once."""

    def __init__(self) -> None:
        self.inside = 0
        self.most = 0
        self.entered = threading.Semaphore(0)
        self.release = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        self.entered.release()
        self.release.wait(WAIT)
        with self._lock:
            self.inside -= 1
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]


def call_in_threads(app, count: int) -> list[threading.Thread]:
    threads = [threading.Thread(target=app, args=({}, lambda *a: None)) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


def test_ungated_calls_overlap():
    # The recorder itself lets calls overlap: the gate test below could fail.
    app = Recorder()
    threads = call_in_threads(app, 3)
    for _ in range(3):
        assert app.entered.acquire(timeout=WAIT)
    assert app.inside == 3
    app.release.set()
    for thread in threads:
        thread.join(WAIT)
    assert app.most == 3


def test_gate_runs_one_call_at_a_time():
    app = Recorder()
    threads = call_in_threads(Gate(app), 3)
    assert app.entered.acquire(timeout=WAIT)
    assert not app.entered.acquire(timeout=0.3)  # the others wait at the gate
    assert app.inside == 1
    app.release.set()
    for thread in threads:
        thread.join(WAIT)
    assert not any(thread.is_alive() for thread in threads)
    assert app.most == 1


def test_a_streamed_body_is_made_outside_the_gate():
    made = []

    def streaming(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/csv")])
        return (made.append(n) or f"row {n}\n".encode() for n in range(3))

    gate = Gate(streaming)
    body = gate({}, lambda *a: None)
    assert made == [] and not gate.lock.locked()  # another request may run meanwhile
    assert list(body) == [b"row 0\n", b"row 1\n", b"row 2\n"]


def test_a_worker_gates_the_embedded_engine(tmp_path):
    root = tmp_path / "index"
    reindex([SEEDS], root, full=True, workers=1, vectors=False)
    app = serving_app(str(root), budget=5.0)
    assert isinstance(app.wsgi_app, Gate)
    response = app.test_client().get("/api/search?q=news")
    assert response.status_code == 200
    assert response.headers["X-Worker-Pid"].isdigit()
    assert response.get_json()["total"] >= 1


def test_a_worker_does_not_gate_a_cluster(tmp_path):
    # Its requests wait on the cluster: a gate would make each wait for the others' waits.
    write_engine(tmp_path, EngineConfig("opensearch", ("http://127.0.0.1:9",), "news"))
    app = serving_app(str(tmp_path), budget=5.0)
    assert not isinstance(app.wsgi_app, Gate)
