"""The runs: each system's top 100 for every topic, as corpus keys.

- ``ours``: this checkout's index of both corpora, built with ``news-search reindex ... --full``,
  searched with ``search.query.search`` (``collapse="none"``, 100 per page). Results are mapped back
  to corpus keys through each document's stored ``path`` (BBC) and ``url`` (NewsArticles), so the
  mapping does not depend on our document ids.
- ``fts5``: SQLite FTS5 over the raw corpus text, porter stemming, bm25 weights title 3, lead 2,
  body 1, the query's words OR-ed (quoted phrases kept as phrases).
- ``tantivy``: Tantivy over the raw corpus text, ``en_stem`` tokenizer, title boosted 3, lead 2,
  body 1, words OR-ed, phrases kept.

A ranking variant of ours is one more entry in ``OURS_MODES``: a function taking the index root, the
query and the depth and returning our result dicts. Its name can then be given to ``--runs``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path

from collection import Collection, CorpusError, load

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# bench/harness.py: it puts this checkout first on sys.path; its table() serves evaluate.py too.
from harness import PROJECT, table  # noqa: E402, F401

DEPTH = 100
FETCH = 2 * DEPTH  # exact copies are listed once after ranking, so the engines fetch a margin
WEIGHTS = {"title": 3.0, "lead": 2.0, "body": 1.0}
WORD = re.compile(r"[^\W_]+")
BUILD_VERSION = "1"  # bump when the FTS5 or Tantivy schema below changes
CACHE = PROJECT / "bench" / ".cache" / "relevance"  # git-ignored


@dataclass
class Context:
    """What every run needs: the collection, where the corpora are and where indexes are cached."""

    collection: Collection
    newsarticles: Path
    bbc: Path
    cache: Path
    rebuild: bool = False
    built: set[Path] = field(default_factory=set)  # rebuilt once per process, not once per run


def add_options(parser: argparse.ArgumentParser) -> None:
    """The options every relevance script takes: where the corpora are, the cache, the runs."""
    parser.add_argument("--newsarticles", type=Path,
                        default=os.environ.get("NEWS_SEARCH_NEWSARTICLES"),
                        help="NewsArticles.csv [$NEWS_SEARCH_NEWSARTICLES]")
    parser.add_argument("--bbc", type=Path, default=os.environ.get("NEWS_SEARCH_BBC"),
                        help="the BBC News folder holding business/ ... tech/ [$NEWS_SEARCH_BBC]")
    parser.add_argument("--cache", type=Path, default=CACHE,
                        help="where indexes are built and kept [bench/.cache/relevance]")
    parser.add_argument("--rebuild", action="store_true", help="rebuild every index")
    # Variants of ours ("ours-bm25") are asked for by name, not run by default.
    default = ",".join(n for n in run_names() if not n.startswith("ours-"))
    parser.add_argument("--runs", default=default,
                        help=f"comma-separated runs [{default}]; known: {', '.join(run_names())}")


def context(args: argparse.Namespace) -> Context:
    """Load the collection named by the options; exits with a clear message if it is missing."""
    if not args.newsarticles or not args.bbc:
        sys.exit("error: give the corpora: --newsarticles PATH/NewsArticles.csv --bbc PATH/bbc "
                 "(or set NEWS_SEARCH_NEWSARTICLES and NEWS_SEARCH_BBC)")
    unknown = [n for n in args.runs.split(",") if n not in run_names()]
    if unknown:
        sys.exit(f"error: unknown run(s) {', '.join(unknown)}; known: {', '.join(run_names())}")
    try:
        collection = load(args.newsarticles, args.bbc)
    except CorpusError as error:
        sys.exit(f"error: {error}")
    return Context(collection, Path(args.newsarticles).resolve(), Path(args.bbc).resolve(),
                   Path(args.cache).resolve(), args.rebuild)


# --- queries ---------------------------------------------------------------------------------


def clauses(query: str) -> list[list[str]]:
    """The query as clauses of words: quoted text and hyphenated words are phrases, operators go."""
    out = []
    for match in re.finditer(r'"([^"]*)"|(\S+)', query):
        quoted, bare = match.groups()
        if bare in ("AND", "OR", "NOT"):
            continue
        words = WORD.findall(quoted if quoted is not None else bare)
        if words:
            out.append(words)
    return out


def fts5_match(query: str) -> str:
    """An FTS5 MATCH expression: each clause a quoted string (a phrase if several words), OR-ed."""
    return " OR ".join('"' + " ".join(words) + '"' for words in clauses(query))


def tantivy_query(query: str) -> str:
    """Tantivy query syntax with nothing but words and phrases (OR is the parser's default)."""
    parts = [" ".join(w) for w in clauses(query)]
    return " ".join(f'"{p}"' if " " in p else p for p in (p.lower() for p in parts))


# --- ours ------------------------------------------------------------------------------------


def ours_default(root: Path, query: str, depth: int) -> list[dict]:
    """Our search by words only (BM25F), every article listed (no collapsing by story)."""
    return _ours(root, query, depth, "lexical")


def ours_hybrid(root: Path, query: str, depth: int) -> list[dict]:
    """Our search by words and meaning fused (``mode=hybrid``), every article listed."""
    return _ours(root, query, depth, "hybrid")


def _ours(root: Path, query: str, depth: int, mode: str) -> list[dict]:
    from search.request import SearchRequest

    request = SearchRequest(q=query, collapse="none", per_page=depth, mode=mode)
    return _index(root).search(request, snippets=False)["results"]


@cache
def _index(root: Path):
    """One index object per root for the whole run (searchers and tables kept open)."""
    from search.searchindex import WhooshIndex

    return WhooshIndex(root)


def ours_ranked(**options) -> Callable[[Path, str, int], list[dict]]:
    """Our search with some parts of the ranking changed (``search.ranking.Ranking``)."""

    def run(root: Path, query: str, depth: int) -> list[dict]:
        from search.ranking import Ranking
        from search.request import SearchRequest

        request = SearchRequest(q=query, collapse="none", per_page=depth, mode="lexical")
        return _index(root).search(request, snippets=False,
                                   ranking=Ranking(**options))["results"]

    return run


OURS_MODES: dict[str, Callable[[Path, str, int], list[dict]]] = {
    "ours": ours_default,
    "hybrid": ours_hybrid,
    # Ablations of the ranking on the same index: each leaves out one part.
    "ours-bm25": ours_ranked(coverage=0, names=0, lead=0, proximity=0),
    "ours-nocoverage": ours_ranked(coverage=0),
    "ours-nonames": ours_ranked(names=0),
    "ours-nopositions": ours_ranked(lead=0, proximity=0),
}


class Ours:
    """Our index of both corpora, built by the CLI, and one search function over it."""

    def __init__(self, ctx: Context, mode: str) -> None:
        self.root = ctx.cache / "ours" / "index"
        self.search_fn = OURS_MODES[mode]
        _ensure(ctx, self.root, _stamp(ctx, "ours", _code_hash()), lambda: _reindex(ctx, self.root))
        self.keys = ours_keys(self.root, ctx.collection)

    def search(self, query: str) -> list[str]:
        """Corpus keys of our top results; a result with no corpus key is an error, not a skip."""
        results = self.search_fn(self.root, query, DEPTH)
        missing = [r["id"] for r in results if r["id"] not in self.keys]
        if missing:
            raise RuntimeError(f"{len(missing)} of our results map to no corpus key: {missing[:3]}")
        return [self.keys[r["id"]] for r in results]


def _reindex(ctx: Context, root: Path) -> None:
    root.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-c", "from web.cli import main; main()", "reindex",
               str(ctx.newsarticles), str(ctx.bbc), "--index", str(root), "--full", "--json"]
    print(f"building our index in {root} (a few minutes)...", file=sys.stderr)
    done = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"news-search reindex failed ({done.returncode}): {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    indexed = report["added"] + len(report["duplicates"])
    if indexed != len(ctx.collection):
        print(f"warning: our reindex took {indexed} articles (added + exact duplicates) of the "
              f"collection's {len(ctx.collection)}; skipped: {report['skipped'][:5]}",
              file=sys.stderr)


def ours_keys(root: Path, collection: Collection) -> dict[str, str]:
    """Our document id -> corpus key, from the stored path (BBC) or URL (NewsArticles)."""
    from search.generations import open_index

    keys = {}
    with open_index(root).searcher() as searcher:
        for fields in searcher.all_stored_fields():
            key = corpus_key(fields.get("path", ""), fields.get("url", ""), collection)
            if key:
                keys[fields["id"]] = key
    return keys


def corpus_key(path: str, url: str, collection: Collection) -> str | None:
    """The corpus key of one indexed document, or None if it comes from neither corpus."""
    file, _, row = path.partition("#")
    if Path(file).suffix.lower() == ".txt":
        parts = Path(file).parts
        key = f"bbc:{parts[-2]}/{parts[-1]}" if len(parts) >= 2 else ""
        # The folder and file name name a BBC article wherever the corpus was when indexed.
        return key if key in collection.docs else None
    if url in collection.by_url:
        return collection.by_url[url]
    if row.isdigit():  # a locator "#n" names the n-th record of the CSV
        return next((d.key for d in collection.docs.values() if d.row == int(row)), None)
    return None


def _code_hash() -> str:
    """Our index depends on our extraction code: any change to search/ rebuilds it."""
    digest = hashlib.sha1()
    for path in sorted((PROJECT / "search").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(PROJECT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


# --- FTS5 ------------------------------------------------------------------------------------


class Fts5:
    """SQLite FTS5 over the raw text: title, lead, body."""

    def __init__(self, ctx: Context) -> None:
        path = ctx.cache / "fts5" / "docs.sqlite"
        _ensure(ctx, path.parent, _stamp(ctx, "fts5", BUILD_VERSION),
                lambda: _build_fts5(ctx.collection, path))
        self.db = sqlite3.connect(path)
        weights = ", ".join(str(w) for w in WEIGHTS.values())
        self.sql = (f"SELECT keys.key FROM fts JOIN keys ON keys.rowid = fts.rowid "
                    f"WHERE fts MATCH ? ORDER BY bm25(fts, {weights}), fts.rowid LIMIT {FETCH}")

    def search(self, query: str) -> list[str]:
        """Corpus keys of the top 200 by BM25 (100 once copies are folded)."""
        match = fts5_match(query)
        return [row[0] for row in self.db.execute(self.sql, (match,))] if match else []


def _build_fts5(collection: Collection, path: Path) -> None:
    if path.parent.exists():
        shutil.rmtree(path.parent)
    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE keys (rowid INTEGER PRIMARY KEY, key TEXT UNIQUE);"
        "CREATE VIRTUAL TABLE fts USING fts5(title, lead, body, "
        "tokenize = 'porter unicode61 remove_diacritics 2');"
    )
    for n, doc in enumerate(collection.docs.values(), 1):
        db.execute("INSERT INTO keys VALUES (?, ?)", (n, doc.key))
        db.execute("INSERT INTO fts (rowid, title, lead, body) VALUES (?, ?, ?, ?)",
                   (n, doc.title, doc.lead, doc.body))
    db.execute("INSERT INTO fts (fts) VALUES ('optimize')")
    db.commit()
    db.close()


# --- Tantivy ---------------------------------------------------------------------------------


class Tantivy:
    """Tantivy over the raw text: title, lead, body with the en_stem tokenizer."""

    def __init__(self, ctx: Context) -> None:
        import tantivy

        root = ctx.cache / "tantivy"
        stamp = _stamp(ctx, "tantivy", f"{BUILD_VERSION} tantivy {metadata.version('tantivy')}")
        _ensure(ctx, root, stamp, lambda: _build_tantivy(ctx.collection, root))
        self.index = tantivy.Index.open(str(root))
        self.searcher = self.index.searcher()

    def search(self, query: str) -> list[str]:
        """Corpus keys of the top 200 by BM25 (title x3, lead x2, body)."""
        text = tantivy_query(query)
        if not text:
            return []
        parsed = self.index.parse_query(text, list(WEIGHTS), field_boosts=WEIGHTS)
        hits = self.searcher.search(parsed, FETCH).hits
        return [self.searcher.doc(address)["key"][0] for _, address in hits]


def _build_tantivy(collection: Collection, root: Path) -> None:
    import tantivy

    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("key", stored=True, tokenizer_name="raw")
    for name in WEIGHTS:
        builder.add_text_field(name, tokenizer_name="en_stem")
    index = tantivy.Index(builder.build(), path=str(root))
    writer = index.writer(heap_size=128_000_000, num_threads=1)
    for doc in collection.docs.values():
        writer.add_document(tantivy.Document(key=doc.key, title=doc.title, lead=doc.lead,
                                             body=doc.body))
    writer.commit()
    writer.wait_merging_threads()


# --- all runs --------------------------------------------------------------------------------

OTHER_RUNS = {"fts5": Fts5, "tantivy": Tantivy}


def run_names() -> list[str]:
    """Every run that can be asked for."""
    return [*OURS_MODES, *OTHER_RUNS]


def open_run(ctx: Context, name: str):
    """A run by name, its index built (or reused from the cache)."""
    if name in OURS_MODES:
        return Ours(ctx, name)
    if name in OTHER_RUNS:
        return OTHER_RUNS[name](ctx)
    raise ValueError(f"unknown run {name!r}; known: {', '.join(run_names())}")


def rankings(ctx: Context, names: list[str], topics: list[dict]) -> dict[str, dict[str, list]]:
    """run -> topic -> the top 100 canonical corpus keys, best first, exact copies listed once."""
    out = {}
    for name in names:
        run = open_run(ctx, name)
        out[name] = {t["id"]: _dedupe(ctx.collection, run.search(t["query"])) for t in topics}
    return out


def _dedupe(collection: Collection, keys: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for key in keys:
        seen.setdefault(collection.canon(key), None)
    return list(seen)[:DEPTH]


# --- cache stamps ----------------------------------------------------------------------------


def _stamp(ctx: Context, name: str, version: str) -> str:
    """What an index was built from: the corpora's files (size, time) and the builder's version."""
    files = [Path(ctx.newsarticles), *sorted(Path(ctx.bbc).glob("*/*.txt"))]
    facts = [(str(f.resolve()), f.stat().st_size, f.stat().st_mtime_ns) for f in files]
    return json.dumps({"run": name, "version": version,
                       "corpora": hashlib.sha1(repr(facts).encode()).hexdigest()})


def _ensure(ctx: Context, folder: Path, stamp: str, build: Callable[[], None]) -> None:
    """Build an index unless the cache holds one built from the same inputs."""
    marker = folder.parent / f"{folder.name}.stamp"
    fresh = folder.exists() and marker.is_file() and marker.read_text() == stamp
    if fresh and not (ctx.rebuild and folder not in ctx.built):
        return
    marker.unlink(missing_ok=True)  # a build that fails half-way leaves no stamp behind
    build()
    marker.write_text(stamp)
    ctx.built.add(folder)
