"""End to end: the app under waitress on a loopback port, spoken to over real HTTP."""

from __future__ import annotations

import csv
import io
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import CliRunner
from conftest import fetch

import web.cli
from search.cli import cli
from search.generations import current_generation
from web.cli import serve_command
from web.security import CONTENT_SECURITY_POLICY


def assert_security_headers(headers: dict) -> None:
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_home_page_over_http(live_server):
    status, headers, body = fetch(live_server + "/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Link"] == '</api/search>; rel="alternate"; type="application/json"'
    assert_security_headers(headers)
    html = body.decode()
    assert "<h1" in html and "Latest articles" in html
    assert 'aria-live="polite"' in html


def test_api_search_over_http(live_server):
    status, headers, body = fetch(live_server + "/api/search?q=syria&mode=lexical")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert_security_headers(headers)
    data = json.loads(body)
    assert data["total"] == 3
    assert {r["title"][:20] for r in data["results"]} >= {"Syria, Turkey sign j"}


def test_error_over_http(live_server):
    status, headers, body = fetch(live_server + "/api/search?per_page=1000")
    assert status == 400
    assert headers["Content-Type"] == "application/json"
    assert_security_headers(headers)
    assert json.loads(body) == {
        "error": {
            "code": 400,
            "message": "per_page: must be between 1 and 100",
            "param": "per_page",
        }
    }
    status, headers, body = fetch(live_server + "/articles/no-such-article")
    assert status == 404
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"Not found" in body


def test_static_files_and_exports_over_http(live_server):
    status, headers, body = fetch(live_server + "/static/style.css")
    assert (status, headers["Content-Type"]) == (200, "text/css; charset=utf-8")
    assert_security_headers(headers)
    status, headers, body = fetch(live_server + "/search.csv?q=syria")
    assert (status, headers["Content-Type"]) == (200, "text/csv; charset=utf-8")
    assert body.decode().splitlines()[0].startswith("id,published,source,title,")
    assert (headers["X-Query"], headers["X-Total-Count"]) == ("syria", "3")
    assert len(list(csv.reader(io.StringIO(body.decode())))) == 1 + 3


def test_concurrent_requests_get_consistent_answers(live_server):
    """Searchers are per thread: many threads at once must all get the same right answer."""
    urls = [live_server + f"/api/search?q={q}" for q in ("syria", "turkey", "quokka")] * 12
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(fetch, urls))
    totals = {}
    for url, (status, _, body) in zip(urls, answers, strict=True):
        assert status == 200
        totals.setdefault(url, set()).add(json.loads(body)["total"])
    assert {url.rsplit("=", 1)[1]: t for url, t in totals.items()} == {
        "syria": {3},
        "turkey": {4},
        "quokka": {1},
    }


def test_serve_indexes_the_seeds_on_first_run_at_the_default_location(tmp_path, monkeypatch):
    """Only there: a missing index elsewhere is an error (tests/test_cli.py). The seeds are
    indexed once, by the parent, before any worker starts (tests/test_serve_workers.py runs
    the real workers)."""
    served = {}

    def fake_serve(root, host, port, workers, threads, budget, say):  # the real one blocks
        served.update(index=root, host=host, port=port, workers=workers, threads=threads,
                      seeded=current_generation(root) is not None)
        say(f"serving {root} on http://{host}:{port}/")
        return 0

    monkeypatch.setattr(web.cli, "serve_workers", fake_serve)
    root = tmp_path / "index"
    monkeypatch.setenv("NEWS_SEARCH_INDEX", str(root))
    args = ["serve", "--port", "8123", "--threads", "2", "--workers", "3"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert f"no index in {root}: indexed 2 seed articles" in result.output
    assert current_generation(root) is not None
    assert served == {"index": root, "host": "127.0.0.1", "port": 8123, "workers": 3,
                      "threads": 2, "seeded": True}
    result = CliRunner().invoke(cli, args)  # second run: the index is there already
    assert "indexed" not in result.output
    assert f"serving {root} on http://127.0.0.1:8123/" in result.output


def test_serve_has_help():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert serve_command.help and "--index" in result.output
    assert "--workers" in result.output and "--threads" in result.output


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_text(command):
    assert cli.commands[command].get_short_help_str().strip()
