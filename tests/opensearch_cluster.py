"""Real OpenSearch nodes on loopback for the tests: one node, or a three-node cluster.

Each node is its own JVM from the fetched distribution (tests/opensearch_dist.py) with its own
config, data and log folders under a temporary folder, HTTP and transport ports picked free,
security absent (the integ-test-zip has no security plugin) and a small heap. Nodes run in their
own process group so that stopping one kills the whole group; if the test process dies without
cleaning up, the kernel sends each node SIGKILL (PR_SET_PDEATHSIG) so no JVM is left behind.

OpenSearch refuses to run as root (there is no setting to allow it). When the tests run as root,
as CI does, the nodes run as an unprivileged user instead ($NEWS_SEARCH_OPENSEARCH_USER, default
``nobody``), in a temporary folder that user owns.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from opensearch_dist import OpenSearchUnavailable, fetch, find_java_home

HEAP = os.environ.get("NEWS_SEARCH_OPENSEARCH_HEAP", "256m")
# The client compiler only: nodes start and rejoin about twice as fast on this busy 2-core
# machine (3 nodes: 15-20 s instead of 35-44 s), at the cost of peak speed, which the tests do
# not need. Benchmarks must set this variable to "" (or their own options).
JAVA_OPTS = os.environ.get("NEWS_SEARCH_OPENSEARCH_JAVA_OPTS", "-XX:TieredStopAtLevel=1")
START_TIMEOUT = 180.0
FOLDER_PREFIX = "news-search-opensearch-"
_PR_SET_PDEATHSIG = 1
_PRCTL = ctypes.CDLL(None, use_errno=True).prctl
_LIVE: set[Node] = set()


def free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1 right now (held open together so that they differ)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def http_json(url: str, method: str = "GET", body: dict | None = None,
              timeout: float = 10.0) -> dict:
    """One JSON request with the standard library (the fixtures need no client package)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"{}")


def _remove_orphaned_folders() -> None:
    # A test run killed with SIGKILL takes its nodes with it (parent-death signal) but leaves
    # their folders; the folder names carry the test process's id, so remove those of dead ones.
    for folder in Path(tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*"):
        pid = folder.name[len(FOLDER_PREFIX):].split("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(folder, ignore_errors=True)


def node_user() -> tuple[int, int] | None:
    """(uid, gid) the nodes run as when we are root, else None (they run as us)."""
    if os.geteuid() != 0:
        return None
    entry = pwd.getpwnam(os.environ.get("NEWS_SEARCH_OPENSEARCH_USER", "nobody"))
    return entry.pw_uid, entry.pw_gid


def _chown_tree(path: Path, user: tuple[int, int] | None) -> None:
    if user is None:
        return
    os.chown(path, *user)
    for parent, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(parent, name), *user)


def _die_with_parent() -> None:
    # Runs in the child between fork and exec, after Popen has dropped root (a change of user
    # clears this setting): SIGKILL the node when the test process dies. The setting survives
    # the exec of bin/opensearch and its exec of java. Only a preloaded C function is called
    # here: a fork taken while another thread holds the loader's lock must not dlopen.
    _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class Node:
    """One OpenSearch JVM with its own folders and ports; start, stop and start again."""

    def __init__(self, home: Path, folder: Path, name: str, http_port: int,
                 transport_port: int, settings: dict[str, str]) -> None:
        self.home, self.folder, self.name = home, folder, name
        self.http_port, self.transport_port = http_port, transport_port
        self.url = f"http://127.0.0.1:{http_port}"
        self.process: subprocess.Popen | None = None
        self.user = node_user()
        self._write_config(settings)
        _chown_tree(self.folder, self.user)

    def _write_config(self, settings: dict[str, str]) -> None:
        config = self.folder / "config"
        shutil.copytree(self.home / "config", config)
        for sub in ("data", "logs", "tmp"):
            (self.folder / sub).mkdir()
        # jvm.options writes GC logs, heap dumps and crash files relative to the shared home;
        # point them into this node's folder so that three nodes do not write the same files.
        options = (config / "jvm.options").read_text()
        options = options.replace("file=logs/gc.log", f"file={self.folder}/logs/gc.log")
        options = options.replace("HeapDumpPath=data", f"HeapDumpPath={self.folder}/data")
        options = options.replace("ErrorFile=logs/", f"ErrorFile={self.folder}/logs/")
        (config / "jvm.options").write_text(options)
        lines = {
            "node.name": self.name,
            "path.data": str(self.folder / "data"),
            "path.logs": str(self.folder / "logs"),
            "network.host": "127.0.0.1",
            "http.port": str(self.http_port),
            "transport.port": str(self.transport_port),
            # A busy shared disk must not stop shard allocation in tests.
            "cluster.routing.allocation.disk.threshold_enabled": "false",
            **settings,
        }
        (config / "opensearch.yml").write_text(
            "".join(f"{key}: {value}\n" for key, value in lines.items())
        )

    def start(self) -> None:
        """Start the JVM (returns at once; see wait_http).

        Call it from a thread that outlives the node (the main thread): the kernel's
        parent-death signal fires when the starting thread exits.
        """
        env = dict(
            os.environ,
            JAVA_HOME=str(find_java_home()),
            OPENSEARCH_PATH_CONF=str(self.folder / "config"),
            OPENSEARCH_TMPDIR=str(self.folder / "tmp"),
            OPENSEARCH_JAVA_OPTS=f"-Xms{HEAP} -Xmx{HEAP} {JAVA_OPTS}".strip(),
            HOME=str(self.folder),
        )
        env.pop("JAVA_TOOL_OPTIONS", None)
        log = open(self.folder / "logs" / "stdout.log", "ab")
        self.process = subprocess.Popen(
            [str(self.home / "bin" / "opensearch")], env=env, stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=_die_with_parent, **self._as_user(),
        )
        log.close()
        _LIVE.add(self)

    def _as_user(self) -> dict:
        if self.user is None:
            return {}
        return {"user": self.user[0], "group": self.user[1], "extra_groups": []}

    def wait_http(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until the node answers HTTP; raise with its log's tail if it died or hung."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise OpenSearchUnavailable(f"{self.name} exited:\n{self.log_tail()}")
            try:
                http_json(self.url, timeout=2)
                return
            except (OSError, urllib.error.URLError, ValueError):
                time.sleep(0.5)
        raise OpenSearchUnavailable(f"{self.name} did not answer in {timeout}s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the node's console output, for error messages."""
        path = self.folder / "logs" / "stdout.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60.0) -> None:
        """Stop the node's process group (SIGTERM, then SIGKILL after timeout)."""
        process, self.process = self.process, None
        _LIVE.discard(self)
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        except ProcessLookupError:
            pass

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Cluster:
    """N nodes that discover each other on loopback; urls lists their HTTP addresses.

    The nodes' folders live in a new temporary folder (not pytest's tmp_path, which only its
    owner can enter), removed by stop().
    """

    def __init__(self, size: int = 1, name: str = "news-search-test") -> None:
        home = fetch()
        _remove_orphaned_folders()
        self.folder = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-"))
        _chown_tree(self.folder, node_user())
        folder = self.folder
        ports = free_ports(2 * size)
        names = [f"node-{i}" for i in range(size)]
        if size == 1:
            common = {"discovery.type": "single-node"}
        else:
            seeds = ",".join(f"127.0.0.1:{p}" for p in ports[size:])
            common = {"discovery.seed_hosts": seeds,
                      "cluster.initial_cluster_manager_nodes": ",".join(names)}
        common["cluster.name"] = f"{name}-{os.getpid()}"
        self.nodes = [
            Node(home, folder / names[i], names[i], ports[i], ports[size + i], common)
            for i in range(size)
        ]

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def start(self) -> None:
        """Start every node, wait for HTTP on each and for the cluster to form."""
        try:
            for node in self.nodes:
                node.start()
            for node in self.nodes:
                node.wait_http()
            self.wait_health("yellow")
        except BaseException:
            self.stop()
            raise

    def cluster_manager(self) -> Node:
        """The node currently elected cluster manager."""
        answer = http_json(f"{self.live_url()}/_cat/cluster_manager?format=json")
        return next(node for node in self.nodes if node.name == answer[0]["node"])

    def restart(self, node: Node, status: str = "green") -> None:
        """Start a stopped node again and wait until it has rejoined and the status is back."""
        node.start()
        node.wait_http()
        self.wait_health(status)

    def live_url(self) -> str:
        """The HTTP address of a running node."""
        return next(node.url for node in self.nodes if node.running)

    def health(self, status: str = "yellow", timeout: float = 60.0) -> dict:
        """Cluster health once it reaches status with every running node joined."""
        nodes = sum(node.running for node in self.nodes)
        url = (f"{self.live_url()}/_cluster/health?wait_for_status={status}"
               f"&wait_for_nodes={nodes}&timeout={int(timeout)}s")
        return http_json(url, timeout=timeout + 10)

    def wait_health(self, status: str = "yellow", timeout: float = 90.0) -> dict:
        """Wait for the status and node count; raise with the health if it does not come."""
        deadline = time.monotonic() + timeout
        health: dict = {}
        while time.monotonic() < deadline:
            try:
                health = self.health(status, timeout=min(30.0, deadline - time.monotonic()))
            except (OSError, urllib.error.URLError, ValueError) as error:
                health = {"error": str(error)}
                time.sleep(1)
                continue
            if not health.get("timed_out"):
                return health
        raise OpenSearchUnavailable(f"cluster not {status} in {timeout}s: {health}")

    def stop(self) -> None:
        """Stop every node and remove their folders."""
        for node in self.nodes:
            node.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@atexit.register
def _stop_leftovers() -> None:
    # A test run that ends without its fixtures' teardown still stops its nodes.
    for node in list(_LIVE):
        node.stop(timeout=20)


_FAILED: list[OpenSearchUnavailable] = []


def start_or_skip(size: int) -> Cluster:
    """A started cluster of size nodes; skip the test if Java or Maven is missing (fail in CI)."""
    try:
        if _FAILED:  # one failed fetch or start is enough: the next fixture does not wait again
            raise _FAILED[0]
        cluster = Cluster(size)
        cluster.start()
    except OpenSearchUnavailable as error:
        _FAILED[:1] = [error]
        if os.environ.get("CI"):
            pytest.fail(f"OpenSearch is required in CI: {error}", pytrace=False)
        pytest.skip(f"OpenSearch unavailable: {error}")
    return cluster


@pytest.fixture(scope="session")
def opensearch_node() -> Iterator[Cluster]:
    """One OpenSearch node for the whole run (its url is .urls[0])."""
    cluster = start_or_skip(1)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def opensearch_cluster() -> Iterator[Cluster]:
    """Three OpenSearch nodes on loopback for the whole run; a test that stops one restarts it."""
    cluster = start_or_skip(3)
    try:
        yield cluster
    finally:
        cluster.stop()
