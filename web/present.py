"""Presentation: turn search() and get_article() data into what the templates show.

Links, chips, pagination, facet labels and histogram bars are computed here, in Python, so the
templates only lay them out (and tests can check them without parsing HTML).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from urllib.parse import urlencode, urlsplit

import pycountry
from flask import Flask, url_for

from search.notices import coverage, more_line, outlet, outlets
from search.request import FACET_SIZE, MAX_FACET_SIZE, MODES, SORTS, SearchRequest

from .dates import chosen_dates, date_span, day, overlaps

FACETS = {"region": "Region", "country": "Country", "person": "People", "source": "Source"}
PLURALS = {"region": "regions", "country": "countries", "person": "people", "source": "sources"}
MORE_STEP = 100  # "Show more" lists this many values, then up to MAX_FACET_SIZE
FILTER_FROM = 10  # a facet listing more values than this gets a box to filter them
# The relative ranges the request model takes (``from=7d``), offered beside the date inputs.
PRESETS = (("Past week", "7d"), ("Past month", "30d"), ("Past year", "1y"))
TITLE_NOTES = {"url": "title from the URL", "text": "title from the text"}
MODE_LABELS = {"hybrid": "Meaning + words", "lexical": "Words only"}
DEFAULTS = SearchRequest()
WINDOW = 2  # page links shown either side of the current page
BAR_WIDTH, BAR_GAP, CHART_HEIGHT = 10, 2, 48


@cache
def country_name(code: str) -> str:
    """A country's display name from its ISO alpha-2 code (the code itself when unknown)."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def human_date(iso: str | None, unit: str = "day") -> str:
    """``2025-08-13T21:16:00`` as ``13 Aug 2025`` (or ``Aug 2025`` for a month)."""
    if not iso:
        return ""
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{when:%b %Y}" if unit == "month" else f"{when.day} {when:%b %Y}"


def is_web_url(url: str | None) -> bool:
    """Only http(s) URLs with a host become links; ``javascript:`` and friends never do."""
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def state_of(data: dict) -> dict:
    """The parameters that reproduce a search() result, normalised (drops unknown ones)."""
    filters = data.get("filters", {})
    state = {name: list(filters.get(name) or []) for name in FACETS}
    state |= {
        "q": data["query"],
        "from": filters.get("from") or "",
        "to": filters.get("to") or "",
        "sort": data["sort"],
        "collapse": data["collapse"],
        "mode": data.get("mode_requested") or filters.get("mode") or DEFAULTS.mode,
        "per_page": data["per_page"],
        "page": data["page"],
        "facet_size": {
            n: size for n, size in (data.get("facet_size") or {}).items() if size != FACET_SIZE
        },
    }
    return state


def query_pairs(state: dict) -> list[tuple[str, str]]:
    """``state`` as query-string pairs, leaving out empty values and defaults."""
    pairs = [("q", state["q"])] if state["q"] else []
    for name in FACETS:
        pairs += [(name, value) for value in state[name]]
    pairs += [(name, state[name]) for name in ("from", "to") if state[name]]
    if state["sort"] != DEFAULTS.sort:
        pairs.append(("sort", state["sort"]))
    if state["collapse"] != DEFAULTS.collapse:
        pairs.append(("collapse", state["collapse"]))
    if state.get("mode", DEFAULTS.mode) != DEFAULTS.mode:
        pairs.append(("mode", state["mode"]))
    if state["per_page"] != DEFAULTS.per_page:
        pairs.append(("per_page", str(state["per_page"])))
    for name, size in sorted(state.get("facet_size", {}).items()):
        if size != FACET_SIZE:
            pairs.append((f"facet_size.{name}", str(size)))
    if state["page"] != 1:
        pairs.append(("page", str(state["page"])))
    return pairs


def hidden_pairs(state: dict, *skip: str) -> list[tuple[str, str]]:
    """The parameters a form must carry as hidden inputs besides the fields it shows."""
    return [(k, v) for k, v in query_pairs({**state, "page": 1}) if k not in skip]


def link(state: dict, endpoint: str = "site.search", **changes) -> str:
    """A URL for ``state`` with ``changes`` applied; any change but ``page`` goes to page 1."""
    new = {**state, "page": 1, **changes}
    pairs = query_pairs(new)
    return url_for(endpoint) + ("?" + urlencode(pairs) if pairs else "")


def chips(state: dict) -> list[dict]:
    """One removable chip per active filter: its label and a link without it."""
    out = []
    for name, title in FACETS.items():
        for value in state[name]:
            rest = [v for v in state[name] if v != value]
            label = country_name(value) if name == "country" else value
            out.append({"name": title, "label": label, "href": link(state, **{name: rest})})
    for name, title in (("from", "From"), ("to", "To")):
        if state[name]:
            out.append({"name": title, "label": state[name], "href": link(state, **{name: ""})})
    return out


def pagination(state: dict, pages: int) -> dict:
    """Previous/next links and a window of page numbers (None marks a gap)."""
    current = state["page"]
    shown = {1, pages, *range(max(1, current - WINDOW), min(pages, current + WINDOW) + 1)}
    numbers: list[dict | None] = []
    for number in sorted(shown):
        if numbers and numbers[-1] is not None and number > numbers[-1]["number"] + 1:
            numbers.append(None)
        numbers.append(
            {"number": number, "href": link(state, page=number), "current": number == current}
        )
    return {
        "prev": link(state, page=current - 1) if 1 < current <= pages else None,
        "next": link(state, page=current + 1) if current < pages else None,
        "numbers": numbers if pages > 1 else [],
    }


def facet_groups(data: dict, state: dict | None = None) -> list[dict]:
    """The sidebar's checkbox groups, labelled for people (country codes become names), each
    with links to list more (or fewer) of its values."""
    state = state or state_of(data)
    groups = []
    for name, title in FACETS.items():
        options = [
            {
                **item,
                "label": country_name(item["value"]) if name == "country" else item["value"],
                "id": f"facet-{name}-{n}",
            }
            for n, item in enumerate(data["facets"].get(name, []))
        ]
        more = (data.get("facet_more") or {}).get(name, False)
        groups.append(
            {
                "name": name,
                "title": title,
                "noun": PLURALS[name],
                "options": options,
                **_facet_links(state, name, more),
                "filter": more or len(options) > FILTER_FROM,
            }
        )
    return groups


def _facet_links(state: dict, name: str, more: bool) -> dict:
    """Links that list more of a facet's values, or the default number again."""
    size = state["facet_size"].get(name, FACET_SIZE)
    bigger = MORE_STEP if size < MORE_STEP else MAX_FACET_SIZE

    def resized(new: int) -> str:
        sizes = {**state["facet_size"], name: new}
        return link(state, page=state["page"], facet_size=sizes) + f"#facet-{name}"

    return {
        "more": resized(bigger) if more and size < MAX_FACET_SIZE else None,
        "more_label": f"Show more {PLURALS[name]}" if bigger == MORE_STEP
        else f"Show all {PLURALS[name]} (up to {MAX_FACET_SIZE:,})",
        "fewer": resized(FACET_SIZE) if size > FACET_SIZE else None,
    }


def histogram(data: dict, state: dict) -> dict | None:
    """Bars for the date facet: geometry for an inline SVG, a filter link per bar, the count
    scale, the bars inside the chosen range marked and that range written out."""
    buckets = data["facets"].get("date") or []
    if not buckets:
        return None
    unit = data["facets"].get("date_unit", "day")
    tallest = max(b["count"] for b in buckets)
    start, end = chosen_dates(state)
    ranged = bool(start or end)
    bars = []
    for n, bucket in enumerate(buckets):
        height = round(bucket["count"] / tallest * CHART_HEIGHT, 1) if bucket["count"] else 0
        label = human_date(bucket["from"], unit)
        chosen = ranged and overlaps(bucket, start, end)
        bars.append(
            {
                **bucket,
                "x": n * BAR_WIDTH + BAR_GAP / 2,
                "y": CHART_HEIGHT - height,
                "height": height,
                "label": f"{label}: {_plural(bucket['count'], 'article', 'articles')}"
                + (" (in the chosen dates)" if chosen else ""),
                "href": link(state, **{"from": bucket["from"], "to": bucket["to"]}),
                "chosen": chosen,
            }
        )
    dated = sum(b["count"] for b in buckets)
    listed = data["total"] + data.get("semantic_added", 0)  # what the facets count
    if ranged:
        summary = f"{date_span(start, end)}: {_plural(listed, 'article', 'articles')}"
    else:
        first, last = buckets[0]["from"], buckets[-1]["to"]
        span = (
            date_span(day(first), day(last) + timedelta(days=1))
            if unit == "day"  # month buckets: the first and last days are not known
            else f"{human_date(first, unit)} – {human_date(last, unit)}"
        )
        summary = f"{span}: {_plural(dated, 'article', 'articles')}"
        if listed > dated:
            summary += f" ({listed - dated:,} undated not shown)"
    return {
        "bars": bars,
        "unit": unit,
        "bar_width": BAR_WIDTH - BAR_GAP,
        "width": len(buckets) * BAR_WIDTH,
        "height": CHART_HEIGHT,
        "first": human_date(buckets[0]["from"], unit),
        "last": human_date(buckets[-1]["from"], unit),
        "scale": f"{tallest:,}",
        "ranged": ranged,
        "summary": summary,
    }


def date_control(data: dict, state: dict) -> dict:
    """The date-range form: its inputs' values and bounds, and the relative ranges as links."""
    start, end = chosen_dates(state)
    buckets = data["facets"].get("date") or []
    presets = [
        {"label": label, "href": link(state, **{"from": value, "to": ""}),
         "current": state["from"].lower() == value and not state["to"]}
        for label, value in PRESETS
    ]  # fmt: skip
    presets.append(
        {"label": "Any time", "href": link(state, **{"from": "", "to": ""}),
         "current": not state["from"] and not state["to"]}
    )  # fmt: skip
    return {
        # isoformat pads years before 1000, as a date input wants; strftime's %Y does not.
        "from": start.date().isoformat() if start else "",
        "to": (end - timedelta(days=1)).date().isoformat() if end else "",
        "min": buckets[0]["from"] if buckets else "",
        "max": buckets[-1]["to"] if buckets else "",
        "presets": presets,
        "hidden": hidden_pairs(state, "from", "to"),
    }


def search_page(data: dict) -> dict:
    """Everything the search template shows besides the raw data."""
    state = state_of(data)
    return {
        "state": state,
        "chips": chips(state),
        "pagination": pagination(state, data["pages"]),
        "facets": facet_groups(data, state),
        "histogram": histogram(data, state),
        "dates": date_control(data, state),
        "suggestion": data["suggestion"] and link(state, q=data["suggestion"]),
        "sorts": SORTS,
        "modes": [(mode, MODE_LABELS[mode]) for mode in MODES],
        "notice": (data.get("mode_notice") or "").capitalize(),
        "results": [result_extras(r) for r in data["results"]],
        "counts": counts_line(data),
        "notices": notice_lines(data, state),
        "collapse_toggle": {
            "href": link(state, collapse="none" if state["collapse"] == "story" else "story"),
            "label": "Show every article" if state["collapse"] == "story" else "Group by story",
        },
        "hidden": {
            "search": hidden_pairs(state, "q"),
            "facets": hidden_pairs(state, *FACETS),
            "sort": hidden_pairs(state, "sort"),
            "mode": hidden_pairs(state, "mode"),
        },
        "first": (state["page"] - 1) * state["per_page"] + 1,
        "json": link(state, "api.search", page=state["page"]),
        "atom": link(state, "exports.atom"),
        "csv": link(state, "exports.csv"),
        "jsonl": link(state, "exports.jsonl"),
        "clear_all": link({**state, **{name: [] for name in FACETS}, "from": "", "to": ""}),
    }


def counts_line(data: dict) -> str:
    """What the totals count: "3 stories from 5 articles", or "5 articles" (and those only
    the meaning found: "5 articles + 2 by meaning"); then, for words not all found together,
    "81 articles contain all of trump, putin · 1,104 more contain some"."""
    line = _totals(data)
    if words := coverage(data):
        line += f" · {words}"
    return line


def _totals(data: dict) -> str:
    added = data.get("semantic_added", 0)
    total, shown = data["total"] + added, data["total_results"]
    articles = _plural(data["total"], "article", "articles")
    if added:
        articles += f" + {added:,} by meaning"
    if shown == total:
        return articles
    if data["collapse"] == "story":
        return f"{_plural(shown, 'story', 'stories')} from {articles}"
    copies = _plural(total - shown, "copy", "copies")
    return f"{_plural(shown, 'article', 'articles')} ({copies} of the same text folded)"


def notice_lines(data: dict, state: dict) -> list[dict]:
    """The search's notices as sentences, with a way on where there is one (the last page)."""
    out = []
    for notice in data.get("notices", []):
        line = {"code": notice["code"], "text": notice["message"], "href": None, "link": ""}
        if notice["code"] == "past_end":
            line |= {"href": link(state, page=notice["pages"]),
                     "link": f"Go to page {notice['pages']}"}  # fmt: skip
        out.append(line)
    return out


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def title_note(title_from: str | None) -> str:
    """Where a made-up title came from ("title from the URL"), "" for a real headline."""
    return TITLE_NOTES.get(title_from or "", "")


def result_extras(result: dict) -> dict:
    """A hit's "and N more from Outlet A, Outlet B" line and the story's other coverage."""
    return {
        "more": more_line(result),  # "and 2 more from Euro Wire, an unknown source"
        "story": url_for("site.story", story_id=result["story"]["id"]),
        "listed": len(result["more"]) < result["collapsed"],
        "title_note": title_note(result.get("title_from")),
    }


def story_page(story: dict) -> dict:
    """The story template's extras: who published it, an unknown source said last."""
    return {"sources": outlets(story["articles"])}


def filter_link(name: str, value: str) -> str:
    """The search for one facet value, e.g. ``/search?person=Yasar+Guler``."""
    return url_for("site.search") + "?" + urlencode({name: value})


def article_page(article: dict) -> dict:
    """The article template's extras: paragraphs, a safe source link and facet links."""
    return {
        "paragraphs": [p.strip() for p in article.get("body", "").split("\n\n") if p.strip()],
        "url": article.get("url") if is_web_url(article.get("url")) else None,
        "people": [(p, filter_link("person", p)) for p in article.get("people", [])],
        "countries": [
            (country_name(c), filter_link("country", c)) for c in article.get("countries", [])
        ],
        "regions": [(r, filter_link("region", r)) for r in article.get("regions", [])],
        "source": article.get("source") and filter_link("source", article["source"]),
        "json": url_for("api.article", article_id=article["id"]),
        "story": url_for("site.story", story_id=article["story"]["id"]),
    }


def init_app(app: Flask) -> None:
    """Register the template filters."""
    app.add_template_filter(human_date, "human_date")
    app.add_template_filter(country_name, "country_name")
    app.add_template_filter(title_note, "title_note")
    app.add_template_filter(outlet, "outlet")
