"""`news-search serve` as people run it: a parent and worker processes on one loopback port."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import SEEDS, write_jsonl

from search.index import reindex

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

QUOKKA = {
    "id": "swap-quokka",
    "title": "Quokka census finds more quokkas on Rottnest",
    "text": "ROTTNEST, Australia - Rangers counted quokkas on Monday.\n\nThe count rose.",
    "date": "2024-12-12",
    "url": "https://ledger.example/quokka-census",
    "source": "Daily Ledger",
}
WAIT = 20.0  # seconds for anything asynchronous; the tests end far sooner when it works


@pytest.fixture
def root(tmp_path) -> Path:
    """An index of the two sample articles of this test's own (a swap test rebuilds it)."""
    root = tmp_path / "index"
    reindex([SEEDS], root, full=True, workers=1, vectors=False)
    return root


@contextmanager
def serving(root: Path, workers: int = 2) -> Iterator[tuple[subprocess.Popen, str]]:
    """The real CLI on a port the system picks; yields the parent process and the base URL."""
    command = [sys.executable, "-c", "from web.cli import main; main()", "serve",
               "--index", str(root), "--port", "0", "--workers", str(workers), "--threads", "2"]
    parent = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        line = parent.stdout.readline()
        assert f"with {workers} worker process" in line and f"kill {parent.pid}" in line, line
        url = line.split(" on ", 1)[1].split("/ ", 1)[0]
        wait_for(lambda: len(children(parent.pid)) == workers and get(url + "/api/search"))
        yield parent, url
    finally:
        pids = children(parent.pid)
        parent.kill()  # the workers follow (PDEATHSIG); each test checks its own way out
        parent.wait()
        wait_for(lambda: not any(alive(pid) for pid in pids))


def children(pid: int) -> set[int]:
    """The child processes of ``pid`` (its workers)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return set()
    return {int(p) for p in text.split()}


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def get(url: str) -> tuple[int, dict] | None:
    """GET ``url`` on a new connection: the answering worker's pid and the JSON, or None."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.headers["X-Worker-Pid"]), json.loads(response.read())
    except OSError:
        return None


def wait_for(condition, timeout: float = WAIT):
    """Poll ``condition`` until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


def answering(url: str, want: set[int], timeout: float = WAIT) -> dict[int, dict]:
    """Concurrent requests until each pid of ``want`` has answered: pid -> its last answer.
    Concurrency makes an idle worker accept while the others are busy; a new worker accepts
    once it has warmed up (web/worker.py), a second or two after it starts."""
    seen: dict[int, dict] = {}
    deadline = time.monotonic() + timeout
    with ThreadPoolExecutor(max_workers=8) as pool:
        while time.monotonic() < deadline:
            for found in pool.map(get, [url] * 8):
                if found:
                    seen[found[0]] = found[1]
            if want <= seen.keys():
                break
    return seen


def test_workers_share_one_port_and_all_answer(root):
    with serving(root, workers=2) as (parent, url):
        workers = children(parent.pid)
        assert len(workers) == 2
        seen = answering(url + "/api/search?q=syria&mode=lexical", workers)
        assert seen.keys() == workers  # every answer came from a worker, and both answered
        assert {answer["total"] for answer in seen.values()} == {2}


def test_a_killed_worker_is_replaced(root):
    with serving(root, workers=2) as (parent, url):
        before = children(parent.pid)
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        after = wait_for(lambda: len(now := children(parent.pid) - {victim}) == 2 and now)
        assert victim not in after and len(after & before) == 1
        assert answering(url + "/api/search?q=syria", after).keys() == after


def test_sigterm_stops_every_process(root):
    with serving(root, workers=2) as (parent, url):
        workers = children(parent.pid)
        parent.send_signal(signal.SIGTERM)
        assert parent.wait(timeout=WAIT) == 0
        assert not any(alive(pid) for pid in workers)  # the parent waited for them
        assert get(url + "/api/search") is None  # nobody listens any more


def test_workers_die_with_a_killed_parent(root):
    with serving(root, workers=2) as (parent, _url):
        workers = children(parent.pid)
        parent.kill()
        parent.wait()
        wait_for(lambda: not any(alive(pid) for pid in workers))


def test_a_swap_reaches_every_worker(root, tmp_path):
    with serving(root, workers=2) as (parent, url):
        workers = children(parent.pid)
        search = url + "/api/search?q=quokka&mode=lexical"
        assert {a["total"] for a in answering(search, workers).values()} == {0}
        more = write_jsonl(tmp_path / "more.jsonl", [QUOKKA])
        # What `news-search reindex --full` does: build a new generation aside, switch to it.
        reindex([SEEDS, more], root, full=True, workers=1, vectors=False)
        seen = answering(search, workers)
        assert seen.keys() == workers
        assert {a["total"] for a in seen.values()} == {1}
