"""Eight short news articles written for this benchmark (no third-party text), with known
headline, date, byline and dateline. ``layouts.py`` renders them into page layouts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Story:
    """One article: its headline, day, author, dateline and paragraphs (the gold body)."""

    key: str
    headline: str
    day: date
    author: str
    dateline: str  # "WASHINGTON (AP) —" style opener of the first paragraph, or ""
    paragraphs: tuple[str, ...]
    table: tuple[tuple[str, str], ...] = ()  # a two-column table of prose, part of the body


STORIES = (
    Story(
        "ferry",
        "Harbour ferry service to resume after six-week repair",
        date(2017, 3, 17),
        "Maria Okafor",
        "",
        (
            "The harbour ferry that links the old town with the northern islands will resume "
            "its timetable on Monday after six weeks in dry dock, the port authority said.",
            "Engineers replaced both propeller shafts and a cracked section of the hull that "
            "had been found during a routine inspection in February.",
            "Click here to read the full report, the port authority's spokesman said, pointing "
            "to a summary published on its website on Thursday.",
            "Commuters have relied on a replacement bus service that added forty minutes to "
            "the journey each way, and local shops reported fewer visitors from the islands.",
        ),
    ),
    Story(
        "budget",
        "Council approves budget with more money for road repairs",
        date(2017, 3, 5),
        "Daniel Reyes",
        "",
        (
            "The city council approved next year's budget late on Tuesday, setting aside "
            "twice as much money for road repairs as last year.",
            "Councillors voted 31 to 9 in favour after a debate that lasted almost four hours "
            "and focused on potholes, bus lanes and the cost of winter gritting.",
            "The opposition said the plan relied on optimistic forecasts of parking income, "
            "which fell sharply during the last two years.",
        ),
        (
            ("Roads", "Resurfacing of the ring road and forty residential streets."),
            ("Transport", "Two new bus lanes and longer evening services on three routes."),
        ),
    ),
    Story(
        "drought",
        "Farmers warned of water limits as reservoirs fall",
        date(2018, 8, 23),
        "Priya Natarajan",
        "WASHINGTON (AP) —",
        (
            "WASHINGTON (AP) — Federal officials warned farmers on Thursday that water "
            "allocations could be cut next month if reservoir levels keep falling.",
            "The largest reservoir in the region is at 38 percent of capacity, the lowest "
            "level for late August since records began.",
            "Growers of almonds and rice, which need the most water, said they had already "
            "left some fields unplanted this season.",
        ),
    ),
    Story(
        "library",
        "New library opens with longer hours and a repair cafe",
        date(2019, 1, 9),
        "Tom Fairweather",
        "",
        (
            "A new central library opened its doors on Wednesday with evening hours on every "
            "weekday and a room where volunteers fix broken toasters and lamps.",
            "The building replaces a library that closed in 2015 after its roof began to leak "
            "onto the shelves of the local history collection.",
            "More than two thousand people signed up for library cards on the first day, "
            "according to the head librarian.",
        ),
    ),
    Story(
        "marathon",
        "Record field expected for spring marathon despite route change",
        date(2018, 4, 21),
        "Aisha Grant",
        "",
        (
            "Organisers expect a record eleven thousand runners at Sunday's spring marathon, "
            "even though the course has been moved away from the river because of flooding.",
            "The new route loops twice through the park and adds a steep climb near the "
            "twentieth mile, which several elite runners described as brutal.",
            "Police advised residents to expect road closures from six in the morning until "
            "the early afternoon.",
        ),
    ),
    Story(
        "vaccine",
        "Clinics extend opening times for winter flu jabs",
        date(2017, 11, 2),
        "Helen Brandt",
        "",
        (
            "Health clinics across the county will stay open until eight in the evening "
            "during November so that more people can get a flu vaccination after work.",
            "Last winter fewer than half of eligible adults under 65 were vaccinated, a figure "
            "officials said they hoped to raise this year.",
            "Pharmacies will also offer the jab without an appointment on Saturdays.",
        ),
    ),
    Story(
        "factory",
        "Bicycle maker to hire 200 workers at new factory",
        date(2019, 6, 14),
        "Lukas Weber",
        "",
        (
            "A bicycle manufacturer said on Friday it would hire 200 workers at a new factory "
            "on the site of a former paper mill, the largest investment in the town for a decade.",
            "Production of electric cargo bikes is due to start in the spring, with most of "
            "the output going to delivery companies in nearby cities.",
            "The company said it had chosen the site because of its rail connection and the "
            "skills of workers who lost their jobs when the mill closed.",
        ),
    ),
    Story(
        "festival",
        "Folk festival returns to the valley after a year's break",
        date(2018, 7, 6),
        "Grace Lindqvist",
        "",
        (
            "The valley folk festival returns this weekend after a year's break caused by a "
            "dispute over the lease of the showground.",
            "Forty bands will play on three stages, and for the first time there will be a "
            "quiet area for families with young children.",
            "Tickets for Saturday sold out within an hour, but some day passes for Sunday "
            "were still available on Friday morning.",
        ),
    ),
)
