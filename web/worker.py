"""One serving process: the app under waitress on the listening socket its parent bound.

Started by the parent (web/workers.py) as ``python -m web.worker --fd N ...``; not a command
for people. It stops on SIGTERM (within a second) after finishing the requests it has,
ignores SIGINT (Ctrl+C reaches the whole process group; the parent decides), and dies with
its parent.
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import signal
import socket
import sys
import threading

import waitress
from flask import Flask
from waitress import wasyncore

PR_SET_PDEATHSIG = 1  # linux/prctl.h
STOP_POLL = 1.0  # seconds between looks at the stop flag while idle


def die_with_parent(parent: int) -> None:
    """Have the kernel send SIGTERM when the parent dies, even by SIGKILL (Linux only)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # elsewhere the parent's SIGTERM is the only way out
    if os.getppid() != parent:  # it died before prctl took effect
        sys.exit(0)


_stop = threading.Event()


def _stop_serving(signum: int, _frame) -> None:
    # A flag, not an exception: a handler that raises SystemExit while the main thread runs a
    # finalizer has it ignored ("Exception ignored in ..."), and the worker served on, orphaned.
    _stop.set()


def warm(index) -> None:
    """Load what a first search would otherwise load while a reader waits: the gazetteer
    (names in queries; ~0.5 s), the index version and its tables (into the app's index
    object, which keeps them), the query model."""
    from search import SearchError
    from search.places import gazetteer
    from search.request import parse_request

    gazetteer()
    try:
        index.search(parse_request({"q": ["news"], "mode": ["hybrid"]}))
    except SearchError:
        pass  # no index yet, or no model: requests will say so


def serving_app(index: str, budget: float) -> Flask:
    """The app as a worker serves it: the budget on, each answer naming its process, and one
    request computed at a time when the engine computes in this process (gate.py)."""
    from . import create_app, search_index
    from .gate import Gate

    app = create_app({"INDEX": index, "BUDGET": budget})
    pid = str(os.getpid())

    @app.after_request
    def _worker_pid(response):
        # Which process answered: the tests check that every worker serves, and an operator
        # can match a slow answer to a process.
        response.headers["X-Worker-Pid"] = pid
        return response

    if search_index(app).computes_here:
        # Threads of one process computing side by side cost each request about a third more
        # CPU; parallelism comes from the processes.
        app.wsgi_app = Gate(app.wsgi_app)
    return app


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m web.worker")
    parser.add_argument("--fd", type=int, required=True, help="inherited listening socket")
    parser.add_argument("--parent", type=int, required=True, help="the supervising process")
    parser.add_argument("--index", required=True)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--budget", type=float, default=0.0)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_serving)
    die_with_parent(args.parent)
    logging.basicConfig()

    from . import search_index
    from .budget import TimedDispatcher

    app = serving_app(args.index, args.budget)
    warm(search_index(app))  # before accepting: meanwhile the other workers take the connections
    sock = socket.socket(fileno=args.fd)
    dispatcher = TimedDispatcher()
    dispatcher.set_thread_count(args.threads)
    server = waitress.create_server(app, sockets=[sock], threads=args.threads,
                                    _dispatcher=dispatcher)
    serve_until_stopped(server)


def serve_until_stopped(server) -> None:
    """waitress's loop, a second at a time, until SIGTERM; then let the threads finish."""
    while not _stop.is_set():
        wasyncore.loop(timeout=STOP_POLL, map=server._map, use_poll=server.adj.asyncore_use_poll,
                       count=1)
    server.task_dispatcher.shutdown()


if __name__ == "__main__":
    main()
