"""Text analysis shared by indexing and querying: tokens, folding, stop words, stems, sentences."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from nltk.stem.snowball import EnglishStemmer
from nltk.tokenize.punkt import (
    PunktLanguageVars,
    PunktParameters,
    PunktSentenceTokenizer,
    PunktTrainer,
)
from whoosh.analysis import STOP_WORDS, Analyzer, Filter, RegexTokenizer
from whoosh.support.charset import accent_map

# Words with inner apostrophes or hyphen-free dots stay one token ("don't", "u.s").
TOKEN_PATTERN = r"\w+(?:['’.]\w+)*"
_stemmer = EnglishStemmer()
# Function words: indexed, but left out of a longer plain query (syntax.py). "us" is not
# one: with acronym dots dropped it is also "U.S.".
STOPLIST = frozenset(STOP_WORDS) - {"us"}

# Abbreviations news prose uses before a capitalised word; Punkt learns more from the corpus.
NEWS_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sen",
    "rep",
    "gov",
    "gen",
    "lt",
    "col",
    "maj",
    "capt",
    "sgt",
    "st",
    "jr",
    "sr",
    "rev",
    "hon",
    "pres",
    "u.s",
    "u.k",
    "u.n",
    "e.u",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "no",
    "vs",
    "inc",
    "corp",
    "co",
    "ltd",
}


def _folded(word: str) -> str:
    """Lowercase, accents folded, possessive and acronym dots dropped: the unstemmed form."""
    text = word.lower().translate(accent_map).replace("’", "'")
    if text.endswith("'s"):
        text = text[:-2]
    return text.strip("'.").replace(".", "")


@lru_cache(maxsize=500_000)
def index_term(word: str, stemmed: bool = True) -> str:
    """One token to its index term: lowercase, accents folded, possessive and acronym dots
    dropped ("Syria’s" -> "syria", "U.S." -> "us"), stemmed. Stop words are terms too: the
    query decides whether to use them ("found not guilty", "Theresa May")."""
    text = _folded(word)
    if not text or (not stemmed and len(text) < 2):
        return ""
    return _stemmer.stem(text) if stemmed else text


def is_stop(word: str) -> bool:
    """Whether a token is a common function word ("the", "of", "may")."""
    return _folded(word) in STOPLIST


@lru_cache(maxsize=500_000)
def normalize(word: str, stemmed: bool = True) -> str:
    """``index_term``, but "" for a stop word: for what weighs words by content (story
    signatures, spelling), where "the" says nothing."""
    return "" if is_stop(word) else index_term(word, stemmed)


class NewsFilter(Filter):
    """``index_term`` as one cached filter: five chained filters cost 3x more per token."""

    def __init__(self, stemmed: bool = True) -> None:
        self.stemmed = stemmed

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.stemmed == other.stemmed

    def __call__(self, tokens):
        stemmed = self.stemmed
        for t in tokens:
            # Every word keeps its term and its own position: a phrase over a stop word
            # ("found not guilty") needs the stop word in place.
            if term := index_term(t.text, stemmed):
                t.text = term
                t.stopped = False
                yield t


def news_analyzer() -> Analyzer:
    """Analyzer of the ranked text fields: fold accents, stem (stop words kept)."""
    return RegexTokenizer(TOKEN_PATTERN) | NewsFilter(stemmed=True)


def plain_analyzer() -> Analyzer:
    """Analyzer of the spelling and name fields: whole words, folded, not stemmed."""
    return RegexTokenizer(TOKEN_PATTERN) | NewsFilter(stemmed=False)


def analyze(text: str) -> list[str]:
    """The index terms of ``text``, as the ranked fields see them."""
    return [t.text for t in news_analyzer()(text)]


def train_sentences(texts: Iterable[str], limit_chars: int = 5_000_000) -> PunktParameters:
    """Train Punkt on the corpus itself (no downloaded model), seeded with news abbreviations."""
    trainer = PunktTrainer()
    total = 0
    for text in texts:
        trainer.train(text, finalize=False)
        total += len(text)
        if total >= limit_chars:
            break
    trainer.finalize_training()
    params = trainer.get_params()
    params.abbrev_types.update(NEWS_ABBREVIATIONS)
    return params


def save_sentence_params(params: PunktParameters, path: Path) -> None:
    """Write Punkt parameters as JSON beside an index."""
    data = {
        "abbrev_types": sorted(params.abbrev_types),
        "collocations": sorted(list(c) for c in params.collocations),
        "sent_starters": sorted(params.sent_starters),
        "ortho_context": dict(params.ortho_context),
    }
    path.write_text(json.dumps(data), encoding="utf-8")


def load_sentence_params(path: Path | None) -> PunktParameters:
    """Read Punkt parameters written by ``save_sentence_params``; defaults when absent."""
    params = PunktParameters()
    params.abbrev_types.update(NEWS_ABBREVIATIONS)
    if path and path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        params.abbrev_types.update(data["abbrev_types"])
        params.collocations.update(tuple(c) for c in data["collocations"])
        params.sent_starters.update(data["sent_starters"])
        for word, flags in data["ortho_context"].items():
            params.ortho_context[word] = flags
    return params


class _LanguageVars(PunktLanguageVars):
    """Punkt's own patterns, compiled by ``re``. NLTK 3.10 runs them through ``regex`` with
    a time limit (a defence for patterns users supply; these are fixed), which doubled the
    cost of splitting sentences: snippets split the matching paragraphs of every result, and
    that was half of a search's time under load."""

    __slots__ = ()
    re_boundary_realignment = re.compile(
        PunktLanguageVars.re_boundary_realignment.pattern, re.MULTILINE
    )

    def _word_tokenizer_re(self):
        try:
            return self._re_word_tokenizer
        except AttributeError:
            self._re_word_tokenizer = re.compile(
                self._word_tokenize_fmt % {
                    "NonWord": self._re_non_word_chars,
                    "MultiChar": self._re_multi_char_punct,
                    "WordStart": self._re_word_start,
                },
                re.UNICODE | re.VERBOSE,
            )
            return self._re_word_tokenizer

    def period_context_re(self):
        try:
            return self._re_period_context
        except AttributeError:
            self._re_period_context = re.compile(
                self._period_context_fmt % {
                    "NonWord": self._re_non_word_chars,
                    "SentEndChars": self._re_sent_end_chars,
                },
                re.UNICODE | re.VERBOSE,
            )
            return self._re_period_context


@lru_cache(maxsize=8)
def _splitter(path: str | None) -> PunktSentenceTokenizer:
    params = load_sentence_params(Path(path) if path else None)
    return PunktSentenceTokenizer(params, lang_vars=_LanguageVars())


def sentences(text: str, params_path: Path | None = None) -> list[str]:
    """Split prose into sentences with Punkt, paragraph by paragraph."""
    splitter = _splitter(str(params_path) if params_path else None)
    out: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        if paragraph.strip():
            out.extend(s.strip() for s in splitter.tokenize(paragraph.strip()))
    return out
