"""Shared helpers of the benchmark scripts: machine facts, versions, results files, tables, timers.

Nothing here is imported by the project itself; the scripts in ``bench/`` import it as a sibling
module (``python bench/ingest.py`` puts ``bench/`` first on ``sys.path``).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shlex
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
RESULTS = BENCH / "results"
SMOKE_SCALE = 1_000

# Measure this checkout's search/ and web/, even when another checkout is installed editable.
if str(PROJECT) not in sys.path[:2]:
    sys.path.insert(1, str(PROJECT))


def cache_root() -> Path:
    """Where corpora, indexes and scratch files live: never inside the git checkout."""
    env = os.environ.get("NEWS_SEARCH_BENCH_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "news-search-bench"


def machine() -> dict:
    """The facts that make a figure comparable: CPU, cores, memory, OS, Python."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        pages = 0
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(pages / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        # Other work on the machine skews absolute figures (ratios within a run suffer less).
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def versions() -> dict:
    """Versions of the engines and of the project (git commit, and whether the tree was dirty)."""
    out = {"sqlite": sqlite3.sqlite_version}
    for dist in ("whoosh3", "tantivy", "nltk", "trafilatura", "flask", "waitress"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    out["project_commit"] = _git("rev-parse", "--short", "HEAD")
    out["project_dirty"] = bool(_git("status", "--porcelain", "--", "search", "web"))
    return out


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=PROJECT, capture_output=True, text=True, timeout=10, check=False
        )
    except OSError:
        return ""
    return done.stdout.strip()


def write_result(name: str, scale: int | str, data: dict, folder: Path | None = None) -> Path:
    """Write ``bench/results/<name>-<scale>.json`` with the machine, versions and command."""
    folder = folder or RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{scale}.json"
    record = {
        "benchmark": name,
        "scale": scale,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": shlex.join([Path(sys.executable).name, *sys.argv]),
        "machine": machine(),
        "versions": versions(),
        **data,
    }
    path.write_text(json.dumps(record, indent=1, default=str) + "\n", encoding="utf-8")
    return path


def save_result(name: str, data: dict, args) -> None:
    """Write a script's result under its scale (``smoke`` for a smoke run) and say where."""
    label = "smoke" if args.smoke else args.scale
    scale = label if args.format == "mixed" else f"{label}-{args.format}"
    print(f"\nwrote {write_result(name, scale, data, args.results)}")


def table(headers: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A plain-text table, numbers right-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append(
            "  ".join(
                v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(row, widths, strict=True)
            )
        )
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _numeric(text: str) -> bool:
    return text.replace(",", "").replace(".", "").replace("-", "").replace("×", "").isdigit()


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation, or None without values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def ratio(ours: float | None, theirs: float | None) -> float | None:
    """How many times ``theirs`` ours is (None when either is missing or zero)."""
    if not ours or not theirs:
        return None
    return round(ours / theirs, 2)


def peak_rss_mib() -> dict:
    """Peak resident memory of this process and of its waited-for children (Linux: KiB units)."""
    unit = 1 if sys.platform == "darwin" else 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * unit
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * unit
    return {"self_mib": round(own / 2**20, 1), "children_max_mib": round(children / 2**20, 1)}


def rss_of(pid: int) -> dict:
    """Current and peak resident memory of a running process, from /proc (Linux only)."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = round(int(value.split()[0]) / 1024, 1)
    except OSError:
        pass
    return {"rss_mib": out.get("VmRSS"), "peak_rss_mib": out.get("VmHWM")}


def tree_cpu(pid: int) -> float:
    """CPU seconds (user and system) used so far by a process and its living children: a
    server's work per request, whatever else the machine runs meanwhile."""
    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        children = []
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in [pid, *children]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def tree_memory(pid: int) -> dict:
    """Resident memory of a process and its children (a server's workers): each one's RSS,
    and the total as RSS (shared pages counted in each) and PSS (shared pages split)."""
    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        children = []
    rows = {p: rss_of(p)["rss_mib"] or 0.0 for p in [pid, *children]}
    pss = 0.0
    for p in rows:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1]) / 1024
        except OSError:
            pass
    return {"parent_rss_mib": rows[pid], "workers_rss_mib": [rows[c] for c in children],
            "total_rss_mib": round(sum(rows.values()), 1), "total_pss_mib": round(pss, 1)}


def folder_size(path: Path) -> int:
    """Bytes of every file under ``path`` (a file's own size if it is one)."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_child(script: Path, args: Sequence[str], out: Path, timeout: float | None = None) -> dict:
    """Run ``python script args`` in a fresh process (clean memory figures); read its JSON."""
    out.unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(script), *args, "--child-out", str(out)], check=True, timeout=timeout
    )
    data = json.loads(out.read_text(encoding="utf-8"))
    data.setdefault("process_seconds", round(time.perf_counter() - started, 2))
    return data


def child_done(out: str | Path, data: dict) -> None:
    """In a child: add its peak memory and hand its figures back to the parent."""
    data["memory"] = peak_rss_mib()
    Path(out).write_text(json.dumps(data, default=str), encoding="utf-8")


class Timer:
    """Accumulates wall seconds over several ``with`` blocks."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    def __enter__(self) -> Timer:
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds += time.perf_counter() - self._started
        self.calls += 1
