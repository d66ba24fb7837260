"""Score our extraction against plain trafilatura: body on real pages, title/date/body on layouts.

    python bench/extraction/evaluate.py --split dev|test [--errors] [--json] [--only web|layouts]

Real pages: the 923 annotated pages of ``trafilatura-eval.tar.gz`` (read from the tarball in
place), split dev/test by the SHA-1 of each page's URL. Layouts: the pages ``layouts.py``
renders from our own stories, all of them in both splits (they are a fixed check, not tuned
against: see README.md). How each score is made is in README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tarfile
import tempfile
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parent))
import layouts  # noqa: E402

from search.extract import extract  # noqa: E402
from search.pipeline import Item, extract_corpus  # noqa: E402
from search.read import NotText, Page, decode  # noqa: E402

TARBALL = Path(os.environ.get("EXTRACTION_EVAL", Path(__file__).resolve().parents[3]
                              / "shared" / "data" / "trafilatura-eval.tar.gz"))
SHINGLE = 3  # tokens per shingle
_TOKEN = re.compile(r"\w+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'"})


def split_of(key: str) -> str:
    """dev when the SHA-1 of the key, read as an integer, is even, else test."""
    return "dev" if int(hashlib.sha1(key.encode()).hexdigest(), 16) % 2 == 0 else "test"


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (Unicode letters and digits), accents kept."""
    return _TOKEN.findall(unicodedata.normalize("NFC", text).lower())


def shingles(words: list[str]) -> Counter:
    """Overlapping runs of SHINGLE tokens (a shorter text is one shingle of all its tokens)."""
    if len(words) < SHINGLE:
        return Counter([tuple(words)]) if words else Counter()
    return Counter(tuple(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


def coverage(snippet: str, found: Counter, text_tokens: str) -> float:
    """The share of a snippet's shingles found among the output's shingles."""
    words = tokens(snippet)
    if len(words) < SHINGLE:  # one or two words: as a token sequence in the output
        return 1.0 if words and f" {' '.join(words)} " in text_tokens else 0.0
    wanted = shingles(words)
    return sum(min(n, found[s]) for s, n in wanted.items()) / sum(wanted.values())


def body_f1(output: str, gold: str) -> float:
    """Token-shingle F1 of an output against a whole gold body (multisets of shingles)."""
    out, ref = shingles(tokens(output)), shingles(tokens(gold))
    common = sum((out & ref).values())
    if not common:
        return 0.0
    p, r = common / sum(out.values()), common / sum(ref.values())
    return 2 * p * r / (p + r)


def norm_title(title: str) -> str:
    """A title compared after folding case, whitespace and curly quotes."""
    return " ".join(unicodedata.normalize("NFKC", title).translate(_QUOTES).lower().split())


class Tally:
    """Snippet coverage summed over pages: the usual precision, recall and F1."""

    def __init__(self) -> None:
        self.tp = self.fp = self.fn = self.tn = 0.0
        self.pages = 0

    def add(self, text: str, with_: list[str], without: list[str]) -> None:
        found = shingles(tokens(text))
        joined = f" {' '.join(tokens(text))} "
        self.pages += 1
        for snippet in with_:
            c = coverage(snippet, found, joined)
            self.tp += c
            self.fn += 1 - c
        for snippet in without:
            c = coverage(snippet, found, joined)
            self.fp += c
            self.tn += 1 - c

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def web_pages(split: str):
    """(url, file, html, with, without) of the annotated pages of one split, from the tarball."""
    with tarfile.open(TARBALL) as tar:
        members = {Path(m.name).name: m for m in tar.getmembers() if m.isfile()}
        data = json.load(tar.extractfile(members["evaldata.json"]))
        for url, entry in sorted(data.items()):
            member = members.get(entry["file"])
            if member is None or split_of(url) != split:
                continue
            data = tar.extractfile(member).read()
            try:
                html = decode(data)
            except NotText:  # NUL bytes: both extractors get the page without them
                html = data.decode("utf-8", "replace").replace("\0", "")
            yield url, entry["file"], html, entry.get("with", []), entry.get("without", [])


def group_of(url: str) -> str:
    """Pages grouped by the top-level domain of their host (a rough stand-in for language)."""
    host = re.sub(r"^https?://", "", url).split("/")[0].split(":")[0]
    tld = host.rsplit(".", 1)[-1]
    return f"web .{tld}" if tld in ("de", "com", "uk", "org", "net") else "web other"


def ours_body(file: str, html: str) -> str:
    try:
        return extract(Page(path=f"eval/{file}", kind="html", text=html)).body
    except Exception:  # noqa: BLE001 - an empty article scores as an empty output
        return ""


def trafilatura_body(html: str, url: str) -> str:
    try:
        return trafilatura.extract(html, url=url) or ""
    except Exception:  # noqa: BLE001
        return ""


def score_web(split: str, errors: bool) -> dict[str, dict[str, Tally]]:
    tallies: dict[str, dict[str, Tally]] = defaultdict(lambda: {"ours": Tally(), "traf": Tally()})
    for url, file, html, with_, without in web_pages(split):
        results = {"ours": ours_body(file, html), "traf": trafilatura_body(html, url)}
        for name, text in results.items():
            for group in (group_of(url), "web all"):
                tallies[group][name].add(text, with_, without)
        if errors:
            _page_errors(file, results, with_, without)
    return tallies


def _page_errors(file: str, results: dict[str, str], with_: list[str], without: list[str]):
    t = Tally()
    t.add(results["ours"], with_, without)
    u = Tally()
    u.add(results["traf"], with_, without)
    if t.prf()[2] < u.prf()[2] - 1e-9 or t.fn + t.fp > 0.5:
        print(f"{file}: ours fn={t.fn:.2f} fp={t.fp:.2f}  traf fn={u.fn:.2f} fp={u.fp:.2f}",
              file=sys.stderr)


def score_layouts(errors: bool) -> dict[str, dict[str, list]]:
    """Per layout: [body F1 sum, titles right, dates right, pages] for ours and trafilatura."""
    rows: dict[str, dict[str, list]] = defaultdict(lambda: {"ours": [0.0, 0, 0, 0],
                                                             "traf": [0.0, 0, 0, 0]})
    with tempfile.TemporaryDirectory() as tmp:
        gold = layouts.write(Path(tmp))
        extracted = extract_corpus([Path(tmp)], {}, workers=1)
        ours = {item.article.path: item.article for item in extracted.items
                if isinstance(item, Item)}
        for path, want in sorted(gold.items()):
            article = ours.get(path)
            got = {"ours": (article.body, article.title,
                            article.published.date().isoformat() if article and
                            article.published else "") if article else ("", "", "")}
            doc = trafilatura.bare_extraction(Path(path).read_text(), with_metadata=True)
            got["traf"] = (doc.text or "", doc.title or "", doc.date or "") if doc else ("", "",
                                                                                        "")
            for name, (body, title, day) in got.items():
                row = rows[want["layout"]][name]
                row[0] += body_f1(body, want["body"])
                row[1] += norm_title(title) == norm_title(want["title"])
                row[2] += day[:10] == want["date"]
                row[3] += 1
                if errors and name == "ours" and (norm_title(title) != norm_title(want["title"])
                                                  or day[:10] != want["date"]):
                    print(f"{want['layout']}/{Path(path).name}: title {title!r} date {day!r}",
                          file=sys.stderr)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("dev", "test"), required=True)
    parser.add_argument("--only", choices=("web", "layouts"))
    parser.add_argument("--errors", action="store_true", help="per-page misses on stderr")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    out: dict[str, dict] = {}
    if args.only != "layouts":
        for group, pair in sorted(score_web(args.split, args.errors).items()):
            out[group] = {name: {"pages": t.pages, "body_f1": round(t.prf()[2], 4),
                                 "precision": round(t.prf()[0], 4),
                                 "recall": round(t.prf()[1], 4)} for name, t in pair.items()}
    if args.only != "web":
        for layout, pair in score_layouts(args.errors).items():
            out[layout] = {name: {"pages": r[3], "body_f1": round(r[0] / r[3], 4),
                                  "title": f"{r[1]}/{r[3]}", "date": f"{r[2]}/{r[3]}"}
                           for name, r in pair.items()}
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        _print_table(args.split, out)
    return 0


def _print_table(split: str, out: dict[str, dict]) -> None:
    print(f"split: {split}   (ours | trafilatura.extract)")
    print(f"{'source':<16}{'pages':>6}  {'body F1':>15}  {'P':>13}  {'R':>13}  "
          f"{'title':>11}  {'date':>11}")
    for source, pair in out.items():
        o, t = pair["ours"], pair["traf"]

        def both(key: str, o=o, t=t) -> str:
            if key not in o:
                return "-"
            fmt = "{:.3f}" if isinstance(o[key], float) else "{}"
            return f"{fmt.format(o[key])} | {fmt.format(t[key])}"

        print(f"{source:<16}{o['pages']:>6}  {both('body_f1'):>15}  {both('precision'):>13}  "
              f"{both('recall'):>13}  {both('title'):>11}  {both('date'):>11}")


if __name__ == "__main__":
    sys.exit(main())
