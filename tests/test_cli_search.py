"""`news-search search` says what the page says: the counts, the notices, a page past the end."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from newsroom import build

from search.cli import cli


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("newsroom"))


def search(root: Path, *args: str) -> list[str]:
    result = CliRunner().invoke(cli, ["search", *args, "--index", str(root)])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_the_counts_of_every_word_and_some(root: Path):
    lines = search(root, "trump putin")
    assert lines[:2] == [
        "3 matching articles in 3 stories",
        "1 article contains all of trump, putin · 2 more contain some",
    ]
    assert lines[2].startswith("  1. Trump and Putin to meet in Helsinki  [")


def test_a_page_past_the_end(root: Path):
    assert search(root, "putin", "--page", "7") == [
        "2 matching articles in 2 stories",
        "Page 7 is past the end: the results fill 1 page",
    ]


def test_syntax_it_could_not_read_and_a_filter_matching_nothing(root: Path):
    lines = search(root, '"found not guilty')
    assert lines[1] == (
        "Could not read the query's syntax: searched for the words found guilty instead"
    )
    assert search(root, "person:put") == [
        "0 matching articles in 0 stories",
        "No person matches “put”; some that do: Vladimir Putin",
    ]
