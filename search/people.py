"""People: the persons an article names, found with rules over its tokens (search/lexicon.py).

People are runs of capitalised tokens (with name particles such as al-, bin, van der) stripped of
leading titles ("Turkish Defense Minister"), rejected when they hold organisation words or are
places, and accepted only with evidence: a title or role before them, a speech verb after them,
a known first name, or a person next to them in a list ("X, Y and Z"). Variants of one person
merge, and surname-only or title+surname mentions ("Mr Lavrov") attach to the full name. A
titled single name that attaches to no one ("President Putin", "Lord Tebbit") is the person's
name as written, and so is each player of a team sheet (search/lineups.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from search.aliases import (
    MIN_NAME_TOKENS,
    Cand,
    Person,
    cluster,
    core,
    is_variant,
    name_keys,
    token_key,
)
from search.lexicon import (
    MONTHS,
    ORG,
    PARTICLES,
    PREFIXES,
    STOP,
    TITLES,
    WORDS,
    Doc,
    first_names,
    korean,
)
from search.lineups import lineup_names
from search.places import Span


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_CUE_BEFORE = WORDS["cue_before"] | frozenset(w.lower() for w in TITLES)
_ROLES = _CUE_BEFORE - {"said", "says", "mr", "mrs", "ms", "dr"}  # "X, the chief of Y, said"
_SPEECH = WORDS["speech"]
_SPEECH_ADVERBS = WORDS["speech_adverbs"]
_ORG_IF_FIRST = WORDS["org_if_first"]
_ORG_IF_LAST = _words("Park Hall Day")  # Central Park, but Park Geun-hye and Arsenio Hall
# Organisation words that are also common surnames: after a known first name, in a two-word
# run, they are the surname ("Mike Lake", "Jim Courier", "Charlotte Church").
_SURNAME_ORG = _words("Lake Courier Church Bridge Castle Temple Post Street Tower Banks Sky")
# Dates and seasons that are also names, allowed inside a run ("Theresa May", "Jan de Boer").
_MONTH_NAMES = _words("April May June August Summer Autumn Jan Winter")
_PLACE_CUES = WORDS["place_cues"]
_NOUN_SUFFIXES = ("er", "or", "ry", "cy", "ent", "ion", "ing", "ity", "ance", "ence", "ism", "ist",
                  "ian", "man", "ant", "ive", "ate")  # fmt: skip
_LINKS = _words("of for in at from the")  # "MP for Tottenham David Lammy"
# Titles that, before a lone name, make it a person's name as written ("President Putin",
# "Lord Tebbit", "Prince Harry"); the peers' and royals' ones may name a place (Baroness Scotland).
_PEERAGE = _words("King Queen Prince Princess Lord Lady Baroness Baron Viscount Earl Duke Duchess")
_PERSONAL = _PEERAGE | _words(
    "Mr Mrs Ms Miss Dr President Prime Minister Chancellor Premier Senator Sen Rep Gov Governor "
    "Pope Sheikh Emir Sultan Ayatollah Judge Justice Supt Sgt Gen Col Capt Insp Det Sir Dame"
)
_SUFFIXES = _words("Jr Sr II III")
_NOT_SINGLE = TITLES | _SUFFIXES
_HONORIFIC = _words("Mr Mrs Ms Miss Dr")  # "Mr French" is a person, whatever "French" is
# A lone name before these is a person's, used attributively ("the Obama administration").
_ATTRIBUTIVE = _words("administration presidency")
# Firms and works whose name looks like a person's; only the most common ones in the news.
_NOT_PEOPLE = frozenset(
    ("Morgan Stanley", "Goldman Sachs", "Wells Fargo", "Dow Jones", "Merrill Lynch", "Rolls Royce",
     "Philip Morris", "Monty Python", "Marks Spencer", "Lloyds Banking")
)  # fmt: skip

_NAME_SHAPE = re.compile(r"[A-Za-z][A-Za-z'\-]*\.?")


def _nameish(tok: str) -> bool:
    """Whether a token can be part of a personal name (Guler, al-Shibani, J., O'Brien)."""
    first = tok[0]
    if not tok.isalpha() and _NAME_SHAPE.fullmatch(tok) is None:
        return False  # pic.twitter.com/HPBrAgh9Ti
    if first.isupper():
        if len(tok) > 1 and tok.isupper() and not (len(tok) == 2 and tok[1] == "."):
            return False  # acronyms: SANA, PKK, U.S.
        head, _, tail = tok.partition("-")
        if tail and not tail[:1].isupper() and not korean(head, tail):
            return False  # US-brokered, Kurdish-led, but Kim Jong-nam
        return tok not in STOP and tok not in MONTHS
    if first.islower() and "-" in tok:
        prefix, rest = tok.split("-", 1)
        return prefix in PREFIXES and rest[:1].isupper()
    return False


def _particle_ok(toks: list[str], i: int) -> bool:
    """A particle inside a name: followed by a name or by one more particle ("van der Veer")."""
    nxt = toks[i + 1] if i + 1 < len(toks) else ""
    if nxt in PARTICLES and i + 2 < len(toks):
        nxt = toks[i + 2]
    return bool(nxt) and _nameish(nxt)


def _runs(doc: Doc) -> Iterable[tuple[int, int]]:
    """Maximal runs [start, end) of name-like tokens, with particles inside (bin, van der)."""
    toks, start = doc.toks, None
    for i, tok in enumerate(toks):
        ok = _nameish(tok) or (
            start is not None
            and ((tok in PARTICLES and (_particle_ok(toks, i) or toks[i - 1] in PARTICLES))
                 or (tok in _MONTH_NAMES and not toks[i + 1][:1].isdigit()))
        ) or (tok == "Jan" and _nameish(toks[i + 1]))  # fmt: skip
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            yield start, i
            start = None


def _candidate(doc: Doc, start: int, end: int, places: dict[int, str]) -> Cand | None:
    """Strip titles from a run and decide whether the rest can be a person's name."""
    toks = doc.toks
    suffixed = end - start > 1 and toks[end - 1].rstrip(".") in _SUFFIXES
    end -= suffixed  # "Martin Luther King Jr.": no title "King" before a name "Jr."
    start, cue = _strip_title(doc, start, end)
    if not cue and start in doc.starts and _is_common_word(doc, toks[start]):
        start += 1  # sentence-initial "Preserving", "Will"
    while start < end - cue and places.get(start) == "demonym":
        start += 1  # "Syrian Murhaf Abu Qasra", but "Mr French"
    if end - start > 2 and _given(toks[start + 1]) and _not_name_head(doc, start, places):
        start += 1  # "Comptroller Joseph Shapira", "Antarctica Vyacheslav Shtyrov", "Take Ted"
    while end - start > 2 and toks[end - 1].rstrip(".") in TITLES and not suffixed:
        end -= 1  # "Axel Weber, Chairman" without the comma
    while end - start > 1 and len(toks[end - 1].rstrip(".")) == 1:
        end -= 1  # a trailing initial ("Judith J.") is no surname
    words = tuple(toks[start:end])
    kinds = [places.get(i) for i in range(start, end)]
    titled = _title_before(doc, start) if cue and _single_ok(doc, toks[start]) else ""
    if not words or not _could_be_name(words, kinds, titled in _PEERAGE or titled in _HONORIFIC):
        return None
    evidence = cue or _cue_before(doc, start)
    given = words[0] in first_names()
    if kinds == [None, "demonym"] and given:
        kinds = [None, None]  # "writer Patrick French" needs evidence like any name
        evidence = evidence or _speech_after(doc, end)
    elif kinds[0] or (kinds[-1] and not given):
        pass  # "Dublin Bus said", "on Morning Ireland, Mr Kelleher said": a title or role needed
    elif _speech_after(doc, end):
        evidence = True  # "Michael Jordan said"
    elif given and not any(kinds):
        # "Will Turkey", "Stuart Florida Trump": a place inside needs a stronger cue.
        evidence = evidence or doc.low[start - 1] not in _PLACE_CUES
    if len(words) == 1 and not titled and doc.low[end] in _ATTRIBUTIVE and not kinds[0]:
        titled = "the"  # "the Obama administration"
    return Cand(start, end, evidence, words, titled)


def _single_ok(doc: Doc, tok: str) -> bool:
    """Whether a word after a title can be a person's one name: not an everyday word of the
    article ("Premier Rugby"), a title ("Lord Chancellor") or a suffix ("King Jr.")."""
    return tok.lower() not in doc.lower_words and tok.rstrip(".") not in _NOT_SINGLE


def _given(tok: str) -> bool:
    """A first name, also one that is a month ("Jan de Boer", "April Ryan")."""
    return tok in first_names() or tok in _MONTH_NAMES


def _title_before(doc: Doc, start: int) -> str:
    """The personal title right before a name ("Mr", "Prime Minister", "Lord"), else ""."""
    before = doc.toks[start - 1].rstrip(".") if start else ""
    return before if before in _PERSONAL else ""


def _strip_title(doc: Doc, start: int, end: int) -> tuple[int, bool]:
    """Where the name starts after any title, and whether a title or role was there."""
    toks, names = doc.toks, first_names()
    for j in range(end - 2, start - 1, -1):
        if _is_title(toks[j]):
            return j + 1, True  # "Turkish Defense Minister | Yasar Guler"
    linked = doc.low[start - 1] in _LINKS
    after_title = linked and any(t.rstrip(".") in TITLES for t in toks[max(0, start - 6) : start])
    for j in range(start + 1, end - 1):
        if toks[j - 1] in names:
            break  # "Abdel Fattah el-Sisi" keeps its first name
        # "Minister for Finance | Michael Noonan", "Paralympic Committee | Rima Batalova"
        if toks[j] in names and (linked or toks[j - 1] in ORG):
            return j, after_title
    if after_title and end - start > 2:
        return end - 2, True  # "Chief of Staff | Reince Priebus"
    return start, False


def _is_title(tok: str) -> bool:
    """A title head, also inside a compound ("Attorney-General", "Sen.")."""
    bare = tok.rstrip(".")
    return (bare in TITLES or (bare[-1:] == "s" and bare[:-1] in TITLES)  # "Presidents"
            or ("-" in tok and any(p in TITLES for p in tok.split("-"))))


def _could_be_name(words: tuple[str, ...], kinds: list[str | None], peer: bool = False) -> bool:
    """Reject organisations, places, events and roles ("Tishreen Dam", "Commercial Officer")."""
    surname_org = len(words) == 2 and words[0] in first_names() and words[1] in _SURNAME_ORG
    if not surname_org and any(w.rstrip(".") in ORG or token_key(w).title() in ORG for w in words):
        return False
    if words[-1] in _ORG_IF_LAST or words[0] in _ORG_IF_FIRST or " ".join(words) in _NOT_PEOPLE:
        return False
    if peer and len(words) == 1:
        return True  # "Baroness Scotland", "Lord Falconer", "Mr French"
    if core(words) > 1 and all(kinds) or "demonym" in kinds[1:] or kinds[0] == "demonym":
        # "New York", "Al Mayadeen English"; a lone "Lima" may be Leila de Lima's. A first name
        # and a demonym ("Patrick French") are let through for the caller to weigh.
        return len(words) == 2 and kinds == [None, "demonym"] and words[0] in first_names()
    # "Stephen King" is a name, "Commercial Officer" a role.
    return words[-1] not in TITLES or words[0] in first_names()


def _not_name_head(doc: Doc, start: int, places: dict[int, str]) -> bool:
    """Whether the token before a first name is no part of the name: a role noun, a place
    ("... Council on Arctic and Antarctica | Vyacheslav Shtyrov") or, at a sentence start, any
    word that is not itself a first name or particle ("Take | Ted Heath.")."""
    tok = doc.toks[start]
    if tok in first_names() or tok.lower() in PARTICLES:
        return False
    return start in doc.starts or start in places or _is_role_noun(doc, tok)


def _is_role_noun(doc: Doc, tok: str) -> bool:
    """A capitalised common noun of an unlisted title or role ("Comptroller", "Fisherman"), by
    its English suffix or because the article writes it in lower case too."""
    if tok in first_names():
        return False
    return tok.lower().endswith(_NOUN_SUFFIXES) or tok.lower() in doc.lower_words


def _is_common_word(doc: Doc, tok: str) -> bool:
    """A capitalised sentence start that is an ordinary word elsewhere in the article."""
    return tok.lower() in doc.lower_words or (
        tok not in first_names() and tok.endswith(("ing", "ly", "ed"))
    )


def _cue_before(doc: Doc, start: int) -> bool:
    """A role or inverted speech verb right before the name ("counterpart X", "said X")."""
    low = doc.low
    if start < 2:
        return False
    before = low[start - 2] if low[start - 1] == "," else low[start - 1]  # "counterpart, X"
    return before in _CUE_BEFORE or (low[start - 2], low[start - 1]) == ("according", "to")


def _speech_after(doc: Doc, end: int) -> bool:
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


def _listed(doc: Doc, cands: list[Cand], places: dict[int, str]) -> None:
    """A full name in a list with a person ("Mike Tindall and Will Greenwood") is one too, but
    not one that starts with a place ("Chicago Cubs")."""
    for left, right in zip(cands, cands[1:], strict=False):
        between = doc.low[left.end : right.start]
        if not between or any(t not in (",", "and", "&") for t in between):
            continue
        for a, b in ((left, right), (right, left)):
            if a.evidence and not b.evidence and core(b.words) >= MIN_NAME_TOKENS \
                    and b.start not in places \
                    and not b.words[0].endswith(("ing", "ed", "ly")):  # "Finding Neverland"
                b.evidence = True


def _add_players(doc: Doc, players: Iterable[tuple[int, int]], people: list[Person]) -> None:
    """Team-sheet names: a surname named in full in the report is that person ("Hartson" for
    John Hartson), any other a person as written ("Alex Rae", "G Thomas", "Yobo")."""
    seen: dict[tuple[str, ...], Person] = {}
    for start, end in players:
        words = tuple(doc.toks[start:end])
        key = name_keys(tuple(w for w in words if len(w) > 1))
        initial = words[0].lower() if len(words[0]) == 1 else ""
        known = [
            p
            for p in people
            if any(is_variant(key, k) and k[0].startswith(initial) for k in p.keys)
        ]
        cand = Cand(start, end, True, words)
        if len(known) == 1:
            known[0].add(cand, form=False)
        elif name_keys(words) in seen:
            seen[name_keys(words)].add(cand, form=False)
        else:
            person = seen[name_keys(words)] = Person()
            person.add(cand)
            people.append(person)


def find_people(doc: Doc, spans: list[Span], exclude: set[str]) -> list[Person]:
    """All people with evidence, most-mentioned first; never a byline name or part of one."""
    places = {i: s.kind for s in spans for i in range(s.start, s.end)}
    players, lineup = lineup_names(doc, places)
    cands = [
        c
        for start, end in _runs(doc)
        if doc.zone[start] != "credit" and start not in lineup
        and (c := _candidate(doc, start, end, places))
    ]  # fmt: skip
    texts = [" ".join(c.words).lower() for c in cands]
    cands = [
        c for c, t in zip(cands, texts, strict=True) if not any(t in n or n in t for n in exclude)
    ]
    _listed(doc, cands, places)
    people = cluster(doc, cands)
    _add_players(doc, players, people)
    return sorted(people, key=lambda p: (-p.count, min(p.positions)))
