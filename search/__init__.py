"""News search: ingest raw news files, extract articles and entities, index and search them."""


class SearchError(Exception):
    """Base class of every error this package raises on purpose."""


# Every error below derives from exactly one of these bases, which says whose problem it is;
# front ends map the base, never the single class (the web app: to an HTTP status).


class InvalidRequest(SearchError):
    """What the caller gave cannot be used: a bad parameter, a file with no article in it."""


class NotFound(SearchError):
    """What the caller asked for does not exist."""


class Unavailable(SearchError):
    """The index cannot serve or be written now; nothing was wrong with the request."""

    retry_after: int | None = None  # seconds after which the same request may work


class Busy(Unavailable):
    """Another process holds the index for now: the same request will work once it is done."""

    retry_after = 30  # an incremental reindex of a few files takes seconds, a rebuild minutes
