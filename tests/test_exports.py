"""CSV and JSON Lines exports: readable by csv, pandas and JSON tools, capped, paged, streamed."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from urllib.parse import unquote

import pytest
from conftest import EXTRA_ARTICLES, SEEDS, write_jsonl

from search.index import reindex
from web import create_app

TOTAL = 2 + len(EXTRA_ARTICLES)
COLUMNS = ["id", "published", "source", "title", "url", "authors", "people", "countries",
           "regions", "story", "score", "snippet"]  # fmt: skip


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def jsonl_lines(response) -> list[dict]:
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/x-ndjson"
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def api_ids(client, query: str) -> list[str]:
    data = client.get(f"/api/search?{query}&collapse=none&per_page=100").get_json()
    return [r["id"] for r in data["results"]]


def link_targets(response) -> dict[str, str]:
    """The Link header as {rel: url}."""
    links = re.findall(r'<([^>]*)>; rel="([^"]+)"', response.headers.get("Link", ""))
    return {rel: url for url, rel in links}


# CSV


def test_csv_first_row_is_the_header(client):
    reader = csv.DictReader(io.StringIO(client.get("/search.csv?q=syria+turkey").text))
    assert reader.fieldnames == COLUMNS
    rows = list(reader)
    assert [r["id"] for r in rows] == api_ids(client, "q=syria+turkey")
    assert len(rows) == 4


def test_csv_of_everything_reads_with_dictreader(client):
    rows = csv_rows(client.get("/search.csv"))
    assert len(rows) == TOTAL
    kenya = next(r for r in rows if r["title"].startswith("Kenya"))
    assert kenya["published"] == "2024-12-11T00:00:00"
    assert (kenya["source"], kenya["people"], kenya["countries"], kenya["regions"]) == (
        "Daily Ledger", "William Ruto", "KE", "Africa"
    )  # fmt: skip
    # The dateline stays in the body a reader sees, so in the snippet too (issue 14).
    assert kenya["snippet"] == (
        "NAIROBI, Kenya - Officials counted votes on Wednesday after a calm election, "
        "President William Ruto said."
    )


def test_csv_reads_with_pandas(client):
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(io.StringIO(client.get("/search.csv?q=syria+turkey").text))
    assert list(frame.columns) == COLUMNS
    assert frame["id"].tolist() == api_ids(client, "q=syria+turkey")
    assert frame["score"].dtype.kind == "f"  # numbers read as numbers: no comment row above


def test_csv_records_the_query_in_its_name_and_headers(client):
    response = client.get("/search.csv?q=syria+turkey&region=Europe&per_page=1")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="search-syria-turkey.csv"'
    )
    assert response.headers["X-Query"] == "syria turkey"
    assert response.headers["X-Filters"] == "region=Europe"
    assert response.headers["X-Total-Count"] == "4"
    assert response.headers["X-Export-Truncated"] == "false"
    twin = link_targets(response)["alternate"]
    assert twin == "/api/search?q=syria+turkey&region=Europe&collapse=none"
    assert client.get(twin).get_json()["total"] == len(csv_rows(response)) == 4


def test_csv_without_a_query_is_search_csv(client):
    response = client.get("/search.csv?source=Euro+Wire&from=2025-01-01")
    assert response.headers["Content-Disposition"] == 'attachment; filename="search.csv"'
    assert response.headers["X-Query"] == ""
    assert response.headers["X-Filters"] == "source=Euro+Wire&from=2025-01-01"


@pytest.mark.parametrize(
    ("q", "name"),
    [
        ('../../etc/passwd "; x=1', "search-etc-passwd-x-1.csv"),
        ("Güler\r\nSet-Cookie: a=b", "search-guler-set-cookie-a-b.csv"),
        ("<script>", "search-script.csv"),
        ("«»", "search.csv"),
        ("word " * 40, "search" + "-word" * 12 + ".csv"),
    ],
)
def test_the_file_name_carries_only_safe_characters(client, q, name):
    response = client.get("/search.csv", query_string={"q": q})
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    assert unquote(response.headers["X-Query"]) == q.strip()  # percent-encoded, nothing lost
    assert re.fullmatch(r"[ -~]*", response.headers["X-Query"])


def test_headers_too_long_for_proxies_are_left_out(client):
    response = client.get("/search.csv", query_string={"q": "é" * 1500})
    assert response.status_code == 200 and csv_rows(response) == []
    assert "X-Query" not in response.headers and "Link" not in response.headers
    name = "search-" + "e" * 60 + ".csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response.headers["X-Total-Count"] == "0"


def test_csv_snippet_is_plain_text_and_body_comes_on_request(client):
    rows = csv_rows(client.get("/search.csv?q=quokka"))
    assert "body" not in rows[0]
    snippet = rows[0]["snippet"]
    assert "quokka" in snippet.lower() and "<mark>" not in snippet
    assert '<script>alert(1)</script> and "onerror=alert(2)' in snippet  # unescaped: plain text
    (row,) = csv_rows(client.get("/search.csv?q=quokka&body=1"))
    article = client.get(f"/api/articles/{row['id']}").get_json()
    assert row["body"] == article["body"]
    assert list(row)[-2:] == ["snippet", "body"]


@pytest.mark.parametrize(
    ("query", "param"),
    [("body=maybe", "body"), ("snippets=2", "snippets"), ("offset=-1", "offset"),
     ("limit=0", "limit"), ("limit=x", "limit")],
)  # fmt: skip
def test_bad_export_options_are_400s_naming_the_parameter(client, query, param):
    response = client.get(f"/api/search.jsonl?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == param
    assert client.get(f"/search.csv?{query}").status_code == 400


# JSON Lines


def test_jsonl_every_line_is_an_article(client):
    response = client.get("/api/search.jsonl?q=syria&source=Euro+Wire&source=Al+Mayadeen+English")
    lines = jsonl_lines(response)
    titles = {line["title"][:20] for line in lines}
    assert titles == {"Donors pledge aid fo", "Syria, Turkey sign j"}
    assert all(line["id"] and line["snippet"] == "" and "body" not in line for line in lines)
    assert response.headers["X-Query"] == "syria"
    assert response.headers["X-Filters"] == "source=Euro+Wire&source=Al+Mayadeen+English"
    assert response.headers["X-Total-Count"] == "2"
    assert response.headers["Content-Disposition"] == 'attachment; filename="search-syria.jsonl"'
    assert len(jsonl_lines(client.get("/api/search.jsonl?per_page=1"))) == TOTAL


def test_jsonl_snippets_and_body_on_request(client):
    lines = jsonl_lines(client.get("/api/search.jsonl?q=brussels&snippets=1&body=1"))
    (line,) = lines
    assert "<mark>Brussels</mark>" in line["snippet"]  # the API's escaped, highlighted HTML
    assert line["body"] == client.get(f"/api/articles/{line['id']}").get_json()["body"]
    search = client.get("/api/search?q=brussels").get_json()["results"][0]
    assert line["snippet"] == search["snippet"] and line["title_html"] == search["title_html"]


# The cap and paging


@pytest.fixture
def capped(index_root):
    """The app with exports capped at 3 rows."""
    return create_app({"TESTING": True, "INDEX": index_root, "EXPORT_MAX_ROWS": 3}).test_client()


@pytest.mark.parametrize("path", ["/search.csv", "/api/search.jsonl"])
def test_a_capped_export_says_so_and_links_the_rest(capped, client, path):
    everything = [r["id"] for r in read_export(client.get(f"{path}?sort=oldest"))]
    assert len(everything) == TOTAL
    url, parts, names = f"{path}?sort=oldest", [], []
    while url:
        response = capped.get(url)
        rows = read_export(response)
        assert response.headers["X-Total-Count"] == str(TOTAL)
        assert response.headers["X-Export-Truncated"] == ("true" if len(parts) < 2 else "false")
        names.append(response.headers["Content-Disposition"].split('"')[1])
        parts.append([r["id"] for r in rows])
        url = link_targets(response).get("next")
    assert [len(p) for p in parts] == [3, 3, 3]
    assert sum(parts, []) == everything
    suffix = path.rsplit(".", 1)[1]
    assert names == [f"search-rows-{a}-{b}.{suffix}" for a, b in ((1, 3), (4, 6), (7, 9))]


def read_export(response) -> list[dict]:
    return csv_rows(response) if response.mimetype == "text/csv" else jsonl_lines(response)


def test_offset_and_limit(capped):
    rows = csv_rows(capped.get("/search.csv?sort=newest&offset=7&limit=2"))
    assert [r["title"][:5] for r in rows] == ["Japan", "Kenya"]
    response = capped.get("/search.csv?offset=9")
    assert csv_rows(response) == [] and response.headers["X-Export-Truncated"] == "false"
    response = capped.get("/api/search.jsonl?limit=4")  # more than the cap
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": 400, "message": "limit: must be between 1 and 3", "param": "limit"
    }  # fmt: skip


def test_the_openapi_document_describes_the_cap_and_headers(capped):
    doc = capped.get("/api/openapi.json").get_json()
    for path in ("/search.csv", "/api/search.jsonl"):
        operation = doc["paths"][path]["get"]
        params = {p["name"]: p["schema"] for p in operation["parameters"]}
        assert params["limit"]["maximum"] == 3 and params["offset"]["minimum"] == 0
        assert params["body"]["type"] == params["snippets"]["type"] == "boolean"
        headers = operation["responses"]["200"]["headers"]
        assert {"Content-Disposition", "X-Query", "X-Filters", "X-Total-Count",
                "X-Export-Truncated", "Link"} == set(headers)  # fmt: skip


# Streaming


def test_an_export_streams_on_a_searcher_of_its_own(tmp_path, corpus):
    """A swap to a new generation, and another request on the same thread, while an export is
    half written: the export still finishes, with the articles of the index it started on."""
    root = tmp_path / "index"
    reindex([SEEDS, corpus], root, full=True, workers=1)
    client = create_app({"TESTING": True, "INDEX": root}).test_client()
    response = client.get("/api/search.jsonl?sort=oldest", buffered=False)
    chunks = iter(response.response)
    first = next(chunks)
    extra = write_jsonl(
        tmp_path / "new.jsonl",
        [{"title": "Platypus spotted in a creek", "text": "A platypus swam by the bank.",
          "date": "2025-09-01", "source": "Creek News", "url": "https://creek.example/p"}],
    )  # fmt: skip
    reindex([SEEDS, corpus, extra], root, full=True, workers=1)
    assert client.get("/api/search").get_json()["total"] == TOTAL + 1  # this thread, new index
    lines = [json.loads(line) for line in (first + b"".join(chunks)).decode().splitlines()]
    response.close()
    assert len(lines) == TOTAL
    assert "Platypus spotted in a creek" not in {line["title"] for line in lines}


def test_an_export_left_early_closes_its_searcher(client):
    """A client that goes away mid-export (the server closes the response) leaves no files open."""
    client.get("/api/search")  # this thread's own searcher, opened once
    client.get("/search.csv").close()  # and the index version's tables (one mapped file)
    before = len(os.listdir("/proc/self/fd"))
    pending = []
    for _ in range(3):
        response = client.get("/search.csv", buffered=False)
        next(iter(response.response))
        pending.append(response)
    assert len(os.listdir("/proc/self/fd")) > before  # each export reads with its own searcher
    for response in pending:
        response.close()
    assert len(os.listdir("/proc/self/fd")) == before
