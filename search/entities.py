"""Entities: the people and countries an article names, found offline with rules and gazetteers.

People are runs of capitalised tokens (with name particles such as al-, bin, van) stripped of
leading titles ("Turkish Defense Minister"), rejected when they hold organisation words or are
places, and accepted only with evidence: a title or role before them, a speech verb after them,
or a known first name (data/first_names.txt, built by bench/entities/make_first_names.py from
public-domain and MIT-licensed lists and the corpora). Variants of one person merge and
surname-only mentions attach to the full name. Countries come from the gazetteer in places.py,
weighted by where they occur (title, dateline, lead, rest) to tell focus from passing mention.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from search.places import (
    DATA_DIR,
    REGIONS,
    Span,
    after_locative,
    find_places,
    fold,
    rank_countries,
    region_of,
    tokenize,
)

__all__ = ["REGIONS", "Entities", "find_entities", "region_of"]


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
_WORDS = _load_word_lists(DATA_DIR / "person_words.txt")
FIRST_NAMES_FILE = DATA_DIR / "first_names.txt"
_TITLES = _WORDS["titles"]
_CUE_BEFORE = _WORDS["cue_before"] | frozenset(w.lower() for w in _TITLES)
_ROLES = _CUE_BEFORE - {"said", "says", "mr", "mrs", "ms", "dr"}  # "X, the chief of Y, said"
_SPEECH = _WORDS["speech"]
_SPEECH_ADVERBS = _WORDS["speech_adverbs"]
_ORG = _WORDS["org"]
_ORG_IF_FIRST = _WORDS["org_if_first"]
_ORG_IF_LAST = _words("Park Hall Day")  # Central Park, but Park Geun-hye and Arsenio Hall
_STOP = _WORDS["stop"]
_MONTHS = _WORDS["months"]
_MONTH_NAMES = _words("April May June August Summer Autumn")  # Theresa May, June Carter
_PARTICLES = _WORDS["particles"]
_PREFIXES = _PARTICLES | _words("ad as an ar ash at az")  # only before a hyphen: as-Sisi
_NOT_FIRST = _WORDS["not_first"]
_NOUN_SUFFIXES = ("er", "or", "ry", "cy", "ent", "ion", "ing", "ity", "ance", "ence", "ism", "ist")
_LINKS = _words("of for in at from the")  # "MP for Tottenham David Lammy"
_PLACE_CUES = _WORDS["place_cues"]
# Firms whose name looks like a person's; only the most common ones in business news.
_NOT_PEOPLE = frozenset(
    ("Morgan Stanley", "Goldman Sachs", "Wells Fargo", "Dow Jones", "Merrill Lynch", "Rolls Royce")
)
_ABBREVIATIONS = _WORDS["abbreviations"]
LEAD_SENTENCES = 2  # the lead (first two sentences) weighs more than the rest of the body
MIN_NAME_TOKENS = 2  # single names ("Guler") only attach to a full name


@dataclass
class Entities:
    """The entity facets of one article."""

    people: list[str]
    countries: list[str]
    focus_countries: list[str]
    regions: list[str]


@cache
def _first_names() -> frozenset[str]:
    """Given names from data/first_names.txt (its header names the sources), minus our lists."""
    text = FIRST_NAMES_FILE.read_text(encoding="utf-8")
    names = {line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"}
    return frozenset(names - _NOT_FIRST - _TITLES - _STOP - _MONTHS - _ORG)


@cache
def _sentence_splitter() -> PunktSentenceTokenizer:
    """Punkt with default parameters plus news abbreviations (no trained data to download)."""
    params = PunktParameters()
    params.abbrev_types = set(_ABBREVIATIONS)
    return PunktSentenceTokenizer(params)


class _Doc:
    """The tokens of one article with, per token, its zone and whether it starts a sentence."""

    def __init__(self, title: str, body: str) -> None:
        self.toks: list[str] = []
        self.zone: list[str] = []
        self.starts: set[int] = set()
        self._add(tokenize(title), "title")
        splitter = _sentence_splitter()
        n_sent = 0
        for para in body.splitlines():
            for start, end in splitter.span_tokenize(para):
                self._add(tokenize(para[start:end]), "lead" if n_sent < LEAD_SENTENCES else "body")
                n_sent += 1
        self.low = [t.lower() for t in self.toks]
        self.lower_words = {t for t in self.toks if t.islower()}

    def _add(self, toks: list[str], zone: str) -> None:
        self.starts.add(len(self.toks))
        self.toks += toks
        self.toks.append("\n")  # runs and cues never cross a sentence or paragraph break
        self.zone += [zone] * (len(toks) + 1)


_NAME_SHAPE = re.compile(r"[A-Za-z][A-Za-z'\-]*\.?")


def _city_ok(doc: _Doc, start: int, end: int) -> bool:
    """Whether a city match is a place: "in Nice", but not "Nice work" or "Phoenix Park"."""
    if doc.toks[end] in _ORG:
        return False  # Phoenix Park (Dublin), Boston Globe: part of an organisation's name
    # A city named like a given name or an everyday word here needs "in"/"from" before it.
    key = " ".join(doc.toks[start:end])
    ambiguous = key in _first_names() or key.lower() in doc.lower_words
    return not ambiguous or after_locative(doc.toks, start)


def _nameish(tok: str) -> bool:
    """Whether a token can be part of a personal name (Guler, al-Shibani, J., O'Brien)."""
    first = tok[0]
    if not tok.isalpha() and _NAME_SHAPE.fullmatch(tok) is None:
        return False  # pic.twitter.com/HPBrAgh9Ti
    if first.isupper():
        if len(tok) > 1 and tok.isupper() and not (len(tok) == 2 and tok[1] == "."):
            return False  # acronyms: SANA, PKK, U.S.
        if "-" in tok and not all(p[:1].isupper() for p in tok.split("-")[1:]):
            return False  # US-brokered, Kurdish-led
        return tok not in _STOP and tok not in _MONTHS
    if first.islower() and "-" in tok:
        prefix, rest = tok.split("-", 1)
        return prefix in _PREFIXES and rest[:1].isupper()
    return False


def _runs(doc: _Doc) -> Iterable[tuple[int, int]]:
    """Maximal runs [start, end) of name-like tokens, with particles inside (bin, van der)."""
    toks, start = doc.toks, None
    for i, tok in enumerate(toks):
        ok = _nameish(tok) or (
            start is not None
            and ((tok in _PARTICLES and i + 1 < len(toks) and _nameish(toks[i + 1]))
                 or (tok in _MONTH_NAMES and not toks[i + 1][:1].isdigit()))
        )  # fmt: skip
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            yield start, i
            start = None


@dataclass(slots=True)
class _Cand:
    """A person-name candidate: tokens [start, end) and whether there is evidence it is a person."""

    start: int
    end: int
    evidence: bool
    words: tuple[str, ...]


def _candidate(doc: _Doc, start: int, end: int, places: dict[int, str]) -> _Cand | None:
    """Strip titles from a run and decide whether the rest can be a person's name."""
    toks = doc.toks
    start, cue = _strip_title(doc, start, end)
    if not cue and start in doc.starts and _is_common_word(doc, toks[start]):
        start += 1  # sentence-initial "Preserving", "Will"
    while start < end and places.get(start) == "demonym":
        start += 1  # "Syrian Murhaf Abu Qasra"
    if end - start > 2 and toks[start + 1] in _first_names() and _is_role_noun(toks[start]):
        start += 1  # "Comptroller Joseph Shapira", "Industry Vladimir Obydenov"
    while end - start > 2 and toks[end - 1].rstrip(".") in _TITLES:
        end -= 1  # "Axel Weber, Chairman" without the comma
    while end - start > 1 and len(toks[end - 1].rstrip(".")) == 1:
        end -= 1  # a trailing initial ("Judith J.") is no surname
    words = tuple(toks[start:end])
    kinds = [places.get(i) for i in range(start, end)]
    if not words or not _could_be_name(words, kinds):
        return None
    evidence = cue or _cue_before(doc, start)
    given = words[0] in _first_names()
    if kinds[0] or (kinds[-1] and not given):
        pass  # "Dublin Bus said", "on Morning Ireland, Mr Kelleher said": a title or role needed
    elif _speech_after(doc, end):
        evidence = True  # "Michael Jordan said"
    elif given and not any(kinds):
        # "Will Turkey", "Stuart Florida Trump": a place inside needs a stronger cue.
        evidence = evidence or doc.low[start - 1] not in _PLACE_CUES
    return _Cand(start, end, evidence, words)


def _strip_title(doc: _Doc, start: int, end: int) -> tuple[int, bool]:
    """Where the name starts after any title, and whether a title or role was there."""
    toks, names = doc.toks, _first_names()
    for j in range(end - 2, start - 1, -1):
        if _is_title(toks[j]):
            return j + 1, True  # "Turkish Defense Minister | Yasar Guler"
    linked = doc.low[start - 1] in _LINKS
    after_title = linked and any(t.rstrip(".") in _TITLES for t in toks[max(0, start - 6) : start])
    for j in range(start + 1, end - 1):
        if toks[j - 1] in names:
            break  # "Abdel Fattah el-Sisi" keeps its first name
        # "Minister for Finance | Michael Noonan", "Paralympic Committee | Rima Batalova"
        if toks[j] in names and (linked or toks[j - 1] in _ORG):
            return j, after_title
    if after_title and end - start > 2:
        return end - 2, True  # "Chief of Staff | Reince Priebus"
    return start, False


def _is_title(tok: str) -> bool:
    """A title head, also inside a compound ("Attorney-General", "Sen.")."""
    return tok.rstrip(".") in _TITLES or ("-" in tok and any(p in _TITLES for p in tok.split("-")))


def _could_be_name(words: tuple[str, ...], kinds: list[str | None]) -> bool:
    """Reject organisations, places, events and roles ("Tishreen Dam", "Commercial Officer")."""
    if any(w.rstrip(".") in _ORG or _key(w).title() in _ORG for w in words):
        return False
    if words[-1] in _ORG_IF_LAST or words[0] in _ORG_IF_FIRST or " ".join(words) in _NOT_PEOPLE:
        return False
    if _core(words) > 1 and all(kinds) or "demonym" in kinds:
        return False  # "New York", "Al Mayadeen English"; a lone "Lima" may be Leila de Lima's
    # "Stephen King" is a name, "Commercial Officer" a role.
    return words[-1] not in _TITLES or words[0] in _first_names()


def _is_role_noun(tok: str) -> bool:
    """A capitalised common noun of an unlisted title or portfolio (by its English suffix)."""
    return tok not in _first_names() and tok.lower().endswith(_NOUN_SUFFIXES)


def _is_common_word(doc: _Doc, tok: str) -> bool:
    """A capitalised sentence start that is an ordinary word elsewhere in the article."""
    return tok.lower() in doc.lower_words or (
        tok not in _first_names() and tok.endswith(("ing", "ly", "ed"))
    )


def _cue_before(doc: _Doc, start: int) -> bool:
    """A role or inverted speech verb right before the name ("counterpart X", "said X")."""
    low = doc.low
    if start < 2:
        return False
    before = low[start - 2] if low[start - 1] == "," else low[start - 1]  # "counterpart, X"
    return before in _CUE_BEFORE or (low[start - 2], low[start - 1]) == ("according", "to")


def _speech_after(doc: _Doc, end: int) -> bool:
    """A speech verb after the name ("X said", "X also told") or an appositive role ("X, chief")."""
    low = doc.low[end : end + 10]
    if not low:
        return False
    if low[0] in _SPEECH or (len(low) > 1 and low[0] in _SPEECH_ADVERBS and low[1] in _SPEECH):
        return True
    if low[0] != ",":
        return False
    for word in low[1:]:
        if word in _ROLES:
            return True
        if not word.isalpha():
            return False
    return False


def _key(word: str) -> str:
    """A name token for matching: lower-case, particle prefix dropped (al-Assad -> assad)."""
    word = word.lower().rstrip(".")
    prefix, _, rest = word.partition("-")
    return rest if rest and prefix in _PREFIXES else word


def _core(words: tuple[str, ...]) -> int:
    """How many tokens of a name are not particles (Abu Qasra has one, Murhaf Abu Qasra two)."""
    return sum(1 for w in words if w.lower() not in _PARTICLES)


def _is_variant(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """Whether one name is a shorter form of another: same surname, tokens a subsequence."""
    if short[-1] != long[-1] or len(short) > len(long):
        return False
    rest = iter(long)
    return all(word in rest for word in short)


class _Person:
    """One person: the surface forms seen, their counts and the token positions they cover."""

    def __init__(self) -> None:
        self.forms: Counter[tuple[str, ...]] = Counter()
        self.keys: list[tuple[str, ...]] = []
        self.positions: list[int] = []
        self.count = 0
        self.evidence = False

    def add(self, cand: _Cand, form: bool = True) -> None:
        if form:
            self.forms[cand.words] += 1
            self.keys.append(tuple(_key(w) for w in cand.words))
        self.positions += range(cand.start, cand.end)
        self.count += 1
        self.evidence = self.evidence or cand.evidence

    def name(self) -> str:
        """The most-mentioned form with the first name; ties go to the shorter."""
        first = max(self.forms, key=len)[0]  # "Isgur Flores" never beats "Sarah Isgur Flores"
        forms = [(n, words) for words, n in self.forms.items() if words[0] == first]
        return " ".join(max(forms, key=lambda item: (item[0], -len(item[1])))[1])


def _cluster(doc: _Doc, cands: list[_Cand]) -> list[_Person]:
    """Group candidates into people: variants merge, single names attach to a full name."""
    full = [c for c in cands if _core(c.words) >= MIN_NAME_TOKENS and doc.zone[c.start] != "title"]
    people: list[_Person] = []
    for cand in sorted(full, key=lambda c: (-len(c.words), c.start)):
        key = tuple(_key(w) for w in cand.words)
        matches = [p for p in people if any(_is_variant(key, k) for k in p.keys)]
        person = max(matches, key=lambda p: p.count) if matches else _Person()
        if not matches:
            people.append(person)
        person.add(cand)
    by_surname: dict[str, list[_Person]] = {}
    for person in people:
        for key in {k[-1] for k in person.keys}:
            by_surname.setdefault(key, []).append(person)
    for cand in cands:
        if _core(cand.words) < MIN_NAME_TOKENS or doc.zone[cand.start] == "title":
            _attach(cand, by_surname)  # its evidence counts too: "Tamimi, a journalist"
    return [p for p in people if p.evidence]


def _attach(cand: _Cand, by_surname: dict[str, list[_Person]]) -> None:
    """Count a surname-only (or title) mention for the most-mentioned person of that surname."""
    key = tuple(_key(w) for w in cand.words)
    options = [p for p in by_surname.get(key[-1], ()) if any(_is_variant(key, k) for k in p.keys)]
    if options:
        max(options, key=lambda p: p.count).add(cand, form=False)


def _find_people(doc: _Doc, spans: list[Span], exclude: set[str]) -> list[_Person]:
    """All people with evidence, most-mentioned first; never a byline name or part of one."""
    places = {i: s.kind for s in spans for i in range(s.start, s.end)}
    cands = [c for start, end in _runs(doc) if (c := _candidate(doc, start, end, places))]
    texts = [" ".join(c.words).lower() for c in cands]
    cands = [
        c for c, t in zip(cands, texts, strict=True) if not any(t in n or n in t for n in exclude)
    ]
    return sorted(_cluster(doc, cands), key=lambda p: (-p.count, min(p.positions)))


def find_entities(
    title: str, body: str, *, dateline_place: str = "", exclude: Iterable[str] = ()
) -> Entities:
    """Find the people, countries, focus countries and regions of one article."""
    doc = _Doc(fold(title), fold(body))
    spans = find_places(doc.toks, lambda start, end: _city_ok(doc, start, end))
    excluded = {fold(name).lower().strip() for name in exclude if name.strip()}
    people = _find_people(doc, spans, excluded)
    named = [p for p in people if _core(tuple(p.name().split())) >= MIN_NAME_TOKENS]
    claimed = {i for p in people for i in p.positions}
    # "Jordan" in "Michael Jordan" is a person, not a country.
    spans = [s for s in spans if not claimed.intersection(range(s.start, s.end))]
    countries, focus = rank_countries(spans, doc.zone, dateline_place)
    regions = list(dict.fromkeys(r for c in (focus or countries) if (r := region_of(c))))
    return Entities([p.name() for p in named], countries, focus, regions)
