"""Bounded work per request: past its budget a request gets 503 with Retry-After, at once."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import fetch, serve

from search.budget import OverBudget, deadline
from search.query import parse_request, search
from web.budget import TimedDispatcher

BUDGET = 0.4
HOLD = 1.5  # seconds the one thread is held: over half the budget for whatever queues behind


def one_thread_server(index_root, budget: float):
    """The app under waitress with one thread and the serving dispatcher, as a worker runs it;
    ``/hold`` keeps the thread busy (a stand-in for a slow request)."""
    return serve(index_root, 1, config={"BUDGET": budget}, dispatcher=TimedDispatcher(),
                 extend=lambda app: app.add_url_rule("/hold", "hold", lambda: time.sleep(HOLD)
                                                     or "held"))


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
