"""Dates: parse the many ways news pages write a publication date into one naive UTC datetime."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from dateutil import parser as dateparser

EARLIEST = datetime(1900, 1, 1)
UNIX_TIME = re.compile(r"\d{9,}(?:\.\d+)?")
# A page's date a little ahead of our clock is timezone skew; far ahead is a mistake.
FUTURE_SLACK = timedelta(days=2)

MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
# "13 Aug 2025 21:16", "August 14, 2025", "Aug. 14, 2025 9:30 PM", "2025-08-14T10:00Z", "2017/2/7"
DATE_RE = re.compile(
    rf"\b(?:\d{{1,2}}\s+{MONTHS}\s+\d{{4}}|{MONTHS}\s+\d{{1,2}},?\s+\d{{4}}"
    r"|\d{4}[-/]\d{1,2}[-/]\d{1,2})"
    r"(?:[T ,]+\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?\s*(?:[AaPp]\.?[Mm]\.?)?"
    r"(?:\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2}))?)?",
    re.IGNORECASE,
)


def parse_date(value: object, *, now: datetime | None = None) -> datetime | None:
    """Parse a date from a string, number (Unix time) or date; None when absent or implausible."""
    try:
        parsed = _parse(value)
    except (ValueError, OverflowError, OSError, TypeError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    limit = (now or datetime.now(UTC).replace(tzinfo=None)) + FUTURE_SLACK
    return parsed if EARLIEST <= parsed <= limit else None


def _parse(value: object) -> datetime | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, int | float):
        # Milliseconds since the epoch are common in JSON exports.
        seconds = value / 1000 if value > 1e11 else value
        return datetime.fromtimestamp(seconds, UTC)
    text = str(value).strip()
    if not text or len(text) > 100:
        return None
    if UNIX_TIME.fullmatch(text):  # records carry numbers as text: "1700000000.25"
        return _parse(float(text) if "." in text else int(text))
    parsed = dateparser.parse(text, default=datetime(2000, 1, 1))
    # dateutil fills what is missing from the default: without a year ("Tuesday", "5 May", "5")
    # it would invent one, so a second default tells whether the text gave a year.
    if dateparser.parse(text, default=datetime(2001, 2, 2)).year != parsed.year:
        return None
    return parsed


def find_date(text: str) -> tuple[datetime | None, str]:
    """The first plausible date written in ``text``, and the matched text."""
    for match in DATE_RE.finditer(text):
        parsed = parse_date(match.group(0))
        if parsed:
            return parsed, match.group(0)
    return None, ""


# "Published 17/03/2017", "Updated: 03/17/2017 9:30", "Posted on March 5, 2017"
DATE_LABEL = re.compile(
    r"\b(?:first\s+)?(?:published|updated|posted|last\s+updated|modified)(?:\s+on)?\s*:?\s*",
    re.IGNORECASE,
)
NUMERIC_DATE = re.compile(r"\b(\d{1,2})([./-])(\d{1,2})\2(\d{4})\b")
DAY_FIRST, MONTH_FIRST = "~day-first", "~month-first"  # a site's order, learned as a page key


def date_order(text: str) -> str:
    """DAY_FIRST or MONTH_FIRST when a numeric date in ``text`` can only be read one way
    ("17/03/2017", "03/17/2017"), else ""."""
    for match in NUMERIC_DATE.finditer(text):
        first, second = int(match.group(1)), int(match.group(3))
        if first > 12 >= second:
            return DAY_FIRST
        if second > 12 >= first:
            return MONTH_FIRST
    return ""


def site_order(keys: frozenset[str] | set[str]) -> bool | None:
    """Whether a site writes the day first (True), the month first (False), or unknown."""
    day, month = DAY_FIRST in keys, MONTH_FIRST in keys
    return day if day != month else None


def labelled_date(text: str, day_first: bool | None = None) -> str:
    """The date after a "Published"/"Updated"/"Posted" label, as ISO 8601 ("" if none).

    A numeric date that reads both ways ("05/03/2017") follows the site's order when known,
    and the order of its own label's neighbours (never guessed) otherwise: "" then."""
    for label in DATE_LABEL.finditer(text):
        rest = text[label.end():label.end() + 40]
        if found := DATE_RE.match(rest):
            parsed = parse_date(found.group(0))
        elif found := NUMERIC_DATE.match(rest):
            parsed = _numeric(found, day_first)
        else:
            continue
        if parsed:  # a time only where one was written: a page's other dates may be more precise
            return parsed.isoformat() if ":" in found.group(0) else parsed.date().isoformat()
    return ""


def _numeric(match: re.Match, day_first: bool | None) -> datetime | None:
    first, second, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
    if first > 12:
        day_first = True
    elif second > 12:
        day_first = False
    if day_first is None:
        return None
    day, month = (first, second) if day_first else (second, first)
    try:
        return parse_date(datetime(year, month, day))
    except ValueError:
        return None
