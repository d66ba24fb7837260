"""The topics (``topics.jsonl``) and the rule that split them into dev and test.

The split is stratified by type and deterministic: within each type, the topic ids are sorted,
shuffled with ``random.Random("split:<type>")``, and the first half goes to dev. The split is
recorded in ``topics.jsonl``; ``split_rule`` recomputes it so a test can check the record.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

TOPICS = Path(__file__).with_name("topics.jsonl")
TYPES = ("event", "person", "place", "topical", "quoted", "vocabulary")
SPLITS = ("dev", "test", "all")


def load_topics(split: str = "all", path: Path = TOPICS) -> list[dict]:
    """The topics of one split (or all), in file order."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    with open(path, encoding="utf-8") as handle:
        topics = [json.loads(line) for line in handle if line.strip()]
    return [t for t in topics if split == "all" or t["split"] == split]


def split_rule(topics: list[dict]) -> dict[str, str]:
    """Topic id -> dev or test, by the rule above."""
    by_type: dict[str, list[str]] = {}
    for topic in topics:
        by_type.setdefault(topic["type"], []).append(topic["id"])
    out = {}
    for kind, ids in by_type.items():
        ids = sorted(ids)
        random.Random(f"split:{kind}").shuffle(ids)
        out |= {i: "dev" if n < len(ids) // 2 else "test" for n, i in enumerate(ids)}
    return out
