"""The article as the entity finders see it: folded tokens with zones and sentence starts, and
the word lists (titles, organisation words, first names...) the people finder reads."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from search.places import DATA_DIR, tokenize


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _load_word_lists(path: Path) -> dict[str, frozenset[str]]:
    """The [section] word lists of data/person_words.txt."""
    lists: dict[str, list[str]] = {}
    current: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            current = lists.setdefault(line.strip("[] "), [])
        elif not line.startswith("#"):
            current += line.split()
    return {name: frozenset(words) for name, words in lists.items()}


# Vocabulary lists (titles, organisation words, stop words...), documented in the data file.
WORDS = _load_word_lists(DATA_DIR / "person_words.txt")
FIRST_NAMES_FILE = DATA_DIR / "first_names.txt"
TITLES = WORDS["titles"]
STOP = WORDS["stop"]
MONTHS = WORDS["months"]
ORG = WORDS["org"]
NOT_FIRST = WORDS["not_first"]
PARTICLES = WORDS["particles"]
PREFIXES = PARTICLES | _words("ad as an ar ash at az")  # only before a hyphen: as-Sisi
LEAD_SENTENCES = 2  # the lead (first two sentences) weighs more than the rest of the body
# Sentences that are credits or page furniture, not the story: names in them are no one's
# in the article ("Follow Cathy Bussewitz on Twitter", "X in Phoenix ... contributed to this
# report", "Share this slide: How will Donald Trump's first 100 days impact YOU?").
_CREDIT = re.compile(
    r"contributed (?:to )?(?:this|the) (?:report|story|article)|contributed reporting", re.I
)
_FURNITURE = ("follow ", "share this", "subscribe", "sign up", "click here", "read more",
              "reporting by", "editing by")  # fmt: skip
_LEADING = re.compile(r"[\W_]*")  # quotes, bullets, a stray "?" before a sentence
_NAME = r"((?:[A-Z][\w'.-]* ){1,3}[A-Z][\w'-]+)"
# Bylines inside the text: "By Peter Hunt, BBC royal correspondent", "Ana Santos reports from".
_BYLINES = re.compile(
    rf"\bBy {_NAME},? (?:BBC|the |[\w ]{{0,30}}(?:correspondent|editor|reporter)\b)"
    rf"|\b{_NAME} reports? from [A-Z]"
)


def byline_names(text: str) -> list[str]:
    """Names that a byline or "X reports from" inside the text gives as the author's."""
    if "By " not in text and " from " not in text:
        return []  # most articles: skip the scan
    return [a or b for a, b in _BYLINES.findall(text)]


@cache
def first_names() -> frozenset[str]:
    """Given names from data/first_names.txt (its header names the sources), minus our lists."""
    text = FIRST_NAMES_FILE.read_text(encoding="utf-8")
    names = {line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"}
    return frozenset(names - NOT_FIRST - TITLES - STOP - MONTHS - ORG)


@cache
def sentence_splitter() -> PunktSentenceTokenizer:
    """Punkt with default parameters plus news abbreviations (no trained data to download)."""
    params = PunktParameters()
    params.abbrev_types = set(WORDS["abbreviations"])
    return PunktSentenceTokenizer(params)


class Doc:
    """The tokens of one article with, per token, its zone (title, lead, body, or "credit" for
    a sentence that is not the story) and whether it starts a sentence."""

    def __init__(self, title: str, body: str) -> None:
        self.toks: list[str] = []
        self.zone: list[str] = []
        self.starts: set[int] = set()
        self.sentences: list[tuple[int, int]] = []
        self._add(_unglue(tokenize(title)) if "-" in title else tokenize(title), "title")
        splitter = sentence_splitter()
        n_sent = 0
        for para in body.splitlines():
            for start, end in splitter.span_tokenize(para):
                sentence = para[start:end]
                zone = "lead" if n_sent < LEAD_SENTENCES else "body"
                toks = _unglue(tokenize(sentence)) if "-" in sentence else tokenize(sentence)
                self._add(toks, "credit" if _not_story(sentence) else zone)
                n_sent += 1
        self.low = [t.lower() for t in self.toks]
        self.lower_words = {t for t in self.toks if t.islower()}

    def _add(self, toks: list[str], zone: str) -> None:
        start = len(self.toks)
        self.starts.add(start)
        self.toks += toks
        self.sentences.append((start, len(self.toks)))
        self.toks.append("\n")  # runs and cues never cross a sentence or paragraph break
        self.zone += [zone] * (len(self.toks) - start)


def korean(head: str, tail: str) -> bool:
    """A romanised Korean given name's two syllables ("Jong-nam", "Jae-in", "Ki-moon")."""
    return 2 <= len(head) <= 4 and len(tail) <= 4 and head[0].isupper() and tail.islower()


def _not_story(sentence: str) -> bool:
    """Whether a sentence is a credit or page furniture (checked cheaply: every sentence is)."""
    if "ontribut" in sentence and _CREDIT.search(sentence):
        return True
    start = _LEADING.match(sentence).end()  # type: ignore[union-attr]  # always matches
    return sentence[start : start + 20].lower().startswith(_FURNITURE)


def _unglue(toks: list[str]) -> list[str]:
    """Split words glued by a stray hyphen where a space was lost ("activist-George",
    "President-Tayyip", "Murdoch-owned"); real compounds (al-Assad, Nkoana-Mashabane,
    US-led) stay whole; a capitalised word before a lower-case one is split ("Kurdish-led")
    as the first stands for itself either way."""
    out: list[str] = []
    for tok in toks:
        head, sep, tail = tok.partition("-")
        if not sep or not head or not tail or "-" in tail:
            out.append(tok)
        elif head.islower() and tail[0].isupper() and head not in PREFIXES and len(head) > 3:
            out += [head, tail]  # "activist-George" (but "anti-Trump", "al-Assad", "pro-EU")
        elif head in TITLES and tail[0].isupper() and tail[1:].islower():
            out += [head, tail]  # "President-Tayyip", "Sergeant-Maurice"
        elif head[0].isupper() and head[1:].islower() and tail.isalpha() and tail.islower() \
                and not korean(head, tail):
            out += [head, tail]  # "Murdoch-owned", "President Donald Trump-scientific"
        else:
            out.append(tok)
    return out
