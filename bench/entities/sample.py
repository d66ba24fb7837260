"""Choose the articles of the entity evaluation: a seeded sample stratified by outlet and folder.

NewsArticles: ``PER_OUTLET`` rows with text from each of its 9 outlets (outlet = the host of
``article_source_link``), keyed by ``article_id``. BBC: ``PER_FOLDER`` files from each of its 5
folders, keyed ``folder/NNN.txt``. The same corpora and seed give the same keys.

    python bench/entities/sample.py /work/corpora/NewsArticles.csv /work/corpora/bbc [--dump DIR]

``--dump DIR`` writes each chosen article's raw text to DIR for labelling (never into the repo).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import sys
from pathlib import Path
from urllib.parse import urlsplit

from search.decoding import decode

SEED = 20240611
PER_OUTLET = {"default": 7, "small": 6}  # 6 outlets x 7 + 3 smallest x 6 = 60 articles
PER_FOLDER = 8  # 5 folders x 8 = 40 articles


def split_of(key: str) -> str:
    """dev or test, from a hash of the corpus-native key (about half each, stable)."""
    return "dev" if int(hashlib.sha1(key.encode()).hexdigest(), 16) % 2 == 0 else "test"


def news_rows(csv_path: Path) -> dict[str, dict[str, str]]:
    """NewsArticles rows with text, by article_id."""
    csv.field_size_limit(sys.maxsize)
    with open(csv_path, encoding="utf-8", newline="") as handle:
        return {r["article_id"]: r for r in csv.DictReader(handle) if r["text"].strip()}


def sample_news(rows: dict[str, dict[str, str]], rng: random.Random) -> list[str]:
    """PER_OUTLET article_ids per outlet, outlets in order of size (largest first)."""
    by_outlet: dict[str, list[str]] = {}
    for key, row in rows.items():
        by_outlet.setdefault(urlsplit(row["article_source_link"]).hostname or "", []).append(key)
    outlets = sorted(by_outlet, key=lambda o: (-len(by_outlet[o]), o))
    keys = []
    for rank, outlet in enumerate(outlets):
        n = PER_OUTLET["small"] if rank >= len(outlets) - 3 else PER_OUTLET["default"]
        keys += rng.sample(sorted(by_outlet[outlet], key=int), n)
    return keys


def sample_bbc(root: Path, rng: random.Random) -> list[str]:
    """PER_FOLDER ``folder/NNN.txt`` keys per BBC folder."""
    keys = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        names = sorted(p.name for p in folder.glob("*.txt"))
        keys += [f"{folder.name}/{name}" for name in rng.sample(names, PER_FOLDER)]
    return keys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("news_csv", type=Path)
    parser.add_argument("bbc_root", type=Path)
    parser.add_argument("--dump", type=Path, help="write the chosen articles' raw text here")
    args = parser.parse_args()
    rng = random.Random(SEED)
    rows = news_rows(args.news_csv)
    chosen = [("news", k) for k in sample_news(rows, rng)]
    chosen += [("bbc", k) for k in sample_bbc(args.bbc_root, rng)]
    for corpus, key in chosen:
        print(corpus, key, split_of(key), sep="\t")
        if args.dump:
            args.dump.mkdir(parents=True, exist_ok=True)
            if corpus == "news":
                row = rows[key]
                text = "\n\n".join((row["title"], row["subtitle"], row["text"]))
                name = f"news_{key}.txt"
            else:
                text = decode((args.bbc_root / key).read_bytes())
                name = "bbc_" + key.replace("/", "_")
            (args.dump / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
