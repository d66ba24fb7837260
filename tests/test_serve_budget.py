"""Bounded work per request: past its budget a request gets 503 with Retry-After, at once."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import waitress
from waitress import wasyncore

from search.budget import OverBudget, deadline
from search.query import parse_request, search
from web import create_app
from web.budget import TimedDispatcher

BUDGET = 0.4
HOLD = 1.5  # seconds the one thread is held: over half the budget for whatever queues behind


def fetch(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@contextmanager
def one_thread_server(index_root, budget: float) -> Iterator[str]:
    """The app under waitress with one thread and the serving dispatcher, as a worker runs it;
    ``/hold`` keeps the thread busy (a stand-in for a slow request)."""
    app = create_app({"TESTING": True, "INDEX": index_root, "BUDGET": budget})
    app.add_url_rule("/hold", "hold", lambda: time.sleep(HOLD) or "held")
    dispatcher = TimedDispatcher()
    dispatcher.set_thread_count(1)
    sockets: dict = {}
    server = waitress.create_server(app, map=sockets, host="127.0.0.1", port=0, threads=1,
                                    _dispatcher=dispatcher)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.trigger.pull_trigger(lambda: wasyncore.close_all(sockets))
        thread.join(timeout=5)
        dispatcher.shutdown()


def queued_behind_a_slow_request(url: str, paths: list[str]) -> list[tuple[int, dict, bytes]]:
    """Hold the only thread, then send ``paths`` at once: they all wait in the queue."""
    with ThreadPoolExecutor(max_workers=len(paths) + 1) as pool:
        held = pool.submit(fetch, url + "/hold")
        time.sleep(0.2)  # the hold is being served
        answers = list(pool.map(fetch, [url + p for p in paths]))
        assert held.result()[0] == 200
    return answers


def test_a_request_queued_past_half_its_budget_gets_503_in_the_one_error_shape(index_root):
    with one_thread_server(index_root, BUDGET) as url:
        assert fetch(url + "/api/search?q=syria")[0] == 200  # unloaded: served
        answers = queued_behind_a_slow_request(url, ["/api/search?q=syria"] * 6 + ["/search"])
    for status, headers, body in answers[:6]:
        assert status == 503
        assert headers["Retry-After"] == "1"
        assert headers["Content-Type"] == "application/json"
        assert json.loads(body) == {"error": {
            "code": 503,
            "message": "the server is too busy to answer in time; please retry in a second",
            "param": None,
        }}
    status, headers, body = answers[6]
    assert (status, headers["Retry-After"]) == (503, "1")
    assert headers["Content-Type"] == "text/html; charset=utf-8"  # the page stays a page
    assert b"too busy" in body


def test_without_a_budget_queued_requests_wait_and_are_served(index_root):
    with one_thread_server(index_root, 0) as url:
        answers = queued_behind_a_slow_request(url, ["/api/search?q=syria"] * 3)
    assert [status for status, _, _ in answers] == [200, 200, 200]


def test_a_search_past_its_deadline_stops_between_stages(index_root):
    request = parse_request({"q": ["syria"], "mode": ["lexical"]})
    with deadline(time.monotonic() + 60):
        assert search(index_root, request)["total"] == 3
    with deadline(time.monotonic() - 1), pytest.raises(OverBudget) as raised:
        search(index_root, request)
    assert raised.value.retry_after == 1
    assert search(index_root, request)["total"] == 3  # the deadline ended with its block
