"""One request computed at a time in a worker process whose engine computes in the process.

Measured under load (bench/server.py, 100k articles, 16 clients, 2 workers x 4 threads): with
the embedded engine a request took 12.3 CPU-ms alone and 16.1 CPU-ms when the worker's four
threads ran requests side by side, so 16 clients got only 1.49x one client's requests/s. The
threads did not share work, they fought over Python's one lock (GIL handoffs after every numpy
call and I/O that releases it, each thread evicting the others' data from the CPU caches).
With this gate the same load ran at 12.4 CPU-ms a request and 1.88x. Parallelism comes from
the worker processes; inside one, a request runs its Python alone.

The gate covers the view and the building of its response. A streamed download's body is
produced outside it, as waitress sends it, so a long export shares the process with the
searches instead of making them wait until it ends. Time spent waiting at the gate is queue
time: the budget (budget.py) counts it from the request's arrival and sheds a request that
waited too long.

An engine that waits on a server (OpenSearch) is not gated: its threads spend their time
waiting, and one waiting request must not hold up the others.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable


class Gate:
    """WSGI middleware: ``app`` runs for one request at a time.

    :param app: the WSGI application to call under the gate
    """

    def __init__(self, app: Callable) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        with self.lock:
            return self.app(environ, start_response)
