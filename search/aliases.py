"""Aliases: the mentions of one person merged, within one article.

Variants of a full name merge ("Asaad al-Shibani", "Asaad Hassan al-Shibani"); a surname or
title+surname mention ("Lavrov", "Mr Lavrov") attaches to the full name of that surname, a
titled one also to a near spelling ("Mr Khodorkovsky", "Mikhail Khordokovsky") or to the one
person of that first name ("Mr Xanana", "Xanana Gusmao"); a full name written only in the
headline names the body's "President Trump". A titled single name that attaches to no one is a
person of its own, under the name as written ("President Putin" -> "Putin").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from search.lexicon import PARTICLES, PREFIXES, Doc

MIN_NAME_TOKENS = 2  # single names ("Guler") only attach to a full name, unless titled


@dataclass(slots=True)
class Cand:
    """A person-name candidate: tokens [start, end), whether there is evidence it is a person,
    and whether a personal title stands right before it ("President | Putin")."""

    start: int
    end: int
    evidence: bool
    words: tuple[str, ...]
    titled: str = ""


def token_key(word: str) -> str:
    """A name token for matching: lower-case, particle prefix dropped (al-Assad -> assad)."""
    word = word.lower().rstrip(".")
    prefix, _, rest = word.partition("-")
    return rest if rest and prefix in PREFIXES else word


@lru_cache(maxsize=8192)  # called for every mention, many times over while merging
def name_keys(words: tuple[str, ...]) -> tuple[str, ...]:
    """A name's matching key: its tokens' keys without particles (van der Veer = Van de Veer)."""
    return tuple(k for w in words if (k := token_key(w)) not in PARTICLES) or (
        token_key(words[-1]),
    )


@lru_cache(maxsize=8192)
def core(words: tuple[str, ...]) -> int:
    """How many tokens of a name are not particles (Abu Qasra has one, Murhaf Abu Qasra two)."""
    return sum(1 for w in words if w.lower() not in PARTICLES)


def is_variant(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """Whether one name is a shorter form of another: same surname, tokens a subsequence."""
    if short[-1] != long[-1] or len(short) > len(long):
        return False
    rest = iter(long)
    return all(word in rest for word in short)


class Person:
    """One person: the surface forms seen, their counts and the token positions they cover."""

    def __init__(self) -> None:
        self.forms: Counter[tuple[str, ...]] = Counter()
        self.keys: list[tuple[str, ...]] = []
        self.positions: list[int] = []
        self.count = 0
        self.evidence = False
        self.starts: list[int] = []  # where each mention starts

    def add(self, cand: Cand, form: bool = True) -> None:
        if form:
            self.forms[cand.words] += 1
            self.keys.append(name_keys(cand.words))
        self.positions += range(cand.start, cand.end)
        self.starts.append(cand.start)
        self.count += 1
        self.evidence = self.evidence or cand.evidence

    def name(self) -> str:
        """The most-mentioned form with the first name; ties go to the shorter."""
        first = max(self.forms, key=len)[0]  # "Isgur Flores" never beats "Sarah Isgur Flores"
        forms = [(n, words) for words, n in self.forms.items() if words[0] == first]
        return " ".join(max(forms, key=lambda item: (item[0], -len(item[1])))[1])


def cluster(doc: Doc, cands: list[Cand]) -> list[Person]:
    """Group candidates into people: variants merge, single names attach to a full name, and a
    titled single name that attaches to no one is a person of its own ("President Putin")."""
    full = [c for c in cands if core(c.words) >= MIN_NAME_TOKENS and doc.zone[c.start] != "title"]
    people: list[Person] = []
    for cand in sorted(full, key=lambda c: (-len(c.words), c.start)):
        key = name_keys(cand.words)
        matches = [p for p in people if any(is_variant(key, k) for k in p.keys)]
        person = max(matches, key=lambda p: p.count) if matches else Person()
        if not matches:
            people.append(person)
        person.add(cand)
    made = set()
    for cand in cands:  # a name written in full only in the headline names the body's "Mr X"
        if core(cand.words) >= MIN_NAME_TOKENS and doc.zone[cand.start] == "title":
            key = name_keys(cand.words)
            if not any(is_variant(key, k) or is_variant(k, key) for p in people for k in p.keys):
                person = Person()
                person.add(Cand(cand.start, cand.end, False, cand.words))
                people.append(person)
                made.add(cand.start)
    by_surname: dict[str, list[Person]] = {}
    for person in people:
        for key in {k[-1] for k in person.keys}:
            by_surname.setdefault(key, []).append(person)
    singles: dict[str, Person] = {}
    for cand in cands:
        in_title = doc.zone[cand.start] == "title"
        if (core(cand.words) < MIN_NAME_TOKENS or in_title) and cand.start not in made:
            # its evidence counts too: "Tamimi, a journalist"
            if not _attach(cand, by_surname) and cand.titled and not in_title:
                singles.setdefault(name_keys(cand.words)[-1], Person()).add(cand)
    for cand in cands:  # "Trump" after "President Trump": the same person's later mentions
        if core(cand.words) == 1 and (single := singles.get(name_keys(cand.words)[-1])):
            if cand.start not in single.positions:
                single.add(cand, form=False)
    return [p for p in people if p.evidence] + list(singles.values())


def _attach(cand: Cand, by_surname: dict[str, list[Person]]) -> bool:
    """Count a surname-only (or title) mention for the most-mentioned person of that surname;
    a titled one also for a person of a near spelling ("Mr Khodorkovsky" for "Mikhail
    Khordokovsky") or, if only one, of that first name ("Mr Xanana" for "Xanana Gusmao")."""
    key = name_keys(cand.words)
    options = [p for p in by_surname.get(key[-1], ()) if any(is_variant(key, k) for k in p.keys)]
    if not options and cand.titled and len(key) == 1:
        people = {id(p): p for ps in by_surname.values() for p in ps}.values()
        options = [p for p in people if any(_near(key[0], k[-1]) for k in p.keys)]
        firsts = [p for p in people if any(len(k) > 1 and k[0] == key[0] for k in p.keys)]
        options = options or (firsts if len(firsts) == 1 else [])
    if options:
        max(options, key=lambda p: p.count).add(cand, form=False)
    return bool(options)


def _near(a: str, b: str) -> bool:
    """Two spellings of one long surname: same first letter, at most two letters apart."""
    if a[0] != b[0] or min(len(a), len(b)) < 6 or abs(len(a) - len(b)) > 1:
        return False
    return SequenceMatcher(None, a, b).ratio() >= 0.85
