"""Packaging: the wheel carries the sample articles, and an installed copy (not an editable
one) finds them, and its default index, through the package rather than the source tree."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
SEEDS = sorted(p.name for p in (PROJECT / "seeds").iterdir())

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The project's wheel, built from a copy of its files (the build writes beside them)."""
    source = tmp_path_factory.mktemp("source") / "news-search"
    skip = shutil.ignore_patterns(".*", "venv", "index", "build", "dist", "*.egg-info",
                                  "__pycache__", "bench", "docs", "tests")
    shutil.copytree(PROJECT, source, ignore=skip)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-q", "-w", str(out), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (built,) = out.glob("news_search-*.whl")
    return built


def test_the_wheel_holds_the_seed_articles(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()
    assert SEEDS and [n for n in names if n.startswith("news_search_seeds/")] == [
        f"news_search_seeds/{name}" for name in SEEDS]
    assert not [n for n in names if n.startswith("seeds/")]


def installed(wheel: Path, tmp_path: Path, code: str, *args: str) -> str:
    """Run ``code`` in a Python that sees the wheel's files and the dependencies, but not the
    source tree (no site processing, so no editable-install hook; run from elsewhere)."""
    site = tmp_path / "site"
    if not site.exists():
        zipfile.ZipFile(wheel).extractall(site)
    deps = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWS_SEARCH", "XDG_"))}
    env |= {"PYTHONPATH": os.pathsep.join([str(site), *deps]), "HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-S", "-c", code, *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_an_installed_copy_finds_its_seeds_and_index_through_the_package(wheel, tmp_path):
    where = json.loads(installed(wheel, tmp_path, (
        "import json, web; from web import create_app; from search.cli import default_index\n"
        "app = create_app()\n"
        "print(json.dumps({'web': web.__file__, 'seeds': str(app.config['SEEDS']),\n"
        "                  'index': str(app.config['INDEX'])}))")))
    site = tmp_path / "site"
    assert where == {"web": str(site / "web" / "__init__.py"),
                     "seeds": str(site / "news_search_seeds"),
                     "index": str(tmp_path / "home" / ".local/share/news-search/index")}
    # The first `serve` indexes the seeds (its worker processes are not started: the workers
    # are tested in test_serve_workers.py), then a search.
    cli = "import sys, web.cli; web.cli.serve_workers = lambda *a, **kw: 0\n" \
            "from web.cli import main; sys.argv[0] = 'news-search'; main()"
    out = installed(wheel, tmp_path, cli, "serve", "--port", "0")
    assert out.startswith(f"no index in {where['index']}: indexed 2 seed articles from {site}")
    found = installed(wheel, tmp_path, cli, "search", "syria", "--json")
    assert json.loads(found)["total"] == 2
