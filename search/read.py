"""Reading a corpus: find files, decode them and split them into pages (one per article)."""

from __future__ import annotations

import csv
import errno
import io
import json
import math
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from search.decoding import NotText, decode
from search.htmlpage import html_to_text, split_names

PageKind = Literal["text", "html", "record"]


@dataclass
class Page:
    """One article-to-be as read from a file, before extraction.

    ``text`` holds the decoded file for ``text`` and ``html`` pages; ``fields`` holds a record's
    values under our own names (title, body, subtitle, published, url, source, authors, tags, id).
    """

    path: str
    kind: PageKind
    text: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    locator: str = ""  # which record of a multi-article file: "" for a whole file, else "#N"
    record: str = ""  # its key, unique in the file: with the file's path, the article id


@dataclass
class Skip:
    """A file or record that was not indexed, and why."""

    path: str
    reason: str


SUPPORTED = (".txt", ".html", ".htm", ".json", ".jsonl", ".csv")
ONE_ARTICLE = (".txt", ".html", ".htm")
# A saved news page is well under a megabyte; a bigger .txt or .html file is a dump or a log,
# and extracting it would take minutes (multi-article formats have a per-article limit instead).
MAX_PAGE_BYTES = 5_000_000


def discover(paths: Iterable[str | Path]) -> Iterator[Path | Skip]:
    """Supported files under the given paths, folders walked in sorted order; Skips for the rest."""
    seen: set[Path] = set()  # resolved dirs and files: symlink loops and repeats end here
    for path in paths:
        yield from _discover(Path(path), seen)


def _discover(path: Path, seen: set[Path]) -> Iterator[Path | Skip]:
    if not _utf8_name(path):
        # The index stores paths as UTF-8; such a name would fail the whole run at commit.
        yield Skip(_shown(path), "file name is not valid UTF-8")
        return
    try:
        mode = path.stat().st_mode  # follows symlinks: a link to a folder is walked like one
    except OSError as exc:
        reason = "broken symbolic link" if path.is_symlink() and _missing(exc) else _reason(exc)
        yield Skip(str(path), reason)
        return
    if stat.S_ISDIR(mode):
        yield from _walk(path, seen)
    elif not stat.S_ISREG(mode):
        yield Skip(str(path), "not a regular file")  # reading a FIFO or device would block
    elif path.suffix.lower() not in SUPPORTED:
        yield Skip(str(path), f"unsupported file type {path.suffix or '(no extension)'}")
    elif not os.access(path, os.R_OK):
        yield Skip(str(path), "permission denied")
    elif (real := path.resolve()) not in seen:
        seen.add(real)
        yield path


def _walk(folder: Path, seen: set[Path]) -> Iterator[Path | Skip]:
    real = folder.resolve()
    if real in seen:
        return
    seen.add(real)
    try:
        names = sorted(entry.name for entry in os.scandir(folder))
    except OSError as exc:
        yield Skip(str(folder), _reason(exc))
        return
    for name in names:
        if not name.startswith("."):
            yield from _discover(folder / name, seen)


def _utf8_name(path: Path) -> bool:
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(path: Path) -> str:
    """A path that can be printed: undecodable bytes of its name as backslash escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _missing(exc: OSError) -> bool:
    return exc.errno == errno.ENOENT


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def read_file(path: Path) -> Iterator[Page | Skip]:
    """The pages of one file, and a Skip for the file or for each record that cannot be read."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if path.suffix.lower() in ONE_ARTICLE and size > MAX_PAGE_BYTES:
            yield Skip(str(path), f"too large for one article: {size / 1e6:.1f} MB "
                                  f"(limit {MAX_PAGE_BYTES / 1e6:g} MB)")
            return
        text = decode(path.read_bytes())
    except OSError as exc:
        yield Skip(str(path), _reason(exc))
        return
    except NotText as exc:
        yield Skip(str(path), str(exc))
        return
    if not text.strip():
        yield Skip(str(path), "empty file")
        return
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        yield Skip(str(path), f"unsupported file type {path.suffix or '(no extension)'}")
        return
    count = 0
    keys: set[str] = set()
    try:
        for item in reader(path, text):
            count += 1
            if isinstance(item, Page) and item.locator:
                item.record = _record_key(item, keys)
            yield item
    except Exception as exc:  # noqa: BLE001 - bad content must never stop a whole corpus
        yield Skip(str(path), f"unreadable: {type(exc).__name__}: {exc}")
        return
    if not count:
        yield Skip(str(path), "no articles in the file")


def _record_key(page: Page, taken: set[str]) -> str:
    """The record's own id, else its URL, else its place in the file; a key taken before in the
    file gets the place added (a CSV whose url column names a section page holds many articles)."""
    record_id, url = page.fields.get("id"), page.fields.get("url")
    key = f"id:{record_id}" if record_id else f"url:{_url_key(url)}" if url else page.locator
    while key in taken:
        key += page.locator
    taken.add(key)
    return key


def _url_key(url: str) -> str:
    url = url.strip().split("#")[0].rstrip("/")  # one spelling per address
    return url.removeprefix("https://").removeprefix("http://").removeprefix("www.")


def _read_text(path: Path, text: str) -> Iterator[Page | Skip]:
    yield Page(str(path), "text", text=text)


def _read_html(path: Path, text: str) -> Iterator[Page | Skip]:
    # Main-text extraction is slow (~0.1 s a page): it happens in the extraction workers.
    yield Page(str(path), "html", text=text)


def _read_json(path: Path, text: str) -> Iterator[Page | Skip]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, json.JSONDecodeError) and exc.msg == "Extra data" and "\n" in text:
            yield from _read_jsonl(path, text)  # JSON Lines saved as .json
        else:
            yield Skip(str(path), _invalid_json(exc))
        return
    if isinstance(data, dict):
        records = next((v for k, v in data.items() if _norm(k) in _CONTAINERS
                        and isinstance(v, list) and any(isinstance(i, dict) for i in v)), None)
        # An object with its own text is an article even if it carries a "data" list.
        if records is None or {_norm(k) for k in data} & set(_ALIASES["body"]):
            yield _record(path, "", data)  # one article for the whole file
            return
        data = records
    if not isinstance(data, list):
        yield Skip(str(path), f"JSON holds a {type(data).__name__}, not articles")
        return
    for n, item in enumerate(data, 1):
        yield _record(path, f"#{n}", item)


def _read_jsonl(path: Path, text: str) -> Iterator[Page | Skip]:
    # The locator is the line number, so a reported record can be found in the file.
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line.removeprefix("\ufeff"))  # files joined with their BOMs
        except (ValueError, RecursionError) as exc:
            yield Skip(f"{path}#{lineno}", _invalid_json(exc))
            continue
        yield _record(path, f"#{lineno}", item)


def _invalid_json(exc: Exception) -> str:
    # json raises RecursionError for deep nesting and a plain ValueError for over-long integers.
    return "invalid JSON: nested too deeply" if isinstance(exc, RecursionError) else (
        f"invalid JSON: {exc}")


def _read_csv(path: Path, text: str) -> Iterator[Page | Skip]:
    # A whole article fits in one cell; the default 128 KiB limit would reject long ones.
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    rows = _csv_rows(text, _delimiter(text))
    header = next(rows, csv.Error("no rows"))
    if isinstance(header, csv.Error):
        yield Skip(str(path), f"invalid CSV header: {header}")
        return
    header = [_norm(name) for name in header]
    if not set(header) & set(_ALIASES["body"]):
        yield Skip(str(path), f"no text column in the CSV header ({', '.join(header)})")
        return
    n = 0
    for row in rows:
        if isinstance(row, list) and not any(cell.strip() for cell in row):
            continue  # blank lines are not records
        n += 1
        if isinstance(row, csv.Error):
            yield Skip(f"{path}#{n}", f"invalid CSV row: {row}")
            continue
        # Ragged rows: missing cells count as empty, extra cells are ignored.
        cells = row[: len(header)] + [""] * (len(header) - len(row))
        yield _record(path, f"#{n}", dict(zip(header, cells, strict=True)))


def _csv_rows(text: str, delimiter: str) -> Iterator[list[str] | csv.Error]:
    """The rows of a CSV text; a row with broken quoting is an Error, and reading goes on.

    Read leniently, one unclosed quote swallows every later row into a single cell, silently.
    Read strictly, the row fails where its quote ends in the wrong place; the lines it spans
    are reported, as where the next row begins is anyone's guess. A quoting slip within one
    line (``"He said "no""``) is read leniently, as before: its line still holds the text.
    """
    lines = list(io.StringIO(text, newline=""))
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    while True:
        first = reader.line_num
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if reader.line_num - first <= 1:
                yield next(csv.reader(lines[first:first + 1], delimiter=delimiter), [])
            else:
                yield csv.Error(f"{exc} (a quote opened on line {first + 1} runs to line "
                                f"{reader.line_num}; those lines were not read)")


def _delimiter(text: str) -> str:
    """The CSV delimiter among , ; and tab, sniffed from the start of the file."""
    try:
        # The sniffer's regexes are quadratic in the sample: a long quoted cell takes seconds.
        delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    # The sniffer can be misled by punctuation in long quoted cells; the header row cannot.
    header = text.split("\n", 1)[0]
    if delimiter not in header and any(d in header for d in ",;\t"):
        delimiter = max(",;\t", key=header.count)
    return delimiter


def _norm(key: Any) -> str:
    return re.sub(r"[\s_\-]", "", str(key).lower())


_CONTAINERS = {"articles", "items", "data"}
# Our field name <- accepted record keys (normalised: lower case, no spaces/dashes/underscores),
# most specific first.
_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "body": ("text", "body", "content", "article", "articletext", "articlebody"),
    "published": ("date", "published", "publishdate", "publishedat", "pubdate", "datetime",
                  "timestamp", "datepublished"),
    "url": ("url", "link", "articlesourcelink", "sourceurl"),
    "source": ("source", "outlet", "site", "publisher", "sitename", "domain"),
    "authors": ("author", "authors", "byline", "creator"),
    "subtitle": ("subtitle", "description", "summary", "lede", "standfirst"),
    "id": ("id", "articleid", "guid", "uuid"),
    "tags": ("tags", "keywords", "categories"),
}


def _record(path: Path, locator: str, item: Any) -> Page | Skip:
    """One record (JSON object or CSV row) as a Page with our field names, or a Skip."""
    where = f"{path}{locator}"
    if not isinstance(item, dict):
        return Skip(where, f"not a JSON object but a {type(item).__name__}")
    values = {_norm(key): value for key, value in reversed(item.items())}
    fields: dict[str, Any] = {}
    for name, keys in _ALIASES.items():
        coerce = _COERCE.get(name, _as_text)
        for key in keys:
            if (value := coerce(values.get(key))) not in (None, "", []):
                fields[name] = value
                break
    raw = next((values[key] for key in _ALIASES["body"] if key in values), _MISSING)
    if raw is _MISSING:
        return Skip(where, "no text field")
    if not fields.get("body"):
        return Skip(where, "empty text" if _texts(raw) else f"text is a {type(raw).__name__}, "
                                                             "not text")
    return Page(str(path), "record", fields=fields, locator=locator)


_MISSING = object()
# Lone surrogates come from JSON escapes ("\ud800"); they cannot be written as UTF-8, and a
# single one in an indexed field would fail the whole run at commit.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _texts(value: Any) -> bool:
    """True for what could hold an article's text: none, a string or a list of strings."""
    return value is None or isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value))


def _as_text(value: Any, sep: str = " ") -> str | None:
    """A string from a string, a number, a list of strings or a {"name": ...} object."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value).strip()
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or isinstance(value, float) and math.isfinite(value):
        return str(value)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return sep.join(v.strip() for v in value if v.strip())
    if isinstance(value, dict):
        return _as_text(value.get("name"))
    return None


def _as_body(value: Any) -> str | None:
    if not _texts(value):
        return None  # a number or an object is not an article's text
    text = _as_text(value, "\n\n")
    if text and text.startswith("<") and re.search(r"</?[a-zA-Z][a-zA-Z0-9]*[\s/>]", text):
        return html_to_text(text)
    return text


def _as_first(value: Any) -> str | None:
    """The first usable string of a value that should be single (a URL, a site name)."""
    if isinstance(value, list):
        return next((text for v in value if (text := _as_text(v))), None)
    return _as_text(value)


def _as_names(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    texts = [_as_text(item) for item in items if not isinstance(item, list)]
    return [name for text in texts if text for name in split_names(text)]


def _as_tags(value: Any) -> list[str]:
    if isinstance(value, str):
        separator = next((s for s in (";", "|") if s in value), ",")
        value = value.split(separator)
    texts = [_as_text(item) for item in (value if isinstance(value, list) else [])]
    return [text for text in texts if text]


_COERCE: dict[str, Callable[[Any], Any]] = {
    "body": _as_body,
    "url": _as_first,
    "source": _as_first,
    "authors": _as_names,
    "tags": _as_tags,
}
_READERS: dict[str, Callable[[Path, str], Iterator[Page | Skip]]] = {
    ".txt": _read_text, ".html": _read_html, ".htm": _read_html,
    ".json": _read_json, ".jsonl": _read_jsonl, ".csv": _read_csv,
}
