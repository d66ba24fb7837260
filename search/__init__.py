"""News search: ingest raw news files, extract articles and entities, index and search them."""


class SearchError(Exception):
    """Base class of every error this package raises on purpose."""
