"""Pool the runs' top 20 per topic into blind judging packets, and turn judgments into qrels.

    python bench/relevance/pool.py packets --newsarticles PATH --bbc PATH
    python bench/relevance/pool.py qrels JUDGED.tsv... [--out bench/relevance/qrels.tsv]

``packets`` runs every system on every topic, pools the union of each run's top 20 (exact copies
counted once), and writes the packets outside git (corpus text is never committed):

- ``<out>/packets/batch-N.md``: judging instructions, then each topic (id, query, description) and
  its pooled documents in a seeded random order, each with a neutral key (``ev01-d07``), its title
  and the first 350 words of its text, and nothing saying which run found it;
- ``<out>/packets/batch-N.judgments.tsv``: the answer sheet (topic, doc, grade, note);
- ``<out>/pool/keys.tsv``: neutral key -> corpus key (for the lead, not for the judges), and
  ``<out>/pool/runs/<run>.tsv`` the rankings pooled, as TREC run files.

``qrels`` reads filled answer sheets, checks every pooled document has one grade (0, 1 or 2), and
writes ``qrels.tsv`` (topic, corpus key, grade).

A later round judges only what is new: ``unjudged --runs ours`` pools the given runs' top 20 the
same way, leaves out every document already graded for its topic in ``qrels.tsv``, and writes
the rest in the same blind format to ``<out>/packets-round2/`` (keys ``ev01-r2d01``; the key map
in ``<out>/pool-round2/``). ``qrels --round round2 batch-N.judgments.tsv...`` then adds those
grades to ``qrels.tsv``, keeping every earlier one.

    python bench/relevance/pool.py unjudged --runs ours --newsarticles PATH --bbc PATH
    python bench/relevance/pool.py qrels --round round2 /tmp/relevance/packets-round2/*.tsv
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from pathlib import Path

from collection import Collection, Doc
from evaluate import read_qrels
from runs import add_options, context, rankings
from topics import load_topics

DEPTH = 20
BATCHES = 4
WORDS = 350
SEED = "relevance-pool-1"
ROUND = "round2"
OUT = Path("/tmp/relevance")
QRELS = Path(__file__).with_name("qrels.tsv")

INSTRUCTIONS = """\
# Relevance judging: batch {batch} of {batches}

You judge whether news articles are relevant to search topics. This batch holds {topics} topics and
{docs} documents. Judge every document listed under a topic against that topic only.

## How to judge

- Read the topic's query and description. The description says what counts as relevant; the query
  is only what a user typed. Judge by the description.
- Grades: **2** = highly relevant, the article is about exactly what the description asks for;
  **1** = partly relevant, the article deals with the topic substantively (more than a passing
  mention) but is mainly about something else, or covers only part of it; **0** = not relevant (a
  passing mention, a different event or person of the same name, or unrelated).
- The collection mixes international news from December 2016 to March 2017 and BBC News articles
  from 2004 and 2005. Dates are not shown; tell the period from the content when a topic needs it.
- You see each document's title and its first {words} words. Judge from what is shown; do not
  guess what a cut-off article goes on to say.
- Documents appear in random order: their position says nothing about relevance. Nothing here says
  how a document was found; every document deserves the same attention.
- Judge each document on its own: do not compare documents or aim for a number of relevant ones.
  Use only the text shown: no other sources.

## How to answer

Fill in the grade column of `batch-{batch}.judgments.tsv`, one line per document (tab-separated:
topic, doc, grade, note). The note is optional: a few words on why, for a borderline call.
"""


def pool(ranked: dict[str, dict[str, list[str]]], depth: int = DEPTH) -> dict[str, list[str]]:
    """topic -> the union of every run's top ``depth`` (sorted, so the pool is reproducible)."""
    out: dict[str, set[str]] = {}
    for by_topic in ranked.values():
        for topic, keys in by_topic.items():
            out.setdefault(topic, set()).update(keys[:depth])
    return {topic: sorted(keys) for topic, keys in out.items()}


def neutral_keys(pooled: dict[str, list[str]], seed: str = SEED,
                 tag: str = "") -> dict[str, list[tuple]]:
    """topic -> [(neutral key, corpus key)] in a random order fixed by the seed (``tag`` tells a
    later round's keys from the first's: ``ev01-r2d01``)."""
    out = {}
    for topic, keys in pooled.items():
        order = list(keys)
        random.Random(f"{seed}:{topic}").shuffle(order)
        out[topic] = [(f"{topic}-{tag}d{n:02d}", key) for n, key in enumerate(order, 1)]
    return out


def unjudged(pooled: dict[str, list[str]],
             qrels: dict[str, dict[str, int]]) -> dict[str, list[str]]:
    """topic -> its pooled documents that no judge has graded for it (topics with none left
    out)."""
    out = {t: [k for k in keys if k not in qrels.get(t, {})] for t, keys in pooled.items()}
    return {t: keys for t, keys in out.items() if keys}


def batches(sizes: dict[str, int], count: int = BATCHES) -> list[list[str]]:
    """Topics in ``count`` batches of about equal documents: largest topic to the lightest batch."""
    loads = [[0, []] for _ in range(count)]
    for topic in sorted(sizes, key=lambda t: (-sizes[t], t)):
        lightest = min(loads, key=lambda b: b[0])
        lightest[0] += sizes[topic]
        lightest[1].append(topic)
    return [sorted(topics) for _, topics in loads]


def excerpt(doc: Doc, words: int = WORDS) -> str:
    """The subtitle and body, cut after ``words`` words."""
    text = "\n\n".join(p for p in (doc.subtitle, doc.body) if p)
    ends = [m.end() for m in re.finditer(r"\S+", text)]
    return text if len(ends) <= words else text[: ends[words - 1]] + " [...]"


def packet(batch: int, total: int, topics: list[dict], docs: dict[str, list[tuple]],
           collection: Collection) -> str:
    """One batch as Markdown: the instructions, then each topic and its documents."""
    count = sum(len(docs[t["id"]]) for t in topics)
    parts = [INSTRUCTIONS.format(batch=batch, batches=total, topics=len(topics), docs=count,
                                 words=WORDS)]
    for topic in topics:
        listed = docs[topic["id"]]
        parts.append(f"\n---\n\n## Topic {topic['id']}\n\nQuery: `{topic['query']}`\n\n"
                     f"Description: {topic['description']}\n\nDocuments: {len(listed)}\n")
        for neutral, key in listed:
            doc = collection.docs[key]
            parts.append(f"\n### {neutral}\n\nTitle: {doc.title}\n\n{excerpt(doc)}\n")
    return "".join(parts)


def write_packets(args: argparse.Namespace) -> None:
    """Run, pool, and write the packets, answer sheets, key map and run files."""
    ctx = context(args)
    topics = load_topics("all")
    ranked = rankings(ctx, args.runs.split(","), topics)
    docs = neutral_keys(pool(ranked, args.depth), args.seed)
    _write_round(ctx.collection, topics, ranked, docs, args.out / "packets", args.out / "pool",
                 args.batches)


def write_unjudged(args: argparse.Namespace) -> None:
    """Run and pool as ``packets`` does, and write packets of the documents not judged yet."""
    ctx = context(args)
    topics = load_topics("all")
    ranked = rankings(ctx, args.runs.split(","), topics)
    new = unjudged(pool(ranked, args.depth), read_qrels(args.qrels))
    if not new:
        print("every pooled document is judged already: nothing to write")
        return
    docs = neutral_keys(new, f"{args.seed}:{args.round}", tag="r2" if args.round == ROUND else
                        f"{args.round}-")
    _write_round(ctx.collection, [t for t in topics if t["id"] in docs], ranked, docs,
                 args.out / f"packets-{args.round}", args.out / f"pool-{args.round}", args.batches)
    print(f"{sum(map(len, docs.values()))} documents to judge over {len(docs)} topics")


def _write_round(collection: Collection, topics: list[dict], ranked: dict,
                 docs: dict[str, list[tuple]], packets: Path, private: Path, count: int) -> None:
    """The packets and answer sheets (for the judges), the key map and run files (not)."""
    by_id = {t["id"]: t for t in topics}
    for folder in (packets, private / "runs"):
        folder.mkdir(parents=True, exist_ok=True)
    groups = [g for g in batches({t: len(d) for t, d in docs.items()}, count) if g]
    for n, group in enumerate(groups, 1):
        text = packet(n, len(groups), [by_id[t] for t in group], docs, collection)
        (packets / f"batch-{n}.md").write_text(text, encoding="utf-8")
        sheet = [("topic", "doc", "grade", "note")]
        sheet += [(t, neutral, "", "") for t in group for neutral, _ in docs[t]]
        _write_tsv(packets / f"batch-{n}.judgments.tsv", sheet)
        print(f"{packets / f'batch-{n}.md'}: {len(group)} topics, "
              f"{sum(len(docs[t]) for t in group)} documents")
    keys = [("doc", "topic", "key", "batch")]
    keys += [(neutral, t, key, n) for n, group in enumerate(groups, 1) for t in group
             for neutral, key in docs[t]]
    _write_tsv(private / "keys.tsv", keys)
    for name, by_topic in ranked.items():
        rows = [(t, "Q0", key, rank, DEPTH_SCORE - rank, name)
                for t, keys in by_topic.items() for rank, key in enumerate(keys, 1)]
        _write_tsv(private / "runs" / f"{name}.tsv", rows)
    print(f"key map and runs in {private} (keep them from the judges)")


DEPTH_SCORE = 1000  # TREC run files want a score; the rank order is what counts


def read_keys(path: Path) -> dict[str, tuple[str, str]]:
    """neutral key -> (topic, corpus key)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return {r["doc"]: (r["topic"], r["key"]) for r in csv.DictReader(handle, delimiter="\t")}


def read_judgments(files: list[Path], keys: dict[str, tuple]) -> dict[tuple[str, str], int]:
    """(topic, corpus key) -> grade from filled answer sheets; inconsistent sheets raise."""
    grades: dict[tuple[str, str], int] = {}
    for path in files:
        with open(path, encoding="utf-8", newline="") as handle:
            for line, row in enumerate(csv.DictReader(handle, delimiter="\t"), 2):
                where = f"{path}:{line}"
                if row["doc"] not in keys or keys[row["doc"]][0] != row["topic"]:
                    raise ValueError(f"{where}: {row['topic']} {row['doc']} is not in the pool")
                grade = (row["grade"] or "").strip()
                if grade not in ("0", "1", "2"):
                    raise ValueError(f"{where}: grade must be 0, 1 or 2, not {grade!r}")
                pair = keys[row["doc"]]
                if grades.get(pair, int(grade)) != int(grade):
                    raise ValueError(f"{where}: {row['doc']} graded twice, differently")
                grades[pair] = int(grade)
    return grades


def write_qrels(args: argparse.Namespace) -> None:
    """Check the answer sheets against the pool and write qrels.tsv (a later round's grades
    are added to the judgments already there)."""
    pooled = "pool" if args.round is None else f"pool-{args.round}"
    keys = read_keys(args.out / pooled / "keys.tsv")
    grades = read_judgments(args.judged, keys)
    missing = sorted(set(keys.values()) - set(grades))
    if missing and not args.allow_missing:
        sys.exit(f"error: {len(missing)} pooled documents have no grade, e.g. {missing[:3]} "
                 "(--allow-missing writes the rest)")
    if args.round is not None:
        earlier = read_qrels(args.qrels)
        again = [pair for pair in grades if pair[1] in earlier.get(pair[0], {})]
        if again:
            sys.exit(f"error: {len(again)} documents were judged before, e.g. {again[:3]}")
        grades |= {(t, k): g for t, by_doc in earlier.items() for k, g in by_doc.items()}
    rows = [("topic", "doc", "grade")] + [(t, k, g) for (t, k), g in sorted(grades.items())]
    _write_tsv(args.qrels, rows)
    print(f"{args.qrels}: {len(grades)} judgments, {len(missing)} missing")


def _write_tsv(path: Path, rows: list[tuple]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter="\t", lineterminator="\n").writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("packets", help="run, pool and write the judging packets")
    later = sub.add_parser("unjudged", help="packets of the runs' pooled documents not judged yet")
    for each in (make, later):
        add_options(each)
        each.add_argument("--depth", type=int, default=DEPTH, help=f"pool depth per run [{DEPTH}]")
        each.add_argument("--batches", type=int, default=BATCHES, help=f"packets [{BATCHES}]")
        each.add_argument("--seed", default=SEED, help="seed of the document order")
        each.add_argument("--out", type=Path, default=OUT, help=f"outside git [{OUT}]")
    later.add_argument("--round", default=ROUND, help=f"names the packets' folder [{ROUND}]")
    later.add_argument("--qrels", type=Path, default=QRELS, help="[bench/relevance/qrels.tsv]")
    judged = sub.add_parser("qrels", help="answer sheets -> qrels.tsv")
    judged.add_argument("judged", type=Path, nargs="+", help="filled batch-N.judgments.tsv")
    judged.add_argument("--out", type=Path, default=OUT, help=f"where packets went [{OUT}]")
    judged.add_argument("--qrels", type=Path, default=QRELS, help="[bench/relevance/qrels.tsv]")
    judged.add_argument("--round", help="a later round's sheets: add them to the qrels")
    judged.add_argument("--allow-missing", action="store_true")
    args = parser.parse_args()
    {"packets": write_packets, "unjudged": write_unjudged, "qrels": write_qrels}[args.command](args)


if __name__ == "__main__":
    main()
