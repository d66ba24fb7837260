"""The command line: every command has help, and the commands work on a real index."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from web.cli import cli

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert cli.commands[name].help and len(cli.commands[name].help) > 20


def test_reindex_search_stats(tmp_path: Path):
    runner = CliRunner()
    index = str(tmp_path / "index")
    out = runner.invoke(cli, ["reindex", str(SEEDS), "--index", index, "--workers", "1"])
    assert out.exit_code == 0, out.output
    assert out.output.startswith(
        "2 records read: 2 added, 0 updated, 0 unchanged, 0 duplicates, 0 skipped\n")
    found = runner.invoke(cli, ["search", "syria turkey", "--index", index, "--json"])
    assert found.exit_code == 0, found.output
    data = json.loads(found.output)
    assert data["total"] == 2
    # The two seeds tell one story and score within a hair of each other (the clean one's
    # dateline, kept in its body, is enough to put it first): the order is not the point here.
    first = data["results"][0]
    assert first["title"] in ("Syria, Turkey sign joint defense cooperation agreement",
                              "In a move that signals a dramatic shift in regional dynamics, "
                              "Turkey and Syria have signed a new defense cooperation "
                              "agreement, focusing on military…")
    text = runner.invoke(cli, ["search", "syria turkey", "--index", index]).output.splitlines()
    assert text[0] == "2 matching articles in 1 story"
    assert text[1].startswith(f"  1. {first['title']}  [")
    other = "an unknown source" if first["source"] else "Al Mayadeen English"
    assert text[2].strip() == f"and 1 more from {other}"  # named, even when unknown
    flat = runner.invoke(cli, ["search", "syria turkey", "--index", index, "--collapse", "none"])
    assert flat.output.splitlines()[0] == "2 matching articles"
    stats = json.loads(runner.invoke(cli, ["stats", "--index", index, "--json"]).output)
    assert stats["articles"] == 2


def test_index_from_environment(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("NEWS_SEARCH_INDEX", str(tmp_path / "env-index"))
    result = CliRunner().invoke(cli, ["reindex", str(SEEDS), "--workers", "1"])
    assert result.exit_code == 0 and (tmp_path / "env-index" / "CURRENT").exists()


def test_extract_json_lines():
    files = sorted(str(p) for p in SEEDS.glob("*.txt"))
    result = CliRunner().invoke(cli, ["extract", *files, "--json"])
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["published"] for r in rows] == ["2025-08-13T21:16:00", "2025-08-14T00:00:00"]
    assert [sorted(r["focus_countries"]) for r in rows] == [["SY", "TR"], ["SY", "TR"]]
    assert set(rows[1]["people"]) == {"Yasar Guler", "Murhaf Abu Qasra", "Asaad al-Shibani",
                                      "Hussein Salameh", "Hakan Fidan"}
    assert {"path", "people", "countries", "regions", "body", "tags"} <= set(rows[0])


def test_errors_are_clear(tmp_path: Path):
    result = CliRunner().invoke(cli, ["search", "x", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1 and "no index in" in result.output


def test_one_id_in_extract_the_index_and_the_api(tmp_path: Path, monkeypatch):
    """`news-search extract`, the index and /api/articles/<id> agree on every article's id."""
    from web import create_app

    folder = tmp_path / "corpus" / "sub"
    folder.mkdir(parents=True)
    shutil.copy(SEEDS / "001_a8f4b624b86a572f.txt", folder / "clean.txt")
    records = [{"title": "Harbour works", "text": "The harbour reopened on Monday.", "id": "9"},
               {"title": "Rail strike", "text": "Trains stopped on Friday.",
                "url": "https://rail.example/strike"}]
    (folder / "wire.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    index = tmp_path / "index"
    runner = CliRunner()
    out = runner.invoke(cli, ["reindex", str(tmp_path / "corpus"), "--index", str(index)])
    assert out.exit_code == 0, out.output
    monkeypatch.chdir(folder)  # relative paths from another folder than the reindex's
    shown = runner.invoke(cli, ["extract", "clean.txt", "wire.jsonl", "--json"])
    extracted = [json.loads(line)["id"] for line in shown.output.splitlines()]
    client = create_app({"TESTING": True, "INDEX": index}).test_client()
    found = client.get("/api/search?collapse=none&per_page=10").get_json()["results"]
    assert sorted(extracted) == sorted(hit["id"] for hit in found)
    for article_id in extracted:
        assert client.get(f"/api/articles/{article_id}").get_json()["id"] == article_id


def test_reindex_of_a_missing_path_fails_and_writes_nothing(tmp_path: Path):
    index = tmp_path / "index"
    missing = tmp_path / "no" / "such" / "folder"
    result = CliRunner().invoke(cli, ["reindex", str(SEEDS), str(missing), "--index", str(index)])
    assert result.exit_code == 1
    assert result.output == f"Error: no such file or folder: {missing}\n"
    assert not index.exists()


def test_serve_refuses_a_missing_index_that_is_not_the_default(tmp_path: Path, monkeypatch):
    """A typo in --index must not become a new index of the sample articles."""
    import waitress

    served = []
    monkeypatch.setattr(waitress, "serve", lambda app, **options: served.append(options))
    monkeypatch.setenv("NEWS_SEARCH_INDEX", str(tmp_path / "default"))
    typo = tmp_path / "typo" / "index"
    result = CliRunner().invoke(cli, ["serve", "--index", str(typo), "--port", "0"])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: no index in {typo}: build it with `news-search reindex PATH --index {typo}`\n")
    assert served == [] and not (tmp_path / "typo").exists()
