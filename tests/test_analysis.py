"""Text analysis: the same terms at index and query time."""

from search.analysis import analyze, sentences


def test_folds_accents_possessives_and_acronyms():
    assert analyze("Yaşar Güler") == ["yasar", "guler"]
    assert analyze("Syria’s Syria's") == ["syria", "syria"]
    assert analyze("U.S. US") == ["us", "us"]


def test_stems_and_drops_stop_words():
    assert analyze("the running forces of Turkey") == ["run", "forc", "turkey"]


def test_sentences_respect_news_abbreviations():
    text = "Sen. Elizabeth Warren spoke. The U.S. Senate voted 51-50.\n\nMr. Pence broke the tie."
    assert sentences(text) == ["Sen. Elizabeth Warren spoke.", "The U.S. Senate voted 51-50.",
                               "Mr. Pence broke the tie."]
