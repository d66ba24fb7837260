"""The reindex report: every record and file counted once, repeated skip reasons grouped."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.index import reindex
from web.cli import cli


def prose(topic: str) -> str:
    return (f"The {topic} committee met on Tuesday and approved the {topic} plan, officials "
            f"said.\n\nA vote on the {topic} budget follows next month.")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A CSV of 16 rows (3 articles, 12 empty texts, a copy of the first), a .txt article
    and a file of an unsupported type: 18 records in all."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    rows = [["title", "text"], ["Rail", prose("rail")], ["Ports", prose("ports")]]
    rows += [[f"Empty {n}", ""] for n in range(12)]
    rows += [["Water", prose("water")], ["Rail", prose("rail")]]
    with open(folder / "news.csv", "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    (folder / "schools.txt").write_text("Schools reopen\n\n" + prose("schools") + "\n")
    (folder / "notes.docx").write_bytes(b"PK\x03\x04")
    return folder


def test_every_record_is_counted_once(tmp_path: Path, corpus: Path):
    root = tmp_path / "index"
    first = reindex([corpus], root, workers=1)
    counts = (first.added, first.updated, first.unchanged, len(first.duplicates),
              len(first.skipped))
    assert (first.records, counts) == (18, (4, 0, 0, 1, 13))
    again = reindex([corpus], root, workers=1)  # unchanged files are counted, not skipped over
    counts = (again.added, again.updated, again.unchanged, len(again.duplicates),
              len(again.skipped))
    assert (again.records, counts) == (18, (0, 0, 4, 1, 13))


def test_the_printed_report_adds_up_and_groups_repeated_reasons(tmp_path: Path, corpus: Path):
    index = str(tmp_path / "index")
    out = CliRunner().invoke(cli, ["reindex", str(corpus), "--index", index, "--workers", "1"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0] == (
        "18 records read: 4 added, 0 updated, 0 unchanged, 1 duplicates, 13 skipped")
    assert lines[1].startswith("0 removed; ") and f"-> {index}" in lines[1]
    empty = [line for line in lines if "empty text" in line]
    assert empty == ["  12 skipped: empty text"]
    examples = lines[lines.index(empty[0]) + 1:lines.index(empty[0]) + 5]
    assert [line.strip() for line in examples] == [
        f"{corpus / 'news.csv'}#3", f"{corpus / 'news.csv'}#4", f"{corpus / 'news.csv'}#5",
        "... and 9 more (--json lists every one)"]
    assert f"  1 skipped: {corpus / 'notes.docx'}: unsupported file type .docx" in lines
    assert any(line.startswith(f"  1 duplicate: {corpus / 'news.csv'}#16: same text as")
               for line in lines)


def test_the_json_report_keeps_every_skip_and_adds_the_groups(tmp_path: Path, corpus: Path):
    index = str(tmp_path / "index")
    out = CliRunner().invoke(cli, ["reindex", str(corpus), "--index", index, "--json"])
    data = json.loads(out.output)
    assert (data["records"], len(data["skipped"]), len(data["duplicates"])) == (18, 13, 1)
    groups = {g["reason"]: g for g in data["skipped_groups"]}
    assert groups["empty text"]["count"] == 12
    assert groups["empty text"]["examples"] == [f"{corpus / 'news.csv'}#{n}" for n in (3, 4, 5)]
    assert groups["unsupported file type .docx"]["count"] == 1
    assert data["duration"] >= data["stages"]["commit"]
