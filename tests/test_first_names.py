"""The shipped first-name list (search/data/first_names.txt): where it comes from, its shape,
and that no module reads gender-guesser (GPLv3 code, GFDL data) any more."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from search import entities

ROOT = Path(__file__).resolve().parent.parent
FIRST_NAMES = ROOT / "search" / "data" / "first_names.txt"


def header_and_names() -> tuple[str, list[str]]:
    lines = FIRST_NAMES.read_text(encoding="utf-8").splitlines()
    header = [line for line in lines if line.startswith("#")]
    return "\n".join(header), [line for line in lines if not line.startswith("#")]


def test_no_source_mentions_gender_guesser() -> None:
    sources = [p for folder in ("search", "web") for p in sorted((ROOT / folder).rglob("*.py"))]
    assert len(sources) > 20
    offenders = [
        str(p.relative_to(ROOT))
        for p in sources
        if re.search(r"gender[_-]?guesser", p.read_text(encoding="utf-8"), re.IGNORECASE)
    ]
    assert offenders == []


def test_entities_run_without_gender_guesser() -> None:
    # A fresh interpreter where importing gender_guesser fails: people are still found, and
    # nothing tried to load it.
    code = (
        "import sys\n"
        "sys.modules['gender_guesser'] = None\n"
        "from search.extract import extract\n"
        "from search.read import Page\n"
        "page = Page('x.json', 'record', fields={'title': 'Talks', 'body': "
        "'Vladimir Putin met Recep Tayyip Erdogan in Ankara.'})\n"
        "print(extract(page).people)\n"
        "import web\n"
        "print(sorted(m for m in sys.modules if 'gender' in m))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    people, loaded = done.stdout.splitlines()
    assert people == "['Vladimir Putin', 'Recep Tayyip Erdogan']"
    assert loaded == "['gender_guesser']"  # only the None placeholder set above


def test_no_dependency_on_gender_guesser() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [*project["dependencies"], *sum(project["optional-dependencies"].values(), [])]
    assert [d for d in declared if "gender" in d.lower()] == []


def test_header_names_the_sources_and_their_licences() -> None:
    header, _ = header_and_names()
    for needed in (
        "bench/entities/make_first_names.py",
        "US Census Bureau",
        "public domain",
        '"names" package 0.3.0 (MIT)',
        "Faker 40.63.0",
        "MIT licence: Copyright (c) 2012 Daniele Faraglia",
        "The above copyright notice and this permission notice shall be included",
        "NewsArticles CSV and the BBC News dataset",
    ):
        assert needed in header


def test_names_are_sorted_unique_single_words() -> None:
    _, names = header_and_names()
    assert len(names) > 15_000
    assert names == sorted(set(names))
    assert [n for n in names if not re.fullmatch(r"[A-Z][a-z]+", n)] == []
    for given in ("Vladimir", "Recep", "Bashar", "Xi", "Emmanuel", "Narendra", "Yasar", "Mark"):
        assert given in names
    for word in ("Star", "Golden", "Westminster", "Season", "Credit"):
        assert word not in names


def test_the_module_reads_the_shipped_list_minus_its_own_word_lists() -> None:
    _, names = header_and_names()
    loaded = entities._first_names()
    assert entities.FIRST_NAMES_FILE == FIRST_NAMES
    assert "Vladimir" in loaded and "Will" in names and "Will" not in loaded  # [not_first]
    assert loaded == frozenset(names) - entities._NOT_FIRST - entities._TITLES - entities._STOP \
        - entities._MONTHS - entities._ORG
