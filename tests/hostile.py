"""A generated corpus of hostile files, and what ingest must make of each kind.

Each kind writes its files into an empty folder and states the outcome: the marker words of the
articles that must be indexed (one article per marker), the files or records that must be
reported (path relative to the folder, reason as a regular expression), and words that must
never become searchable. ``tests/test_hostile.py`` runs every kind alone and all of them at once.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

Content = str | bytes | Callable[[Path], None]  # text (UTF-8), raw bytes, or a writer of path


@dataclass(frozen=True)
class Kind:
    """One kind of hostile input: how to write it and what a reindex must report."""

    name: str
    files: tuple[tuple[str, Content], ...]
    good: tuple[str, ...] = ()  # markers of the articles that must be indexed
    bad: tuple[tuple[str, str], ...] = ()  # (path[#record], reason pattern), each reported
    absent: tuple[str, ...] = ()  # words that must not be searchable
    check: Callable[[dict[str, dict]], None] | None = None  # on {marker: get_article(...)}
    slow: bool = False
    unavailable: Callable[[], str] | None = None  # why the platform cannot build it, or ""
    known_bug: str = ""  # why its incremental run (with a rerun) fails today, for a strict xfail

    def build(self, folder: Path) -> None:
        """Write the kind's files into ``folder``."""
        for name, content in self.files:
            path = Path(os.path.join(folder, name))
            path.parent.mkdir(parents=True, exist_ok=True)
            if callable(content):
                content(path)
            else:
                path.write_bytes(content if isinstance(content, bytes) else content.encode())


def mark(kind: str, n: int = 0) -> str:
    """The marker word of article ``n`` of a kind: one token, found nowhere else."""
    return "hx" + re.sub(r"[^a-z0-9]", "", kind.lower()) + "abcdefghijklmnopqrstuvwxy"[n]


def prose(marker: str) -> str:
    """Three paragraphs of plain news prose carrying ``marker``."""
    return (
        f"Harbour officials confirmed the {marker} inspection report on Monday morning, "
        "saying repairs to the old bridge would continue until the end of the month.\n\n"
        "Residents had campaigned for the reopening since the spring, arguing that the "
        f"detour through the industrial district added twenty minutes to each {marker} trip.\n\n"
        "The council said engineers had found rust in two of the supports and that more "
        "money would be released for the work after a vote next week."
    )


def story(marker: str) -> str:
    """A clean text article: a headline, then the prose."""
    return f"Harbour bridge repairs continue\n\n{prose(marker)}\n"


def record(marker: str, **fields: object) -> dict:
    """A JSON/CSV article record."""
    return {"title": f"Harbour report {marker}", "text": prose(marker), **fields}


def jsonl(*lines: object) -> str:
    """JSON Lines: dicts are dumped, strings are written as they are."""
    return "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)


def table(*rows: list[str]) -> str:
    """CSV text of ``rows``."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def page(marker: str, head: str = "", before: str = "", after: str = "") -> str:
    """A small news page: markup ``before`` and ``after`` the article."""
    paragraphs = "".join(f"<p>{p}</p>" for p in prose(marker).split("\n\n"))
    return (f"<html><head>{head}</head><body><nav><a href='/'>Home</a></nav>{before}"
            f"<article><h1>Harbour bridge {marker}</h1>{paragraphs}</article>{after}"
            "<footer>Contact us</footer></body></html>")


def symlink(target: str | Path) -> Callable[[Path], None]:
    """A writer that makes the path a symbolic link to ``target``."""
    return lambda path: path.symlink_to(target)


def _chmod_000(text: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_text(text)
        path.chmod(0)

    return write


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _raw_name(name: bytes, content: str) -> Callable[[Path], None]:
    """Write a file whose name is raw bytes (not valid UTF-8) next to ``path``."""

    def write(path: Path) -> None:
        with open(os.path.join(os.fsencode(path.parent), name), "wb") as handle:
            handle.write(content.encode())

    return write


def _root_reads_anything() -> str:
    return "running as root: permissions do not stop root" if os.geteuid() == 0 else ""


def _no_proc_mem() -> str:
    return "" if os.path.exists("/proc/self/mem") else "needs Linux /proc/self/mem"


def _bytes_names_refused() -> str:
    with tempfile.TemporaryDirectory() as folder:
        try:
            Path(os.fsdecode(os.fsencode(folder) + b"/\xff")).write_text("x")
        except (OSError, UnicodeError):
            return "the file system refuses names that are not UTF-8"
    return ""


def _field(marker: str, name: str, expected: object) -> Callable[[dict[str, dict]], None]:
    def check(found: dict[str, dict]) -> None:
        assert found[marker][name] == expected, (marker, name, found[marker][name])

    return check


def _all(*checks: Callable[[dict[str, dict]], None]) -> Callable[[dict[str, dict]], None]:
    def check(found: dict[str, dict]) -> None:
        for one in checks:
            one(found)

    return check


def _inert(marker: str, payload: str) -> Callable[[dict[str, dict]], None]:
    """The payload is kept as text, and the HTML the search returns holds it escaped."""

    def check(found: dict[str, dict]) -> None:
        hit = found[marker]["hit"]
        for html in (hit["title_html"], hit["snippet"]):
            assert "<script" not in html and "<img" not in html and "<svg" not in html, html
        assert payload in found[marker]["title"]

    return check


def _starts(marker: str, name: str, prefix: str) -> Callable[[dict[str, dict]], None]:
    def check(found: dict[str, dict]) -> None:
        assert found[marker][name].startswith(prefix), (marker, name, found[marker][name][:80])

    return check


def _ends(marker: str, text: str) -> Callable[[dict[str, dict]], None]:
    """The body ends with ``text``: the cut character is dropped, the rest decoded as UTF-8."""

    def check(found: dict[str, dict]) -> None:
        assert found[marker]["body"].endswith(text), found[marker]["body"][-80:]

    return check


def _mixed(marker: str) -> Callable[[dict[str, dict]], None]:
    """Mostly UTF-8 with two stray Windows-1252 bytes: the UTF-8 text must not turn to mojibake."""

    def check(found: dict[str, dict]) -> None:
        assert "Güler’s café" in found[marker]["body"] and "Ã" not in found[marker]["body"]

    return check


def _body_has(marker: str, *texts: str) -> Callable[[dict[str, dict]], None]:
    def check(found: dict[str, dict]) -> None:
        body = found[marker]["body"]
        for text in texts:
            assert text in body, (text, body[-200:])
        assert "\ufffd" not in body and "Ã" not in body, body[-200:]

    return check



def _kinds() -> list[Kind]:
    k: list[Kind] = []

    def add(name: str, files, good=0, bad=(), **extra) -> None:
        k.append(Kind(name, tuple(files), tuple(mark(name, i) for i in range(good)), tuple(bad),
                      **extra))

    # --- bytes that are not (clean) text --------------------------------------------------------
    add("empty", [("empty.txt", b""), ("empty.json", b""), ("empty.html", b"")],
        bad=[("empty.html", "^empty file$"), ("empty.json", "^empty file$"),
             ("empty.txt", "^empty file$")])
    add("whitespace", [("blank.txt", " \n\t\r\n  \r"), ("blank.jsonl", "\n\n   \n"),
                       ("bom-only.csv", b"\xef\xbb\xbf \n")],
        bad=[("blank.jsonl", "^empty file$"), ("blank.txt", "^empty file$"),
             ("bom-only.csv", "^empty file$")])
    add("zero_width_only", [("zw.txt", "\u200b\u200c\u200d\u2060\ufeff\n" * 50)],
        bad=[("zw.txt", "^no article text found$")])
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x02" * 40
    add("binary_png", [("photo.txt", png), ("photo.html", png)],
        bad=[("photo.html", "^binary content"), ("photo.txt", "^binary content")])
    add("binary_gzip", [("feed.json", gzip.compress(json.dumps(record("x")).encode())),
                        ("feed.jsonl.gz", gzip.compress(b"{}")), ("story.txt.gz", b"\x1f\x8b")],
        bad=[("feed.json", "^binary content"), ("feed.jsonl.gz", "^unsupported file type .gz$"),
             ("story.txt.gz", "^unsupported file type .gz$")])
    add("nul_bytes", [("nul.txt", story("hxnulbytesz").replace("bridge", "bri\x00dge"))],
        bad=[("nul.txt", r"^binary content \(NUL bytes\)$")], absent=("hxnulbytesz",))
    add("control_bytes", [("ctl.txt", bytes(range(1, 32)) * 300)],
        bad=[("ctl.txt", r"^binary content \(control bytes\)$")])
    add("truncated_utf8", [("cut.txt", (story(mark("truncated_utf8")) + "Müller said the café "
                                        "was closed ‘").encode()[:-1])],
        good=1, check=_ends(mark("truncated_utf8"), "Müller said the café was closed"))
    add("truncated_utf8_ascii", [("cut.txt", (story(mark("truncated_utf8_ascii"))
                                              + "End of report …").encode()[:-1])],
        good=1, check=_ends(mark("truncated_utf8_ascii"), "End of report"))
    add("latin1", [("old.txt", (story(mark("latin1")) + "Mehmet Güler said the café would "
                                "reopen.").encode("latin-1"))],
        good=1, check=_body_has(mark("latin1"), "Güler said the café"))
    add("cp1252", [("win.txt", (story(mark("cp1252")) + "He said “no” — it’s over.")
                    .encode("cp1252"))],
        good=1, check=_body_has(mark("cp1252"), "He said “no” — it’s over."))
    add("utf16_bom", [("le.txt", story(mark("utf16_bom", 0)).encode("utf-16")),
                      ("be.json", codecs_bom_be(json.dumps(record(mark("utf16_bom", 1))))),
                      ("le.html", page(mark("utf16_bom", 2)).encode("utf-16"))],
        good=3)
    add("utf16_no_bom", [("le.txt", story(mark("utf16_no_bom")).encode("utf-16-le"))], good=1)
    add("mixed_encoding", [("mixed.txt", story(mark("mixed_encoding")).encode()
                            + "Güler’s café ".encode() * 5 + b"and \x93quoted\x94 text.")],
        good=1, check=_mixed(mark("mixed_encoding")))

    # --- size ---------------------------------------------------------------------------------
    big = (prose("hxhugetextz") + "\n\n").encode()
    add("huge_text_50mb", [("huge.txt", big * (50_000_000 // len(big) + 1))],
        bad=[("huge.txt", r"^too large for one article: 5\d\.\d MB \(limit 5 MB\)$")],
        absent=("hxhugetextz",))
    add("huge_html_6mb", [("huge.html", page("hxhugehtmlz", after="<p>padding</p>" * 450_000))],
        bad=[("huge.html", r"^too large for one article: 6\.\d MB \(limit 5 MB\)$")],
        absent=("hxhugehtmlz",))
    long_body = " ".join([prose(mark("long_article"))] * 1200)  # ~0.6 MB: long, but an article
    add("long_article", [("long.jsonl", jsonl({"title": "Long read", "text": long_body}))],
        good=1, slow=True)
    add("record_too_long", [("mix.jsonl", jsonl(record(mark("record_too_long", 0)),
                                                {"title": "Dump", "text": "word " * 400_000},
                                                record(mark("record_too_long", 1))))],
        good=2, bad=[("mix.jsonl#2", r"^article text too long: 1,999,999 characters "
                                     r"\(limit 1,000,000\)$")])
    add("one_huge_line", [("line.txt", ("word " * 150_000) + mark("one_huge_line") + " end.")],
        good=1, slow=True)

    # --- text pages ---------------------------------------------------------------------------
    chrome = "\n".join(["Daily Ledger", "Home", "World", "Sport", "Subscribe", "Sign in",
                        "Breaking news", "Markets slide as rates rise", "", "Most read",
                        "• One story", "• Another story", "Follow us", "Daily Ledger",
                        "All rights reserved"]) + "\n"
    add("boilerplate_txt", [("menu.txt", chrome)], bad=[("menu.txt", "^no article text found$")])
    add("boilerplate_html", [("menu.html", "<html><head><title>Index | Ledger</title></head><body>"
                              "<nav><a href='/'>Home</a><a href='/w'>World</a></nav><header>"
                              "Ledger</header><aside>Most read: five stories</aside><footer>"
                              "© Ledger. All rights reserved.</footer></body></html>")],
        bad=[("menu.html", "^no article text found$")])

    # --- HTML ---------------------------------------------------------------------------------
    add("html_no_body", [("head.html", "<html><head><title>Only a title hxhtmlnobodyz</title>"
                          "<meta name='description' content='Just a head'></head></html>")],
        bad=[("head.html", "^no article text found$")])
    add("html_fragment", [("frag.html", "".join(f"<p>{p}" for p in
                                                prose(mark("html_fragment")).split("\n\n")))],
        good=1)
    add("html_unclosed_tags", [("open.html", "<html><body><div><article><h1>Harbour <b>bridge"
                                "<p>" + prose(mark("html_unclosed_tags")).replace("\n\n", "<p><i>")
                                + "<div><span><table><tr><td>")],
        good=1)
    deep = 10_000
    add("html_deep_nesting", [("inside.html", page(mark("html_deep_nesting", 0),
                                                   before="<div>" * deep, after="</div>" * deep)),
                              ("before.html", page(mark("html_deep_nesting", 1),
                                                   before="<div>" * deep + "x" + "</div>" * deep)),
                              ("unclosed.html", page(mark("html_deep_nesting", 2),
                                                     before="<section><div>" * deep)),
                              ("inline.html", "<html><body><p>" + "<b><i>" * deep
                               + prose(mark("html_deep_nesting", 3)) + "</body></html>")],
        good=4)
    add("html_many_elements", [
        ("p.html", page(mark("html_many_elements", 0), after="<p>Short</p>" * 20_000)),
        ("div.html", page(mark("html_many_elements", 1), after="<div>x</div>" * 100_000))],
        good=2)  # jusText, trafilatura's fallback, is quadratic in runs of short paragraphs
    add("html_script_style_only", [
        ("script.html", "<html><head><style>body { color: red } /* hxscriptonlyz */</style>"
                        "<script>var story = 'Harbour officials confirmed the hxscriptonlyz "
                        "inspection report on Monday morning, saying repairs would go on.';"
                        "</script></head><body><script>document.write(story)</script><noscript>"
                        "Enable JavaScript</noscript></body></html>")],
        bad=[("script.html", "^no article text found$")], absent=("hxscriptonlyz",))
    add("html_unclosed_comment", [("comment.html", page("hxcommentz", before="<!-- hidden "))],
        bad=[("comment.html", "^no article text found$")], absent=("hxcommentz",))
    xss_title = "<script>alert(1)</script> Harbour"
    xss_head = (f"<title>{escape(xss_title)} {mark('html_xss')}</title>"
                "<meta name='author' content='&quot;&gt;&lt;img src=x onerror=alert(2)&gt;'>"
                "<meta name='keywords' content='&lt;svg onload=alert(3)&gt;, harbour'>")
    add("html_xss", [("xss.html", page(mark("html_xss"), head=xss_head,
                                       before="<script>stealCookies('hxstealcookiesz')</script>"
                                              "<img src=x onerror=alert(4)>"
                                              "<a href='javascript:alert(5)'>click</a>"))],
        good=1, absent=("hxstealcookiesz",),
        check=_all(_inert(mark("html_xss"), xss_title),
                   _field(mark("html_xss"), "authors", ['"><img src=x onerror=alert(2)>'])))
    payload = '<script>alert(1)</script> "onerror=alert(2)'
    add("json_xss", [("xss.jsonl", jsonl(record(
        mark("json_xss"), title=f"{payload} Harbour", author='"><img src=x onerror=alert(3)>',
        tags=["<svg onload=alert(4)>", "javascript:alert(5)"], url="javascript:alert(6)",
        text=prose(mark("json_xss")) + " <img src=x onerror=alert(7)> <script>x()</script>")))],
        good=1, check=_all(_inert(mark("json_xss"), payload),
                           _field(mark("json_xss"), "tags", ["<svg onload=alert(4)>",
                                                             "javascript:alert(5)"])))
    add("html_bad_entities", [("ent.html", page(mark("html_bad_entities"),
                                                before="<p>&#0; &#xD800; &#x110000; &bogus; "
                                                       "&amp &#99999999999;</p>"))],
        good=1)
    add("html_lying_charset", [("lie.html", page(mark("html_lying_charset"),
                                                 head="<meta charset='shift_jis'>").replace(
        "</h1>", "</h1><p>Güler’s café reopened today after the storm.</p>"))],
        good=1, check=_body_has(mark("html_lying_charset"), "Güler’s café reopened today"))
    add("html_broken_json_ld", [("ld.html", page(mark("html_broken_json_ld"),
                                                 head="<script type='application/ld+json'>"
                                                      "{\"@type\": \"NewsArticle\", \"headline\":"
                                                      "</script>"))],
        good=1)

    # --- JSON ---------------------------------------------------------------------------------
    add("json_not_json", [("a.json", "hello world"), ("b.json", "{'single': 'quotes'}"),
                          ("c.json", '{"text": "x",}'), ("d.json", "title: YAML\ntext: no\n"),
                          ("e.json", "var data = {\"text\": \"js\"};")],
        bad=[(n, "^invalid JSON: ") for n in ("a.json", "b.json", "c.json", "d.json",
                                              "e.json")])
    add("json_scalars", [("s.json", '"just a string"'), ("n.json", "42"), ("z.json", "null"),
                         ("t.json", "true")],
        bad=[("n.json", "^JSON holds a int, not articles$"),
             ("s.json", "^JSON holds a str, not articles$"),
             ("t.json", "^JSON holds a bool, not articles$"),
             ("z.json", "^JSON holds a NoneType, not articles$")])
    when = datetime(2025, 8, 14, 10, 0)
    add("json_wrong_types", [
        ("types.json", json.dumps([
            record(mark("json_wrong_types", 0), title=["Harbour", "report", "in parts"],
                   date=int(when.replace(tzinfo=UTC).timestamp())),
            record(mark("json_wrong_types", 1), title={"no": "name"}, date=True,
                   author={"name": "Ann Lee"}, tags="a; b", id={"x": 1}, url=["", 5]),
            record(mark("json_wrong_types", 2), title=12345, date=[2025, 8, 14],
                   author=[["nested"], None, 7], tags=[None, {"x": 1}, "ok"], source=False),
            {"title": "Part", "text": ["First paragraph " + mark("json_wrong_types", 3) + ".",
                                       "Second paragraph."]}]))],
        good=4,
        check=_all(_field(mark("json_wrong_types", 0), "title", "Harbour report in parts"),
                   _field(mark("json_wrong_types", 0), "published", when.isoformat()),
                   _field(mark("json_wrong_types", 1), "authors", ["Ann Lee"]),
                   _field(mark("json_wrong_types", 1), "published", None),
                   _field(mark("json_wrong_types", 2), "title", "12345")))
    wrong = [("int", 42), ("dict", {"a": 1}), ("bool", True), ("list", [[1, 2]])]
    add("json_text_wrong_type", [("t.jsonl", jsonl(*[{"title": t, "text": v} for t, v in wrong],
                                                   {"title": "none", "text": None}))],
        bad=[(f"t.jsonl#{n}", f"^text is a {t}, not text$") for n, (t, _) in enumerate(wrong, 1)]
        + [("t.jsonl#5", "^empty text$")])
    add("json_missing_fields", [("m.json", json.dumps([
        {}, {"title": "Only a title"}, {"text": "   "},
        {"text": prose(mark("json_missing_fields"))},
        {"url": "https://x.example/only-url", "date": "2024-01-01"}]))],
        good=1, bad=[("m.json#1", "^no text field$"), ("m.json#2", "^no text field$"),
                     ("m.json#3", "^empty text$"), ("m.json#5", "^no text field$")],
        check=_starts(mark("json_missing_fields"), "title", "Harbour officials confirmed"))
    junk = [i if i % 3 else None for i in range(100_000)]
    junk[0], junk[-1] = record(mark("json_100k_array", 0)), record(mark("json_100k_array", 1))
    add("json_100k_array", [("big.json", json.dumps(junk))], good=2,
        bad=[(f"big.json#{n + 1}", f"^not a JSON object but a {'int' if n % 3 else 'NoneType'}$")
             for n in range(1, 99_999)])
    add("json_100k_tags", [("tags.json", json.dumps(record(
        mark("json_100k_tags"), tags=[f"tag {i}" for i in range(100_000)],
        author=[f"Writer Number{i}" for i in range(20_000)])))], good=1, slow=True)
    add("json_deep_nesting", [("deep.json", "[" * 100_000 + "]" * 100_000)],
        bad=[("deep.json", "^invalid JSON: nested too deeply$")])
    add("json_huge_number", [("num.json", '{"text": "x", "id": ' + "9" * 5000 + "}")],
        bad=[("num.json", "^invalid JSON: .*integer string conversion")])
    add("json_lone_surrogates", [("sur.json", json.dumps(record(
        mark("json_lone_surrogates"), author="Ann \ud800 Lee", tags=["ok", "bad \udfff"],
        source="Wire \udc00", title="Title \ud83d")))], good=1,
        check=_field(mark("json_lone_surrogates"), "authors", ["Ann \ufffd Lee"]))
    add("json_control_escapes", [("ctl.json", json.dumps(record(
        mark("json_control_escapes"), title="Tab\tNUL\u0000Bell\u0007End")))], good=1)
    add("json_empty_containers", [("a.json", "[]"), ("o.json", '{"articles": []}'),
                                  ("e.json", "{}")],
        bad=[("a.json", "^no articles in the file$"), ("e.json", "^no text field$"),
             ("o.json", "^no text field$")])
    add("json_duplicate_keys", [("dup.json", '{"text": "first", "text": '
                                 + json.dumps(prose(mark("json_duplicate_keys"))) + "}")],
        good=1)

    # --- JSON Lines ---------------------------------------------------------------------------
    add("jsonl_one_bad_line", [("feed.jsonl", jsonl(record(mark("jsonl_one_bad_line", 0)),
                                                    '{"title": "broken", "text": ',
                                                    record(mark("jsonl_one_bad_line", 1))))],
        good=2, bad=[("feed.jsonl#2", "^invalid JSON: ")])
    add("jsonl_junk_lines", [("feed.jsonl", jsonl(
        record(mark("jsonl_junk_lines", 0)), "42", "[1, 2]", "[" * 50_000,
        '{"id": ' + "9" * 5000 + "}", "", "\ufeff" + json.dumps(record(mark("jsonl_junk_lines",
                                                                           1))),
        record(mark("jsonl_junk_lines", 2)), '{"title": "cut off", "te').rstrip("\n")
        .replace("\n", "\r\n"))],
        good=3, bad=[("feed.jsonl#2", "^not a JSON object but a int$"),
                     ("feed.jsonl#3", "^not a JSON object but a list$"),
                     ("feed.jsonl#4", "^invalid JSON: nested too deeply$"),
                     ("feed.jsonl#5", "^invalid JSON: .*integer string conversion"),
                     ("feed.jsonl#9", "^invalid JSON: ")])

    # --- CSV ----------------------------------------------------------------------------------
    add("csv_no_text_column", [("prices.csv", table(["symbol", "title"], ["ABC", "hxcsvnotextz"]))],
        bad=[("prices.csv", r"^no text column in the CSV header \(symbol, title\)$")],
        absent=("hxcsvnotextz",))
    add("csv_no_title_column", [("t.csv", table(["date", "text"], ["2024-05-01",
                                                                    prose(mark("csv_no_title_column"))]))],
        good=1, check=_field(mark("csv_no_title_column"), "published", "2024-05-01T00:00:00"))
    add("csv_ragged_rows", [("r.csv", table(
        ["id", "title", "text", "date"],
        ["1", "Short row", prose(mark("csv_ragged_rows", 0))],
        ["2", "Long row", prose(mark("csv_ragged_rows", 1)), "2024-01-02", "extra", "cells"],
        ["3"], [], ["4", "No text"]))],
        good=2, bad=[("r.csv#3", "^empty text$"), ("r.csv#4", "^empty text$")])
    add("csv_10mb_cell", [("c.csv", table(["title", "text"], ["A", prose(mark("csv_10mb_cell", 0))],
                                          ["Big", "word " * 2_000_001],
                                          ["B", prose(mark("csv_10mb_cell", 1))]))],
        good=2, bad=[("c.csv#2", r"^article text too long: 10,000,004 characters")])
    add("csv_embedded_newlines", [("n.csv", table(
        ["title", "text"], ["Multi\nline title", prose(mark("csv_embedded_newlines")) + "\r\n"]))],
        good=1, check=_field(mark("csv_embedded_newlines"), "title", "Multi\nline title"))
    line = [prose(m).replace("\n\n", " ") for m in ("hxcsvswallowedz", "hxcsvswallowedy",
                                                     mark("csv_unbalanced_quote", 0))]
    add("csv_unbalanced_quote", [("q.csv", f'title,text\r\nA,"{prose("hxcsvquotez")}\r\n'
                                  f'B,{line[0]}\r\nC,"{line[1]}"\r\nD,{line[2]}\r\n'
                                  f'E,"He said "no" today {mark("csv_unbalanced_quote", 1)}."'
                                  "\r\n")],
        good=2, bad=[("q.csv#1", r"^invalid CSV row: .* \(a quote opened on line 2 runs to "
                                 r"line 8; those lines were not read\)$")],
        absent=("hxcsvquotez", "hxcsvswallowedz", "hxcsvswallowedy"),
        check=_starts(mark("csv_unbalanced_quote", 1), "body", 'He said no" today'))
    add("csv_header_only", [("h.csv", "title,text\r\n")],
        bad=[("h.csv", "^no articles in the file$")])

    # --- dates --------------------------------------------------------------------------------
    invalid = ["2025-13-45", "not a date", "0000-00-00", "31/02/2025", "Tuesday", "5",
               "2025-08-14T25:61", "NaN", "x" * 500]
    add("dates_invalid", [("d.jsonl", jsonl(*[record(mark("dates_invalid", i), date=d)
                                              for i, d in enumerate(invalid)]))],
        good=len(invalid), check=_all(*[_field(mark("dates_invalid", i), "published", None)
                                        for i in range(len(invalid))]))
    soon = datetime.now() + timedelta(days=400)
    future = ["2999-01-01", soon.strftime("%Y-%m-%d"), int(soon.timestamp()), "9999-12-31T23:59"]
    add("dates_future", [("d.jsonl", jsonl(*[record(mark("dates_future", i), date=d)
                                             for i, d in enumerate(future)]))],
        good=len(future), check=_all(*[_field(mark("dates_future", i), "published", None)
                                       for i in range(len(future))]))
    old = ["1899-12-31", "0001-01-01", "1066-10-14", -5_000_000_000, "31 December 1899"]
    add("dates_before_1900", [("d.jsonl", jsonl(*[record(mark("dates_before_1900", i), date=d)
                                                  for i, d in enumerate(old)]))],
        good=len(old), check=_all(*[_field(mark("dates_before_1900", i), "published", None)
                                    for i in range(len(old))]))
    stamp = int(when.replace(tzinfo=UTC).timestamp())
    formats = [("14 August 2025", "2025-08-14T00:00:00"), ("Aug 14, 2025 10:00 AM", when),
               ("2025/08/14", "2025-08-14T00:00:00"), ("14.08.2025", "2025-08-14T00:00:00"),
               ("20250814", "2025-08-14T00:00:00"), ("Thu, 14 Aug 2025 12:00:00 +0200", when),
               ("2025-08-14T10:00:00Z", when), (stamp, when), (stamp * 1000, when),
               (str(stamp), when), ("2025-08-14T15:30:00+05:30", when),
               ("August 2025", "2025-08-01T00:00:00"), (float(stamp), when)]
    add("dates_other_formats", [("d.jsonl", jsonl(*[record(mark("dates_other_formats", i),
                                                           date=d)
                                                    for i, (d, _) in enumerate(formats)]))],
        good=len(formats),
        check=_all(*[_field(mark("dates_other_formats", i), "published",
                            e if isinstance(e, str) else e.isoformat())
                     for i, (_, e) in enumerate(formats)]))

    # --- duplicates ---------------------------------------------------------------------------
    # One URL, two texts (a crawl saved a page twice, a CSV whose url column names a section
    # page): two articles, each with its own id (its file and record), neither lost.
    url = "https://ledger.example/harbour-duplicate"
    add("duplicate_url_across_files", [
        ("a.jsonl", jsonl(record(mark("duplicate_url_across_files", 0), url=url))),
        ("b.json", json.dumps(record(mark("duplicate_url_across_files", 1), url=url + "/")))],
        good=2)
    url = "https://ledger.example/harbour-twice"
    add("duplicate_url_in_one_file", [("a.jsonl", jsonl(
        record(mark("duplicate_url_in_one_file", 0), url=url),
        record(mark("duplicate_url_in_one_file", 1),
               url="http://www." + url.removeprefix("https://") + "#top")))],
        good=2)
    add("duplicate_record_id_across_files", [
        ("a.jsonl", jsonl(record(mark("duplicate_record_id_across_files", 0), id="1"))),
        ("b.jsonl", jsonl(record(mark("duplicate_record_id_across_files", 1), id="1")))],
        good=2)  # record ids are per file: "1" in two exports names two articles
    same = record(mark("duplicate_text_across_files"), id="7")
    add("duplicate_text_across_files", [("a.jsonl", jsonl(same)), ("b.jsonl", jsonl(same))],
        good=1, bad=[("b.jsonl#1", "^same text as article [0-9a-f]{16}$")])

    # --- the file system ----------------------------------------------------------------------
    add("symlink_loops", [
        ("sub/story.txt", story(mark("symlink_loops"))),
        ("sub/up", lambda p: p.symlink_to(p.parent.parent, target_is_directory=True)),
        ("self.txt", symlink("self.txt")), ("ping.json", symlink("pong.json")),
        ("pong.json", symlink("ping.json")), ("gone.txt", symlink("nowhere.txt")),
        ("twin.txt", symlink("sub/story.txt"))],
        good=1, bad=[("gone.txt", "^broken symbolic link$"),
                     ("ping.json", "^too many levels of symbolic links$"),
                     ("pong.json", "^too many levels of symbolic links$"),
                     ("self.txt", "^too many levels of symbolic links$")])
    add("special_files", [("pipe.txt", _fifo), ("zero.txt", symlink("/dev/zero")),
                          ("null.json", symlink("/dev/null"))],
        bad=[("null.json", "^not a regular file$"), ("pipe.txt", "^not a regular file$"),
             ("zero.txt", "^not a regular file$")])
    add("unreadable_chmod", [("locked.txt", _chmod_000(story("hxlockedz")))],
        bad=[("locked.txt", "^permission denied$")], absent=("hxlockedz",),
        unavailable=_root_reads_anything)
    add("unreadable_io_error", [("mem.txt", symlink("/proc/self/mem"))],
        bad=[("mem.txt", "(?i)^unreadable: input/output error$")], unavailable=_no_proc_mem)
    add("names_spaces_quotes", [
        ("my story.txt", story(mark("names_spaces_quotes", 0))),
        ("it's \"quoted\".json", json.dumps(record(mark("names_spaces_quotes", 1)))),
        ("a;b&c|d $(x) `y`.jsonl", jsonl(record(mark("names_spaces_quotes", 2)))),
        ("-rf.txt", story(mark("names_spaces_quotes", 3))),
        ("#1 story.csv", table(["title", "text"], ["T", prose(mark("names_spaces_quotes", 4))])),
        ("back\\slash.html", page(mark("names_spaces_quotes", 5)))],
        good=6)
    add("names_non_ascii", [
        ("café.txt", story(mark("names_non_ascii", 0))),
        ("新闻 报道.json", json.dumps(record(mark("names_non_ascii", 1)))),
        ("новости.jsonl", jsonl(record(mark("names_non_ascii", 2)))),
        ("🔥 breaking.html", page(mark("names_non_ascii", 3))),
        ("cafe\u0301 decomposed.txt", story(mark("names_non_ascii", 4)))],
        good=5)
    add("names_invisible_and_rtl", [
        ("zero\u200bwidth.txt", story(mark("names_invisible_and_rtl", 0))),
        ("\ufeffbom-name.json", json.dumps(record(mark("names_invisible_and_rtl", 1)))),
        ("evil\u202etxt.exe.txt", story(mark("names_invisible_and_rtl", 2))),
        ("\u05d7\u05d3\u05e9\u05d5\u05ea.jsonl", jsonl(record(mark("names_invisible_and_rtl",
                                                                    3)))),
        ("أخبار\u200f.html", page(mark("names_invisible_and_rtl", 4))),
        ("joiner\u200d\u2060.txt", story(mark("names_invisible_and_rtl", 5)))],
        good=6)
    add("names_control_chars", [("line\nbreak.txt", story(mark("names_control_chars", 0))),
                                ("tab\there.json", json.dumps(record(mark("names_control_chars",
                                                                          1)))),
                                ("esc\x1b[31mred.txt", story(mark("names_control_chars", 2)))],
        good=3)
    add("names_not_utf8", [("bad.txt", _raw_name(b"bad\xff\xfe.txt", story("hxbadnamez"))),
                           ("feed.jsonl", _raw_name(b"feed\xe9.jsonl", jsonl(record(
                               "hxbadnamey", url="https://ledger.example/latin-1-name")))),
                           ("ok.txt", story(mark("names_not_utf8")))],
        good=1, bad=[("bad\\xff\\xfe.txt", "^file name is not valid UTF-8$"),
                     ("feed\\xe9.jsonl", "^file name is not valid UTF-8$")],
        absent=("hxbadnamez", "hxbadnamey"), unavailable=_bytes_names_refused)
    add("names_very_long", [("n" * 240 + ".txt", story(mark("names_very_long")))], good=1)
    add("names_hidden_and_unsupported", [
        (".hidden.txt", story("hxhiddenz")), (".git/config.json", "{}"),
        ("notes.docx", b"PK\x03\x04"), ("README", "read me"), ("data.xml", "<a/>")],
        bad=[("README", "^unsupported file type \\(no extension\\)$"),
             ("data.xml", "^unsupported file type .xml$"),
             ("notes.docx", "^unsupported file type .docx$")],
        absent=("hxhiddenz",))  # dot files are ignored on purpose, like .git
    return k


def escape(text: str) -> str:
    """HTML-escape ``text`` for use inside a hand-written page."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def codecs_bom_be(text: str) -> bytes:
    """``text`` as UTF-16 big-endian with its byte-order mark."""
    return b"\xfe\xff" + text.encode("utf-16-be")


KINDS = _kinds()
