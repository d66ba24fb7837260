"""The reindex report: every record read is counted once, and skip reasons are grouped."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .pipeline import WALL
from .read import Skip

EXAMPLES = 3  # paths shown per group of skips in the printed report
# Where a reason's details begin: after "invalid JSON", "unreadable", "same text as article" and
# the like come the parser's message, a size or an id, which differ from one record to the next.
_DETAILS = re.compile(r": | \(|\s[0-9a-f]{16}\b")


@dataclass
class Report:
    """What a reindex did: each record it read is added, updated, unchanged, a duplicate or
    skipped (a whole file that cannot be read counts as one record)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0  # articles taken out of the index: their file is gone (--prune), or a copy
    moved: int = 0  # of those removed: replaced by the same text at a new path
    skipped: list[Skip] = field(default_factory=list)
    duplicates: list[Skip] = field(default_factory=list)  # same text as an indexed article
    duration: float = 0.0  # the run's wall time, in seconds
    stages: dict[str, float] = field(default_factory=dict)  # summed over worker processes
    generation: str = ""
    vectors: str = ""  # whether articles were embedded for hybrid search, or why not
    embedded: int = 0  # articles embedded in this run (new and changed ones only)
    embed_errors: list[str] = field(default_factory=list)  # articles left without a vector

    @property
    def indexed(self) -> int:
        """Articles added or updated in this run."""
        return self.added + self.updated

    @property
    def records(self) -> int:
        """Every record (or unreadable file) this run read, whatever became of it."""
        return self.indexed + self.unchanged + len(self.duplicates) + len(self.skipped)

    def to_json(self) -> dict:
        """The report as JSON-ready plain data: every skip, and the skips grouped by reason."""
        return {
            "records": self.records,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "moved": self.moved,
            "duration": round(self.duration, 3),
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "duplicates": [{"path": s.path, "reason": s.reason} for s in self.duplicates],
            "skipped_groups": grouped(self.skipped),
            "duplicate_groups": grouped(self.duplicates),
            "stages": {k: round(v, 3) for k, v in self.stages.items()},
            "generation": self.generation,
            "vectors": self.vectors,
            "embedded": self.embedded,
            "embed_errors": self.embed_errors,
        }

    def lines(self, location: str) -> list[str]:
        """The report as text: the tally, then each group of skips with a few examples."""
        rate = self.indexed / self.duration if self.duration else 0.0
        stages = ", ".join(f"{k} {v:.1f}s" for k, v in self.stages.items() if k != WALL)
        wall = f"; {WALL} {self.stages[WALL]:.1f}s" if WALL in self.stages else ""
        return [
            f"{self.records:,} records read: {self.added:,} added, {self.updated:,} updated, "
            f"{self.unchanged:,} unchanged, {len(self.duplicates):,} duplicates, "
            f"{len(self.skipped):,} skipped",
            f"{self.removed:,} removed{self._moved_note()}; {self.duration:.1f}s wall time "
            f"({rate:.0f} articles indexed/s) -> {location}",
            *_group_lines(self.skipped, "skipped", "skipped"),
            *_group_lines(self.duplicates, "duplicate", "duplicates"),
            *self._vector_lines(),
            f"  time per stage, summed over worker processes: {stages}{wall}",
        ]

    def _vector_lines(self) -> list[str]:
        """What became of the vectors: how many were made, at what cost, which failed."""
        if not self.vectors:
            return []
        seconds = self.stages.get("embedding", 0.0)
        cost = f", {seconds / self.embedded * 1000:.0f} ms each" if self.embedded else ""
        lines = [f"vectors: {self.vectors} ({self.embedded:,} articles embedded{cost})"]
        lines += [f"  not embedded: {e}" for e in self.embed_errors[:EXAMPLES]]
        if len(self.embed_errors) > EXAMPLES:
            lines.append(f"  ... and {len(self.embed_errors) - EXAMPLES:,} more not embedded")
        return lines


    def _moved_note(self) -> str:
        return f" ({self.moved:,} of them now read from a new path)" if self.moved else ""


def grouped(skips: list[Skip]) -> list[dict]:
    """Skips by reason (without its details), most frequent first, with the first paths."""
    return [{"reason": kind, "count": len(members),
             "examples": [s.path for s in members[:EXAMPLES]]}
            for kind, members in _groups(skips)]


def reason_kind(reason: str) -> str:
    """What a reason says without its details: "invalid JSON: Expecting value..." -> "invalid
    JSON", so a thousand broken lines make one group."""
    return _DETAILS.split(reason, maxsplit=1)[0] or reason


def _groups(skips: list[Skip]) -> list[tuple[str, list[Skip]]]:
    groups: dict[str, list[Skip]] = {}
    for skip in skips:
        groups.setdefault(reason_kind(skip.reason), []).append(skip)
    return sorted(groups.items(), key=lambda kv: -len(kv[1]))  # stable: ties in order met


def _group_lines(skips: list[Skip], one: str, many: str) -> list[str]:
    """One line per reason; a reason shared by several skips gets its count, a few example
    paths and how many more there are."""
    out = []
    for kind, members in _groups(skips):
        if len(members) == 1:
            out.append(f"  1 {one}: {members[0].path}: {members[0].reason}")
            continue
        out.append(f"  {len(members):,} {many}: {kind}")
        same = all(s.reason == kind for s in members)
        out += [f"      {s.path}" if same else f"      {s.path}: {s.reason}"
                for s in members[:EXAMPLES]]
        if len(members) > EXAMPLES:
            out.append(f"      ... and {len(members) - EXAMPLES:,} more (--json lists every one)")
    return out
