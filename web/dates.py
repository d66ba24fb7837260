"""Date ranges for people: the chosen range resolved to days, and written out."""

from __future__ import annotations

from datetime import datetime, timedelta

from search.request import parse_day, parse_end


def chosen_dates(state: dict) -> tuple[datetime | None, datetime | None]:
    """The chosen date range as [first day, day after the last), None where open."""
    start = parse_day("from", state["from"]) if state["from"] else None
    end = parse_end("to", state["to"]) if state["to"] else None
    return start, end


def date_span(start: datetime | None, end: datetime | None) -> str:
    """A range of days for people: "14 Feb – 3 Mar 2017", "3–9 Mar 2017", "from 1 Mar 2017";
    ``end`` is exclusive, as in the request."""
    last = end - timedelta(days=1) if end else None
    if start and last:
        if start.date() == last.date():
            return _label(start)
        if (start.year, start.month) == (last.year, last.month):
            return f"{start.day}–{_label(last)}"
        first = f"{start.day} {start:%b}" if start.year == last.year else _label(start)
        return f"{first} – {_label(last)}"
    if start:
        return f"from {_label(start)}"
    return f"until {_label(last)}" if last else "any time"


def day(iso: str) -> datetime:
    """A ``YYYY-MM-DD`` day as a datetime."""
    return datetime.fromisoformat(iso)


def overlaps(bucket: dict, start: datetime | None, end: datetime | None) -> bool:
    """Whether a histogram bucket's days [from, to] meet the range [start, end)."""
    first, last = day(bucket["from"]), day(bucket["to"])
    return (end is None or first < end) and (start is None or last >= start)


def _label(when: datetime) -> str:
    return f"{when.day} {when:%b %Y}"
