"""Render the stories of ``articles.py`` into page layouts with a known title, day and body.

Seven layouts, each one site; every story appears on every site, so per-site learning (repeated
lines, site names in titles, day-first dates) has the pages it would have in a real crawl:

  html-headline  <title>Site - Headline</title>, no og tags, a menu, <h1 class="headline">,
                 <time datetime>, the table of a story as a <table>
  html-share     og:title and <title> "Headline | Site", a share bar ("Share", "Listen to this
                 article") before <h2 class="article-headline">, "Published 17/03/2017" only
  html-br        a blog: <title>Site » Headline</title>, the article one <p> that starts with
                 a newline and is split by <br><br>, "Posted on March 5, 2017"
  html-wire      og:site_name, JSON-LD NewsArticle, a dateline, a prose table
  html-bare      <title>Site - Headline</title> and no headline element, no og tags, no URL:
                 only the site's other pages tell that "Northfield Echo Online" is its name
  text-mobile    a mobile page rendered to text: "Listen to this article" above the headline,
                 "Published 17/03/2017"
  text-desktop   a desktop page rendered to text: menu, ticker, "By ...", "Updated 03/17/2017",
                 related links, most read, footer

``write(folder)`` writes them as files and returns the gold values by file name.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path

from articles import STORIES, Story

MENU = ("Home", "World", "Business", "Sport", "Culture", "Opinion", "Weather", "Contact us")


def gold_body(story: Story) -> str:
    """The article text a reader should get: paragraphs, then the table's cells."""
    cells = [f"{a} {b}" for a, b in story.table]
    return "\n\n".join([*story.paragraphs, *cells])


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _table(story: Story) -> str:
    if not story.table:
        return ""
    rows = "".join(f"<tr><td>{_e(a)}</td><td>{_e(b)}</td></tr>" for a, b in story.table)
    return f"<table class=\"facts\"><tbody>{rows}</tbody></table>"


def _menu() -> str:
    return "<nav><ul>" + "".join(f'<li><a href="/{m.lower()}">{m}</a></li>' for m in MENU) + \
        "</ul></nav>"


def _others(story: Story) -> list[str]:
    return [s.headline for s in STORIES if s is not story][:4]


def html_headline(story: Story) -> str:
    paras = "".join(f"<p>{_e(p)}</p>" for p in story.paragraphs)
    related = "".join(f'<li><a href="/x">{_e(h)}</a></li>' for h in _others(story))
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Harbour Gazette - {_e(story.headline)}</title></head><body>
<header><a href="/" class="logo">Harbour Gazette</a>{_menu()}</header>
<div class="page"><div class="story">
<h1 class="headline">{_e(story.headline)}</h1>
<div class="byline">By {_e(story.author)} <time datetime="{story.day.isoformat()}">
{story.day.strftime('%d %B %Y')}</time></div>
<div class="story-body">{paras}{_table(story)}</div></div>
<div class="rail"><h3>Most read</h3><ul>{related}</ul></div></div>
<footer><p>Harbour Gazette. All rights reserved.</p></footer></body></html>"""


def html_share(story: Story) -> str:
    title = f"{story.headline} | The Valley Courier"
    paras = "".join(f"<p>{_e(p)}</p>" for p in story.paragraphs)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{_e(title)}</title>
<meta property="og:title" content="{_e(title)}"></head><body>
<div class="top"><a href="/">The Valley Courier</a> <a href="/news">News</a>
<a href="/sport">Sport</a> <a href="/jobs">Jobs</a></div>
<div class="article">
<div class="share-bar"><span>Share</span> <span>Listen to this article</span></div>
<h2 class="article-headline">{_e(story.headline)}</h2>
<p class="meta">Published {story.day.strftime('%d/%m/%Y')}</p>
<div class="content">{paras}{_table(story)}</div>
<div class="tools"><a href="#">Share</a> <a href="#">Print</a></div></div>
<div class="footer">The Valley Courier, 12 Mill Lane</div></body></html>"""


def html_br(story: Story) -> str:
    day = f"{story.day.strftime('%B')} {story.day.day}, {story.day.year}"
    text = "<br><br>".join(_e(p) for p in story.paragraphs)
    links = "".join(f'<li><a href="/p">{_e(h)}</a></li>' for h in _others(story))
    return f"""<html><head><title>Hillside Notes » {_e(story.headline)}</title></head><body>
<div id="wrap"><div id="header"><a href="/">Hillside Notes</a></div>
<div id="main"><div class="post"><h2 class="entry-title">{_e(story.headline)}</h2>
<div class="postmeta">Posted on {day} by {_e(story.author)}</div>
<div class="entry"><p>
{text}</p>{_table(story)}</div></div></div>
<div id="sidebar"><h3>Recent posts</h3><ul>{links}</ul></div></div></body></html>"""


def html_wire(story: Story) -> str:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": story.headline,
          "datePublished": story.day.isoformat(), "author": {"name": story.author}}
    paras = "".join(f"<p>{_e(p)}</p>" for p in story.paragraphs)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{_e(story.headline)} - Wire Desk</title>
<meta property="og:site_name" content="Wire Desk">
<script type="application/ld+json">{json.dumps(ld)}</script></head><body>
{_menu()}<main><article><h1>{_e(story.headline)}</h1>
<p class="by">{_e(story.author)}</p>{paras}{_table(story)}</article></main>
<footer>Wire Desk</footer></body></html>"""


def html_bare(story: Story) -> str:
    paras = "".join(f"<p>{_e(p)}</p>" for p in story.paragraphs)
    day = f"{story.day.day} {story.day.strftime('%B %Y')}"
    return f"""<html><head><title>Northfield Echo Online - {_e(story.headline)}</title>
<meta name="date" content="{story.day.isoformat()}"></head><body>
<div class="masthead"><img src="/logo.png" alt=""></div>
<div class="main"><div class="dateline">{day}</div><div class="copy">{paras}</div></div>
<div class="foot">Northfield Echo Online</div></body></html>"""


def text_mobile(story: Story) -> str:
    lines = ["Coastline News", "Menu", "Search", "", "Listen to this article", story.headline,
             f"Published {story.day.strftime('%d/%m/%Y')}", ""]
    for paragraph in story.paragraphs:
        lines += [paragraph, ""]
    lines += [f"{a}: {b}" for a, b in story.table] + ([""] if story.table else [])
    lines += ["Share", "", "Most read", *[f"• {h}" for h in _others(story)], "",
              "Coastline News"]
    return "\n".join(lines) + "\n"


def text_desktop(story: Story) -> str:
    lines = ["Metro Daily Record", "  ".join(MENU[:6]), "", "Breaking",
             "Storm warning issued for the coast on Sunday night", "", story.headline,
             f"By {story.author}", f"Updated {story.day.strftime('%m/%d/%Y')}", ""]
    for paragraph in story.paragraphs:
        lines += [paragraph, ""]
    lines += [f"{a}: {b}" for a, b in story.table] + ([""] if story.table else [])
    lines += ["Related", *_others(story)[:2], "", "Most read", *_others(story)[2:], "",
              "Metro Daily Record"]
    return "\n".join(lines) + "\n"


LAYOUTS: dict[str, tuple[str, Callable[[Story], str]]] = {
    "html-headline": (".html", html_headline),
    "html-share": (".html", html_share),
    "html-br": (".html", html_br),
    "html-wire": (".html", html_wire),
    "html-bare": (".html", html_bare),
    "text-mobile": (".txt", text_mobile),
    "text-desktop": (".txt", text_desktop),
}


def write(folder: Path) -> dict[str, dict]:
    """Write every story in every layout under ``folder``/<layout>/; gold values by path."""
    gold = {}
    for name, (suffix, render) in LAYOUTS.items():
        (folder / name).mkdir(parents=True, exist_ok=True)
        for story in STORIES:
            path = folder / name / f"{story.key}{suffix}"
            path.write_text(render(story), encoding="utf-8")
            gold[str(path)] = {"layout": name, "title": story.headline,
                               "date": story.day.isoformat(), "body": gold_body(story)}
    return gold
