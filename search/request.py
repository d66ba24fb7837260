"""Search requests: the parameters a user may give, validated once for every front end."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import InvalidRequest

# The source facet's name for articles without one (indexed as the empty value), so that a
# user can filter on them and the source counts add up to the total. Here, not in facets.py:
# front ends name it without importing the engine.
UNKNOWN = "(unknown)"

FACET_PARAMS = {"region": "regions", "country": "countries", "person": "people", "source": "source"}
SORTS = ("relevance", "newest", "oldest")
COLLAPSES = ("story", "none")
MODES = ("hybrid", "lexical")  # words and meaning fused, or words only
DEFAULT_MODE = "hybrid"  # it won on the relevance harness (bench/relevance/README.md)
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
MAX_QUERY_CHARS = 2_000
MAX_FILTER_VALUES = 50
MAX_FILTER_CHARS = 200  # no facet value is longer; a longer one would only be echoed back
FACET_SIZE = 20  # facet values listed by default
MAX_FACET_SIZE = 1_000  # the most a facet lists (a "more" link asks for it)
RELATIVE = re.compile(r"^(\d{1,4})([dwmy])$")
UNIT_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}


class BadParameter(InvalidRequest):
    """A request parameter has a value we cannot use."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param


@dataclass
class SearchRequest:
    """What a user asked for: query, facet filters, date range, sort and page."""

    q: str = ""
    region: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    person: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    date_from: datetime | None = None
    date_to: datetime | None = None  # exclusive
    sort: str = "relevance"
    collapse: str = "story"  # one hit per story; "none" still folds copies of one text
    mode: str = DEFAULT_MODE
    page: int = 1
    per_page: int = 10
    raw_from: str = ""
    raw_to: str = ""
    # Values listed per facet: ``facet_size`` for all, ``facet_size.person`` for one.
    facet_size: dict[str, int] = field(default_factory=dict)

    def size_of(self, name: str) -> int:
        """How many values of facet ``name`` to list."""
        return self.facet_size.get(name, FACET_SIZE)

    def filters(self) -> dict[str, list[str]]:
        """The facet filters by parameter name (only those given)."""
        return {name: getattr(self, name) for name in FACET_PARAMS if getattr(self, name)}

    def describe(self) -> dict:
        """The query and filters as plain data, for export headers and the JSON echo."""
        return {
            "q": self.q,
            **{n: getattr(self, n) for n in FACET_PARAMS},
            "from": self.raw_from or None,
            "to": self.raw_to or None,
            "sort": self.sort,
            "collapse": self.collapse,
            "mode": self.mode,
        }


def parse_request(
    args: Mapping[str, list[str] | str], *, now: datetime | None = None
) -> SearchRequest:
    """Validate request parameters (as lists of strings); unknown parameters are ignored."""

    def values(name: str) -> list[str]:
        raw = args.get(name, [])
        items = [raw] if isinstance(raw, str) else list(raw)
        return [v.strip() for v in items if v and v.strip()]

    def one(name: str, default: str = "") -> str:
        found = values(name)
        return found[-1] if found else default

    req = SearchRequest(q=one("q")[:MAX_QUERY_CHARS])
    for name in FACET_PARAMS:
        given = values(name)
        chosen = list(dict.fromkeys([v.upper() for v in given] if name == "country" else given))
        if len(chosen) > MAX_FILTER_VALUES:
            raise BadParameter(name, f"at most {MAX_FILTER_VALUES} values")
        if any(len(c) > MAX_FILTER_CHARS for c in chosen):
            raise BadParameter(name, f"a value has at most {MAX_FILTER_CHARS} characters")
        setattr(req, name, chosen)
    req.page = _int("page", one("page", "1"), 1, MAX_PAGE)
    req.per_page = _int("per_page", one("per_page", "10"), 1, MAX_PER_PAGE)
    req.sort = one("sort", "relevance").lower()
    if req.sort not in SORTS:
        raise BadParameter("sort", f"must be one of {', '.join(SORTS)}")
    req.collapse = one("collapse", "story").lower()
    if req.collapse not in COLLAPSES:
        raise BadParameter("collapse", f"must be one of {', '.join(COLLAPSES)}")
    req.mode = one("mode", DEFAULT_MODE).lower()
    if req.mode not in MODES:
        raise BadParameter("mode", f"must be one of {', '.join(MODES)}")
    req.raw_from, req.raw_to = one("from"), one("to")
    req.date_from = parse_day("from", req.raw_from, now) if req.raw_from else None
    req.date_to = parse_end("to", req.raw_to, now) if req.raw_to else None
    if req.date_from and req.date_to and req.date_from >= req.date_to:
        raise BadParameter("from", "must not be after 'to'")
    req.facet_size = _facet_sizes(args, one)
    return req


def _facet_sizes(args: Mapping, one) -> dict[str, int]:
    """``facet_size=N`` for every facet, then ``facet_size.NAME=N`` for one of them."""
    sizes: dict[str, int] = {}
    if every := one("facet_size"):
        size = _int("facet_size", every, 1, MAX_FACET_SIZE)
        sizes = dict.fromkeys(FACET_PARAMS, size)
    for param in sorted(k for k in args if k.startswith("facet_size.")):
        name = param.removeprefix("facet_size.")
        if name not in FACET_PARAMS:
            raise BadParameter(param, f"no facet {name[:40]!r}: one of {', '.join(FACET_PARAMS)}")
        if text := one(param):
            sizes[name] = _int(param, text, 1, MAX_FACET_SIZE)
    return sizes


def _int(name: str, text: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise BadParameter(name, f"must be a whole number, not {text[:40]!r}") from None
    if not low <= value <= high:
        raise BadParameter(name, f"must be between {low} and {high}")
    return value


def parse_day(name: str, text: str, now: datetime | None = None) -> datetime:
    """A day from YYYY-MM-DD, YYYY-MM, YYYY or a relative age (7d, 2w, 6m, 1y ago)."""
    return _period(name, text, now)[0]


def parse_end(name: str, text: str, now: datetime | None = None) -> datetime | None:
    """The exclusive end of a ``to`` day, month (YYYY-MM) or year (YYYY): the moment after it.

    None for the last day datetime can hold (9999-12-31): nothing is after it, so no bound.
    """
    start, unit = _period(name, text, now)
    try:
        if unit == "year":
            return start.replace(year=start.year + 1)
        if unit == "month":
            return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return start + timedelta(days=1)
    except (OverflowError, ValueError):
        return None


def _period(name: str, text: str, now: datetime | None) -> tuple[datetime, str]:
    """The first day of what ``text`` names, and whether that is a day, a month or a year."""
    if match := RELATIVE.match(text.lower()):
        # The wall-clock day of ``now``, naive like the published dates it is compared with.
        today = (now or datetime.now()).replace(
            hour=0, minute=0, second=0, microsecond=0, tzinfo=None
        )
        try:
            return today - timedelta(days=int(match.group(1)) * UNIT_DAYS[match.group(2)]), "day"
        except OverflowError:
            raise BadParameter(name, f"{text!r} is further back than the calendar goes") from None
    for fmt, unit in (("%Y-%m-%d", "day"), ("%Y-%m", "month"), ("%Y", "year")):
        try:
            return datetime.strptime(text, fmt), unit
        except ValueError:
            continue
    raise BadParameter(name, f"use YYYY-MM-DD or an age like 7d, 30d, 1y, not {text[:40]!r}")
