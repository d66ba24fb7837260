"""The OpenSearch index for our documents: analysis settings, mappings, and each document's body.

Fields come from the Whoosh schema itself (``search.schema.build_schema``), so a field added
there is mapped here too; the text analysis reproduces ``search.analysis`` (measured in
docs/opensearch.md: 6,010 of 6,013 corpus texts give identical tokens).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, FieldType

from ..analysis import news_analyzer, plain_analyzer
from ..schema import FACETS, SCHEMA_VERSION, build_schema

NEWS = "news"  # the stemmed analyzer of the ranked text fields (title, lead, body)
NEWS_PLAIN = "news_plain"  # whole words: spelling and person names

_CHAIN = ["lowercase", "asciifolding", "possessive", "drop_dots"]
ANALYSIS: dict = {
    # Java's \w is ASCII-only without (?U); ours is Unicode. The curly apostrophe becomes a
    # straight one before tokenizing, as analysis._folded does, so "Syria’s" is one token.
    "char_filter": {"curly_apostrophe": {"type": "mapping", "mappings": ["\u2019 => '"]}},
    "tokenizer": {"news_words": {"type": "pattern", "pattern": r"(?U)\w+(?:['.]\w+)*",
                                 "group": 0}},
    "filter": {
        "possessive": {"type": "stemmer", "language": "possessive_english"},
        "drop_dots": {"type": "pattern_replace", "pattern": r"\.", "replacement": ""},
        "non_empty": {"type": "length", "min": 1},
        "two_or_more": {"type": "length", "min": 2},
        # Not "english": that is the old Porter stemmer; NLTK's EnglishStemmer is Porter2.
        "porter2": {"type": "stemmer", "language": "porter2"},
    },
    "analyzer": {
        NEWS: {"type": "custom", "char_filter": ["curly_apostrophe"], "tokenizer": "news_words",
               "filter": [*_CHAIN, "non_empty", "porter2"]},
        NEWS_PLAIN: {"type": "custom", "char_filter": ["curly_apostrophe"],
                     "tokenizer": "news_words", "filter": [*_CHAIN, "two_or_more"]},
    },
}


# The facets Whoosh keeps comma-joined (KEYWORD fields); "source" is one plain value.
JOINED = tuple(name for name in FACETS if isinstance(build_schema()[name], KEYWORD))


# Not in the Whoosh schema (Whoosh keeps them in the generation's story file): each article's
# story and copy group (the id of the text it repeats), for collapsing, stories and coverage.
# A document without them stands alone: to_source gives it its own id for both.
GROUPS = ("story", "copy")


class UnmappedField(TypeError):
    """A schema field of a type this module does not know how to map."""


def settings(shards: int = 1, replicas: int = 0) -> dict:
    """Index settings: shard and replica counts, and our analyzers."""
    return {"number_of_shards": shards, "number_of_replicas": replicas, "analysis": ANALYSIS}


def mappings() -> dict:
    """Mappings with the same fields as the Whoosh schema; unknown fields are refused."""
    fields = build_schema()
    properties = {name: _field(name, field) for name, field in fields.items()}
    properties |= {name: {"type": "keyword"} for name in GROUPS}
    # Strict: a misspelt field in a document is a reported failure, not a new silent field.
    # _source keeps every field (even those Whoosh does not store): an update by script
    # (stories set later) rewrites a document from its _source and would drop the rest.
    # The schema version, as Whoosh indexes record it: an incremental run into an index of
    # another version is refused (a rebuild is needed).
    return {"dynamic": "strict", "_meta": {"schema_version": SCHEMA_VERSION},
            "properties": properties}


def settings_and_mappings(shards: int = 1, replicas: int = 0) -> dict:
    """The body of the index-creation request."""
    return {"settings": settings(shards, replicas), "mappings": mappings()}


def _field(name: str, field: FieldType) -> dict:
    if isinstance(field, TEXT):
        return _text(name, field)
    if isinstance(field, DATETIME):
        return {"type": "date"}
    if isinstance(field, ID | KEYWORD):
        return {"type": "keyword"}  # facets are arrays of exact values (to_source)
    if isinstance(field, STORED):
        return {"type": "keyword", "index": False, "doc_values": False}
    raise UnmappedField(f"{name}: no OpenSearch mapping for {type(field).__name__}")


def _text(name: str, field: TEXT) -> dict:
    if field.analyzer == news_analyzer():
        analyzer = NEWS
    elif field.analyzer == plain_analyzer():
        analyzer = NEWS_PLAIN
    else:
        raise UnmappedField(f"{name}: its analyzer has no OpenSearch twin")
    # Positions only where Whoosh keeps them (phrases); the spelling field needs counts only.
    positions = field.format.__class__.__name__ == "Positions"
    return {"type": "text", "analyzer": analyzer,
            "index_options": "positions" if positions else "freqs"}


def to_source(doc: dict) -> dict:
    """A document of ``search.document.document`` as OpenSearch's ``_source``.

    Facets become arrays (Whoosh needs them comma-joined; document() already turned commas
    inside values into spaces, so splitting is exact) and dates ISO 8601 strings.
    """
    source: dict[str, Any] = {}
    for name, value in doc.items():
        if name in JOINED and isinstance(value, str):
            value = [v for v in value.split(",") if v]
        elif isinstance(value, datetime | date):
            value = value.isoformat()
        source[name] = value
    for name in GROUPS:
        source[name] = source.get(name) or doc["id"]
    return source
