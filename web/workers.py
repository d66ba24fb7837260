"""The serving parent: one listening socket, several worker processes, restarted if they die.

Python runs one thread at a time per process, so more threads do not make more searches per
second; processes do. The parent binds the socket once (connections that arrive while a worker
restarts wait in its backlog, and every worker accepts from the same port), starts each worker
as a fresh interpreter (``python -m web.worker``) that inherits the socket, starts another when
one dies, and on SIGTERM, SIGINT or SIGHUP stops them all before it exits.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
GRACE = 10.0  # seconds a worker has to finish its requests once told to stop
FAST_DEATH = 5.0  # a worker that dies sooner than this after its start died of its setup
MAX_FAST_DEATHS = 5  # in a row: the next one would die as well, so give up
POLL = 0.2  # seconds between looks at the workers


def cores() -> int:
    """The cores this process may run on (a container or taskset may allow fewer)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def bind(host: str, port: int, backlog: int = 1024) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` that worker processes can inherit."""
    info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = info[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart without TIME_WAIT
    sock.bind(address)
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


@dataclass
class Supervisor:
    """Keeps ``count`` workers serving ``sock`` until told to stop."""

    sock: socket.socket
    count: int
    worker_args: list[str]  # after ``python -m web.worker --fd N --parent PID``
    say: Callable[[str], None] = print
    workers: dict[int, tuple[subprocess.Popen, float]] = field(default_factory=dict)
    stopping: bool = False

    def run(self) -> int:
        """Start the workers, keep them up, stop them on a signal; the exit status."""
        previous = {sig: signal.signal(sig, self._stop) for sig in STOP_SIGNALS}
        fast_deaths = 0
        try:
            for slot in range(self.count):
                self._start(slot)
            while not self.stopping:
                time.sleep(POLL)
                for slot, (proc, started) in list(self.workers.items()):
                    if self.stopping or proc.poll() is None:
                        continue
                    lived = time.monotonic() - started
                    fast_deaths = fast_deaths + 1 if lived < FAST_DEATH else 0
                    if fast_deaths >= MAX_FAST_DEATHS:
                        self.say(f"workers keep dying at start (last: exit {proc.returncode}); "
                                 "stopping")
                        return 1
                    self.say(f"worker {proc.pid} exited ({_how(proc.returncode)}); "
                             "starting another")
                    self._start(slot)
            return 0
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def pids(self) -> list[int]:
        """The process ids of the running workers."""
        return [proc.pid for proc, _ in self.workers.values()]

    def _start(self, slot: int) -> None:
        fd = self.sock.fileno()
        command = [sys.executable, "-m", "web.worker", "--fd", str(fd),
                   "--parent", str(os.getpid()), *self.worker_args]
        proc = subprocess.Popen(command, pass_fds=(fd,))
        self.workers[slot] = (proc, time.monotonic())

    def _stop(self, signum: int, _frame) -> None:
        self.stopping = True

    def _stop_all(self) -> None:
        """SIGTERM to every worker, SIGKILL to those still running after GRACE seconds."""
        self.stopping = True
        procs = [proc for proc, _ in self.workers.values()]
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + GRACE
        for proc in procs:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.workers.clear()
        self.sock.close()


def _how(code: int) -> str:
    return f"signal {-code}" if code < 0 else f"exit status {code}"


def serve_workers(
    root: Path, host: str, port: int, workers: int, threads: int, budget: float,
    say: Callable[[str], None] = print,
) -> int:
    """Serve the app at ``root`` with ``workers`` processes of ``threads`` threads each."""
    sock = bind(host, port)
    port = sock.getsockname()[1]  # the one the system chose for port 0
    args = ["--index", str(root), "--threads", str(threads), "--budget", str(budget)]
    say(f"serving {root} on http://{host}:{port}/ with {workers} worker process"
        f"{'es' if workers != 1 else ''} x {threads} threads (parent pid {os.getpid()}); "
        "stop with Ctrl+C or `kill " + str(os.getpid()) + "`")
    return Supervisor(sock, workers, args, say).run()
