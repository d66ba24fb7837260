"""Faults: a reindex killed at each stage, two reindexes at once, a full disk, swaps under load.

After each fault the index that served before serves the same answers, and the next reindex
works with no cleanup by hand. Kills are timed by the reindex's own output (its progress lines)
or by the files it writes; the stages too brief to hit that way (the story store's COMMIT and
the swap of CURRENT) are reached by the reindex process stopping itself there
(tests/killable_reindex.py). A full disk is a real small tmpfs where we may mount one, and
everywhere an ENOSPC injected into Whoosh's file writes.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import multiprocessing
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner
from conftest import SEEDS, serve
from whoosh.filedb.filestore import FileStorage

from search import view as view_module
from search.cli import cli
from search.generations import POINTER, ReindexRunning, current_generation, reindex_lock
from search.index import WriteFailed, reindex
from search.query import parse_request, search
from web import create_app

CHILD = Path(__file__).with_name("killable_reindex.py")
CLI = [sys.executable, "-c", "from web.cli import main; main()"]
SYLLABLES = "ka lo mi ran tes vo pel dur sa nik tor bel fi gar mon zu".split()
NEW_STORIES = 50  # the corpus a killed reindex was building: 100 articles


def write_corpus(folder: Path, prefix: str, stories: int, seed: int = 0) -> Path:
    """``stories`` stories of two near-copies each (two sources, same day); every title starts
    with ``prefix``, so a response shows which corpus it came from."""
    rng = random.Random(seed)
    vocab = sorted({"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(4000)})
    records = []
    for s in range(stories):
        words = [rng.choice(vocab) for _ in range(300)]
        paragraphs = (" ".join(words[i : i + 60]).capitalize() + "." for i in range(0, 300, 60))
        text = "\n\n".join(paragraphs)
        for copy, desk in enumerate(("North", "South")):
            records.append({
                "id": f"{prefix}-{s}-{copy}", "title": f"{prefix} harbour {words[0]} {s}",
                "source": f"{prefix} {desk} Wire",
                "date": f"2024-{s % 12 + 1:02d}-{s % 27 + 1:02d}",
                "url": f"https://{desk.lower()}.example/{prefix}/{s}",
                "text": text + ("\n\nReporting by the South desk." if copy else ""),
            })  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    for f in range(10):
        lines = "".join(json.dumps(r) + "\n" for r in records[f::10])
        (folder / f"{prefix.lower()}-{f}.jsonl").write_text(lines, encoding="utf-8")
    return folder


def answers(root: Path) -> dict:
    """What the app says about the index at ``root``: totals and titles of a few searches."""
    client = create_app({"TESTING": True, "INDEX": root}).test_client()
    out = {}
    for url in ("/api/search?q=harbour&per_page=100", "/api/search?per_page=100&collapse=none",
                "/api/search?q=syria+turkey"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, response.data[:300]
        data = response.get_json()
        titles = sorted(r["title"] for r in data["results"])
        out[url] = (data["total"], data["total_results"], titles)
    assert client.get("/search?q=harbour").status_code == 200
    return out


def leftovers(root: Path) -> dict:
    """What a run leaves in the index root besides the serving generation."""
    serving = current_generation(root)
    return {
        "building": sorted(p.name for p in root.glob("gen-*.building")),
        "other generations": sorted(
            p.name for p in root.glob("gen-*") if p != serving and not p.name.endswith(".building")
        ),
        "pointer tmp": (root / f"{POINTER}.tmp").exists(),
    }


def wait_for(condition: Callable[[], object], timeout: float = 60, every: float = 0.002):
    """Poll ``condition`` until it is true; return its value."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(every)
    return value


class Reindex:
    """A reindex in its own process (tests/killable_reindex.py), to watch, stop and kill."""

    def __init__(self, root: Path, paths, log: Path, *, full=True, workers=1, pause_at=""):
        args = [sys.executable, str(CHILD), str(root), *map(str, paths), "--workers", str(workers)]
        args += ["--full"] * full + (["--pause-at", pause_at] if pause_at else [])
        self.log = log
        with open(log, "w") as err:
            self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.strip())
        self.lines.put("")  # end of output

    def expect(self, start: str, timeout: float = 120) -> str:
        """The next output line starting with ``start`` (progress lines in between skipped)."""
        while True:
            line = self.lines.get(timeout=timeout)
            if line.startswith(start):
                return line
            assert line, f"reindex ended without {start!r}: {self.log.read_text()[-2000:]}"

    def progress(self, articles: int) -> None:
        """Wait until it has extracted at least ``articles`` articles."""
        while int(self.expect("progress").split()[1]) < articles:
            pass

    def stopped(self) -> bool:
        stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] == "T"

    def stop(self) -> None:
        """Freeze it where it is (SIGSTOP)."""
        self.proc.send_signal(signal.SIGSTOP)
        wait_for(self.stopped, timeout=10)

    def kill(self) -> None:
        """kill -9."""
        self.proc.send_signal(signal.SIGKILL)
        assert self.proc.wait(timeout=30) == -signal.SIGKILL

    def finish(self) -> str:
        """Let it run to the end; its last line."""
        self.proc.send_signal(signal.SIGCONT)
        done = self.expect("done")
        assert self.proc.wait(timeout=120) == 0, self.log.read_text()[-2000:]
        return done


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> dict[str, Path]:
    """The old corpus (seeds and 10 stories), the new one (50 stories) a reindex builds, and a
    few extra stories (5) to add."""
    base = tmp_path_factory.mktemp("corpora")
    return {
        "old": write_corpus(base / "alpha", "Alpha", 10, seed=1),
        "new": write_corpus(base / "bravo", "Bravo", NEW_STORIES, seed=2),
        "extra": write_corpus(base / "charlie", "Charlie", 5, seed=7),
    }


@pytest.fixture(scope="module")
def old_index(corpora, tmp_path_factory) -> Path:
    """An index of the old corpus, built once and copied by each test."""
    root = tmp_path_factory.mktemp("old") / "index"
    report = reindex([SEEDS, corpora["old"]], root, full=True, workers=1)
    assert report.added == 22
    return root


@pytest.fixture
def root(old_index, tmp_path) -> Path:
    """A copy of the old index for one test to break."""
    copy = tmp_path / "index"
    shutil.copytree(old_index, copy)
    return copy


def building(root: Path) -> Path:
    (path,) = root.glob("gen-*.building")
    return path


def postings_written(root: Path) -> bool:
    """Whoosh's commit has begun writing the postings (they are pooled until then)."""
    return any(p.stat().st_size for p in root.glob("gen-*.building/*.pst"))


def committed(root: Path) -> bool:
    """Whoosh's commit is done (its second table of contents), the side files not yet."""
    return any(root.glob("gen-*.building/_MAIN_1.toc"))


def reach(child: Reindex, root: Path, point: str) -> None:
    """Run the reindex to ``point`` and freeze it there; check it is where we think."""
    if point == "extraction":
        child.progress(10)
        child.stop()
        assert not postings_written(root)
    elif point == "whoosh-commit":
        wait_for(lambda: postings_written(root))
        child.stop()
        assert not committed(root), "the commit ended before the kill: make it longer"
    elif point == "side-files":
        wait_for(lambda: committed(root))
        child.stop()
        assert not (building(root) / "VERSION").exists()
    else:  # points the process stops itself at
        assert child.expect("paused") == f"paused {point}"
        wait_for(child.stopped, timeout=10)


KILL_POINTS = ["extraction", "stories-commit", "whoosh-commit", "side-files", "switch", "switched"]


@pytest.mark.slow
@pytest.mark.parametrize("point", KILL_POINTS)
def test_killed_full_reindex_leaves_the_old_index_and_the_next_run_works(
    point, root, corpora, tmp_path
):
    before, serving = answers(root), current_generation(root)
    pause = point if point in ("stories-commit", "switch", "switched") else ""
    # Extraction runs in worker processes: they must not keep the lock once their parent dies.
    workers = 2 if point == "extraction" else 1
    child = Reindex(root, [corpora["new"]], tmp_path / "child.log", pause_at=pause, workers=workers)
    reach(child, root, point)
    during = answers(root)
    child.kill()
    with reindex_lock(root):  # free the moment it died, whatever its workers are doing
        pass
    left = leftovers(root)
    if point == "switched":  # CURRENT was replaced: the new index serves, whole
        new = answers(root)
        assert during == new and new["/api/search?q=harbour&per_page=100"][:2] == (100, 50)
        assert left == {"building": [], "other generations": [serving.name], "pointer tmp": False}
    else:
        assert during == before and answers(root) == before
        assert current_generation(root) == serving
        if point == "switch":  # built and renamed, not yet named by CURRENT
            assert left["pointer tmp"] and len(left["other generations"]) == 1
        else:
            assert len(left["building"]) == 1
    report = reindex([SEEDS, corpora["old"]], root, full=True, workers=1)  # no cleanup by hand
    assert report.added == 22 and answers(root) == before
    assert leftovers(root)["building"] == [] and not leftovers(root)["pointer tmp"]
    assert len(list(root.glob("gen-*"))) == 2  # the new one and the one before it


def children(pid: int) -> set[int]:
    """The live child processes of ``pid``."""
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.slow
def test_killed_parallel_rebuild_takes_its_workers_and_writers_with_it(root, corpora, tmp_path):
    """Extraction workers and the processes writing segments die with a reindex killed -9
    (else they wait forever for work, holding memory), and the old index serves."""
    before, serving = answers(root), current_generation(root)
    child = Reindex(root, [corpora["new"]], tmp_path / "child.log", workers=2)
    child.progress(80)  # more than a batch (64): a process writing a segment has started
    child.stop()
    helpers = wait_for(lambda: (found := children(child.proc.pid)) and len(found) >= 3 and found)
    child.kill()
    wait_for(lambda: not any(alive(p) for p in helpers), timeout=10)
    assert answers(root) == before and current_generation(root) == serving
    report = reindex([SEEDS, corpora["old"]], root, full=True, workers=1)
    assert report.added == 22 and answers(root) == before


@pytest.mark.slow
@pytest.mark.parametrize("point", ["extraction", "stories-committed"])
def test_killed_incremental_reindex_keeps_serving_and_the_next_run_repairs(
    point, root, corpora, tmp_path
):
    """An incremental run writes into the serving generation: stories are committed before
    Whoosh, so a kill in between leaves them ahead, and the next run must put them in step."""
    before, serving = answers(root), current_generation(root)
    paths = [SEEDS, corpora["old"], corpora["new"]]
    workers = 2 if point == "extraction" else 1
    pause = "" if point == "extraction" else point
    child = Reindex(root, paths, tmp_path / "child.log", full=False, workers=workers,
                    pause_at=pause)  # fmt: skip
    if point == "extraction":
        child.progress(10)
        child.stop()
    else:
        assert child.expect("paused") == f"paused {point}"
        wait_for(child.stopped, timeout=10)
    assert answers(root) == before
    child.kill()
    assert answers(root) == before and current_generation(root) == serving
    report = reindex(paths, root, workers=1)  # Whoosh's lock and ours are free
    assert (report.added, report.unchanged) == (100, 22)
    after = answers(root)
    assert after["/api/search?q=harbour&per_page=100"][:2] == (120, 60)
    assert after["/api/search?per_page=100&collapse=none"][:2] == (122, 62)  # copies folded


@pytest.mark.slow
def test_a_second_reindex_refuses_while_one_runs_and_the_first_completes(root, corpora, tmp_path):
    child = Reindex(root, [corpora["new"]], tmp_path / "child.log")
    child.progress(5)
    child.stop()  # it holds the lock and has a half-built generation
    half_built = building(root)
    command = [*CLI, "reindex", "--index", str(root), str(corpora["old"])]
    second = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert second.returncode == 1
    assert second.stderr.strip() == (
        f"Error: another reindex of {root} is running; try again when it ends"
    )
    for full in (True, False):
        with pytest.raises(ReindexRunning, match="another reindex"):
            reindex([corpora["old"]], root, full=full, workers=1)
    assert half_built.exists()  # the refused runs removed nothing of the running one
    assert child.finish().split()[2] == "100"
    new = answers(root)
    assert new["/api/search?q=harbour&per_page=100"][:2] == (100, 50)
    assert leftovers(root)["building"] == []


# A full disk


class FullDisk:
    """Whoosh's files on a disk that fills up: the first write to a file ``when`` accepts, after
    ``room`` bytes, fails with ENOSPC (Whoosh's own file writing is patched, not our code)."""

    def __init__(self, when: Callable[[str], bool], room: int = 0) -> None:
        self.when, self.room, self.hits = when, room, 0

    def install(self, monkeypatch) -> None:
        real = FileStorage.create_file
        disk = self

        def create_file(storage, name, *args, **kwargs):
            handle = real(storage, name, *args, **kwargs)
            if disk.when(name):
                handle.file = _Filling(handle.file, disk, name)
            return handle

        monkeypatch.setattr(FileStorage, "create_file", create_file)


class _Filling:
    def __init__(self, raw, disk: FullDisk, name: str) -> None:
        self._raw, self._disk, self._name = raw, disk, name

    def write(self, data) -> int:
        size = len(memoryview(data).cast("B"))
        if size > self._disk.room:
            self._disk.hits += 1
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self._name)
        self._disk.room -= size
        return self._raw.write(data)

    def __getattr__(self, name: str):
        return getattr(self._raw, name)


DISK_FULL_WHILE = {
    "writing stored fields": (lambda name: name.endswith("_stored.col"), 20_000),
    "writing postings": (lambda name: name.endswith(".pst"), 0),
    "writing the term index": (lambda name: name.endswith(".trm"), 0),
    "writing the table of contents": (
        lambda name: ".toc." in name and not name.startswith("_MAIN_0."), 0
    ),
}
DISK_FULL_CASES = [(w, True, 1) for w in DISK_FULL_WHILE] + [
    ("writing postings", False, 1),
    ("writing the table of contents", False, 1),
    # A rebuild written by two processes: the disk fills in a sub-writer (forked, so it
    # inherits the patched file writing) or in the parent's table of contents.
    ("writing stored fields", True, 2),
    ("writing postings", True, 2),
    ("writing the table of contents", True, 2),
]


@pytest.mark.parametrize(("moment", "full", "workers"), DISK_FULL_CASES)
def test_disk_full_keeps_the_old_index_and_the_next_run_works(
    moment, full, workers, root, corpora, monkeypatch
):
    before, serving = answers(root), current_generation(root)
    disk = FullDisk(*DISK_FULL_WHILE[moment])
    disk.install(monkeypatch)
    paths = [SEEDS, corpora["old"], corpora["extra"]]
    args = ["reindex", "--index", str(root), *map(str, paths), "--workers", str(workers)]
    result = CliRunner().invoke(cli, args + ["--full"] * full)
    assert (disk.hits or workers > 1) and result.exit_code == 1  # hits in a sub-writer: unseen
    assert multiprocessing.active_children() == []  # no worker or sub-writer left behind
    assert result.output.strip() == (
        f"Error: could not write the index in {root}: No space left on device; "
        "the index as it was still serves"
    )
    assert answers(root) == before and current_generation(root) == serving
    assert leftovers(root) == {"building": [], "other generations": [], "pointer tmp": False}
    monkeypatch.undo()  # space again
    report = reindex(paths, root, full=full, workers=1)
    assert report.added == (32 if full else 10)
    assert answers(root)["/api/search?q=harbour&per_page=100"][:2] == (30, 15)


@pytest.fixture
def small_disk(tmp_path) -> Path:
    """A real 3.5 MB filesystem (tmpfs), where we may mount one: room for two generations of
    the old corpus (1.3 MB each), not for the new one (4.2 MB) beside the old."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3584k", "tmpfs", str(mount)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_real_full_disk_keeps_the_old_index_and_the_next_run_works(small_disk, corpora):
    root = small_disk / "index"
    reindex([SEEDS, corpora["old"]], root, full=True, workers=1)
    before, serving = answers(root), current_generation(root)
    with pytest.raises(WriteFailed, match="No space left on device|disk is full"):
        reindex([SEEDS, corpora["old"], corpora["new"]], root, full=True, workers=1)
    assert answers(root) == before and current_generation(root) == serving
    assert leftovers(root) == {"building": [], "other generations": [], "pointer tmp": False}
    report = reindex([SEEDS, corpora["old"]], root, full=True, workers=1)  # it fits again
    assert report.added == 22 and answers(root) == before


# Searches while reindexes swap the index


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def version_of(titles: list[str], total: int, expected: dict[str, int]) -> str:
    """The corpus a response came from; fails unless all of it came from that one."""
    prefixes = {t.split()[0] for t in titles}
    assert len(prefixes) == 1, titles
    (prefix,) = prefixes
    assert total == expected[prefix], (prefix, total)
    return prefix


def check_api(body: bytes, expected: dict[str, int]) -> str:
    data = json.loads(body)
    version = version_of([r["title"] for r in data["results"]], data["total"], expected)
    assert data["total_results"] * 2 == data["total"]  # stories of this version, not a mix
    for result in data["results"]:
        assert result["story"]["size"] == 2 and result["collapsed"] == 1
        assert result["more"][0]["title"] == result["title"]
    return version


def check_page(body: bytes, expected: dict[str, int]) -> str:
    doc = lxml.html.fromstring(body)
    titles = [a.text_content() for a in doc.xpath("//li[@class='result']/h2/a")]
    count = " ".join(doc.xpath("//*[@aria-live='polite']")[0].text_content().split())
    stories, articles = int(count.split()[0]), int(count.split()[3])
    assert stories * 2 == articles, count
    return version_of(titles, articles, expected)


def check_csv(body: bytes, expected: dict[str, int]) -> str:
    rows = list(csv.DictReader(io.StringIO(body.decode())))  # the first row is the header
    return version_of([row["title"] for row in rows], len(rows), expected)


LOAD_URLS = [
    ("/api/search?q=harbour&per_page=100", check_api),
    ("/search?q=harbour&per_page=100", check_page),
    ("/search.csv?q=harbour", check_csv),
    ("/api/search?per_page=100&sort=oldest", check_api),
]
SWAPS = 4


@pytest.mark.slow
def test_searches_while_reindexes_swap_the_index_get_one_version_each(tmp_path):
    corpora = {
        "Alpha": write_corpus(tmp_path / "alpha", "Alpha", 10, seed=3),
        "Bravo": write_corpus(tmp_path / "bravo", "Bravo", 15, seed=4),
    }
    expected = {"Alpha": 20, "Bravo": 30}
    root = tmp_path / "index"
    reindex([corpora["Alpha"]], root, full=True, workers=1)
    seen: list[tuple[int, str]] = []  # (status, version) of every response
    failures: list[str] = []
    swapping = threading.Event()
    swapping.set()

    def searcher(n: int) -> None:
        while swapping.is_set():
            url, check = LOAD_URLS[len(seen) % len(LOAD_URLS)]
            status, body = fetch(base + url)
            try:
                assert status == 200, body[:300]
                seen.append((status, check(body, expected)))
            except Exception as error:  # noqa: BLE001 - reported below, all at once
                seen.append((status, "?"))
                failures.append(f"{url}: {status} {error!r}"[:500])

    with serve(root, threads=4) as base:
        threads = [threading.Thread(target=searcher, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        generations = []
        try:
            for name in ["Bravo", "Alpha"] * (SWAPS // 2):
                time.sleep(0.5)  # searches on each version
                command = [*CLI, "reindex", "--full", "--workers", "1", "--index", str(root),
                           str(corpora[name])]  # fmt: skip
                subprocess.run(command, check=True, capture_output=True, timeout=120)
                generations.append(current_generation(root).name)
            time.sleep(0.5)
        finally:
            swapping.clear()
            for thread in threads:
                thread.join(timeout=60)
    assert not failures, failures[:5]
    assert len(set(generations)) == SWAPS
    statuses = [status for status, _ in seen]
    assert len(seen) >= 200 and not [s for s in statuses if s >= 500]
    versions = [version for _, version in seen]
    changes = sum(a != b for a, b in zip(versions, versions[1:], strict=False))
    assert set(versions) == {"Alpha", "Bravo"} and changes >= SWAPS
    print(f"{len(seen)} requests during {SWAPS} swaps, {changes} version changes seen")


def test_a_swap_between_finding_and_opening_the_generation_is_harmless(tmp_path, monkeypatch):
    """A search reads CURRENT, then opens that generation: a swap landing in between must not
    give it one generation's documents with the other's stories."""
    alpha = write_corpus(tmp_path / "alpha", "Alpha", 3, seed=5)
    bravo = write_corpus(tmp_path / "bravo", "Bravo", 4, seed=6)
    root = tmp_path / "index"
    first = Path(reindex([alpha], root, full=True, workers=1).generation)
    second = Path(reindex([bravo], root, full=True, workers=1).generation)
    found = view_module.current_generation

    def swap_right_after(where: Path):
        gen = found(where)
        other = first if gen.name == second.name else second
        (where / POINTER).write_text(other.name + "\n", encoding="utf-8")
        return gen

    monkeypatch.setattr(view_module, "current_generation", swap_right_after)
    for _ in range(3):  # each search sees a swap
        data = search(root, parse_request({"q": "harbour"}))
        version_of([r["title"] for r in data["results"]], data["total"], {"Alpha": 6, "Bravo": 8})
        assert data["total_results"] * 2 == data["total"]
