"""A small newsroom of real-looking articles for what a reader quotes from a search: counts,
stop words ("found not guilty", "The Who", "Theresa May"), quoted phrases, filters and
spelling. ``build`` indexes it in a folder; tests look results up by article id.
"""

from __future__ import annotations

from pathlib import Path

from conftest import write_jsonl

from search.index import reindex
from search.query import parse_request, search


def _article(key: str, title: str, text: str, date: str, source: str) -> dict:
    return {"id": key, "title": title, "text": text, "date": date, "source": source,
            "url": f"https://newsroom.example/{key}"}  # fmt: skip


ARTICLES = [
    _article(
        "not-guilty", "Former minister found not guilty of bribery",
        "DUBLIN - A former minister was found not guilty of bribery on Tuesday after a "
        "six-week trial, the court heard.\n\nThe jury, who deliberated for two days, cleared "
        "him of all charges.", "2017-03-14", "Irish Wire",
    ),
    _article(
        "guilty", "Councillor found guilty of fraud",
        "BELFAST - A councillor was found guilty of fraud at Belfast Crown Court on Monday."
        "\n\nHe will be sentenced next month.", "2017-03-13", "Irish Wire",
    ),
    _article(
        "the-who", "The Who announce a farewell tour",
        "LONDON - The Who will play a final run of concerts next year, singer Roger Daltrey "
        "said on Wednesday.\n\nThe band formed in London in 1964.", "2017-03-08", "Music Desk",
    ),
    _article(
        "may-brexit", "Theresa May sets the date for her Brexit letter",
        "LONDON - Prime Minister Theresa May said on Monday that Britain would formally begin "
        "leaving the European Union on March 29.\n\nThe letter starts two years of Brexit "
        "talks.", "2017-03-20", "Politics Daily",
    ),
    _article(
        "brexit-stall", "Brexit talks may stall over the budget, officials warn",
        "BRUSSELS - Negotiations on Brexit may stall over the bill Britain owes the European "
        "Union, officials said on Thursday.\n\nDiplomats said talks could last into next "
        "year.", "2017-03-23", "Euro Wire",
    ),
    _article(
        "trump-putin", "Trump and Putin to meet in Helsinki",
        "WASHINGTON - President Donald Trump will meet Russian President Vladimir Putin in "
        "Helsinki next month, the White House said on Friday.\n\nThe Kremlin confirmed the "
        "summit.", "2017-03-03", "Capital Post",
    ),
    _article(
        "trump-tax", "Trump unveils his tax plan",
        "WASHINGTON - President Donald Trump unveiled a plan to cut corporate taxes on "
        "Wednesday, the Treasury said.\n\nDemocrats criticised the plan.", "2017-03-01",
        "Capital Post",
    ),
    _article(
        "putin-governor", "Putin accepts the resignation of a regional governor",
        "MOSCOW - Russian President Vladimir Putin accepted the resignation of the governor of "
        "the Novgorod region on Monday, the Kremlin said.\n\nPutin named an acting governor.",
        "2017-02-13", "Moscow Desk",
    ),
    _article(
        "rally-pro", "Thousands join a pro-government rally in Caracas",
        "CARACAS, Venezuela - Thousands of people joined a pro-government rally in the capital "
        "on Saturday, state television said.\n\nMarchers waved flags.", "2017-03-25",
        "Andes Report",
    ),
    _article(
        "rally-anti", "Opposition stages a rally against the government in Caracas",
        "CARACAS, Venezuela - The opposition staged a rally against the government on Sunday, "
        "and pro and anti marchers clashed near the square.\n\nPolice used tear gas.",
        "2017-03-26", "Andes Report",
    ),
    _article(
        "oil", "Oil prices slip as stockpiles grow",
        "LONDON - Oil prices fell on Tuesday after figures put stockpiles higher.\n\n"
        "Traders quoted by the source, Reuters said, expect prices to keep falling.",
        "2017-03-07", "Energy Desk",
    ),
    # Spelling: "syria" is common in titles and leads, "sirwa" and "shira" rare (one slip
    # from "sirya" and "syira", which are two slips and one swap from "syria"); the verb
    # "put" is one slip from "putn", as "putin" is, and a little commoner.
    _article(
        "syria-talks", "Syria talks resume in Geneva",
        "GENEVA - Talks on Syria, put off last month, resumed on Thursday, the United Nations "
        "envoy for Syria said.\n\nDelegates met separately.", "2017-02-23", "Euro Wire",
    ),
    _article(
        "syria-aid", "Donors pledge aid for Syria",
        "BRUSSELS - Donors pledged new aid for Syria on Wednesday, to be put towards "
        "schools.\n\nThe money will arrive next year.", "2017-03-29", "Euro Wire",
    ),
    _article(
        "syria-ceasefire", "Syria ceasefire holds, envoy says",
        "GENEVA - A ceasefire in Syria held for a third day, the envoy for Syria said, as "
        "Syria's government and rebels exchanged prisoners.\n\nAid convoys moved north.",
        "2017-03-02", "Euro Wire",
    ),
    _article(
        "syria-refugees", "Syrian refugees return to Aleppo",
        "ALEPPO, Syria - Thousands of refugees returned to Aleppo in northern Syria this week, "
        "officials in Syria said, after Syria reopened the road from Turkey.\n\nSchools "
        "reopened.", "2017-03-10", "Levant Post",
    ),
    _article(
        "sirwa", "Hikers reach the summit of Mount Sirwa",
        "MARRAKESH, Morocco - Hikers reached the summit on Sunday and put up "
        "tents at the top.\n\nThe climb took two days.", "2017-03-05", "Travel Desk",
    ),
    _article(
        "shira", "Actress Shira Haas wins an award",
        "TEL AVIV - Shira Haas won a best actress award on Saturday and put the prize on "
        "show.\n\nThe ceremony was held in Berlin.", "2017-03-18", "Screen Desk",
    ),
]


KEYS = {a["title"]: a["id"] for a in ARTICLES}


def keys(data: dict) -> list[str]:
    """The newsroom keys of a search's results, in order (index ids are hashes)."""
    return [KEYS[r["title"]] for r in data["results"]]


def build(folder: Path) -> Path:
    """An index of the newsroom in ``folder``; returns its root."""
    jsonl = write_jsonl(folder / "newsroom.jsonl", ARTICLES)
    root = folder / "index"
    report = reindex([jsonl], root, full=True, workers=1)
    assert report.added == len(ARTICLES), report.to_json()
    return root


def run(root: Path, **args) -> dict:
    """search() over ``root``, one result per article."""
    args.setdefault("collapse", "none")
    args.setdefault("per_page", "100")
    args.setdefault("mode", "lexical")  # these tests are about the words' ranking and counts
    return search(root, parse_request(args))
