"""Reading stage: discovery, decoding and every file format, on real files in tmp_path."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from pathlib import Path

import pytest

from search.extract import EmptyArticle, extract
from search.htmlpage import html_fields, html_to_text, split_names
from search.read import NotText, Page, Skip, decode, discover, read_file

NEWS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Central bank holds rates as inflation cools | The Daily Ledger</title>
<meta name="description" content="Policy makers kept the benchmark rate at 4.5% again.">
<meta property="og:title" content="Central bank holds rates as inflation cools">
<meta property="og:site_name" content="The Daily Ledger">
<meta property="og:url" content="https://ledger.example.com/economy/rates-hold">
<meta property="article:published_time" content="2024-03-14">
<meta property="article:tag" content="Interest rates">
<link rel="canonical" href="https://ledger.example.com/economy/rates-hold?ref=canonical">
<script type="application/ld+json">
{"@context": "https://schema.org", "@graph": [
 {"@type": "WebSite", "name": "Ledger website"},
 {"@type": "NewsArticle", "headline": "Central bank holds rates as inflation cools",
  "datePublished": "2024-03-14T09:30:00+01:00",
  "author": [{"@type": "Person", "name": "Maria Güler"}, {"@type": "Person", "name": "Tom Weber"}],
  "publisher": {"@type": "Organization", "name": "The Daily Ledger"},
  "keywords": "central banks, inflation", "articleSection": "Economy"}
]}
</script>
<style>body { font-family: serif; }</style>
</head>
<body>
<nav class="menu"><ul><li><a href="/">Home</a></li><li><a href="/world">World menu link</a></li>
<li><a href="/sport">Sport menu link</a></li></ul></nav>
<header class="site-header"><div class="logo">Ledger masthead banner</div>
<form><input name="q" placeholder="Search"></form></header>
<main>
<article>
<h1>Central bank holds rates as inflation cools</h1>
<p class="byline">By Maria Güler and Tom Weber ·
<time datetime="2024-03-14T09:30:00+01:00">14 March 2024</time></p>
<p>FRANKFURT — The central bank left its benchmark interest rate unchanged at 4.5 per cent on
Thursday, saying that inflation had cooled faster than expected over the winter months.</p>
<p>The decision, which was widely anticipated by economists, marks the third consecutive meeting
at which policy makers have held borrowing costs steady after a long series of increases.</p>
<p>“We are not yet where we want to be,” the bank’s president told reporters, adding that further
cuts would depend on wage growth and energy prices in the coming quarter.</p>
<p>Markets reacted calmly to the announcement, with the euro little changed against the dollar
and government bond yields edging lower in afternoon trading.</p>
</article>
<aside class="related"><h2>Related</h2><ul>
<li><a href="/a">Related story: Housing market slows sharply</a></li>
<li><a href="/b">Related story: Pension reform vote delayed</a></li></ul></aside>
</main>
<footer><p>© 2024 The Daily Ledger footer. All rights reserved. Privacy policy</p></footer>
<script>window.analytics = "tracking code";</script>
</body>
</html>
"""

PARAGRAPHS = [
    "The city council voted on Tuesday to reopen the old harbour bridge to cyclists and "
    "pedestrians after two years of repairs that cost more than planned.",
    "Residents had campaigned for the reopening since the spring, arguing that the detour "
    "through the industrial district added twenty minutes to their daily commute.",
    "Work on the road deck will continue at night until the end of the month, the council said.",
]


def write(folder: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    """Write a fixture file (str in the given encoding, or raw bytes) and return its path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def read(path: Path) -> list[Page | Skip]:
    return list(read_file(path))


def only_page(path: Path) -> Page:
    (page,) = read(path)
    assert isinstance(page, Page), page
    return page


def simple_page(head: str = "", article_extra: str = "") -> str:
    body = "".join(f"<p>{p}</p>\n" for p in PARAGRAPHS)
    return (f"<html><head>{head}</head><body><nav><a href='/'>Home</a> <a href='/x'>Sections</a>"
            f"</nav><article>{article_extra}{body}</article><footer>Contact us</footer>"
            "</body></html>")


# --- text --------------------------------------------------------------------------------------

def test_txt_file_is_one_text_page_with_unix_newlines(tmp_path: Path) -> None:
    path = write(tmp_path, "story.txt", "Bridge reopens\r\n\r\nThe bridge reopened today.\r\n")
    assert read(path) == [Page(str(path), "text", text="Bridge reopens\n\nThe bridge reopened "
                                                       "today.\n")]


@pytest.mark.parametrize("content", [b"", b"  \n\t\n", b"\xef\xbb\xbf"])
def test_empty_or_blank_file_is_skipped(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path, "empty.txt", content)
    assert read(path) == [Skip(str(path), "empty file")]


# --- decoding ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Mehmet Güler said the café would reopen.", "latin-1"),
        ("Güler", "latin-1"),
        ("café", "cp1252"),
        ("He said “no” and left — it’s over.", "cp1252"),
        ("Güler’s “café” reopened.", "utf-8"),
        ("Güler’s “café” reopened.", "utf-8-sig"),
        ("Güler’s “café” reopened.", "utf-16"),  # Python writes the BOM
        ("Привет, это новости из Москвы о погоде.", "cp1251"),
        ("Prezydent spotkał się w środę z przedstawicielami rządu w sprawie budżetu.", "cp1250"),
        ("Ankara: Güler met Erdoğan in İstanbul.", "cp1254"),
    ],
)
def test_decode_recovers_the_text(text: str, encoding: str) -> None:
    assert decode(text.encode(encoding)) == text


def test_decode_keeps_utf8_with_one_stray_byte() -> None:
    data = ("Güler’s café " * 5).encode() + b"\xe9 end"
    assert decode(data) == "Güler’s café " * 5 + "\ufffd end"


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-16", "utf-8-sig"])
def test_read_file_decodes_legacy_encodings(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path, "old.txt", "Güler visited the café.", encoding)
    assert only_page(path).text == "Güler visited the café."


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "binary content (NUL bytes)"),
        (gzip.compress(b"some compressed news text"), "binary content (NUL bytes)"),
        (b"plain start\x00\x00\x00 then zeros", "binary content (NUL bytes)"),
        (bytes(range(1, 9)) * 20, "binary content (control bytes)"),
    ],
)
def test_binary_content_is_not_text(tmp_path: Path, data: bytes, reason: str) -> None:
    with pytest.raises(NotText, match=r"binary content"):
        decode(data)
    path = write(tmp_path, "disguised.txt", data)
    assert read(path) == [Skip(str(path), reason)]


# --- HTML --------------------------------------------------------------------------------------

def test_saved_news_page_gives_article_text_and_metadata(tmp_path: Path) -> None:
    path = write(tmp_path, "ledger.html", NEWS_PAGE)
    page = only_page(path)
    assert (page.path, page.kind, page.locator) == (str(path), "html", "")
    fields = html_fields(page.text)
    assert fields["title"] == "Central bank holds rates as inflation cools"
    assert fields["published"] == "2024-03-14T09:30:00+01:00"  # beats the date-only meta
    assert fields["url"] == "https://ledger.example.com/economy/rates-hold"
    assert fields["source"] == "The Daily Ledger"
    assert fields["authors"] == ["Maria Güler", "Tom Weber"]
    assert fields["subtitle"] == "Policy makers kept the benchmark rate at 4.5% again."
    assert fields["tags"] == ["Economy", "central banks", "inflation", "Interest rates"]
    body = fields["body"]
    paragraphs = body.split("\n\n")
    assert len(paragraphs) == 4
    assert paragraphs[0].startswith("FRANKFURT — The central bank left its benchmark")
    assert paragraphs[0].endswith("over the winter months.")
    assert "on Thursday" in paragraphs[0]  # the source line break is just a space
    assert paragraphs[3].startswith("Markets reacted calmly")
    for junk in ("menu link", "masthead", "Related story", "Related", "footer", "Privacy",
                 "tracking code", "font-family", "Search"):
        assert junk not in body


def test_page_without_og_title_strips_site_suffix_and_reads_time(tmp_path: Path) -> None:
    head = ('<title>Harbour bridge reopens to cyclists - Trump Gazette | Harbour Herald</title>'
            '<meta property="og:site_name" content="Harbour Herald">'
            '<meta name="author" content="Ann Lee and Bob Stone">'
            '<meta property="article:tag" content="Transport">'
            '<meta property="article:tag" content="City council">'
            '<link rel="canonical" href="https://herald.example.org/bridge">')
    extra = '<p>Published <time datetime="2023-05-02T07:15:00Z">2 May</time></p>'
    fields = html_fields(only_page(write(tmp_path, "bridge.htm", simple_page(head, extra))).text)
    assert fields["title"] == "Harbour bridge reopens to cyclists - Trump Gazette"
    assert fields["published"] == "2023-05-02T07:15:00Z"
    assert fields["authors"] == ["Ann Lee", "Bob Stone"]
    assert fields["tags"] == ["Transport", "City council"]
    assert fields["url"] == "https://herald.example.org/bridge"
    assert fields["source"] == "Harbour Herald"
    assert fields["body"].endswith("\n\n".join(PARAGRAPHS))
    assert "Home" not in fields["body"] and "Contact us" not in fields["body"]


def test_json_ld_author_shapes_publisher_and_keywords() -> None:
    ld = {"@type": ["NewsArticle"], "headline": "Bridge reopens", "datePublished": "2023-05-02",
          "author": {"@type": "Person", "name": "Ann Lee"}, "publisher": {"name": "Herald"},
          "keywords": ["bridges", "cycling"], "articleSection": ["Local"]}
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script><title>Ignored</title>'
    fields = html_fields(simple_page(head), url="https://herald.example.org/b")
    assert fields["title"] == "Bridge reopens"
    assert fields["published"] == "2023-05-02"
    assert fields["authors"] == ["Ann Lee"]
    assert fields["source"] == "Herald"
    assert fields["tags"] == ["Local", "bridges", "cycling"]
    assert fields["url"] == "https://herald.example.org/b"
    ld["author"] = "Ann Lee; Bob Stone"
    head = f'<script type="application/ld+json">{json.dumps([ld])}</script>'
    assert html_fields(simple_page(head))["authors"] == ["Ann Lee", "Bob Stone"]


def test_page_with_no_article_text_is_skipped(tmp_path: Path) -> None:
    html = ("<html><head><title>Index | Herald</title></head><body><nav><a href='/'>Home</a>"
            "<a href='/news'>News</a></nav><footer>© Herald</footer></body></html>")
    path = write(tmp_path, "index.html", html)
    with pytest.raises(EmptyArticle, match="no article text found"):
        extract(only_page(path))


def test_html_to_text_keeps_paragraphs_and_line_breaks() -> None:
    html = "<div><p>One\n  two</p><p>Three<br>four <i>it</i>alic</p><script>x()</script>tail</div>"
    assert html_to_text(html) == "One two\n\nThree\nfour italic\n\ntail"


# --- JSON and JSON Lines -----------------------------------------------------------------------

def test_json_object_is_one_record(tmp_path: Path) -> None:
    record = {"title": "Bridge reopens", "text": "The bridge reopened.", "date": "2023-05-02",
              "url": "https://herald.example.org/b", "source": "Herald", "author": "Ann Lee",
              "description": "Good news for cyclists.", "id": "b-1", "tags": ["Transport"],
              "unrelated": "dropped", "data": [{"text": "not a second article"}]}
    path = write(tmp_path, "one.json", json.dumps(record))
    assert read(path) == [Page(str(path), "record", fields={
        "title": "Bridge reopens", "body": "The bridge reopened.", "published": "2023-05-02",
        "url": "https://herald.example.org/b", "source": "Herald", "authors": ["Ann Lee"],
        "subtitle": "Good news for cyclists.", "id": "b-1", "tags": ["Transport"]})]


def test_json_list_numbers_records_and_skips_bad_ones(tmp_path: Path) -> None:
    items = [{"title": "A", "body": "Text A"}, ["not", "an", "object"], {"title": "C", "body": " "},
             {"title": "D"}, {"headline": "E", "content": "Text E"}]
    path = write(tmp_path, "list.json", json.dumps(items))
    assert read(path) == [
        Page(str(path), "record", fields={"title": "A", "body": "Text A"}, locator="#1",
             record="#1"),  # no id, no URL: its place names it
        Skip(f"{path}#2", "not a JSON object but a list"),
        Skip(f"{path}#3", "empty text"),
        Skip(f"{path}#4", "no text field"),
        Page(str(path), "record", fields={"title": "E", "body": "Text E"}, locator="#5",
             record="#5"),
    ]


def test_newsapi_style_container_with_nested_source(tmp_path: Path) -> None:
    data = {"status": "ok", "totalResults": 1, "articles": [
        {"source": {"id": None, "name": "BBC News"}, "author": None, "title": "Storm hits coast",
         "description": "Winds of 100 mph.", "url": "https://bbc.example/storm",
         "publishedAt": "2024-01-02T10:00:00Z", "content": "Storm text [+1200 chars]"}]}
    (page,) = read(write(tmp_path, "newsapi.json", json.dumps(data)))
    assert page.locator == "#1"
    assert page.fields == {"title": "Storm hits coast", "body": "Storm text [+1200 chars]",
                           "published": "2024-01-02T10:00:00Z", "url": "https://bbc.example/storm",
                           "source": "BBC News", "subtitle": "Winds of 100 mph."}


def test_jsonl_bad_line_is_skipped_alone(tmp_path: Path) -> None:
    lines = ['{"title": "A", "text": "Text A"}', '{"title": "B", "text": ', "",
             '{"title": "C", "text": "Text C"}', "42"]
    path = write(tmp_path, "feed.jsonl", "\n".join(lines) + "\n")
    out = read(path)
    assert [type(o).__name__ for o in out] == ["Page", "Skip", "Page", "Skip"]
    assert out[0] == Page(str(path), "record", fields={"title": "A", "body": "Text A"},
                          locator="#1", record="#1")
    assert out[1].path == f"{path}#2" and out[1].reason.startswith("invalid JSON: ")
    assert out[2].locator == "#4" and out[2].fields["title"] == "C"
    assert out[3] == Skip(f"{path}#5", "not a JSON object but a int")


def test_invalid_json_file_and_jsonl_saved_as_json(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.json", '{"title": "A",')
    (skip,) = read(bad)
    assert skip.path == str(bad) and skip.reason.startswith("invalid JSON: ")
    lines = write(tmp_path, "lines.json", '{"text": "One"}\n{"text": "Two"}\n')
    assert [p.fields["body"] for p in read(lines)] == ["One", "Two"]


def test_column_aliases_are_case_and_separator_insensitive(tmp_path: Path) -> None:
    record = {"Headline": "H", "Article-Text": "Body", "Publish Date": "2020-01-01",
              "SOURCE_URL": "https://x.example/1", "Site Name": "X Times", "Byline": "Ann Lee",
              "Standfirst": "Sub", "GUID": "g-7", "Keywords": "a, b", "urlToImage": "ignored"}
    fields = only_page(write(tmp_path, "alias.json", json.dumps(record))).fields
    assert fields == {"title": "H", "body": "Body", "published": "2020-01-01",
                      "url": "https://x.example/1", "source": "X Times", "authors": ["Ann Lee"],
                      "subtitle": "Sub", "id": "g-7", "tags": ["a", "b"]}


def test_wrong_types_are_coerced_or_dropped(tmp_path: Path) -> None:
    record = {"title": ["Part one", "part two"], "text": ["Para one.", "Para two."],
              "date": 1700000000, "id": 42, "url": {"href": "no name"}, "summary": True,
              "authors": [{"name": "Ann Lee"}, "Bob Stone", 7], "tags": "x; y",
              "source": ["Herald", "Other"], "link": "https://fallback.example/a"}
    fields = only_page(write(tmp_path, "types.json", json.dumps(record))).fields
    assert fields == {"title": "Part one part two", "body": "Para one.\n\nPara two.",
                      "published": "1700000000", "id": "42", "url": "https://fallback.example/a",
                      "authors": ["Ann Lee", "Bob Stone", "7"], "tags": ["x", "y"],
                      "source": "Herald"}


def test_html_body_in_a_record_becomes_text(tmp_path: Path) -> None:
    record = {"title": "T", "body": "<p>First <b>bold</b> para.</p>\n<p>Second.</p>"}
    fields = only_page(write(tmp_path, "markup.json", json.dumps(record))).fields
    assert fields["body"] == "First bold para.\n\nSecond."


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("Ann Lee and Bob Stone", ["Ann Lee", "Bob Stone"]),
        ("Ann Lee, Bob Stone, and Cy Twombly", ["Ann Lee", "Bob Stone", "Cy Twombly"]),
        ("Smith, John", ["Smith, John"]),
        ("Reuters", ["Reuters"]),
        ("Ann Lee | Bob Stone", ["Ann Lee", "Bob Stone"]),
        ("Simon & Schuster", ["Simon & Schuster"]),
    ],
)
def test_split_names_only_splits_clear_lists(byline: str, names: list[str]) -> None:
    assert split_names(byline) == names


# --- CSV ---------------------------------------------------------------------------------------

NEWS_HEADER = ["article_id", "publish_date", "article_source_link", "title", "subtitle", "text"]


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def test_newsarticles_style_csv(tmp_path: Path) -> None:
    big = "word " * 2_100_000  # a 10 MB cell, far over csv's default field limit
    rows = [NEWS_HEADER,
            ["1", "2017/2/7", "http://abcnews.go.com/a", "DeVos", "", "Line one.\nLine two"],
            ["2", "2017/2/8", "http://www.bbc.co.uk/b", "No text here", "Sub", "   "],
            ["3", "2017/2/9", "http://tass.com/c", "Short row"],
            ["4", "2017/2/10", "http://www.dw.com/d", "Long row", "", "Body 4", "extra", "cells"],
            [],
            ["5", "2017/2/11", "http://www.rte.ie/e", "Big", "", big]]
    path = write(tmp_path, "NewsArticles.csv", csv_text(rows))
    out = read(path)
    assert [o.locator if isinstance(o, Page) else o for o in out] == [
        "#1", Skip(f"{path}#2", "empty text"), Skip(f"{path}#3", "empty text"), "#4", "#5"]
    assert out[0].fields == {"title": "DeVos", "body": "Line one.\nLine two",
                             "published": "2017/2/7", "url": "http://abcnews.go.com/a",
                             "id": "1"}
    assert out[3].fields["body"] == "Body 4"
    assert out[4].fields["body"] == big.strip() and len(out[4].fields["body"]) > 10_000_000


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_delimiter_is_detected(tmp_path: Path, delimiter: str) -> None:
    rows = [["Title", "Body", "Date"], ["A, with comma", "Text; with semicolon", "2020-01-01"],
            ["B", "Second text", "2020-01-02"]]
    out = read(write(tmp_path, "semi.csv", csv_text(rows, delimiter)))
    assert [p.fields for p in out] == [
        {"title": "A, with comma", "body": "Text; with semicolon", "published": "2020-01-01"},
        {"title": "B", "body": "Second text", "published": "2020-01-02"}]


def test_csv_without_text_column_is_skipped_once(tmp_path: Path) -> None:
    path = write(tmp_path, "prices.csv", "symbol,price\nABC,1.5\nDEF,2.5\n")
    assert read(path) == [Skip(str(path), "no text column in the CSV header (symbol, price)")]


# --- discovery ---------------------------------------------------------------------------------

def test_discover_recurses_sorted_and_reports_unsupported(tmp_path: Path) -> None:
    for name in ["b/z.txt", "b/a.json", "a.csv", "c.HTML", "notes.xyz", "README",
                 ".hidden.txt", ".git/config.txt", "b/sub/deep.jsonl"]:
        write(tmp_path, name, "x")
    assert list(discover([tmp_path])) == [
        Skip(str(tmp_path / "README"), "unsupported file type (no extension)"),
        tmp_path / "a.csv",
        tmp_path / "b/a.json",
        tmp_path / "b/sub/deep.jsonl",
        tmp_path / "b/z.txt",
        tmp_path / "c.HTML",
        Skip(str(tmp_path / "notes.xyz"), "unsupported file type .xyz"),
    ]


def test_discover_files_missing_paths_and_repeats(tmp_path: Path) -> None:
    one = write(tmp_path, "one.txt", "x")
    missing = tmp_path / "gone.txt"
    assert list(discover([str(one), missing, tmp_path])) == [
        one, Skip(str(missing), "no such file or directory")]


def test_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    story = write(tmp_path, "corpus/sub/story.txt", "x")
    (tmp_path / "corpus/sub/loop").symlink_to(tmp_path / "corpus", target_is_directory=True)
    (tmp_path / "corpus/self").symlink_to(tmp_path / "corpus/self")
    out = list(discover([tmp_path / "corpus"]))
    assert out == [Skip(str(tmp_path / "corpus/self"), "too many levels of symbolic links"),
                   story]


def test_fifo_is_not_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert list(discover([tmp_path])) == [Skip(str(fifo), "not a regular file")]


def test_permission_errors_become_skips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Root (as in CI containers) reads anything, so the refusals are simulated.
    locked = tmp_path / "locked"
    locked.mkdir()
    secret = write(tmp_path, "secret.txt", "x")
    real_scandir, real_access = os.scandir, os.access

    def scandir(path: Path) -> object:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    def read_bytes(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != secret and real_access(p, mode))
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert list(discover([tmp_path])) == [Skip(str(locked), "permission denied"),
                                          Skip(str(secret), "permission denied")]
    assert read(secret) == [Skip(str(secret), "permission denied")]


def test_discovered_files_read_end_to_end(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", "First story.")
    write(tmp_path, "b.html", NEWS_PAGE)
    write(tmp_path, "c.jsonl", '{"text": "Third"}\n')
    write(tmp_path, "d.png", b"\x89PNG\r\n\x1a\n\x00\x00")
    out = [item for path in discover([tmp_path]) if isinstance(path, Path)
           for item in read_file(path)]
    assert [p.kind for p in out] == ["text", "html", "record"]
