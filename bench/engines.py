"""The same documents in three engines: ours (Whoosh), SQLite FTS5 and Tantivy.

The documents are the articles exactly as our pipeline extracted them (title, lead, body,
source, date, people, countries, regions), exported once from our index to ``docs.jsonl``, so
the other engines index what ours indexed and answer the same queries over the same text.

Each engine does the work our ``search()`` does for a results page, as its own API does it best:
rank the top 10 by BM25 over title (x3), lead (x1.5) and body, words OR-ed (documents with all
of them first, as ours), count the matches, make 10 highlighted body snippets, and count the
facets (source, countries, regions, people: top 20; and months) over the matches.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from harness import Timer

FACETS = ("source", "countries", "regions", "people")
TOP = 20


def have_tantivy() -> bool:
    """Tantivy is optional (``pip install -e '.[bench]'``); without it the others still run."""
    try:
        import tantivy  # noqa: F401
    except ImportError:
        return False
    return True


def export_docs(index_root: Path, out: Path) -> int:
    """Write every indexed article (stored fields, plus the lead as indexed) as JSON lines."""
    from search.generations import open_index

    count = 0
    ix = open_index(index_root)
    tmp = out.with_suffix(".tmp")
    with ix.searcher() as searcher, open(tmp, "w", encoding="utf-8") as handle:
        for fields in searcher.all_stored_fields():
            body = fields.get("body", "")
            first = body.split("\n\n")[0]
            published = fields.get("published")
            doc = {
                "id": fields["id"],
                "path": fields.get("path", ""),
                "title": fields.get("title", ""),
                "subtitle": fields.get("subtitle", ""),
                "lead": "\n\n".join(x for x in (fields.get("subtitle", ""), first) if x),
                "body": body,
                "url": fields.get("url", ""),
                "source": fields.get("source", ""),
                "dateline_place": fields.get("dateline_place", ""),
                "published": published.isoformat() if published else None,
            }
            for name in ("people", "countries", "focus_countries", "regions", "tags", "authors"):
                doc[name] = [v for v in (fields.get(name) or "").split(",") if v]
            handle.write(json.dumps(doc, ensure_ascii=False) + "\n")
            count += 1
    tmp.replace(out)
    return count


def read_docs(path: Path) -> Iterator[dict]:
    """The exported documents, one dict at a time."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def _published(doc: dict) -> datetime | None:
    return datetime.fromisoformat(doc["published"]) if doc.get("published") else None


def build_whoosh(docs: Path, root: Path) -> dict:
    """Our schema and writer alone on the exported documents: indexing without extraction."""
    from whoosh import index as whoosh_index

    from search.document import document
    from search.extract import Article
    from search.index import WRITER_MB
    from search.schema import build_schema

    root.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(root), build_schema())
    writer = ix.writer(limitmb=WRITER_MB)
    adding, count = Timer(), 0
    for doc in read_docs(docs):
        article = Article(
            id=doc["id"], path=doc["path"], title=doc["title"], body=doc["body"],
            subtitle=doc["subtitle"], published=_published(doc), source=doc["source"],
            authors=doc["authors"], dateline_place=doc["dateline_place"], tags=doc["tags"],
            url=doc["url"], people=doc["people"], countries=doc["countries"],
            focus_countries=doc["focus_countries"], regions=doc["regions"],
        )
        with adding:
            writer.add_document(**document(article, ""))
        count += 1
    started = time.perf_counter()
    writer.commit()
    return {"documents": count, "add": adding.seconds, "commit": time.perf_counter() - started}


# --- SQLite FTS5 ---------------------------------------------------------------------------

FTS5_SCHEMA = """
CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT, title TEXT, source TEXT,
                   published TEXT, month TEXT);
CREATE VIRTUAL TABLE fts USING fts5(title, lead, body,
                   tokenize = 'porter unicode61 remove_diacritics 2');
CREATE TABLE facet (doc INTEGER, field TEXT, value TEXT);
"""
FTS5_INDEXES = """
CREATE INDEX docs_source ON docs (source, published);
CREATE INDEX docs_published ON docs (published);
CREATE INDEX facet_doc ON facet (doc, field);
"""
FTS5_WEIGHTS = "bm25(fts, 3.0, 1.5, 1.0)"


def build_fts5(docs: Path, path: Path) -> dict:
    """Load the documents into an FTS5 table plus a metadata table and a facet table."""
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + FTS5_SCHEMA)
    count = 0
    for n, doc in enumerate(read_docs(docs), 1):
        published = doc["published"] or None
        db.execute(
            "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)",
            (n, doc["id"], doc["title"], doc["source"], published,
             published[:7] if published else None),
        )
        db.execute("INSERT INTO fts (rowid, title, lead, body) VALUES (?, ?, ?, ?)",
                   (n, doc["title"], doc["lead"], doc["body"]))
        rows = [(n, "source", doc["source"])] if doc["source"] else []
        rows += [(n, f, v) for f in FACETS[1:] for v in doc[f]]
        db.executemany("INSERT INTO facet VALUES (?, ?, ?)", rows)
        count += 1
    started = time.perf_counter()
    db.executescript(FTS5_INDEXES + "INSERT INTO fts (fts) VALUES ('optimize');")
    db.commit()
    db.close()
    return {"documents": count, "finish": time.perf_counter() - started}


class Fts5:
    """Queries against the FTS5 database: rank, snippet(), totals and facets in SQL."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.execute("CREATE TEMP TABLE m (doc INTEGER PRIMARY KEY)")

    def search(self, q: EngineQuery) -> dict:
        """One results page: ids, snippets, total and facets."""
        where, args = self._where(q)
        started = time.perf_counter()
        if q.text:
            rows = self.db.execute(
                "SELECT docs.id, snippet(fts, 2, '<b>', '</b>', '…', 24) FROM fts "
                f"JOIN docs ON docs.rowid = fts.rowid WHERE fts MATCH ? {where} "
                f"ORDER BY {FTS5_WEIGHTS} LIMIT 10",
                [q.fts5_match(), *args],
            ).fetchall()
            self.db.execute("DELETE FROM m")
            self.db.execute(
                "INSERT INTO m SELECT fts.rowid FROM fts JOIN docs ON docs.rowid = fts.rowid "
                f"WHERE fts MATCH ? {where}",
                [q.fts5_match(), *args],
            )
        else:
            rows = self.db.execute(
                f"SELECT id, '' FROM docs WHERE 1 {where} "
                "ORDER BY published DESC LIMIT 10",
                args,
            ).fetchall()
            self.db.execute("DELETE FROM m")
            self.db.execute(f"INSERT INTO m SELECT rowid FROM docs WHERE 1 {where}", args)
        core = time.perf_counter() - started
        total = self.db.execute("SELECT count(*) FROM m").fetchone()[0]
        facets = {
            f: self.db.execute(
                "SELECT value, count(*) AS n FROM facet JOIN m ON facet.doc = m.doc "
                "WHERE field = ? GROUP BY value ORDER BY n DESC, value LIMIT ?",
                (f, TOP),
            ).fetchall()
            for f in FACETS
        }
        facets["month"] = self.db.execute(
            "SELECT month, count(*) FROM docs JOIN m ON docs.rowid = m.doc GROUP BY month"
        ).fetchall()
        return {"ids": [r[0] for r in rows], "snippets": [r[1] for r in rows], "total": total,
                "facets": facets, "core_seconds": core}

    @staticmethod
    def _where(q: EngineQuery) -> tuple[str, list]:
        parts, args = [], []
        if q.source:
            parts.append("AND docs.source = ?")
            args.append(q.source)
        if q.date_from:
            parts.append("AND docs.published >= ?")
            args.append(q.date_from)
        if q.date_to:
            parts.append("AND docs.published < ?")
            args.append(q.date_to)
        return " ".join(parts), args


# --- Tantivy ---------------------------------------------------------------------------------


def _tantivy_schema():
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("title", stored=True, tokenizer_name="en_stem")
    sb.add_text_field("lead", tokenizer_name="en_stem")
    sb.add_text_field("body", stored=True, tokenizer_name="en_stem")
    for name in FACETS:
        sb.add_text_field(name, fast=True, tokenizer_name="raw")
    sb.add_text_field("month", fast=True, tokenizer_name="raw")
    sb.add_date_field("published", stored=True, indexed=True, fast=True)
    return sb.build()


def build_tantivy(docs: Path, root: Path, threads: int = 0) -> dict:
    """Index the documents with Tantivy (its writer uses ``threads``; 0 lets it choose)."""
    import tantivy

    root.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(_tantivy_schema(), path=str(root))
    writer = index.writer(heap_size=256_000_000, num_threads=threads)
    count = 0
    for doc in read_docs(docs):
        fields = {"id": doc["id"], "title": doc["title"], "lead": doc["lead"],
                  "body": doc["body"]}
        published = _published(doc)
        if published:
            fields |= {"published": published, "month": doc["published"][:7]}
        document = tantivy.Document(**fields)
        if doc["source"]:
            document.add_text("source", doc["source"])
        for name in FACETS[1:]:
            for value in doc[name]:
                document.add_text(name, value)
        writer.add_document(document)
        count += 1
    started = time.perf_counter()
    writer.commit()
    writer.wait_merging_threads()
    return {"documents": count, "finish": time.perf_counter() - started}


class Tantivy:
    """Queries against the Tantivy index: BM25 top 10, snippets, count and aggregations."""

    def __init__(self, root: Path) -> None:
        import tantivy

        self.t = tantivy
        self.index = tantivy.Index.open(str(root))
        self.schema = self.index.schema
        self.searcher = self.index.searcher()
        self.aggs = {f: {"terms": {"field": f, "size": TOP}} for f in FACETS}
        self.aggs["month"] = {"terms": {"field": "month", "size": 1000}}

    def search(self, q: EngineQuery) -> dict:
        """One results page: ids, snippets, total and facets."""
        t = self.t
        started = time.perf_counter()
        must = []
        text_query = None
        if q.text:
            text_query, _ = self.index.parse_query_lenient(
                q.tantivy_text(), ["title", "lead", "body"],
                field_boosts={"title": 3.0, "lead": 1.5},
            )
            must.append(text_query)
        if q.source:
            must.append(t.Query.term_query(self.schema, "source", q.source))
        if q.date_from or q.date_to:
            must.append(t.Query.range_query(
                self.schema, "published", t.FieldType.Date,
                datetime.fromisoformat(q.date_from) if q.date_from else None,
                datetime.fromisoformat(q.date_to) if q.date_to else None,
                include_upper=not q.date_to,
            ))
        query = (t.Query.all_query() if not must else
                 must[0] if len(must) == 1 else
                 t.Query.boolean_query([(t.Occur.Must, m) for m in must]))
        if q.text:
            result = self.searcher.search(query, 10)
        else:
            result = self.searcher.search(query, 10, order_by_field="published")
        docs = [self.searcher.doc(address) for _, address in result.hits]
        snippets = []
        if text_query is not None:
            generator = t.SnippetGenerator.create(self.searcher, text_query, self.schema, "body")
            snippets = [generator.snippet_from_doc(d).to_html() for d in docs]
        core = time.perf_counter() - started
        aggregated = self.searcher.aggregate(query, self.aggs)
        facets = {name: [(b["key"], b["doc_count"]) for b in agg["buckets"]]
                  for name, agg in aggregated.items()}
        return {"ids": [d["id"][0] for d in docs], "snippets": snippets, "total": result.count,
                "facets": facets, "core_seconds": core}


@dataclass
class EngineQuery:
    """A query in engine-neutral terms: words (or a phrase) plus optional filters."""

    words: list[str]
    phrase: bool = False
    source: str | None = None
    date_from: str | None = None  # ISO day, inclusive
    date_to: str | None = None  # ISO day, exclusive

    @property
    def text(self) -> str:
        """The words as typed into our search box."""
        joined = " ".join(self.words)
        return f'"{joined}"' if self.phrase and joined else joined

    def fts5_match(self) -> str:
        """An FTS5 MATCH expression: a quoted phrase, or the words OR-ed."""
        if self.phrase:
            return '"' + " ".join(self.words) + '"'
        return " OR ".join(f'"{w}"' for w in self.words)

    def tantivy_text(self) -> str:
        """Tantivy query syntax: a quoted phrase, or bare words (OR by default)."""
        return self.text
