"""Where an event took place, when the sentence says so.

``find_place(sent, trigger)`` looks only at locative prepositional phrases hanging from the
trigger or from the verb that realises it ("met *in Geneva*", "a meeting ... *at the Vostochny
Cosmodrome in Russia's Far East*", "talks *in Pyongyang*"), plus the object of a visit
("visited *Pyongyang*") and the destination of travel and deployment ("a visit *to North
Korea*", "deployed troops *to Belarus*").  Because a place must be the object of such a
phrase, a capital used as an actor ("*Moscow* said", "talks *with Pyongyang*", "sanctions *on
Russia*") is never taken for a place.

The place is the most specific *named* location in the phrase: the entity itself
("Geneva"), a proper-noun facility the tagger missed ("Vostochny Cosmodrome"), or a name
inside a generic noun ("the Russian city *of Vladivostok*", "a school *in the Gaza Strip*").
Its country comes from :func:`detente.actors.lookup_country` on the name, or else on the
names around it: a possessive ("*Russia's* Far East"), an adjective ("the *Russian* city"),
an apposition ("Geneva, *Switzerland*"), a nested "in <country>", or a sibling locative
phrase ("at the Kremlin *in Moscow*").
"""
from __future__ import annotations

from typing import Callable, Iterable, Iterator

from spacy.tokens import Doc, Span, Token

from ..records import Place
from .modality import _REALISING_OBJECT_VERBS, governors

Lookup = Callable[[str], "str | None"]

# Ordered by how specific a place they usually introduce.
_LOCATIVE = ("at", "in", "inside", "near", "outside", "off", "across", "throughout", "within",
             "along", "on", "around", "aboard")
_PREP_RANK = {p: i for i, p in enumerate(_LOCATIVE)}
# "on" introduces places only for regions ("on the Korean Peninsula"), never for countries
# ("sanctions on Russia").
_ON_LABELS = {"LOC", "FAC"}
_PLACE_LABELS = {"GPE", "LOC", "FAC"}
# Travel and deployment put the event at the destination ("a visit to North Korea",
# "deployed troops to Belarus").  Not "send", whose object is as often a letter to a capital.
_MOVEMENT = {"visit", "trip", "travel", "journey", "tour", "arrive", "arrival", "fly", "go",
             "come", "return", "head", "deploy", "deployment", "dispatch", "sail", "voyage",
             "pilgrimage", "flight", "march", "advance", "redeploy", "relocate", "evacuate"}
# Verbs whose object is where they happen ("visited Pyongyang", "shelled Kharkiv").  Not
# "attack"/"hit"/"strike", which as often take an actor ("hit Russia with sanctions").
_VISITING = {"visit", "tour", "enter", "invade", "reach", "occupy", "raid", "storm", "bomb",
             "shell", "seize", "capture", "liberate", "besiege", "bombard", "overrun"}
# Heads that make an untagged proper noun a place: "Vostochny Cosmodrome", "Red Square".
_PLACE_HEADS = {
    "cosmodrome", "spaceport", "palace", "square", "airport", "airbase", "base", "port",
    "harbor", "harbour", "hall", "hotel", "center", "centre", "stadium", "park", "bridge",
    "border", "island", "islands", "peninsula", "sea", "strait", "gulf", "bay", "ocean",
    "river", "lake", "mountain", "mountains", "valley", "desert", "region", "province",
    "prefecture", "oblast", "krai", "district", "county", "city", "town", "village", "camp",
    "zone", "corridor", "station", "plant", "facility", "site", "complex", "compound",
    "embassy", "consulate", "building", "tower", "cathedral", "mosque", "temple", "church",
    "university", "academy", "range", "field", "coast", "shore", "territory", "territories",
    "heights", "strip", "shipyard", "dam", "reactor", "crossing", "checkpoint", "garrison",
    "fortress", "kremlin",
}
_GENERIC_HEADS = _PLACE_HEADS | {"area", "location", "venue", "resort", "estate"}


def _default_lookup() -> Lookup | None:
    try:
        from ..actors import lookup_country
    except ImportError:  # actors stage not installed yet: places keep no country
        return None
    return lookup_country


def entities_by_token(doc: Doc) -> dict[int, Span]:
    """Token index -> the named entity covering it, for the whole Doc, computed once and
    cached on it.  (``Span.ents`` rebuilds every entity of the Doc on each access, which made
    per-event look-ups quadratic in article length.)"""
    cached = doc.user_data.get("detente.entities_by_token")
    if cached is None:
        cached = {t.i: ent for ent in doc.ents for t in ent}
        doc.user_data["detente.entities_by_token"] = cached
    return cached


def _strip_det(span: Span) -> Span:
    start = span.start
    while start < span.end - 1 and span.doc[start].dep_ in ("det", "case") and \
            span.doc[start].lower_ in ("the", "a", "an"):
        start += 1
    return span.doc[start:span.end]


def _proper_name(tok: Token) -> Span:
    """The head noun with its proper-noun modifiers: "Vostochny Cosmodrome"."""
    start = tok.i
    for child in reversed(list(tok.lefts)):
        if child.dep_ in ("compound", "amod", "nmod", "flat") and child.i == start - 1 \
                and (child.pos_ == "PROPN" or child.is_title):
            start = child.i
        else:
            break
    return tok.doc[start:tok.i + 1]


class _Candidate:
    __slots__ = ("name", "node", "rank")

    def __init__(self, name: Span, node: Token, rank: tuple[int, int, int]):
        self.name, self.node, self.rank = name, node, rank


def _named_place(node: Token, ents: dict[int, Span], prep: str, lookup: Lookup | None,
                 depth: int = 0) -> Span | None:
    """The named place a prepositional object (or a visited object) denotes, or None."""
    ent = ents.get(node.i)
    if ent is not None:
        if ent.label_ in _PLACE_LABELS and (prep != "on" or ent.label_ in _ON_LABELS):
            return _strip_det(ent)
        if ent.label_ == "ORG" and (prep == "at" or node.lower_ in _PLACE_HEADS):
            return _strip_det(ent)
    lemma = node.lemma_.lower()
    if node.pos_ == "PROPN":
        name = _strip_det(ent) if ent is not None else _proper_name(node)
        if lemma in _PLACE_HEADS or node.lower_ in _PLACE_HEADS:
            return name
        # The tagger calls some cities people ("Kharkiv"); the gazetteer knows better.
        if prep != "on" and lookup is not None and lookup(name.text):
            return name
    if ent is not None and ent.label_ not in ("ORG",):
        return None
    if depth < 2 and node.pos_ in ("NOUN", "PROPN"):
        # "the Russian city of Vladivostok", "a school in the Gaza Strip"
        for child in node.children:
            if child.dep_ == "prep" and (
                    (child.lower_ == "of" and lemma in _GENERIC_HEADS) or child.lower_ in ("in", "at")):
                for obj in child.children:
                    if obj.dep_ == "pobj":
                        inner = _named_place(obj, ents, child.lower_, lookup, depth + 1)
                        if inner is not None:
                            return inner
    return None


def _anchors(trigger: Token) -> Iterator[tuple[Token, int]]:
    yield trigger, 0
    for gov in governors(trigger):
        # The verb that realises a nominal trigger, or whose object it is, locates it too
        # (the parser often hangs a noun's place on the verb); other clauses do not.
        if (gov.slot == "object" and gov.distance == 1) or (
                gov.slot in ("conj", "subject", "object") and gov.scoped):
            yield gov.token, gov.distance
        elif gov.slot != "purpose":
            return


def _candidates(trigger: Token, ents: dict[int, Span], lookup: Lookup | None
                ) -> Iterator[_Candidate]:
    lemma = trigger.lemma_.lower()
    for anchor, level in _anchors(trigger):
        yield from _phrases(anchor, level, lemma, ents, lookup)
        if level == 0 and anchor.pos_ in ("VERB", "AUX"):
            for child in anchor.children:
                if child.dep_ != "dobj":
                    continue
                if lemma in _VISITING:  # "visited Pyongyang", "shelled the city of Kharkiv"
                    name = _named_place(child, ents, "dobj", lookup)
                    if name is not None:
                        yield _Candidate(name, child, (0, 1, child.i))
                elif lemma in _REALISING_OBJECT_VERBS:  # "held talks ... in Pyongyang"
                    yield from _phrases(child, 1, child.lemma_.lower(), ents, lookup)


def _phrases(anchor: Token, level: int, lemma: str, ents: dict[int, Span],
             lookup: Lookup | None) -> Iterator[_Candidate]:
    for child in anchor.children:
        prep = child.lower_
        if child.dep_ != "prep" or not (prep in _PREP_RANK or (prep == "to" and lemma in _MOVEMENT)):
            continue
        for obj in child.children:
            if obj.dep_ == "pobj":
                name = _named_place(obj, ents, prep, lookup)
                if name is not None:
                    yield _Candidate(name, obj, (level, _PREP_RANK.get(prep, 1), child.i))


def _country_of(candidate: _Candidate, others: Iterable[_Candidate], lookup: Lookup | None,
                ents: dict[int, Span]) -> str | None:
    if lookup is None:
        return None
    code = lookup(candidate.name.text)
    if code:
        return code
    # Names around the place, nearest first: its own subtree (possessive, adjective,
    # apposition, nested "in ..."), then sibling locative phrases.
    node = candidate.node
    subtree = sorted((t for t in node.subtree if t.i not in range(candidate.name.start,
                                                                   candidate.name.end)),
                     key=lambda t: abs(t.i - node.i))
    seen: set[int] = set()
    for tok in subtree:
        ent = ents.get(tok.i)
        if ent is None or ent.start in seen or ent.label_ not in ("GPE", "LOC", "NORP", "FAC"):
            if ent is None and tok.pos_ == "ADJ" and tok.dep_ == "amod":
                code = lookup(tok.text)
                if code:
                    return code
            continue
        seen.add(ent.start)
        code = lookup(_strip_det(ent).text)
        if code:
            return code
    for other in others:
        if other is not candidate:
            code = lookup(other.name.text)
            if code:
                return code
    return None


def find_place(sent: Span, trigger: Token, *, lookup: Lookup | None = None) -> Place | None:
    """The place of the event, with its ISO3 country when it can be told; None when the
    sentence names none.  ``lookup`` defaults to :func:`detente.actors.lookup_country`."""
    ents = entities_by_token(sent.doc)
    lookup = lookup if lookup is not None else _default_lookup()
    candidates = list(_candidates(trigger, ents, lookup))
    if not candidates:
        return None
    best = min(candidates, key=lambda c: c.rank)
    same_level = [c for c in candidates if c.rank[0] == best.rank[0]]
    country = _country_of(best, same_level, lookup, ents)
    return Place(best.name.text, country, best.name.start_char, best.name.end_char)
