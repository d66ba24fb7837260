"""The command line: every command has help, and the commands work on a real index."""

import json
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
    assert out.output.startswith("added 2, updated 0, unchanged 0, removed 0, skipped 0")
    found = runner.invoke(cli, ["search", "syria turkey", "--index", index, "--json"])
    assert found.exit_code == 0, found.output
    data = json.loads(found.output)
    assert data["total"] == 2
    assert data["results"][0]["title"] == "Syria, Turkey sign joint defense cooperation agreement"
    text = runner.invoke(cli, ["search", "syria turkey", "--index", index]).output.splitlines()
    assert text[0] == "2 matching articles in 1 story"
    assert text[1].startswith("  1. Syria, Turkey sign joint defense cooperation agreement  [")
    assert text[2].strip() == "and 1 more"
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
