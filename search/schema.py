"""The Whoosh schema: ranked text fields, stored fields for display and facet fields."""

from __future__ import annotations

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from .analysis import news_analyzer, plain_analyzer

# Field weights, applied at query time (see syntax.py): a word in the headline says more than
# one in the lead (the subtitle, else the first paragraph: document.py), which says more than
# one deeper in the body. Tuned on the dev topics of bench/relevance. The lead must be searched
# at some weight: a subtitle is not in the body, and some hold words the body never says. Dev
# nDCG@10 was flat (within 0.004) for lead weights 0 to 1; 0.5 is the middle of that range.
TITLE_BOOST = 2.0
LEAD_BOOST = 0.5
TEXT_FIELDS = ("title", "lead", "body")
# Bump on any change to the schema or to what is indexed: an index of another version is
# rebuilt in full by the next reindex instead of being updated.
SCHEMA_VERSION = "7"  # 6: stop words indexed, with positions; 7: the lead is a lead, not the body
FACETS = ("people", "countries", "focus_countries", "regions", "source", "tags", "authors")


def _facet() -> KEYWORD:
    # Comma-separated so values keep their spaces ("Middle East & North Africa").
    return KEYWORD(stored=True, commas=True, lowercase=False, scorable=False)


def build_schema() -> Schema:
    """The schema of a news index."""
    text = news_analyzer()
    return Schema(
        # Sortable: serving maps document numbers to ids (and so to stories) from its column.
        id=ID(stored=True, unique=True, sortable=True),
        path=ID(stored=True),
        source_hash=ID(stored=True),
        hash=ID(stored=True),
        title=TEXT(analyzer=text, stored=True, phrase=True),
        lead=TEXT(analyzer=text, phrase=True),
        body=TEXT(analyzer=text, stored=True, phrase=True),
        spell=TEXT(analyzer=plain_analyzer(), spelling=True, phrase=False),
        # People names as words, for `person:guler`; the exact names are the facet below.
        person=TEXT(analyzer=plain_analyzer(), phrase=True),
        subtitle=STORED(),
        title_from=STORED(),  # "url" or "text" when the article had no headline
        url=STORED(),
        dateline_place=STORED(),
        people=_facet(),
        countries=_facet(),
        focus_countries=_facet(),
        regions=_facet(),
        tags=_facet(),
        authors=_facet(),
        source=ID(stored=True, sortable=True),
        published=DATETIME(stored=True, sortable=True),
        # Precomputed buckets: a sortable key counts ~15x faster than DateRangeFacet.
        day=ID(stored=False, sortable=True),
        month=ID(stored=False, sortable=True),
    )
