"""Text analysis: the same terms at index and query time."""

from search.analysis import analyze, index_term, is_stop, normalize, sentences


def test_folds_accents_possessives_and_acronyms():
    assert analyze("Yaşar Güler") == ["yasar", "guler"]
    assert analyze("Syria’s Syria's") == ["syria", "syria"]
    assert analyze("U.S. US") == ["us", "us"]


def test_stems_and_keeps_stop_words():
    # Stop words are indexed (with their positions); the query decides when to use them.
    assert analyze("the running forces of Turkey") == ["the", "run", "forc", "of", "turkey"]


def test_stop_words_are_terms_but_not_content():
    assert [index_term(w) for w in ("The", "May", "not")] == ["the", "may", "not"]
    assert is_stop("The") and is_stop("it's") and not is_stop("US") and not is_stop("who")
    # What weighs words by content (story signatures) still leaves them out.
    assert [normalize(w) for w in ("The", "May", "running")] == ["", "", "run"]


def test_sentences_respect_news_abbreviations():
    text = "Sen. Elizabeth Warren spoke. The U.S. Senate voted 51-50.\n\nMr. Pence broke the tie."
    assert sentences(text) == ["Sen. Elizabeth Warren spoke.", "The U.S. Senate voted 51-50.",
                               "Mr. Pence broke the tie."]
