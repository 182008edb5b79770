"""Event nouns (summit, meeting, talks, visit): their modality, date and place from the noun
phrase and the article around them.  Sentences are our own."""
from __future__ import annotations

import pytest

from detente.events.coder import Coder
from detente.events.dates import resolve_event_date
from detente.events.event_nouns import Mention, after_publication, anchor_mentions
from detente.events.modality import modality_of
from detente.records import Place


def _trigger(nlp, text: str, word: str, nth: int = 0):
    doc = nlp(text)
    hits = [t for t in doc if t.text == word]
    assert len(hits) > nth, f"{word!r} not in {text!r}"
    return hits[nth].sent, hits[nth]


# -- modality of the noun -------------------------------------------------------------------
@pytest.mark.parametrize("text,word,expected", [
    ("A meeting between the two foreign ministers is in the works.", "meeting", "planned"),
    ("The talks are set for next Tuesday in Lima.", "talks", "planned"),
    ("The summit is expected in early March.", "summit", "planned"),
    ("The minister's remarks come ahead of a planned summit in Lima.", "summit", "planned"),
    ("The minister's remarks come ahead of next week's summit.", "summit", "planned"),
    ("Officials gathered in anticipation of the talks.", "talks", "planned"),
    ("The visit added momentum toward a summit between the two presidents.", "summit",
     "planned"),
    ("A planned March 3 meeting in Lima between the two ministers drew protests.", "meeting",
     "planned"),
    ("The president has the advantage heading into the talks.", "talks", "planned"),
    ("Both sides began laying the groundwork for the meeting.", "meeting", "planned"),
    ("Officials said they were looking forward to meeting the delegation.", "meeting",
     "planned"),
    ("Peru will press its claims during the talks with Chile.", "talks", "planned"),
    ("A man walks past a poster for the cancelled summit.", "summit", "negated"),
    ("The postponed summit drew protests.", "summit", "planned"),
    ("The agency repeated the president's desire to meet the envoy.", "meet", "hypothetical"),
    ("The two sides need to engage in direct talks.", "talks", "hypothetical"),
    ("A summit between the two presidents would be a historic first.", "summit",
     "hypothetical"),
    ("She said she would urge the president to reconsider the summit.", "summit",
     "hypothetical"),
    ("A second summit is possible, the spokesman said.", "summit", "hypothetical"),
    # a past clause inside the event says nothing about it being ahead
    ("The president went into the talks with low expectations.", "talks", "occurred"),
    ("Peru did not press its claims during the talks with Chile.", "talks", "occurred"),
    # unchanged: a held meeting, a copula that says nothing about whether it happens
    ("The summit in Lima was a success.", "summit", "occurred"),
    ("The two presidents held talks in Lima.", "talks", "occurred"),
])
def test_noun_modality(nlp, text, word, expected):
    sent, tok = _trigger(nlp, text, word)
    assert modality_of(sent, tok)[0] == expected


# -- the date that modifies the noun ----------------------------------------------------------
@pytest.mark.parametrize("text,word,pub,expected", [
    # the noun's own date, resolved to the occurrence nearest publication
    ("The minister's remarks come ahead of a planned March 3 meeting in Lima.", "meeting",
     "2021-02-10", ("2021-03-03", "day")),
    ("The March 3 summit drew protests.", "summit", "2021-02-10", ("2021-03-03", "day")),
    ("The March 3 summit drew protests.", "summit", "2021-04-20", ("2021-03-03", "day")),
    ("The 3 March summit in Lima drew protests.", "summit", "2021-02-10", ("2021-03-03", "day")),
    ("The summit on March 3 in Lima drew protests.", "summit", "2021-02-10",
     ("2021-03-03", "day")),
    ("Next week's summit drew protests.", "summit", "2021-02-10", ("2021-02", "month")),
    # a weekday on a noun with no tense: the nearest one (a Saturday paper's "Thursday")
    ("The minister spoke during an encounter with the envoy in Lima on Thursday.", "encounter",
     "2021-02-13", ("2021-02-11", "day")),
    # "three months since X met Y": the meeting is that long before publication
    ("The test comes less than three months since the two presidents met in Lima.", "met",
     "2021-05-04", ("2021-02", "month")),
    ("Officials met over the weekend in Lima.", "met", "2021-02-10", ("2021-02-07", "day")),
    ("Officials met over the weekend in Lima.", "met", "2021-02-13", ("2021-02-07", "day")),
    ("Officials met over the weekend in Lima.", "met", "2021-02-14", ("2021-02-13", "day")),
    # a past verb that realises the noun keeps it in the past
    ("Talks were held on March 3.", "Talks", "2021-02-10", ("2020-03-03", "day")),
])
def test_noun_date(nlp, text, word, pub, expected):
    sent, tok = _trigger(nlp, text, word)
    assert resolve_event_date(sent, tok, pub) == expected


def test_after_publication_compares_at_the_coarser_precision():
    assert after_publication("2021-03-03", "day", "2021-02-10")
    assert not after_publication("2021-02-10", "day", "2021-02-10")
    assert not after_publication("2021-02", "month", "2021-02-10")
    assert after_publication("2021-03", "month", "2021-02-28")
    assert not after_publication("2021-03-03", "day", "2021-03")
    assert not after_publication("2021-03-03", "day", None)


# -- article-level anchoring, on records -------------------------------------------------------
def _m(idx, lemma, *, date=None, precision="day", dated=False, modality="occurred", place=None,
       nominal=True, code="040", pair=("CHL", "PER")):
    return Mention(sentence_index=idx, lemma=lemma, nominal=nominal, code=code,
                   pair=frozenset(pair), direction=tuple(pair), modality=modality, date=date or "2021-02-10",
                   precision=precision, place=place, dated_by_text=dated)


LIMA = Place("Lima", "PER", None, None)
QUITO = Place("Quito", "ECU", None, None)


def test_bare_mention_inherits_date_and_place_and_becomes_planned():
    anchor = _m(1, "meet", nominal=False, date="2021-03-03", dated=True, place=LIMA,
                modality="planned")
    bare = _m(4, "summit")
    assert anchor_mentions([bare, anchor], "2021-02-10") == 1
    assert (bare.date, bare.precision, bare.place, bare.modality) == (
        "2021-03-03", "day", LIMA, "planned")


def test_after_the_event_the_bare_mention_stays_occurred():
    anchor = _m(1, "summit", date="2021-03-03", dated=True)
    bare = _m(4, "meeting")
    anchor_mentions([anchor, bare], "2021-03-05")
    assert (bare.date, bare.modality) == ("2021-03-03", "occurred")


def test_anchoring_needs_the_same_pair_and_family():
    anchor = _m(1, "summit", date="2021-03-03", dated=True)
    other_pair = _m(2, "summit", pair=("CHL", "BOL"))
    a_visit = _m(3, "visit", code="042")
    negotiations = _m(4, "negotiation", code="046")
    assert anchor_mentions([anchor, other_pair, a_visit, negotiations], "2021-02-10") == 0


def test_hypothetical_and_negated_mentions_keep_their_modality():
    anchor = _m(1, "summit", date="2021-03-03", dated=True)
    maybe = _m(2, "summit", modality="hypothetical")
    off = _m(3, "summit", modality="negated")
    anchor_mentions([anchor, maybe, off], "2021-02-10")
    assert (maybe.date, maybe.modality) == ("2021-03-03", "hypothetical")
    assert (off.date, off.modality) == ("2021-03-03", "negated")


def test_several_dates_choose_by_place_then_the_one_to_come():
    past = _m(1, "summit", date="2020-06", precision="month", dated=True, place=QUITO)
    coming = _m(2, "summit", date="2021-03-03", dated=True, place=LIMA)
    in_quito = _m(3, "summit", place=QUITO)
    bare = _m(4, "summit")
    anchor_mentions([past, coming, in_quito, bare], "2021-02-10")
    assert in_quito.date == "2020-06"
    assert (bare.date, bare.modality) == ("2021-03-03", "planned")


def test_a_plural_names_several_events_and_is_not_anchored():
    anchor = _m(1, "summit", date="2021-03-03", dated=True)
    many = _m(2, "summit")
    many.several = True  # "the two presidents have held two summits"
    assert anchor_mentions([anchor, many], "2021-02-10") == 0


def test_several_past_dates_are_ambiguous():
    first = _m(1, "summit", date="2020-06", precision="month", dated=True)
    second = _m(2, "summit", date="2021-01-20", dated=True)
    bare = _m(3, "summit")
    assert anchor_mentions([first, second, bare], "2021-02-10") == 0
    assert bare.date == "2021-02-10"


def test_a_month_and_a_day_inside_it_are_one_date():
    month = _m(1, "summit", date="2021-03", precision="month", dated=True)
    day = _m(2, "summit", date="2021-03-03", dated=True)
    bare = _m(3, "summit")
    anchor_mentions([month, day, bare], "2021-02-10")
    assert bare.date == "2021-03-03"


# -- the coder on whole articles ---------------------------------------------------------------
@pytest.fixture(scope="module")
def coder(nlp):
    return Coder(nlp=nlp, classifier=False)


def _meetings(events, a="CHL", b="PER"):
    return [e for e in events if {e.source_country, e.target_country} == {a, b}
            and e.root in ("03", "04")]


ARTICLE = (
    "Chile and Peru will hold a summit in Lima on March 3, officials in both capitals said.\n\n"
    "The summit between Chile and Peru is a test for both governments, analysts said.\n\n"
    "Chile's president said he was confident.")


def test_preview_article_dates_the_bare_summit_and_marks_it_planned(coder):
    evs = coder.code_document("preview", ARTICLE, "2021-02-10")
    bare = [e for e in _meetings(evs) if e.evidence.sentence_index == 1]
    assert bare, [(e.source, e.target, e.code, e.evidence.sentence) for e in evs]
    for e in bare:
        assert (e.date, e.date_precision, e.modality) == ("2021-03-03", "day", "planned")
        assert e.root == "03"  # a planned meeting is coded as intent to meet
        assert e.place is not None and e.place.name == "Lima"


def test_report_after_the_summit_dates_it_and_keeps_it_occurred(coder):
    text = ("The summit between Chile and Peru in Lima on March 3 ended without a deal.\n\n"
            "The meeting between Chile and Peru was the first in a decade.")
    evs = coder.code_document("after", text, "2021-03-06")
    later = [e for e in _meetings(evs) if e.evidence.sentence_index == 1]
    assert later and all((e.date, e.modality) == ("2021-03-03", "occurred") for e in later), \
        [(e.date, e.modality, e.code) for e in later]


def test_previous_round_of_talks_is_not_an_event(coder):
    evs = coder.code_document(
        "prev", "The envoy led Chile's delegation during a previous round of talks with Peru.",
        "2021-02-10")
    assert not [e for e in _meetings(evs) if e.evidence.trigger == "talks"]


def test_negotiation_in_general_is_not_a_meeting(coder):
    evs = coder.code_document(
        "gen", "Peru's enthusiasm for negotiation has faded, Chile's foreign minister said.",
        "2021-02-10")
    assert not _meetings(evs), [(e.source, e.target, e.code) for e in evs]


def test_the_clause_subject_took_part_in_an_adjunct_meeting(coder):
    evs = coder.code_document(
        "adj", "Chile's president used sharp words during an encounter with Peru's foreign "
               "minister in Lima on Thursday.", "2021-02-13")
    meet = _meetings(evs)
    assert meet and meet[0].source_country == "CHL" and meet[0].date == "2021-02-11", \
        [(e.source, e.target, e.code, e.date) for e in evs]


def test_their_meeting_is_between_the_subjects_not_with_its_venue(coder):
    evs = coder.code_document(
        "their", "Chile and Peru issued a joint statement after their meeting in Lima.",
        "2021-02-13")
    meet = [e for e in evs if e.evidence.trigger == "meeting"]
    assert {(e.source_country, e.target_country) for e in meet} == {("CHL", "PER"), ("PER", "CHL")}, \
        [(e.source, e.target, e.code) for e in evs]


def test_a_press_conference_is_not_a_meeting(coder):
    evs = coder.code_document(
        "press", "Chile's president told a press conference in Lima that Peru had agreed.",
        "2021-02-13")
    assert not [e for e in evs if e.evidence.trigger == "conference"]


def test_visits_keep_visitor_and_host_apart():
    theirs = Mention(sentence_index=1, lemma="visit", nominal=False, code="042",
                     pair=frozenset({"PER", "CHL"}), direction=("PER", "CHL"), modality="occurred",
                     date="2020-09", precision="month", place=None, dated_by_text=True)
    ours = _m(2, "visit", code="042", modality="planned")  # CHL -> PER
    assert anchor_mentions([theirs, ours], "2021-02-10") == 0


def test_a_planned_mention_never_takes_a_past_date():
    past = _m(1, "summit", date="2020-06-12", dated=True)
    coming = _m(2, "summit", modality="planned")
    assert anchor_mentions([past, coming], "2021-02-10") == 0


def test_a_mislemmatised_governor_still_counts(nlp):
    # spaCy's small model lemmatises "hoped" as "hop"
    sent, tok = _trigger(nlp, "Moon said he hoped to follow up with a three-way meeting with "
                              "the two Koreas.", "meeting")
    assert modality_of(sent, tok)[0] == "hypothetical"


def test_negotiations_in_a_past_presidency_are_not_dated_news(coder):
    evs = coder.code_document(
        "era", "A former Chilean envoy, who led negotiations with Peru during the Bachelet "
               "years, described the process.", "2021-02-10")
    assert not [e for e in _meetings(evs) if e.evidence.trigger == "negotiations"], \
        [(e.source, e.target, e.code, e.evidence.trigger) for e in evs]
