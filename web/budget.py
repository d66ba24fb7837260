"""Bounded work per request: a request that cannot be served within its budget gets a 503.

waitress queues every complete request until one of its threads is free; under more load than
the threads can serve, that queue grows and every answer comes later than the one before (a
pile-up). ``TimedDispatcher`` notes when each request was queued; the app's hook then answers a
request that already waited half its budget with ``503 Retry-After`` at once, without searching,
and gives the others a deadline that ``search.budget.check`` enforces between stages.
"""

from __future__ import annotations

import threading
import time

from flask import Flask, current_app
from waitress.task import ThreadedTaskDispatcher

from search.budget import OverBudget, set_deadline

DEFAULT_BUDGET = 5.0  # seconds from arrival to answer: a search takes tens of milliseconds,
# and a reader has given up long before a request waits this long
_local = threading.local()  # the serving thread's current request: when it was queued


class TimedDispatcher(ThreadedTaskDispatcher):
    """waitress's thread pool, noting when each request was queued."""

    def add_task(self, task) -> None:
        """Queue ``task`` (a channel with a complete request) with the time it arrived."""
        super().add_task(_Timed(task, time.monotonic()))


class _Timed:
    """A queued waitress task that tells the serving thread when it was queued."""

    def __init__(self, task, queued: float) -> None:
        self.task = task
        self.queued = queued

    def service(self) -> None:
        _local.queued = self.queued
        try:
            self.task.service()
        finally:
            _local.queued = None

    def __getattr__(self, name: str):
        return getattr(self.task, name)  # cancel(), and whatever else waitress asks of a task

    def __repr__(self) -> str:
        return repr(self.task)


def arrived() -> float:
    """When the current request was queued by the server (now, outside TimedDispatcher)."""
    return getattr(_local, "queued", None) or time.monotonic()


def start_request() -> None:
    """Shed a request that waited half its budget in the queue; give the others a deadline."""
    budget = float(current_app.config.get("BUDGET") or 0)
    if budget <= 0:
        return
    since = arrived()
    if time.monotonic() - since > budget / 2:
        raise OverBudget("the server is too busy to answer in time; please retry in a second")
    set_deadline(since + budget)


def end_request(_error: BaseException | None = None) -> None:
    """Drop the request's deadline, so that the thread's next request starts without one."""
    set_deadline(None)


def init_app(app: Flask) -> None:
    """Register the budget hooks on ``app`` (a budget of 0 or none: unbounded)."""
    app.before_request(start_request)
    app.teardown_request(end_request)
