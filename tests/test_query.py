"""The search function: what browsing reports, and negations."""

from pathlib import Path

import pytest

from search.index import reindex
from search.query import parse_request, search

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("q") / "index"
    reindex([SEEDS], path, workers=1)
    return path


def test_browsing_lists_newest_first(root: Path):
    data = search(root, parse_request({}))
    assert [r["published"][:10] for r in data["results"]] == ["2025-08-14", "2025-08-13"]


@pytest.mark.parametrize(("q", "total"), [("-kurdish", 0), ("syria -banana", 2),
                                          ("syria NOT kurdish", 0), ("date:>2025-08-14 syria", 1)])
def test_negations_and_date_ranges_filter(root: Path, q: str, total: int):
    assert search(root, parse_request({"q": q}))["total"] == total
