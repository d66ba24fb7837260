"""Tests of search.entities (people, countries, focus, regions) and search.places (gazetteer)."""

from __future__ import annotations

import time
from pathlib import Path

import pycountry
import pytest

from search import entities, places
from search.entities import REGIONS, Entities, find_entities, region_of
from search.places import fold, lookup_place

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
NEVER_PEOPLE = {
    "Trump",
    "Netanyahu",
    "Sheikh Tarif",
    "Al Mayadeen English",
    "Syrian Arab Army",
    "Kurdistan Workers",
    "Syrian Democratic Forces",
    "Tishreen Dam",
    "Al-Monitor",
    "Spring",
}


def seed_000() -> tuple[str, str]:
    """Title and body of seed 000: the article text without related news and image captions."""
    lines = (SEEDS / "000_9a752ea716365c3a.txt").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Syria and Turkey sign a"))
    end = next(i for i, line in enumerate(lines) if line.endswith("Ankara's stated objectives."))
    related = lines.index("Related News")
    resume = next(i for i, line in enumerate(lines) if line.startswith("In a written statement"))
    kept = lines[start:related] + lines[resume : end + 1]
    body = [
        line
        for line in kept
        if not line.strip().startswith("•")
        and "(Syrian Defense Ministry)" not in line
        and line.strip() not in ("Listen", "x")
    ]
    return "Syria, Turkey sign joint defense cooperation agreement", "\n".join(body)


def seed_001() -> tuple[str, str]:
    """Title (first sentence) and body (all after the dateline line) of seed 001."""
    text = (SEEDS / "001_a8f4b624b86a572f.txt").read_text(encoding="utf-8")
    body = text.split("\n", 1)[1]
    return body.split(". ")[0] + ".", body


@pytest.fixture(scope="module")
def article_000() -> Entities:
    title, body = seed_000()
    assert "Related News" not in body and "Sheikh Tarif" not in body and "•" not in body
    return find_entities(title, body, exclude=["Al Mayadeen English"])


@pytest.fixture(scope="module")
def article_001() -> Entities:
    title, body = seed_001()
    return find_entities(title, body, dateline_place="Ankara")


# --- acceptance: the seed documents -------------------------------------------------------


def test_seed_000_people(article_000: Entities) -> None:
    assert set(article_000.people) == {
        "Yasar Guler",
        "Murhaf Abu Qasra",
        "Asaad al-Shibani",
        "Hussein Salameh",
        "Mohammed al-Bashir",
        "Alparslan Bayraktar",
        "Bashar al-Assad",
    }
    assert article_000.people[0] == "Yasar Guler"  # most mentioned: "Guler said" x4


def test_seed_001_people(article_001: Entities) -> None:
    assert set(article_001.people) == {
        "Yasar Guler",
        "Murhaf Abu Qasra",
        "Asaad al-Shibani",
        "Hussein Salameh",
        "Hakan Fidan",
    }


@pytest.mark.parametrize("name", ["article_000", "article_001"])
def test_seeds_focus_and_regions(name: str, request: pytest.FixtureRequest) -> None:
    found: Entities = request.getfixturevalue(name)
    assert set(found.focus_countries) == {"SY", "TR"}
    assert set(found.countries) >= {"SY", "TR"}
    assert {"Middle East & North Africa", "Europe"} <= set(found.regions)
    assert not NEVER_PEOPLE & set(found.people)


def test_seed_001_passing_mentions(article_001: Entities) -> None:
    assert {"IL", "US"} <= set(article_001.countries)
    assert not {"IL", "US"} & set(article_001.focus_countries)
    assert article_001.countries[:2] in (["SY", "TR"], ["TR", "SY"])


# --- people rules -------------------------------------------------------------------------


def test_surname_attaches_to_full_name() -> None:
    body = (
        "Defense Minister Yasar Guler met Hakan Fidan on Monday. Guler said the talks went well. "
        "Guler added that more would follow. Guler's aides agreed."
    )
    found = find_entities("Talks in Ankara", body)
    assert found.people == ["Yasar Guler", "Hakan Fidan"]  # Guler: 1 full + 3 surname mentions


def test_single_names_are_never_facets() -> None:
    assert find_entities("", "Guler said the talks went well. Erdogan agreed.").people == []


def test_diacritics_fold() -> None:
    found = find_entities("", "Turkish Defense Minister Yaşar Güler said Güler's plan stands.")
    assert found.people == ["Yasar Guler"]
    assert fold("Yaşar Güler, Łódź, Øresund, Kırıkkale ’s “x” –") == (
        'Yasar Guler, Lodz, Oresund, Kirikkale \'s "x" -'
    )


def test_variants_merge_most_mentioned_form_wins() -> None:
    body = (
        "Foreign Minister Asaad Hassan al-Shibani arrived. Asaad al-Shibani said it was fine. "
        "Later Asaad al-Shibani told reporters more. Al-Shibani left."
    )
    assert find_entities("", body).people == ["Asaad al-Shibani"]


def test_variant_tie_goes_to_the_shorter_form() -> None:
    body = "Minister Asaad Hassan al-Shibani arrived. Minister Asaad al-Shibani spoke."
    assert find_entities("", body).people == ["Asaad al-Shibani"]


def test_particle_names_merge_with_and_without_article() -> None:
    body = "Syrian President Bashar al-Assad spoke. Assad said the war was over."
    found = find_entities("", body)
    assert found.people == ["Bashar al-Assad"]


@pytest.mark.parametrize(
    "sentence",
    [
        "The Syrian Democratic Forces said they would leave.",
        "A ceasefire around the Tishreen Dam said to hold.",
        "The White House said it would respond.",
        "The Supreme Court said it would hear the case.",
        "The New York Times reported the story, according to Capitol Hill aides.",
        "Syrian Arab Army units said they had moved.",
        "Morgan Stanley said profits rose.",
        "Secret talks have run since Spring 2024, Al-Monitor reported.",
    ],
)
def test_organisations_places_and_dates_are_not_people(sentence: str) -> None:
    assert find_entities("", sentence).people == []


def test_byline_is_excluded() -> None:
    body = "By Al Mayadeen English. Mary Jones reports. Mary Jones said the war was over."
    found = find_entities("", body, exclude=["Al Mayadeen English", "Mary Jones"])
    assert found.people == []


def test_evidence_is_required() -> None:
    # No known first name, no title, no speech verb: not a person.
    assert find_entities("", "The Zorblat Quentin pact was signed.").people == []
    # A speech verb or a title is enough evidence.
    assert find_entities("", "Zorblat Quentin said it was signed.").people == ["Zorblat Quentin"]
    assert find_entities("", "It was signed by Envoy Zorblat Quentin.").people == [
        "Zorblat Quentin"
    ]
    # A known first name is evidence too.
    assert find_entities("", "The deal was backed by Betsy DeVos.").people == ["Betsy DeVos"]


def test_international_first_names_are_evidence() -> None:
    # No title and no speech verb: only the first-name list makes these people.
    body = (
        "Vladimir Putin met Recep Tayyip Erdogan and Xi Jinping in Sochi on Monday. "
        "Bashar al-Assad was not invited. Emmanuel Macron and Angela Merkel discussed the "
        "budget with Narendra Modi. Bill Gates and Mark Carney spoke later."
    )
    assert find_entities("Summit", body).people == [
        "Vladimir Putin",
        "Recep Tayyip Erdogan",
        "Xi Jinping",
        "Bashar al-Assad",
        "Emmanuel Macron",
        "Angela Merkel",
        "Narendra Modi",
        "Bill Gates",
        "Mark Carney",
    ]


def test_words_and_places_in_name_lists_are_not_first_names() -> None:
    # The US census lists "Star" and "Golden" as given names, Faker lists "Westminster".
    body = (
        "Star Trek fans gathered near Golden Gate Park. Red Cross volunteers and Sky Movies "
        "staff helped. Westminster Abbey was closed."
    )
    assert find_entities("Fans", body).people == []


def test_titles_and_roles_are_stripped() -> None:
    body = (
        "The agreement was signed by his Syrian counterpart Murhaf Abu Qasra and "
        "intelligence chief Hussein Salameh. Sen. Elizabeth Warren and Vice President Mike Pence "
        "watched. White House Press Secretary Sean Spicer said so."
    )
    assert set(find_entities("", body).people) == {
        "Murhaf Abu Qasra",
        "Hussein Salameh",
        "Elizabeth Warren",
        "Mike Pence",
        "Sean Spicer",
    }


def test_title_case_headline_does_not_create_people() -> None:
    found = find_entities("Donald Trump Meets Angela Merkel In Berlin", "The talks went well.")
    assert found.people == []
    found = find_entities("Trump Meets Merkel", "President Donald Trump said the talks went well.")
    assert found.people == ["Donald Trump"]


# --- countries rules ----------------------------------------------------------------------


def test_country_names_and_short_forms() -> None:
    body = (
        "The U.S. and Britain spoke to South Korea, Russia and Iran. A US-brokered deal was "
        "signed in Turkiye. Latin America watched."
    )
    found = find_entities("", body)
    assert set(found.countries) == {"US", "GB", "KR", "RU", "IR", "TR"}


def test_demonym() -> None:
    found = find_entities("", "Syrian officials met Israeli and Turkish envoys.")
    assert set(found.countries) == {"SY", "IL", "TR"}


def test_capital_metonym() -> None:
    found = find_entities("", "Ankara said it would not accept the plan.")
    assert found.countries == ["TR"]


def test_city() -> None:
    assert find_entities("", "A car bomb exploded in Aleppo.").countries == ["SY"]
    assert find_entities("", "Fans gathered in Manchester.").countries == ["GB"]


def test_longest_match_and_non_countries() -> None:
    found = find_entities("", "Voters in New Mexico and New Jersey. Latin America and Africa.")
    assert found.countries == ["US"]


def test_person_names_are_not_places() -> None:
    assert find_entities("", "Michael Jordan said he was retiring.").countries == []
    found = find_entities("", "Sen. Leila de Lima was arrested. De Lima said it was unjust.")
    assert found.countries == [] and found.people == ["Leila de Lima"]


def test_georgia_is_the_us_state_unless_the_country_is_meant() -> None:
    assert find_entities("", "Voters in Georgia went to the polls.").countries == ["US"]
    found = find_entities("", "Georgia held talks in Tbilisi with Georgian officials.")
    assert found.countries == ["GE"]


def test_ambiguous_city_needs_a_locative() -> None:
    assert find_entities("", "Austin Scott said the bill would pass.").countries == []
    assert find_entities("", "The bill was signed in Austin.").countries == ["US"]


def test_focus_versus_passing_mention() -> None:
    body = (
        "Syria held elections. Syrian voters queued in Damascus. Syria's army stood by. "
        "Israel was not consulted, officials in Syria said."
    )
    found = find_entities("Syria votes", body)
    assert found.countries[0] == "SY" and "IL" in found.countries
    assert found.focus_countries == ["SY"]
    assert found.regions == ["Middle East & North Africa"]


def test_dateline_weighs_as_focus() -> None:
    found = find_entities(
        "Talks end", "Officials met. Nothing was agreed.", dateline_place="Ankara"
    )
    assert found.countries == ["TR"] and found.focus_countries == ["TR"]
    assert lookup_place("WASHINGTON") == "US"
    assert lookup_place("Beirut, Lebanon") == "LB"
    assert lookup_place("Nowhere-in-particular") is None


def test_empty_article() -> None:
    assert find_entities("", "") == Entities([], [], [], [])


# --- regions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "region"),
    [
        ("SY", "Middle East & North Africa"),
        ("EG", "Middle East & North Africa"),
        ("IR", "Middle East & North Africa"),
        ("TR", "Europe"),
        ("FR", "Europe"),
        ("GL", "Europe"),
        ("US", "US & Canada"),
        ("CA", "US & Canada"),
        ("MX", "Latin America"),
        ("BR", "Latin America"),
        ("ZA", "Africa"),
        ("SD", "Africa"),
        ("CN", "Asia"),
        ("GE", "Asia"),
        ("AU", "Oceania"),
        ("AQ", "Oceania"),
        ("sy", "Middle East & North Africa"),
    ],
)
def test_region_mapping(code: str, region: str) -> None:
    assert region_of(code) == region


def test_every_country_has_exactly_one_region() -> None:
    for country in pycountry.countries:
        assert region_of(country.alpha_2) in REGIONS, country.alpha_2
    assert region_of("XX") is None
    assert entities.region_of is places.region_of


# --- engineering --------------------------------------------------------------------------


def test_no_nltk_data_is_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    import nltk.data

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("nltk data must not be loaded")

    monkeypatch.setattr(nltk.data, "find", forbidden)
    monkeypatch.setattr(nltk.data, "load", forbidden)
    entities._sentence_splitter.cache_clear()
    assert find_entities("", "Dr. Jane Goodall said it. Mr. Smith agreed.").people == [
        "Jane Goodall",
        "Smith",  # a titled single name that is no one else's is the person's name as written
    ]


def test_speed_of_a_600_word_article() -> None:
    title, body = seed_000()
    text = " ".join((body + " ") * 3).split()[:600]
    article = " ".join(text)
    find_entities(title, article)  # load the gazetteers once
    runs = 20
    started = time.perf_counter()
    for _ in range(runs):
        find_entities(title, article)
    per_article = (time.perf_counter() - started) / runs
    assert per_article < 0.05  # measured ~3 ms; the bound only catches gross regressions


# --- people: titles, aliases, lists, credits (issue 14) -----------------------------------


@pytest.mark.parametrize(
    ("body", "people"),
    [
        # A titled single name that is no one else's is the person, as written.
        ("He had not sent any letter to President Putin, he said.", ["Putin"]),
        ("Lord Tebbit said the bill was a mistake. Lord Tebbit left.", ["Tebbit"]),
        ("Guests included Prince Harry and the Duke of York.", ["Harry"]),
        ("Sheikh Tamim met the envoy in Doha on Monday.", ["Tamim"]),
        # Used attributively: "the Obama administration" names Obama.
        ("Holdren was science adviser for the Obama administration.", ["Obama"]),
        # Not a title itself, nor a suffix.
        ("The Lord Chancellor, Lord Falconer, agreed.", ["Falconer"]),
        ("The widow of Rev. Martin Luther King Jr. wrote it.", ["Martin Luther King"]),
        # Not a title before an everyday word of the article ("Premier Rugby", "rugby union").
        ("The audit is funded by Premier Rugby. Injuries in rugby are rising.", []),
    ],
)
def test_titled_single_names_are_people(body: str, people: list[str]) -> None:
    assert find_entities("", body).people == people


def test_peer_named_after_a_place_is_a_person_not_a_country() -> None:
    found = find_entities("", "Commonwealth secretary general Baroness Scotland spoke.")
    assert found.people == ["Scotland"] and found.countries == []


def test_title_and_surname_merge_into_the_full_name() -> None:
    body = (
        "Russian Foreign Minister Sergey Lavrov arrived. Mr Lavrov said talks would go on. "
        "Lavrov later left."
    )
    assert find_entities("", body).people == ["Sergey Lavrov"]


def test_headline_full_name_names_the_body_mentions() -> None:
    found = find_entities(
        "Donald Trump aide accuses BBC of 'fake news'",
        "In a heated exchange between Newsnight's presenter and an aide to President Trump, "
        "the BBC was accused of fake news.",
    )
    assert found.people == ["Donald Trump"]


def test_near_spelling_and_first_name_aliases_merge() -> None:
    # The titled mentions count for the full names, so those rank above John Smith's one.
    body = (
        "John Smith said it was over. Putin is hostile to ex-Yukos boss Mikhail Khordokovsky. "
        "Mr Khodorkovsky is in jail."
    )
    assert find_entities("", body).people == ["Mikhail Khordokovsky", "John Smith"]
    body = (
        "John Smith said it was over. Independence hero Xanana Gusmao backs him. "
        "Whoever Mr Xanana supports will win."
    )
    assert find_entities("", body).people == ["Xanana Gusmao", "John Smith"]


@pytest.mark.parametrize(
    ("body", "people"),
    [
        # Words glued by a hyphen where the corpus lost a space.
        ('"Star Trek" actor and activist-George Takei shared a tweet.', ["George Takei"]),
        ("It backs Turkish President-Tayyip Erdogan's powers.", ["Tayyip Erdogan"]),
        ("The only source is the Rupert Murdoch-owned Fox News.", ["Rupert Murdoch"]),
        ("He sent President Donald Trump-scientific evidence.", ["Donald Trump"]),
        # Korean given names keep their lower-case second syllable.
        ("Malaysia charged two women with the murder of Kim Jong-nam.", ["Kim Jong-nam"]),
        # A plural title is a title.
        ("Former Presidents George W. Bush and Barack Obama spoke.",
         ["George W. Bush", "Barack Obama"]),
        # Two particles in a row.
        ("He advised chief executive Jeroen van der Veer. Mr Van der Veer agreed.",
         ["Jeroen van der Veer"]),
        # A first name that is also a month or a season.
        ("Fisherman Jan de Boer said he is concerned.", ["Jan de Boer"]),
        ("He clerked for US Circuit Judge Ralph Winter, Jr. of the Second Circuit.",
         ["Ralph Winter"]),
        # A role noun before the name is no part of it.
        ("Australian Paralympian Kurt Fearnley brought the baton.", ["Kurt Fearnley"]),
        # A place or a sentence's first word before a first name is no part of the name.
        ("The head of the Council on Arctic and Antarctica Vyacheslav Shtyrov said so.",
         ["Vyacheslav Shtyrov"]),
        ("Take Ted Heath. For him, the Common Market came first.", ["Ted Heath"]),
        ("Dutchman Arnoud Okken won the race.", ["Arnoud Okken"]),
        ("Hurricane Mitch said to have killed thousands, Rodrigo Rato said.", ["Rodrigo Rato"]),
        # A surname that is an organisation word.
        ("Mike Lake, a spokesman for the lawyers, said on Tuesday it stands firm.",
         ["Mike Lake"]),
        # A name in a list with people is a person even without a known first name.
        ("The likes of Jonny Wilkinson, Mike Tindall and Will Greenwood are injured.",
         ["Jonny Wilkinson", "Mike Tindall", "Will Greenwood"]),
        # ... but not a film title, nor a club named after its city.
        ("Mia Hamm, Chicago Cubs and Julie Foudy were there.", ["Mia Hamm", "Julie Foudy"]),
        ("The London Tory said it would not stand.", []),
        ("Lord Dubs said Roman Catholics would object.", ["Dubs"]),
        ("Films nominated are drama Finding Neverland, and Ray Charles biopic Ray.",
         ["Ray Charles"]),
    ],
)  # fmt: skip
def test_more_names_found(body: str, people: list[str]) -> None:
    assert find_entities("", body).people == people


def test_a_surname_that_is_a_demonym_is_a_person_not_a_country() -> None:
    body = "British writer Patrick French found the same in 2012. Mr French said so."
    found = find_entities("", body)
    assert found.people == ["Patrick French"] and found.countries == ["GB"]


@pytest.mark.parametrize(
    "body",
    [
        "Bob Christie in Phoenix; Kathleen Foody in Atlanta; and Marc Levy in Harrisburg, "
        "Pennsylvania, contributed to this report.",
        "Follow Cathy Bussewitz on Twitter at https://twitter.com/cbussewitz",
        '"?Follow Cathy Bussewitz on Twitter',  # a stray character before it
        "Share this slide: How will Donald Trump's first 100 days impact YOU?",
        "The evidence is mounting. Ana P. Santos reports from Manila.",
        "By Peter Hunt, BBC diplomatic and royal correspondent As she stood on the stage, "
        "the Queen smiled.",
    ],
)
def test_credits_and_page_furniture_name_no_one(body: str) -> None:
    assert find_entities("", body).people == []


def test_team_sheet_players_are_people() -> None:
    body = (
        "John Hartson scored twice for Celtic.\n"
        "Celtic: Douglas, McNamara, Balde, Varga, Laursen, Petrov, Lennon, Sutton, Hartson.\n"
        "Subs: Marshall, Henchoz, Juninho Paulista, Lambert, Maloney, Alex Rae."
    )
    assert find_entities("Celtic win", body).people == [
        "John Hartson",  # the sheet's "Hartson" is the scorer named in the report
        "Douglas", "McNamara", "Balde", "Varga", "Laursen", "Petrov", "Lennon", "Sutton",
        "Marshall", "Henchoz", "Juninho Paulista", "Lambert", "Maloney", "Alex Rae",
    ]  # fmt: skip


def test_a_list_of_countries_is_no_team_sheet() -> None:
    body = (
        "The 13 women come from Botswana, Colombia, Iraq, Niger, Papua New Guinea, Peru, "
        "Sri Lanka, Syria, Turkey, Vietnam and Yemen."
    )
    found = find_entities("Courage awards", body)
    assert found.people == [] and len(found.countries) == 11


def test_team_sheet_initials_and_clubs() -> None:
    body = (
        "Wales coach Mike Ruddock named Ryan Jones.\n"
        "G Thomas (Toulouse, capt); K Morgan (Newport-Gwent), T Shanklin (Cardiff), "
        "G Henson (Neath-Swansea), S Williams (Neath-Swansea); R Jones (Neath-Swansea), "
        "M Owen (Newport-Gwent)."
    )
    found = find_entities("Wales team", body)
    assert found.people == [
        "Ryan Jones", "Mike Ruddock", "G Thomas", "K Morgan", "T Shanklin", "G Henson",
        "S Williams", "M Owen",
    ]  # fmt: skip
    assert "Toulouse" not in " ".join(found.people)


# --- focus: the countries of the story's people -------------------------------------------


def test_a_persons_mentions_count_for_the_country_written_with_their_title() -> None:
    body = (
        "Ministers met in Brussels on Monday. Belgium hosted the talks.\n"
        "Turkish President Recep Tayyip Erdogan was the main speaker. Erdogan said the deal "
        "was fair. Erdogan added that more would follow. Erdogan later left, and Erdogan's "
        "aides stayed on."
    )
    found = find_entities("Talks end", body)
    assert found.people == ["Recep Tayyip Erdogan"]
    assert set(found.focus_countries) == {"BE", "TR"}


def test_a_us_party_tag_gives_the_persons_country() -> None:
    body = (
        "Russia's ambassador met him twice. Russia denied it. Russian officials said so.\n"
        "He answered Sen. Al Franken, D-Minn., at the hearing. Franken said it was untrue. "
        "Franken asked again, and Franken wrote to him."
    )
    found = find_entities("The hearing", body)
    assert "Al Franken" in found.people
    assert found.focus_countries == ["RU", "US"]


def test_a_person_the_corpora_introduce_counts_for_their_country() -> None:
    # The article never writes "Russian President"; other articles do (people_countries.tsv).
    body = (
        "Ukraine's former president Viktor Yanukovich spoke on Thursday. He lives in exile.\n"
        "Yanukovich said he had not written to President Putin. Putin did not answer him. "
        "Putin later spoke to reporters. Putin said nothing of Ukraine. Russia stayed silent."
    )
    found = find_entities("Yanukovich denies letter", body)
    assert set(found.focus_countries) == {"RU", "UA"}


def test_the_people_table_weighs_countries_but_never_adds_one() -> None:
    found = find_entities("Aide accuses BBC", "An aide to President Trump accused the BBC.")
    assert found.people == ["Trump"] and found.countries == []
    text = entities.PEOPLE_COUNTRIES_FILE.read_text(encoding="utf-8")
    assert text.startswith("# person<TAB>ISO alpha-2")
    assert "\nVladimir Putin\tRU\n" in text and "\nPutin\tRU\n" in text


def test_people_with_countries_reads_the_country_before_the_title() -> None:
    text = (
        "Turkish President Recep Tayyip Erdogan spoke. Russia's Foreign Minister Sergei Lavrov "
        "answered. Sen. Al Franken, D-Minn., asked. Antarctica Council head Ivan Petrov left."
    )
    assert entities.people_with_countries(text) == [
        ("Recep Tayyip Erdogan", "TR"), ("Sergei Lavrov", "RU"), ("Al Franken", "US"),
    ]  # fmt: skip
