"""What a write to OpenSearch did, and the ways it fails: one report and one set of errors for
rebuilds, upserts and deletes (opensearch_write.py), and for the readers that meet the same
cluster states (opensearch_client.py)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .. import InvalidRequest, Unavailable


class ClusterUnavailable(Unavailable):
    """The cluster did not accept a request, even after retrying."""


class RequestRefused(InvalidRequest):
    """The cluster refused a request for a reason retrying cannot change (a name taken by an
    index, an invalid name, no permission)."""

    def __init__(self, message: str, status: object) -> None:
        super().__init__(message)
        self.status = status


# The same names and bases as search/generations.py's errors for a Whoosh index root, so that
# front ends treat both engines alike (one shared definition once the engine boundary exists).
class NoIndex(Unavailable):
    """The alias points to no index: an incremental run needs a rebuild first."""


class StaleIndex(Unavailable):
    """The alias's index was written with another schema version: rebuild it instead."""


class RebuildFailed(Unavailable):
    """A rebuild was abandoned before the swap; the alias still points to the old index."""

    def __init__(self, message: str, report: WriteReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class Failure:
    """A document the cluster refused (or that could not be sent), and why."""

    id: str
    status: int
    reason: str


@dataclass
class WriteReport:
    """What one rebuild, upsert or delete run did."""

    action: str
    index: str = ""
    previous: list[str] = field(default_factory=list)  # what the alias pointed to before
    indexed: int = 0
    deleted: int = 0
    missing: list[str] = field(default_factory=list)  # ids asked to be deleted, not there
    failed: list[Failure] = field(default_factory=list)
    retries: int = 0  # bulk requests sent again after a 429 or 5xx
    removed: list[str] = field(default_factory=list)  # leftovers and the replaced index

    def to_json(self) -> dict:
        """The report as JSON-ready data."""
        return asdict(self)
