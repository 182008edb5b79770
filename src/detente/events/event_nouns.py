"""Event nouns across an article: summits, meetings, talks and visits that a story mentions
many times but dates (and places) only once.

A news story fixes its event once ("the June 12 summit in Singapore", "Trump will meet Kim on
June 12") and then says "the summit", "the meeting", "the talks".  Read sentence by sentence,
those bare mentions would fall back on the publication date, so a preview published on 10 June
puts the summit on 10 June, and as ``occurred``.  :func:`anchor_mentions` gives each bare
mention the date (and place) that the same article gives the same kind of event between the same
two countries, and makes it ``planned`` when that date is after publication.

Also here, because they are about what an event noun refers to:

* :func:`past_reference`: "a previous round of nuclear talks", "past summits": an earlier
  event the sentence does not date, background rather than news.
* :func:`generic_process`: "enthusiasm for negotiation", "a time limit on negotiations": a bare
  noun for negotiating in general, with no party named in its own phrase.
* :func:`several`: "two summits", "his meetings with Kim": more than one event, so neither
  anchored nor an anchor.
* :func:`after_publication`: whether a date is later than the publication date, at the
  coarser of the two precisions.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Optional

from ..records import Place
from .dates import DAY, MONTH, PRECISION_RANK, parse_pub_date
from .modality import PLANNED

# Event nouns that a story repeats bare, by family: a mention inherits only from the same family.
# "summit", "meeting" and "talks" are used interchangeably for one leaders' meeting; visits and
# trips are another kind of event (CAMEO 042-044).
_MEETING_NOUNS = frozenset({"summit", "meeting", "talk", "talks", "encounter", "conference",
                            "session", "sit-down"})
_VISIT_NOUNS = frozenset({"visit", "trip", "tour", "journey", "voyage", "stay"})
VISIT_CODES = frozenset({"042", "043", "044"})  # make, host, receive a visit
# Modifiers that place an event noun before the story's present: "the previous round of talks",
# "past summits", "an earlier meeting".
_PAST_MODIFIERS = frozenset({"previous", "past", "earlier", "former", "prior", "last",
                             "preceding", "erstwhile", "bygone"})
# Carriers through which the modifier reaches the event noun: "a previous *round* of talks".
_CARRIERS = frozenset({"round", "session", "series", "cycle", "set", "stage", "phase"})
_PROCESS_NOUNS = frozenset({"negotiation", "negotiations", "talk", "talks", "dialogue",
                            "diplomacy", "consultation", "consultations", "discussion",
                            "discussions"})
_DETERMINERS = frozenset({"det", "poss", "nummod"})


def family(code: str, lemma: str, nominal: bool) -> Optional[str]:
    """The family an event belongs to for anchoring ("meet" or "visit"), or None."""
    if code[:2] != "04":
        return None
    if code in VISIT_CODES:
        return "visit"
    if nominal and lemma in _VISIT_NOUNS:
        return "visit"
    if lemma.startswith("negotiat"):
        return None  # negotiations are a process, not one datable meeting
    return "meet"


def receives(lemma: str, nominal: bool) -> bool:
    """Whether a mention can inherit an article's date: only bare event nouns can."""
    return nominal and (lemma in _MEETING_NOUNS or lemma in _VISIT_NOUNS)


# Plurals that name one event ("the talks", "negotiations"); other plural event nouns name
# several ("two summits", "his meetings with Kim").
_PLURALIA = frozenset({"talk", "talks", "negotiation", "negotiations", "consultation",
                       "consultations", "discussion", "discussions"})


def several(tok: Any) -> bool:
    """Whether an event noun names more than one event: "two summits", "subsequent
    meetings"."""
    return tok.tag_ in ("NNS", "NNPS") and tok.lemma_.lower() not in _PLURALIA \
        and tok.lower_ not in _PLURALIA


def past_reference(tok: Any) -> Optional[str]:
    """The words that make an event noun an earlier, undated event ("a previous round of
    talks" -> "previous", "led negotiations during the Bush years" -> "during the Bush years"),
    or None."""
    if tok.pos_ not in ("NOUN", "PROPN"):
        return None
    nouns = [tok]
    # "a previous round of talks": the modifier sits on the carrier noun
    if tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.head.lemma_.lower() in _CARRIERS:
        nouns.append(tok.head.head)
    for noun in nouns:
        for child in noun.children:
            if child.i < noun.i and child.dep_ in ("amod", "advmod", "compound") \
                    and child.lower_ in _PAST_MODIFIERS:
                return child.text
    # "during the Bush years", "during the Obama administration": an earlier period named after
    # someone, on the noun or on the verb whose object it is
    holders = [tok] + ([tok.head] if tok.dep_ in ("dobj", "nsubjpass") else [])
    for holder in holders:
        for prep in holder.children:
            if prep.dep_ != "prep" or prep.lower_ not in ("during", "throughout"):
                continue
            for obj in prep.children:
                if obj.dep_ == "pobj" and obj.lemma_.lower() in _PERIODS and any(
                        c.dep_ in ("compound", "poss", "amod") and c.pos_ == "PROPN"
                        for c in obj.children):
                    return f"{prep.text} {obj.text}"
    return None


# Periods named after a leader: "the Bush years", "the Obama administration".
_PERIODS = frozenset({"year", "years", "era", "administration", "presidency", "tenure", "term",
                      "government", "reign"})


def generic_process(tok: Any) -> bool:
    """A bare mass or plural noun for negotiating in general, inside another phrase: "dampened
    our enthusiasm for negotiation", "put a time limit on negotiations", "results from
    denuclearization negotiations".  The caller checks that no party is named in the noun's own
    phrase (its actors came from reading order only)."""
    if tok.pos_ != "NOUN" or tok.lower_ not in _PROCESS_NOUNS:
        return False
    if any(c.dep_ in _DETERMINERS for c in tok.children):
        return False
    return tok.dep_ in ("pobj", "compound", "nmod")


def after_publication(iso: Optional[str], precision: Optional[str],
                      pub_date: Optional[str]) -> bool:
    """Whether the date ``iso`` lies after the publication date, compared at the coarser of
    the two precisions (a month is after publication only if it is a later month)."""
    return _vs_publication(iso, precision, pub_date) == 1


def _vs_publication(iso: Optional[str], precision: Optional[str],
                    pub_date: Optional[str]) -> Optional[int]:
    """-1, 0 or 1 as ``iso`` lies before, in or after the publication date at the coarser of
    the two precisions; None when either date is missing or unreadable."""
    pub = parse_pub_date(pub_date)
    if not iso or pub is None:
        return None
    try:
        parts = [int(p) for p in iso.split("-")]
    except ValueError:
        return None
    when = tuple((parts + [1, 1])[:3])  # a year or a month counts from its first day
    coarse = max(PRECISION_RANK[precision or DAY], PRECISION_RANK[pub[1]])
    a, b = _trim(when, coarse), _trim((pub[0].year, pub[0].month, pub[0].day), coarse)
    return (a > b) - (a < b)


def _trim(t: tuple[int, int, int], rank: int) -> tuple[int, ...]:
    return t[:3 - rank]


@dataclass
class Mention:
    """One event of an article before it becomes records: what anchoring reads and updates."""

    sentence_index: int
    lemma: str
    nominal: bool
    code: str  # the trigger's own code, before planned acts are recoded as intent
    pair: frozenset[str]  # the countries of its actors (one or two; empty for more)
    direction: tuple[Optional[str], Optional[str]]  # (source country, target country)
    modality: str
    date: Optional[str]
    precision: Optional[str]
    place: Optional[Place]
    dated_by_text: bool  # the sentence dates it; otherwise the date is the publication's
    several: bool = False  # "two summits", "his meetings with Kim": more than one event
    anchored: bool = False

    @property
    def family(self) -> Optional[str]:
        return family(self.code, self.lemma, self.nominal)


def _same_place(a: Optional[Place], b: Optional[Place]) -> bool:
    if a is None or b is None:
        return True
    return a.name.casefold() == b.name.casefold() or (
        bool(a.country) and a.country == b.country)


def _contains(day: tuple[str, str], month: tuple[str, str]) -> bool:
    return day[1] == DAY and month[1] == MONTH and day[0].startswith(month[0])


def _candidate_dates(anchors: list[Mention]) -> list[tuple[str, str]]:
    """Distinct (date, precision) of the anchors, a month dropped when a day inside it is also
    given ("in June" and "on June 12" are one date)."""
    dates = list(dict.fromkeys((a.date, a.precision) for a in anchors if a.date and a.precision))
    return [d for d in dates if not any(_contains(o, d) for o in dates if o != d)]


def _parties(m: Mention, countries: frozenset[str]) -> Optional[tuple]:
    """Who an event is between, as anchoring compares it: either way round for meetings, but
    visitor and host for visits (Kim's visit to Russia is not Putin's visit to North Korea)."""
    if m.family == "visit":
        return m.direction if countries == m.pair and all(m.direction) else None
    return tuple(sorted(countries))


def anchor_mentions(mentions: Iterable[Mention], pub_date: Optional[str]) -> int:
    """Give bare event nouns the date and place the article gives the same event; returns how
    many mentions were anchored.

    A mention is anchored when it is a bare event noun ("the summit", "the Trump and Kim
    meeting"), the sentence gives it no date, and the article dates an event of the same family
    between the same two countries elsewhere ("the June 12 summit", "will meet on June 12"), at
    day or month precision.  When the article dates
    several such events ("last June's summit in Singapore" and "the Hanoi summit on Feb. 27"), a
    mention placed in one of their places takes that one; otherwise the one still to come, if
    exactly one is; otherwise the mention is left as it is.  A planned mention never takes a
    date before publication.  A mention whose inherited date is after publication is planned
    (unless it is already hypothetical or negated: "if the summit happens", "cancelled the
    summit")."""
    mentions = list(mentions)
    anchors: dict[tuple, list[Mention]] = {}
    for m in mentions:
        if m.dated_by_text and m.precision in (DAY, MONTH) and len(m.pair) == 2 and m.family \
                and not m.several:
            key = _parties(m, m.pair)
            if key is not None:
                anchors.setdefault((m.family, key), []).append(m)
    if not anchors:
        return 0
    n = 0
    for m in mentions:
        fam = m.family
        if m.dated_by_text or len(m.pair) != 2 or not fam or m.several \
                or not receives(m.lemma, m.nominal):
            continue
        key = _parties(m, m.pair)
        # Only anchors naming both countries: a dated event of one of them ("a panel
        # discussion on Friday") is too often another event.
        found = anchors.get((fam, key), []) if key is not None else []
        if m.place is not None:
            found = [a for a in found if _same_place(a.place, m.place)]
        dates = _candidate_dates(found)
        if m.modality == PLANNED:
            dates = [d for d in dates if not _before_publication(d, pub_date)]
        if len(dates) > 1:
            upcoming = [d for d in dates if after_publication(d[0], d[1], pub_date)]
            dates = upcoming if len(upcoming) == 1 else []
        if len(dates) != 1:
            continue
        iso, precision = dates[0]
        m.date, m.precision, m.anchored = iso, precision, True
        if m.place is None:
            m.place = next((a.place for a in found if a.place is not None
                            and (a.date, a.precision) == dates[0]), None)
        if m.modality in ("occurred", "claimed") and after_publication(iso, precision, pub_date):
            m.modality = PLANNED
        n += 1
    return n


def _before_publication(d: tuple[str, str], pub_date: Optional[str]) -> bool:
    return _vs_publication(d[0], d[1], pub_date) == -1
