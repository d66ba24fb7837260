"""Stories: duplicates at ingest, linking, incremental joining, collapse and the story API."""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from conftest import SEEDS, write_jsonl

from search.extract import Article
from search.generations import current_generation
from search.index import reindex
from search.query import get_article, get_story, parse_request, related, search
from search.stories import STORIES, group_stories, link, read_stories, signature

SEED_FILES = sorted(SEEDS.iterdir())
WIRE_BODY = (
    "GENEVA - The World Health Organization declared the end of the Marburg outbreak in "
    "Rwanda on Friday after 42 days without a new case, the agency's director said.\n\n"
    "The outbreak infected 66 people and killed 15 of them, most of them health workers "
    "in Kigali hospitals, according to Rwanda's health ministry.\n\n"
    "Health Minister Sabin Nsanzimana thanked the nurses and doctors who worked through "
    "the outbreak and said vaccine trials would continue in the capital."
)
WIRE = {
    "title": "WHO declares end of Marburg outbreak in Rwanda",
    "text": WIRE_BODY,
    "date": "2025-03-07",
    "source": "Global Wire",
    "url": "https://globalwire.example/marburg-over",
}
SYNDICATED = {
    **WIRE,
    "text": WIRE_BODY + "\n\nCopyright 2025 The Kigali Courier. Distributed by Global Wire.",
    "source": "Kigali Courier",
    "url": "https://courier.example/health/marburg",
}
OTHER_EVENT = {
    "title": "Turkey's parliament approves a new mining law",
    "text": (
        "ANKARA - Turkey's parliament approved a new mining law on Wednesday that speeds up "
        "permits for gold and copper mines, President Recep Tayyip Erdogan's party said.\n\n"
        "Environmental groups said the law would harm forests in the Aegean region."
    ),
    "date": "2025-08-13",
    "source": "Ankara Ledger",
    "url": "https://ledger.example/mining-law",
}


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """Seeds, a wire story and its syndicated copy, an exact copy and another Turkey story."""
    folder = tmp_path_factory.mktemp("stories-corpus")
    shutil.copytree(SEEDS, folder / "seeds")
    shutil.copy(SEED_FILES[0], folder / "seeds-copy-of-000.txt")
    write_jsonl(folder / "wire.jsonl", [WIRE, SYNDICATED, OTHER_EVENT])
    path = tmp_path_factory.mktemp("stories-index") / "index"
    report = reindex([folder], path, full=True, workers=1)
    assert (report.added, len(report.duplicates), report.skipped) == (5, 1, [])
    return path


def stories_of(root: Path) -> dict[str, str]:
    gen = current_generation(root)
    assert gen is not None
    return {i: story for i, (story, _) in read_stories(gen).items()}


def find(root: Path, q: str, title: str) -> dict:
    results = search(root, parse_request({"q": q, "collapse": "none", "per_page": "50"}))
    return next(r for r in results["results"] if r["title"].startswith(title))


# Duplicates


def test_an_exact_copy_is_indexed_once(root: Path):
    data = search(root, parse_request({"q": '"joint defense cooperation agreement"'}))
    assert data["total"] == 1  # the seed and its copy in another file: one article


def test_exact_copy_reason_names_the_first_article(tmp_path: Path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SEED_FILES[0], folder / "a.txt")
    shutil.copy(SEED_FILES[0], folder / "b.txt")
    report = reindex([folder], tmp_path / "index", full=True, workers=1)
    assert report.added == 1
    (dup,) = report.duplicates
    (kept,) = stories_of(tmp_path / "index")
    assert dup.path.endswith("b.txt") and dup.reason == f"same text as article {kept}"
    assert report.to_json()["duplicates"] == [{"path": dup.path, "reason": dup.reason}]


def test_a_syndicated_copy_is_linked_and_shown_once(root: Path):
    wire = find(root, "marburg", "WHO declares")
    everything = search(root, parse_request({"q": "marburg", "collapse": "none"}))
    assert (everything["total"], everything["total_results"]) == (2, 1)
    (hit,) = everything["results"]
    assert hit["collapsed"] == 1
    copy = hit["more"][0]
    assert {hit["source"], copy["source"]} == {"Global Wire", "Kigali Courier"}
    assert wire["story"] == {"id": wire["story"]["id"], "size": 2,
                             "sources": ["Global Wire", "Kigali Courier"]}  # fmt: skip
    gen = current_generation(root)
    copies = {i: d for i, (_, d) in read_stories(gen).items() if d}
    assert len(copies) == 1 and set(copies.values()) <= {hit["id"], copy["id"]}


# Linking


def test_both_seeds_land_in_one_story_and_other_events_do_not(root: Path):
    seed = find(root, "syria turkey", "Syria, Turkey sign")
    mining = find(root, "mining", "Turkey's parliament approves")
    wire = find(root, "marburg", "WHO declares")
    assert seed["story"]["size"] == 2
    assert mining["story"]["size"] == 1  # same country, same day, another event
    assert len({seed["story"]["id"], mining["story"]["id"], wire["story"]["id"]}) == 3


def article(days: int, **changes) -> Article:
    base = Article(
        id="x", path="p", title=WIRE["title"], body=WIRE_BODY,
        published=datetime(2025, 3, 7 + days), source="A", people=["Sabin Nsanzimana"],
    )  # fmt: skip
    return replace(base, **changes)


def test_links_need_dates_within_three_days():
    assert link(signature(article(0)), signature(article(3))) == "duplicate"
    assert link(signature(article(0)), signature(article(4))) is None
    assert link(signature(article(0)), signature(article(0, published=None))) is None


def test_a_rewritten_report_is_the_same_event_not_a_duplicate():
    rewritten = (
        "Rwanda's Marburg outbreak is over, the World Health Organization said on Friday, "
        "42 days after the last patient was discharged in Kigali.\n\n"
        "Sabin Nsanzimana, the health minister, praised health workers; 15 of the 66 "
        "people infected died."
    )
    other = article(1, body=rewritten, title="Rwanda beats Marburg virus, WHO says")
    assert link(signature(article(0)), signature(other)) == "event"
    unrelated = article(0, title=OTHER_EVENT["title"], body=OTHER_EVENT["text"], people=[])
    assert link(signature(article(0)), signature(unrelated)) is None


def test_a_chain_of_links_is_split_where_it_is_thin_whatever_the_order():
    days = dict.fromkeys("abcd", 1) | dict.fromkeys("xyz", 5)
    chain = [("a", "b", 0.35), ("b", "c", 0.35), ("c", "d", 0.35)]
    clique = [("x", "y", 0.5), ("y", "z", 0.4), ("x", "z", 0.3)]
    stories = group_stories(days, chain + clique)
    assert stories == {"a": "a", "b": "a", "c": "c", "d": "c", "x": "x", "y": "x", "z": "x"}
    assert group_stories(days, list(reversed(chain + clique))) == stories


# Incremental runs


def test_a_new_article_joins_the_story_incrementally_as_a_full_reindex_would(tmp_path: Path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SEED_FILES[0], folder / SEED_FILES[0].name)
    incremental = tmp_path / "incremental"
    reindex([folder], incremental, full=True, workers=1)
    (only,) = stories_of(incremental).values()
    shutil.copy(SEED_FILES[1], folder / SEED_FILES[1].name)
    report = reindex([folder], incremental, workers=1)
    assert (report.added, report.unchanged) == (1, 1)
    joined = stories_of(incremental)
    assert set(joined.values()) == {only}  # named after the earliest: unchanged
    full = tmp_path / "full"
    reindex([folder], full, full=True, workers=1)
    assert stories_of(full) == joined


def test_removing_an_article_splits_its_story(tmp_path: Path):
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    root = tmp_path / "index"
    reindex([folder], root, full=True, workers=1)
    assert len(set(stories_of(root).values())) == 1
    (folder / SEED_FILES[0].name).unlink()
    report = reindex([folder], root, prune=True, workers=1)
    assert report.removed == 1
    (remaining,) = stories_of(root).items()
    assert remaining[0] == remaining[1]  # alone again, named after itself


def test_stories_missing_after_a_crash_are_rebuilt_by_the_next_run(tmp_path: Path):
    root = tmp_path / "index"
    reindex([SEEDS], root, full=True, workers=1)
    before = stories_of(root)
    conn = sqlite3.connect(current_generation(root) / STORIES)
    with conn:
        conn.execute("DELETE FROM articles")
        conn.execute("DELETE FROM links")
    conn.close()
    report = reindex([SEEDS], root, workers=1)
    assert report.unchanged == 2 and report.added == 0
    assert stories_of(root) == before


# Search, article and story data


def test_collapse_by_story_counts_stories_and_articles(root: Path):
    collapsed = search(root, parse_request({"q": "syria turkey"}))
    flat = search(root, parse_request({"q": "syria turkey", "collapse": "none"}))
    assert (collapsed["total"], collapsed["total_results"], collapsed["pages"]) == (3, 2, 1)
    assert (flat["total"], flat["total_results"]) == (3, 3)
    assert [r["collapsed"] for r in collapsed["results"]] == [1, 0]
    assert [r["collapsed"] for r in flat["results"]] == [0, 0, 0]
    assert collapsed["facets"]["source"] == flat["facets"]["source"]  # facets count articles


def test_browsing_everything_lists_the_whole_archive_newest_first(root: Path):
    data = search(root, parse_request({"collapse": "none", "per_page": "100"}))
    dates = [r["published"] for r in data["results"]]
    assert data["total"] == 5 and dates == sorted(dates, reverse=True)
    collapsed = search(root, parse_request({}))
    assert (collapsed["total"], collapsed["total_results"]) == (5, 3)


def test_article_carries_its_story_and_the_other_coverage(root: Path):
    seed = find(root, "syria turkey", "Syria, Turkey sign")
    article = get_article(root, seed["id"])
    assert article["story"]["size"] == 2
    (other,) = article["coverage"]
    assert other["published"] == "2025-08-14T00:00:00"


def test_story_by_its_id_or_any_member_id(root: Path):
    seed = find(root, "syria turkey", "In a move that signals")
    by_member = get_story(root, seed["id"])
    by_story = get_story(root, seed["story"]["id"])
    assert by_member == by_story
    assert by_story["size"] == 2 and len(by_story["articles"]) == 2
    assert by_story["first"] == "2025-08-13T21:16:00" and by_story["last"] == "2025-08-14T00:00:00"


def test_related_leaves_out_the_story_itself(root: Path):
    seed = find(root, "syria turkey", "Syria, Turkey sign")
    found = related(root, seed["id"])
    ids = {r["id"] for r in found}
    members = {a["id"] for a in get_story(root, seed["id"])["articles"]}
    assert found and not ids & members
    assert found[0]["title"] == OTHER_EVENT["title"]  # Turkey, Ankara, Erdogan


# The web endpoints


def test_story_and_related_endpoints(client):
    results = client.get("/api/search?q=syria+turkey").get_json()["results"]
    seed = results[0]
    story = client.get(f"/api/stories/{seed['story']['id']}").get_json()
    assert story["size"] == 2 and {a["id"] for a in story["articles"]} >= {seed["id"]}
    related_ = client.get(f"/api/articles/{seed['id']}/related").get_json()
    assert related_["id"] == seed["id"]
    assert not {r["id"] for r in related_["related"]} & {a["id"] for a in story["articles"]}
    article = client.get(f"/api/articles/{seed['id']}").get_json()
    assert article["story"]["id"] == seed["story"]["id"] and len(article["coverage"]) == 1
    for url in ("/api/stories/nope", "/api/articles/nope/related"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == 404


def test_story_page_and_article_page_sections(client):
    seed = client.get("/api/search?q=syria+turkey").get_json()["results"][0]
    html = client.get(f"/stories/{seed['story']['id']}").get_data(as_text=True)
    assert "2 articles from Al Mayadeen English" in " ".join(html.split())
    html = client.get(f"/articles/{seed['id']}").get_data(as_text=True)
    assert "Other coverage of this story" in html and "Related articles" in html
    assert client.get("/stories/nope").status_code == 404


def test_jsonl_export_records_carry_their_story(client):
    lines = client.get("/api/search.jsonl?q=syria+turkey").get_data(as_text=True).splitlines()
    records = [json.loads(line) for line in lines]  # every line an article, no header
    assert len(records) == 4  # exports list every article, not one per story
    assert all(r["story"]["id"] and r["story"]["size"] >= 1 for r in records)
    assert len({r["story"]["id"] for r in records}) == 3
