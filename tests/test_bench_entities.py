"""The entity evaluation (bench/entities): its labels file, its scoring, and the rules that
derive given names from a corpus for search/data/first_names.txt."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pycountry
import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "entities"


def _script(name: str):
    """A bench/entities script as a module of its own name: bench/relevance has an
    ``evaluate`` too, and the two must not take each other's place in sys.modules."""
    sys.path.insert(0, str(BENCH))  # the scripts import each other by plain name
    try:
        spec = importlib.util.spec_from_file_location(f"entities_{name}", BENCH / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


evaluate = _script("evaluate")
make_first_names = _script("make_first_names")
split_of = _script("sample").split_of


def test_labels_cover_both_corpora_and_splits() -> None:
    rows = evaluate.load_labels("all")
    assert len(rows) == 100
    assert {(r["corpus"], r["split"]) for r in rows} == {
        ("NewsArticles", "dev"), ("NewsArticles", "test"), ("bbc", "dev"), ("bbc", "test")
    }
    assert sum(r["corpus"] == "NewsArticles" for r in rows) == 60
    assert len({(r["corpus"], r["key"]) for r in rows}) == 100
    for row in rows:
        assert row["split"] == split_of(row["key"])
        assert set(row["countries"].values()) <= {"focus", "passing"}
        assert all(pycountry.countries.get(alpha_2=code) for code in row["countries"])
        assert all(p["name"].strip() == p["name"] and p["name"] for p in row["people"])
    assert len(evaluate.load_labels("dev")) + len(evaluate.load_labels("test")) == 100


def test_labels_hold_no_article_text() -> None:
    for line in evaluate.LABELS.read_text(encoding="utf-8").splitlines():
        assert set(json.loads(line)) <= {"key", "corpus", "split", "people", "countries", "note"}


@pytest.mark.parametrize(
    ("predicted", "gold"),
    [
        ("François Hollande", "Francois Hollande"),
        ("Suzanne Goldberg", "Suzanne B. Goldberg"),
        ("George W. Bush", "George W Bush"),
        ("daniel day lewis", "Daniel Day-Lewis"),
    ],
)
def test_names_match_after_normalisation(predicted: str, gold: str) -> None:
    assert evaluate.norm_name(predicted) == evaluate.norm_name(gold)


def test_people_match_one_to_one_and_through_other_forms() -> None:
    gold = [{"name": "Daniel Jacobs", "also": ["Danny Jacobs"]}, {"name": "Gennady Golovkin"}]
    extra, missed = evaluate.match_people(["Danny Jacobs", "Daniel Jacobs", "Jacobs Team"], gold)
    assert extra == ["Daniel Jacobs", "Jacobs Team"]  # a person split in two counts once
    assert missed == ["Gennady Golovkin"]


def test_scores_are_micro_averaged() -> None:
    score = evaluate.Score()
    score.add(3, 1, 0)
    score.add(1, 0, 4)
    assert score.prf() == (0.8, 0.5, pytest.approx(0.6153846))
    assert evaluate.Score().prf() == (0.0, 0.0, 0.0)


def corpus_stats(*texts: str) -> make_first_names.CorpusStats:
    stats = make_first_names.CorpusStats()
    for text in texts:
        stats.add(text)
    return stats


def test_corpus_given_names_need_a_mark_of_a_person() -> None:
    stats = corpus_stats(
        "Foreign Minister Sergey Lavrov met Zorblat Quentin in Geneva.",
        "Crowds mourned Yasser Arafat. Mr Arafat had led them for decades.",
        "Credit Suisse said profits fell.",
        "Nkosi Dlamini said yes. Nkosi Mbeki said no.",
        "Kwame Osei said so.",
    )
    names = stats.given_names()
    assert {"Sergey", "Yasser", "Nkosi"} <= names  # title; surname after a title; 2 surnames
    assert not {"Credit", "Kwame", "Zorblat", "Foreign", "Crowds"} & names


def test_corpus_given_names_are_seldom_lower_case_and_not_places() -> None:
    lower = "The accused was named. " * 3
    placed = "They met in Westminster. " * make_first_names.MAX_PLACED
    stats = corpus_stats(
        lower + "Prosecutor Accused Smith said no.",
        placed + "Mr Hall spoke. Westminster Hall was full. Speaker Westminster Jones left.",
        "President Tomas Novak spoke.",
    )
    names = stats.given_names()
    assert "Tomas" in names
    assert "Accused" not in names and "Westminster" not in names


def test_listed_names_that_are_mostly_words_are_dropped_unless_marked() -> None:
    words = "A star is born; a bill is passed. " * make_first_names.LISTED_MAX_LOWER
    stats = corpus_stats(words, "Senator Bill Nelson spoke.")
    assert not stats.keeps("Star")
    assert stats.keeps("Bill")
    assert stats.keeps("Vladimir")
