"""Event dates: expressions in the sentence resolved against the publication date, with
precision; "the first since 2000" as a historical reference."""
from __future__ import annotations

import pytest

from detente.events.dates import historical_references, parse_pub_date, resolve_event_date
from conftest import SEED

PUB = "2024-06-14"  # a Friday


def _trigger(nlp, text: str, word: str):
    doc = nlp(text)
    tok = next(t for t in doc if t.text == word)
    return tok.sent, tok


@pytest.mark.parametrize("text,word,pub,expected", [
    # absolute dates need no publication date
    ("Kim met Putin on June 19, 2024.", "met", None, ("2024-06-19", "day")),
    ("Kim met Putin on 19 June 2024.", "met", None, ("2024-06-19", "day")),
    ("Kim last visited Moscow on 2019-04-25.", "visited", None, ("2019-04-25", "day")),
    ("Kim visited Russia in September 2023.", "visited", None, ("2023-09", "month")),
    ("Kim visited Russia in 2019.", "visited", PUB, ("2019", "year")),
    ("Talks were held on Christmas Eve 2019.", "Talks", PUB, ("2019", "year")),
    # relative to the publication date (timestamps accepted)
    ("Kim met Putin yesterday.", "met", "2024-06-14T08:00:00+09:00", ("2024-06-13", "day")),
    ("Kim met Putin earlier this month.", "met", PUB, ("2024-06", "month")),
    ("The two leaders met in Geneva last week, the ministry said.", "met", PUB,
     ("2024-06", "month")),
    ("Kim visited Russia last year.", "visited", PUB, ("2023", "year")),
    ("Kim visited Russia three years ago.", "visited", PUB, ("2021", "year")),
    ("Kim visited Russia two months ago.", "visited", PUB, ("2024-04", "month")),
    ("The Kremlin said on Monday that Putin will visit Pyongyang next month.", "visit", PUB,
     ("2024-07", "month")),
    # a bare month or day points back for past events, forward for future ones
    ("Kim met Putin in Vladivostok in September.", "met", PUB, ("2023-09", "month")),
    ("Kim will meet Putin in Vladivostok in September.", "meet", PUB, ("2024-09", "month")),
    ("Troops may withdraw in May.", "withdraw", PUB, ("2025-05", "month")),
    ("Kim met Putin on June 19.", "met", PUB, ("2023-06-19", "day")),
    ("Kim met Putin on June 12.", "met", PUB, ("2024-06-12", "day")),
    ("The leaders will meet on the 19th of June.", "meet", PUB, ("2024-06-19", "day")),
    ("The summit took place in mid-June.", "summit", PUB, ("2024-06", "month")),
    # weekdays: the most recent one for past tense, the next one for future
    ("North Korea said South Korean troops fired on the border on Tuesday.", "fired", PUB,
     ("2024-06-11", "day")),
    ("Kim will meet Putin in Vladivostok on Tuesday.", "meet", PUB, ("2024-06-18", "day")),
    ("Putin met Kim last Monday.", "met", PUB, ("2024-06-10", "day")),
    ("Putin met Kim on Friday.", "met", PUB, ("2024-06-14", "day")),
    ("The Kremlin said on Monday that Putin will visit Pyongyang.", "said", PUB,
     ("2024-06-10", "day")),
])
def test_resolves_expressions(nlp, text, word, pub, expected):
    sent, tok = _trigger(nlp, text, word)
    assert resolve_event_date(sent, tok, pub) == expected


@pytest.mark.parametrize("text,word", [
    # a date in another clause, or a span boundary, never dates the event
    ("Kim, who visited Russia in September 2023, will host Putin.", "host"),
    ("Kim, who visited Russia in September 2023, praised Putin.", "praised"),
    ("Russia has occupied Crimea since 2014.", "occupied"),
    ("This visit will be Putin's first to North Korea since 2000.", "visit"),
    # a planned event does not take the date of the clause announcing it
    ("The Kremlin said on Monday that Putin will visit Pyongyang.", "visit"),
    ("Kim met Putin.", "met"),
])
def test_falls_back_to_the_publication_date(nlp, text, word):
    sent, tok = _trigger(nlp, text, word)
    assert resolve_event_date(sent, tok, PUB) == (PUB, "day")


@pytest.mark.parametrize("text,word,pub,expected", [
    # the most precise expression of the trigger's clause wins
    ("Rossi said he is to leave office next month on August 2.", "leave", "2019-07-28",
     ("2019-08-02", "day")),
    # a date inside another event's phrase is that event's ...
    ("This has received little attention compared to the attack on the mall in Kenya in "
     "September.", "received", "2014-05-11", ("2014-05-11", "day")),
    # ... unless that phrase anchors the verb in time
    ("Castro greeted Chavez upon his arrival in Havana in December 1994.", "greeted", None,
     ("1994-12", "month")),
    # clock times, decades and names are not dates
    ("The fire started at about 19:00 local time (1700 UTC).", "started", PUB, (PUB, "day")),
    ("Intellectuals left the country in the 1930s.", "left", PUB, (PUB, "day")),
    ("The talks were held in Mar-a-Lago.", "held", PUB, (PUB, "day")),
    ("The deal was rejected by Theresa May in parliament.", "rejected", PUB, (PUB, "day")),
])
def test_choice_between_expressions(nlp, text, word, pub, expected):
    sent, tok = _trigger(nlp, text, word)
    assert resolve_event_date(sent, tok, pub) == expected


def test_without_publication_date(nlp):
    sent, tok = _trigger(nlp, "Kim met Putin yesterday.", "met")
    assert resolve_event_date(sent, tok, None) == (None, None)
    sent, tok = _trigger(nlp, "Kim met Putin.", "met")
    assert resolve_event_date(sent, tok, None) == (None, None)
    assert resolve_event_date(sent, tok, "2024-06") == ("2024-06", "month")
    assert resolve_event_date(sent, tok, "not a date") == (None, None)


def test_parse_pub_date_forms():
    assert parse_pub_date("2024-06-14T23:59:00Z")[1] == "day"
    assert parse_pub_date("2024")[1] == "year"
    assert parse_pub_date("2024-13-40") is None
    assert parse_pub_date("") is None


def test_first_since_is_a_historical_reference(nlp):
    sent, _ = _trigger(nlp, "This visit will be Putin's first to North Korea since 2000.", "visit")
    refs = historical_references(sent)
    assert [(r.iso, r.precision) for r in refs] == [("2000", "year")]
    assert refs[0].span.text == "since 2000"


def test_first_in_n_years_needs_the_publication_date(nlp):
    sent, _ = _trigger(nlp, "It is Putin's first visit to North Korea in 24 years.", "visit")
    assert historical_references(sent) == []
    assert [(r.iso, r.precision) for r in historical_references(sent, PUB)] == [("2000", "year")]


def test_since_without_first_is_not_a_past_event(nlp):
    sent, _ = _trigger(nlp, "Russia has occupied Crimea since 2014.", "occupied")
    assert historical_references(sent) == []


@pytest.fixture(scope="module")
def seed(nlp):
    return nlp(SEED.read_text(encoding="utf-8"))


def test_seed_meeting_in_september_2023_has_month_precision(seed):
    sent = next(s for s in seed.sents if "September 2023" in s.text)
    meeting = next(t for t in sent if t.text == "meeting")
    assert resolve_event_date(sent, meeting, PUB) == ("2023-09", "month")
    visit = next(t for t in sent if t.text == "visit")  # "the announcement of Putin's visit"
    assert resolve_event_date(sent, visit, PUB) == (PUB, "day")


def test_seed_first_visit_since_2000(seed):
    sent = next(s for s in seed.sents if "since 2000" in s.text)
    visit = next(t for t in sent if t.text == "visit")
    assert resolve_event_date(sent, visit, PUB) == (PUB, "day")
    assert [(r.iso, r.precision) for r in historical_references(sent, PUB)] == [("2000", "year")]


@pytest.mark.parametrize("text", ["", "!!! ... ???", "\x00\x01 \x02", "Путин посетил Пхеньян 19 июня.",
                                  "2024 2024 2024 May May"])
def test_odd_input_never_raises(nlp, text):
    doc = nlp(text)
    for sent in doc.sents:
        for tok in sent:
            iso, precision = resolve_event_date(sent, tok, "garbage")
            assert (iso is None) == (precision is None)
            historical_references(sent, "2024-06-14")
