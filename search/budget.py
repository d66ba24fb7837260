"""A time budget per request: long work checks it between stages and gives up in time.

A server under more load than it can take must not queue ever more work behind requests whose
clients have given up: a request that cannot finish within its budget stops at the next check
and is answered "busy, retry" at once. The deadline lives in a context variable, so each
serving thread has its own and the library needs no reference to the web layer.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from . import Unavailable

_deadline: ContextVar[float | None] = ContextVar("news_search_deadline", default=None)


class OverBudget(Unavailable):
    """The server is too busy to answer this request within its time budget."""

    retry_after = 1  # load comes in bursts: a second later the queue is usually gone


@contextmanager
def deadline(at: float | None) -> Iterator[None]:
    """Run the block with a deadline (a ``time.monotonic()`` instant; None: no limit)."""
    token = _deadline.set(at)
    try:
        yield
    finally:
        _deadline.reset(token)


def set_deadline(at: float | None) -> None:
    """Set the current context's deadline (request hooks: set on start, None on teardown)."""
    _deadline.set(at)


def check() -> None:
    """Raise OverBudget when the current deadline has passed; free when there is none."""
    at = _deadline.get()
    if at is not None and time.monotonic() > at:
        raise OverBudget("the server is too busy to answer in time; please retry in a second")
