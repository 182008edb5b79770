"""Event places: locative phrases of the trigger's clause, with their country."""
from __future__ import annotations

import pytest

from detente.events.places import find_place
from conftest import SEED

# Stand-in gazetteer for the mechanism tests, written for them; the real one is
# detente.actors.lookup_country (used by default when it is installed).
FAKE = {"russia": "RUS", "russian": "RUS", "moscow": "RUS", "vladivostok": "RUS",
        "geneva": "CHE", "switzerland": "CHE", "pyongyang": "PRK", "north korea": "PRK",
        "belarus": "BLR", "gaza strip": "PSE", "ukraine": "UKR", "kharkiv": "UKR",
        "china": "CHN", "japan": "JPN"}


def fake_lookup(name: str) -> str | None:
    return FAKE.get(name.lower())


@pytest.fixture(scope="module")
def lookup():
    """The actors engineer's lookup when it has landed, else the stand-in."""
    try:
        from detente.actors import lookup_country
    except ImportError:
        return fake_lookup
    return lookup_country


def _trigger(nlp, text: str, word: str):
    doc = nlp(text)
    tok = next(t for t in doc if t.text == word)
    return tok.sent, tok


@pytest.mark.parametrize("text,word,name,country", [
    ("The two ministers met in Geneva on Monday.", "met", "Geneva", "CHE"),
    ("The two ministers met in Geneva, Switzerland, on Monday.", "met", "Geneva", "CHE"),
    ("Kim held talks with Putin in Pyongyang.", "talks", "Pyongyang", "PRK"),
    ("Kim held talks with Putin in Pyongyang.", "held", "Pyongyang", "PRK"),
    ("Putin visited Pyongyang.", "visited", "Pyongyang", "PRK"),
    ("Putin's upcoming visit to North Korea drew attention.", "visit", "North Korea", "PRK"),
    ("Russia deployed troops to Belarus.", "deployed", "Belarus", "BLR"),
    ("The leaders met at the Kremlin in Moscow.", "met", "Kremlin", "RUS"),
    ("Moscow said the talks in Geneva were productive.", "talks", "Geneva", "CHE"),
])
def test_named_places(nlp, lookup, text, word, name, country):
    sent, tok = _trigger(nlp, text, word)
    place = find_place(sent, tok, lookup=lookup)
    assert place is not None and (place.name, place.country) == (name, country)
    assert sent.doc.text[place.start:place.end] == name


@pytest.mark.parametrize("text,word,name,country", [
    # country from the words around the place
    ("Kim arrived in the Russian city of Vladivostok on Tuesday.", "arrived", "Vladivostok", "RUS"),
    ("Rockets hit a school in the Gaza Strip.", "hit", "Gaza Strip", "PSE"),
    ("Putin arrived at Pyongyang's Sunan airport.", "arrived", "Sunan airport", "PRK"),
    # the tagger calls Kharkiv a person; the gazetteer knows it is a city
    ("Russian forces shelled Kharkiv overnight.", "shelled", "Kharkiv", "UKR"),
    ("Russian forces shelled the city of Kharkiv.", "shelled", "Kharkiv", "UKR"),
    # a named place in no country
    ("Chinese and Russian ships held drills in the Sea of Japan.", "drills", "Sea of Japan", None),
])
def test_places_and_countries_from_context(nlp, text, word, name, country):
    sent, tok = _trigger(nlp, text, word)
    place = find_place(sent, tok, lookup=fake_lookup)
    assert place is not None and (place.name, place.country) == (name, country)


@pytest.mark.parametrize("text,word", [
    ("Moscow said the talks in Geneva were productive.", "said"),   # place of another clause
    ("Moscow condemned the sanctions.", "condemned"),                # actor metonym, not a place
    ("The US imposed sanctions on Russia.", "imposed"),             # "on Russia" is a target
    ("Pyongyang accused Seoul of provocations.", "accused"),
    ("Troops clashed near the border with China.", "clashed"),       # no named place
    ("Kim, who was in Moscow last week, praised Putin.", "praised"),  # relative clause
])
def test_no_place(nlp, text, word):
    sent, tok = _trigger(nlp, text, word)
    assert find_place(sent, tok, lookup=fake_lookup) is None


def test_without_a_gazetteer_the_place_keeps_no_country(nlp):
    sent, tok = _trigger(nlp, "The two ministers met in Geneva on Monday.", "met")
    place = find_place(sent, tok, lookup=lambda name: None)
    assert (place.name, place.country) == ("Geneva", None)


def test_seed_vostochny_cosmodrome_in_russia(nlp, lookup):
    doc = nlp(SEED.read_text(encoding="utf-8"))
    sent = next(s for s in doc.sents if "Vostochny" in s.text)
    meeting = next(t for t in sent if t.text == "meeting")
    place = find_place(sent, meeting, lookup=lookup)
    assert place is not None
    assert (place.name, place.country) == ("Vostochny Cosmodrome", "RUS")


@pytest.mark.parametrize("text", ["", "!!! ... ???", "in in in at at", "Путин прибыл в Пхеньян.",
                                  "At (the) in Geneva's of."])
def test_odd_input_never_raises(nlp, text):
    doc = nlp(text)
    for sent in doc.sents:
        for tok in sent:
            find_place(sent, tok, lookup=fake_lookup)
